// One job: what it ran on and when, its steps on the job's time line (the
// failed one marked), its log, its runner's resources and its analyses.
import { api } from "../../api";
import { ErrorBox, Facts, Loading, Section } from "../../components/ui";
import { useAsync } from "../../hooks";
import { failedStep, jobHref, repositoryHref, runHref, stepBars, type JobView } from "../../lib/actions";
import { formatDuration, formatTime } from "../../lib/format";
import { logView, type JobLog } from "../../lib/actionsLog";
import { Link, setQuery, useLocation } from "../../router";
import { Analyses } from "./Analyses";
import { LogViewer } from "./LogViewer";
import { Crumbs, Outcome } from "./parts";
import { Resources } from "./Resources";

export function JobPage(props: { id: number }) {
  const { query } = useLocation();
  const job = useAsync(() => api.get<JobView>(`/actions/jobs/${props.id}`), [props.id]);
  if (job.error) return <ErrorBox error={job.error} retry={job.reload} />;
  if (!job.data) return <Loading what="the job" />;
  const j = job.data;
  const view = logView(query);
  return (
    <>
      <Crumbs repository={j.repository} run={{ id: j.github_run_id, attempt: j.run_attempt }} />
      <h1>
        {j.job_name} <Outcome status={j.status} conclusion={j.conclusion} />
      </h1>
      <Section title="Job" id="job">
        <JobFacts job={j} />
      </Section>
      <Section title="Steps" id="steps">
        <Steps job={j} selected={view.step} />
      </Section>
      <LogViewer job={j} view={view} />
      <Resources job={j} />
      <Analyses job={j} />
    </>
  );
}

function JobFacts(props: { job: JobView }) {
  const j = props.job;
  const runner = j.runner_name ? [j.runner_name, j.runner_group_name && `group ${j.runner_group_name}`, j.runner_id !== null && `id ${j.runner_id}`].filter(Boolean).join(" · ") : "none yet";
  return (
    <Facts
      label="Job"
      rows={[
        ["Repository", <Link href={repositoryHref(j.repository)}>{j.repository}</Link>],
        [
          "Run",
          <>
            <Link href={runHref(j.repository, j.github_run_id, j.run_attempt)}>{j.github_run_id}</Link>
            <span class="muted"> attempt {j.run_attempt}</span>
          </>,
        ],
        ["Workflow", j.workflow_name ?? "–"],
        ["Branch", j.head_branch ?? "–"],
        ["Commit", j.head_sha ? <code>{j.head_sha}</code> : "–"],
        ["Runner", runner],
        [
          "Labels",
          j.labels.length
            ? j.labels.map((l) => (
                <span key={l} class="badge" style={{ marginRight: "0.25rem" }}>
                  {l}
                </span>
              ))
            : "–",
        ],
        ["Queued", `${formatTime(j.job_created_at)} (waited ${formatDuration(j.queued_seconds)})`],
        ["Started", formatTime(j.started_at)],
        ["Completed", `${formatTime(j.completed_at)} (took ${formatDuration(j.duration_seconds)})`],
        ["Outcome", <Outcome status={j.status} conclusion={j.conclusion} />],
        [
          "On GitHub",
          j.html_url ? (
            <a href={j.html_url} target="_blank" rel="noopener noreferrer">
              {j.html_url}
            </a>
          ) : (
            "–"
          ),
        ],
      ]}
    />
  );
}

function Steps(props: { job: JobView; selected: number | null }) {
  const j = props.job;
  if (j.steps.length === 0) return <p class="muted">No step was reported (GitHub sends a job's steps with its in_progress and completed events).</p>;
  const bars = stepBars(j.steps, j.started_at, j.completed_at);
  const failed = failedStep(j.steps);
  return (
    <div class="table-wrap">
      <table aria-label="Steps">
        <thead>
          <tr>
            <th class="num">#</th>
            <th>Step</th>
            <th>Outcome</th>
            <th>Started</th>
            <th class="num">Took</th>
            <th style={{ width: "35%" }}>Time line</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {bars.map((b) => (
            <tr
              key={b.step.number}
              data-step={b.step.number}
              class={[b.failed ? "step-failed" : "", props.selected === b.step.number ? "step-selected" : ""].join(" ").trim() || undefined}
              aria-current={props.selected === b.step.number ? "step" : undefined}
            >
              <td class="num">{b.step.number}</td>
              <td>
                {b.step.name}
                {b.step.number === failed && <strong class="bad-text"> ← failed here</strong>}
              </td>
              <td>
                <Outcome status={b.step.status} conclusion={b.step.conclusion} />
              </td>
              <td>{b.step.started_at ? formatTime(b.step.started_at) : "–"}</td>
              <td class="num">{formatDuration(b.seconds)}</td>
              <td>
                <div class="step-bar" role="img" aria-label={`${b.step.name}: ${formatDuration(b.seconds)}`}>
                  <span class={b.failed ? "bad" : undefined} style={{ left: `${(b.left * 100).toFixed(2)}%`, width: `max(2px, ${(b.width * 100).toFixed(2)}%)` }} />
                </div>
              </td>
              <td>
                <a
                  href={jobHref(j.github_job_id, { step: b.step.number })}
                  aria-label={`Log of step ${b.step.number}`}
                  onClick={(e) => {
                    if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
                    // keep the search and the timestamps switch; a new step starts at its top
                    e.preventDefault();
                    setQuery({ step: String(b.step.number), at: null }, false);
                    document.getElementById("log")?.scrollIntoView({ block: "start" });
                  }}
                >
                  Log
                </a>
                {b.failed && (
                  <>
                    {" · "}
                    <button type="button" class="link" aria-label={`Error of step ${b.step.number}`} onClick={() => showError(j.github_job_id, b.step.number)}>
                      error
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Shows a failed step's log at its first `##[error]` line (at its top when it has none). */
async function showError(job: number, step: number): Promise<void> {
  let at: number | null = null;
  try {
    const found = await api.get<JobLog>(`/actions/jobs/${job}/logs`, { step, q: "##[error]" });
    at = found.matches?.[0]?.start ?? null;
  } catch {
    // no log, or none of this step: the viewer says so
  }
  setQuery({ step: String(step), at: at === null ? null : String(at) }, false);
  document.getElementById("log")?.scrollIntoView({ block: "start" });
}
