// A job's log, read a chunk at a time from GET /actions/jobs/{id}/logs: the
// whole log or one step's part (`step`), a search over the whole log (`q`)
// whose matches jump to their step and line (`at`), more on demand, and the
// timestamps dimmed or hidden (`times=off`). Every line is text: the log is
// never read as HTML.
import { useEffect, useState } from "preact/hooks";
import { ApiError, api } from "../../api";
import { ErrorBox, Loading, Section } from "../../components/ui";
import { useAction, useAsync, useInterval } from "../../hooks";
import { formatBytes, type JobView } from "../../lib/actions";
import {
  LOG_CHUNK,
  classifyLine,
  firstLength,
  lineAt,
  logStateMessage,
  matchesByStep,
  nextStart,
  selection,
  shortTime,
  splitLog,
  type JobLog,
  type LogView,
  type NumberedLine,
} from "../../lib/actionsLog";
import { formatTime } from "../../lib/format";
import { setQuery } from "../../router";

const PREFIX: Partial<Record<NumberedLine["kind"], string>> = { error: "Error: ", warning: "Warning: ", notice: "Notice: " };

export function LogViewer(props: { job: JobView; view: LogView }) {
  const { job, view } = props;
  const path = `/actions/jobs/${job.github_job_id}/logs`;
  // the first chunk of the selection, and as far as the line jumped to
  const head = useAsync(async () => {
    const first = await api.get<JobLog>(path, { step: view.step, length: LOG_CHUNK });
    const chunks = [first];
    const sel = selection(first, view.step);
    if (first.state === "stored" && view.at !== null && view.at >= first.end && view.at < sel.end) {
      const start = first.end - sel.start;
      chunks.push(await api.get<JobLog>(path, { step: view.step, start, length: firstLength(view.at, first.end) }));
    }
    return chunks;
  }, [path, view.step, view.at]);
  const key = JSON.stringify([path, view.step, view.at]);
  const [more, setMore] = useState<{ key: string; chunks: JobLog[] }>({ key, chunks: [] });
  const loading = useAction<JobLog>();
  const search = useAsync(() => (view.q ? api.get<JobLog>(path, { q: view.q }) : Promise.resolve(null)), [path, view.q]);
  const pending = head.data?.[0].state === "pending";
  useInterval(head.reload, 15_000, pending);

  const chunks = [...(head.data ?? []), ...(more.key === key ? more.chunks : [])];
  const log = chunks[0];
  const lines = log?.state === "stored" ? splitLog(chunks.map((c) => c.text ?? "").join(""), log.start, log.first_line) : [];
  const hit = lineAt(lines, view.at);
  const loadedEnd = chunks.length ? chunks[chunks.length - 1].end : 0;
  const next = log ? nextStart(log, view.step, loadedEnd) : null;

  useEffect(() => {
    if (hit) document.querySelector(".log-hit")?.scrollIntoView({ block: "center" });
  }, [hit?.start, head.data]);

  const loadMore = async () => {
    if (next === null) return;
    const chunk = await loading.run(() => api.get<JobLog>(path, { step: view.step, start: next, length: LOG_CHUNK }));
    if (chunk) setMore((m) => ({ key, chunks: [...(m.key === key ? m.chunks : []), chunk] }));
  };

  // a 404: no log of the job, or (with a step) no such step in it
  const notFound = head.error instanceof ApiError && head.error.status === 404;
  const sel = log ? selection(log, view.step) : null;
  return (
    <Section title="Log" id="log">
      {notFound && view.step === null && (
        <p class="muted">No log is recorded for this job: wfm-collector fetches a job's log from GitHub when its completion arrives (it needs a GitHub App or token).</p>
      )}
      {notFound && view.step !== null && (
        <p class="notice" role="status">
          {head.error!.message}.{" "}
          <button type="button" class="link" onClick={() => setQuery({ step: null, at: null }, false)}>
            Show the whole log
          </button>
        </p>
      )}
      {head.error && !notFound && <ErrorBox error={head.error} retry={head.reload} />}
      {!head.data && !head.error && <Loading what="the log" />}
      {log && log.state !== "stored" && (
        <p class="notice" role="status">
          {logStateMessage(log)}
        </p>
      )}
      {log && log.state === "stored" && sel && (
        <>
          <form
            class="row"
            role="search"
            aria-label="Log"
            onSubmit={(e) => {
              e.preventDefault();
              const q = new FormData(e.currentTarget).get("q");
              setQuery({ q: typeof q === "string" ? q.trim() : null, at: null }, false);
            }}
          >
            <label>
              Step
              <select aria-label="Step" value={view.step === null ? "" : String(view.step)} onChange={(e) => setQuery({ step: e.currentTarget.value || null, at: null }, false)}>
                <option value="">all steps</option>
                {log.steps.map((s) => (
                  <option key={s.number} value={String(s.number)}>
                    {s.number}. {s.name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Search the log
              <input name="q" type="search" key={view.q} defaultValue={view.q} placeholder="text in any step" />
            </label>
            <button type="submit">Search</button>
            {view.q && (
              <button type="button" onClick={() => setQuery({ q: null, at: null }, false)}>
                Clear search
              </button>
            )}
            <label class="check">
              <input type="checkbox" checked={view.times} onChange={(e) => setQuery({ times: e.currentTarget.checked ? null : "off" })} />
              Timestamps
            </label>
          </form>
          {view.q && <Matches search={search.data ?? undefined} error={search.error} q={view.q} at={view.at} />}
          <p class="muted">
            {formatBytes(loadedEnd - sel.start)} of {formatBytes(sel.end - sel.start)} shown
            {view.step !== null && " (this step)"}
            {log.truncated && ` · GitHub's log was ${formatBytes(log.original_size)}: its first and last lines were kept (${formatBytes(log.size)}), a marker line says what was left out`}
            {log.fetched_at && ` · fetched ${formatTime(log.fetched_at)}`}
          </p>
          <div class={`log${view.times ? "" : " log-no-times"}`} role="region" aria-label={`Log of ${job.job_name}`} tabIndex={0}>
            {lines.map((l) =>
              l.kind === "endgroup" ? null : (
                <div key={l.start} class={`log-line log-${l.kind}${hit?.start === l.start ? " log-hit" : ""}`} data-offset={l.start}>
                  <span class="log-no" aria-hidden="true">
                    {l.no}
                  </span>
                  {l.time && (
                    <span class="log-ts" title={l.time}>
                      {shortTime(l.time)}
                    </span>
                  )}
                  <span class="log-text">
                    {PREFIX[l.kind] ?? ""}
                    {l.text}
                  </span>
                </div>
              ),
            )}
          </div>
          {loading.error && <ErrorBox error={loading.error} />}
          {next !== null && (
            <div class="actions" style={{ marginTop: "0.5rem" }}>
              <button type="button" disabled={loading.busy} onClick={loadMore}>
                {loading.busy ? "Loading…" : `Load more (${formatBytes(Math.min(LOG_CHUNK, sel.end - loadedEnd))})`}
              </button>
            </div>
          )}
        </>
      )}
    </Section>
  );
}

function Matches(props: { search: JobLog | null | undefined; error: Error | undefined; q: string; at: number | null }) {
  const { search } = props;
  if (props.error) return <ErrorBox error={props.error} />;
  if (!search) return <Loading what="matches" />;
  const matches = search.matches ?? [];
  const count = search.match_count ?? matches.length;
  return (
    <div class="log-matches" aria-label="Search results" role="region">
      <p>
        <strong>{count}</strong> line{count === 1 ? "" : "s"} of the whole log match “{props.q}”
        {count > matches.length && <span class="muted"> (the first {matches.length} listed)</span>}
      </p>
      {matchesByStep(matches, search.steps).map((g) => (
        <div key={`${g.step?.number ?? "none"}-${g.matches[0].start}`}>
          <h3>{g.step ? `Step ${g.step.number}: ${g.step.name}` : "Outside the steps"}</h3>
          <ul>
            {g.matches.map((m) => (
              <li key={m.start}>
                <button
                  type="button"
                  class="link"
                  aria-current={props.at === m.start ? "true" : undefined}
                  onClick={() => setQuery({ step: g.step ? String(g.step.number) : null, at: String(m.start) }, false)}
                >
                  <code title={`line ${m.line} of the whole log`}>{classifyLine(m.text).text}</code>
                </button>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </div>
  );
}
