// A job's analyses (GET /actions/jobs/{id}/analyses), newest first, and the
// Analyze button (POST …/analyze, an admin token when tokens are set) that
// adds one on top. The Markdown is read into text blocks, never into HTML.
import { useState } from "preact/hooks";
import { api, canWrite } from "../../api";
import { Empty, ErrorBox, Loading, Section } from "../../components/ui";
import { useAction, useAsync } from "../../hooks";
import { jobHref, markdownBlocks, type JobView, type Span, type StoredAnalysis } from "../../lib/actions";
import { formatTime } from "../../lib/format";
import { Link } from "../../router";
import { useSession } from "../../session";

const SEVERITY_CLASS = { error: "bad", warning: "warn", info: "info" } as const;

export function Analyses(props: { job: JobView }) {
  const id = props.job.github_job_id;
  const list = useAsync(() => api.get<{ analyses: StoredAnalysis[] }>(`/actions/jobs/${id}/analyses`), [id]);
  const [added, setAdded] = useState<StoredAnalysis[]>([]);
  const analyze = useAction<StoredAnalysis>();
  const session = useSession();
  const shown = [...added, ...(list.data?.analyses ?? []).filter((a) => !added.some((b) => b.id === a.id))];
  return (
    <Section
      title="Analyses"
      id="analyses"
      actions={
        canWrite(session) ? (
          <button
            type="button"
            class="primary"
            disabled={analyze.busy}
            onClick={async () => {
              const made = await analyze.run(() => api.post<StoredAnalysis>(`/actions/jobs/${id}/analyze`));
              if (made) setAdded((a) => [made, ...a]);
            }}
          >
            {analyze.busy ? "Analyzing…" : "Analyze"}
          </button>
        ) : (
          session && <span class="muted">An admin token may analyze this job.</span>
        )
      }
    >
      {analyze.error && <ErrorBox error={analyze.error} />}
      {list.error && <ErrorBox error={list.error} retry={list.reload} />}
      {!list.data && !list.error && <Loading what="analyses" />}
      {list.data && shown.length === 0 && (
        <Empty>
          No analysis yet. <em>Analyze</em> asks the configured LLM about the job's steps, log, runner samples and the benchmark changes filed on its run;
          without one (or when it fails) it looks at the failed step, the slowest steps, the wait for a runner and the samples itself.
        </Empty>
      )}
      {shown.map((a) => (
        <article key={a.id} class="analysis" aria-label={`Analysis ${a.id}`}>
          <p class="muted">
            <span class="badge info">{a.kind}</span>
            {a.model && <> {a.model}</>} · {formatTime(a.created_at)} · #{a.id}
          </p>
          {a.fallback_reason && (
            <p class="muted" role="note">
              Made without the LLM: {a.fallback_reason}
            </p>
          )}
          <Markdown text={a.markdown} />
          {a.findings.some((f) => f.step !== null) && (
            <p class="muted">
              Steps named:{" "}
              {[...new Set(a.findings.filter((f) => f.step !== null).map((f) => f.step as number))].map((n) => (
                <span key={n}>
                  <Link href={jobHref(id, { step: n })}>step {n}</Link>{" "}
                </span>
              ))}
            </p>
          )}
          <details>
            <summary>Findings ({a.findings.length})</summary>
            <ul>
              {a.findings.map((f, i) => (
                <li key={i}>
                  <span class={`badge ${SEVERITY_CLASS[f.severity] ?? "muted"}`}>{f.severity}</span> <code>{f.kind}</code> {f.message}
                </li>
              ))}
            </ul>
          </details>
        </article>
      ))}
    </Section>
  );
}

function Spans(props: { spans: Span[] }) {
  return (
    <>
      {props.spans.map((s, i) => (s.bold ? <strong key={i}>{s.text}</strong> : s.code ? <code key={i}>{s.text}</code> : <span key={i}>{s.text}</span>))}
    </>
  );
}

/** Headings, bullets and paragraphs as elements holding text. */
function Markdown(props: { text: string }) {
  const blocks = markdownBlocks(props.text);
  const out = [];
  for (let i = 0; i < blocks.length; ) {
    const b = blocks[i];
    if (b.kind === "item") {
      const items = [];
      for (; i < blocks.length && blocks[i].kind === "item"; i++) items.push(blocks[i]);
      out.push(
        <ul key={i}>
          {items.map((it, k) => (
            <li key={k}>
              <Spans spans={it.spans} />
            </li>
          ))}
        </ul>,
      );
      continue;
    }
    out.push(
      b.kind === "heading" ? (
        <h3 key={i}>
          <Spans spans={b.spans} />
        </h3>
      ) : (
        <p key={i}>
          <Spans spans={b.spans} />
        </p>
      ),
    );
    i++;
  }
  return <div class="markdown">{out}</div>;
}
