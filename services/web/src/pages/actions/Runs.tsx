// A repository's workflow runs (status, conclusion, branch and workflow
// filters and the page in the URL) and one run's jobs.
import { api } from "../../api";
import { Choice, Empty, ErrorBox, Loading, Section } from "../../components/ui";
import { useAsync } from "../../hooks";
import {
  RUNS_PAGE,
  RUN_CONCLUSIONS,
  RUN_FILTER_KEYS,
  RUN_STATUSES,
  attemptOf,
  failedStep,
  isFailure,
  jobHref,
  repositoryApi,
  runHref,
  runSeconds,
  runsView,
  type JobView,
  type RunSummary,
} from "../../lib/actions";
import { formatDuration, formatTime } from "../../lib/format";
import { pageOf } from "../../lib/runs";
import { Link, setQuery, useLocation } from "../../router";
import { Crumbs, Outcome } from "./parts";

/** A text filter applied when it changes (Enter or leaving the field). */
function TextFilter(props: { label: string; value: string; onChange: (v: string) => void }) {
  return (
    <label>
      {props.label}
      <input key={props.value} defaultValue={props.value} onChange={(e) => props.onChange(e.currentTarget.value.trim())} />
    </label>
  );
}

export function RepositoryRuns(props: { owner: string; name: string }) {
  const { query } = useLocation();
  const { filters, offset } = runsView(query);
  const repository = `${props.owner}/${props.name}`;
  const runs = useAsync(
    () => api.get<{ runs: RunSummary[]; total: number }>(`${repositoryApi(props.owner, props.name)}/runs`, { ...filters, offset, limit: RUNS_PAGE }),
    [repository, filters, offset],
  );
  const page = runs.data ? pageOf(offset, RUNS_PAGE, runs.data.total) : null;
  const filtered = Object.keys(filters).length > 0;
  return (
    <>
      <Crumbs owner={props.owner} />
      <h1>{repository}</h1>
      <Section title="Filters" id="run-filters">
        <form class="row" onSubmit={(e) => e.preventDefault()}>
          <Choice label="Status" value={filters.status ?? ""} options={RUN_STATUSES} onChange={(v) => setQuery({ status: v, offset: null })} />
          <Choice label="Conclusion" value={filters.conclusion ?? ""} options={RUN_CONCLUSIONS} onChange={(v) => setQuery({ conclusion: v, offset: null })} />
          <TextFilter label="Branch" value={filters.branch ?? ""} onChange={(v) => setQuery({ branch: v, offset: null })} />
          <TextFilter label="Workflow" value={filters.workflow ?? ""} onChange={(v) => setQuery({ workflow: v, offset: null })} />
          <button type="button" disabled={!filtered && !offset} onClick={() => setQuery(Object.fromEntries([...RUN_FILTER_KEYS, "offset"].map((k) => [k, null])))}>
            Clear filters
          </button>
        </form>
      </Section>
      <Section title="Workflow runs" id="runs" actions={page && <span class="muted">{page.label}</span>}>
        {runs.error && <ErrorBox error={runs.error} retry={runs.reload} />}
        {!runs.data && !runs.error && <Loading what="runs" />}
        {runs.data && runs.data.runs.length === 0 && <Empty>{filtered ? "No run matches these filters." : `No run of ${repository} was recorded.`}</Empty>}
        {runs.data && runs.data.runs.length > 0 && <RunTable runs={runs.data.runs} />}
        {page && (page.prev !== null || page.next !== null) && (
          <div class="actions" style={{ marginTop: "0.75rem" }}>
            <button type="button" disabled={page.prev === null} onClick={() => setQuery({ offset: page.prev ? String(page.prev) : null }, false)}>
              ← Newer
            </button>
            <button type="button" disabled={page.next === null} onClick={() => setQuery({ offset: String(page.next) }, false)}>
              Older →
            </button>
          </div>
        )}
      </Section>
    </>
  );
}

function RunTable(props: { runs: RunSummary[] }) {
  return (
    <div class="table-wrap">
      <table aria-label="Workflow runs">
        <thead>
          <tr>
            <th>Run</th>
            <th>Workflow</th>
            <th>Outcome</th>
            <th>Branch</th>
            <th>Commit</th>
            <th>Event</th>
            <th class="num">Jobs</th>
            <th>Created</th>
            <th class="num">Took</th>
          </tr>
        </thead>
        <tbody>
          {props.runs.map((r) => (
            <tr key={`${r.github_run_id}-${r.run_attempt}`} data-run={r.github_run_id}>
              <td>
                <Link href={runHref(r.repository, r.github_run_id, r.run_attempt)}>{r.run_number !== null ? `#${r.run_number}` : String(r.github_run_id)}</Link>
                {r.run_attempt > 1 && <span class="muted"> attempt {r.run_attempt}</span>}
              </td>
              <td>{r.workflow_name ?? "–"}</td>
              <td>
                <Outcome status={r.status} conclusion={r.conclusion} />
              </td>
              <td>{r.head_branch ?? "–"}</td>
              <td>{r.head_sha ? <code title={r.head_sha}>{r.head_sha.slice(0, 8)}</code> : "–"}</td>
              <td>{r.event ?? "–"}</td>
              <td class="num">
                {r.failed_jobs > 0 && <span class="badge bad">{r.failed_jobs} failed</span>} {r.jobs}
              </td>
              <td>{formatTime(r.run_created_at)}</td>
              <td class="num">{formatDuration(runSeconds(r))}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function RunPage(props: { owner: string; name: string; run: number }) {
  const { query } = useLocation();
  const asked = attemptOf(query);
  const repository = `${props.owner}/${props.name}`;
  const jobs = useAsync(
    () => api.get<{ jobs: JobView[] }>(`${repositoryApi(props.owner, props.name)}/runs/${props.run}/jobs`, { attempt: asked }),
    [repository, props.run, asked],
  );
  const first = jobs.data?.jobs[0];
  const attempt = first?.run_attempt ?? asked;
  return (
    <>
      <Crumbs repository={repository} />
      <h1>
        Run {props.run}
        {attempt && <span class="muted"> · attempt {attempt}</span>}
      </h1>
      {jobs.error && <ErrorBox error={jobs.error} retry={jobs.reload} />}
      {!jobs.data && !jobs.error && <Loading what="the run's jobs" />}
      {first && (
        <p>
          {first.workflow_name ?? "a workflow"}
          {first.head_branch && (
            <>
              {" "}
              on <strong>{first.head_branch}</strong>
            </>
          )}
          {first.head_sha && (
            <>
              {" "}
              at <code title={first.head_sha}>{first.head_sha.slice(0, 8)}</code>
            </>
          )}
          {attempt !== null && attempt > 1 && (
            <span class="muted">
              {" "}
              · other attempts:{" "}
              {Array.from({ length: attempt - 1 }, (_, i) => i + 1).map((a) => (
                <Link key={a} href={runHref(repository, props.run, a)}>
                  {a}{" "}
                </Link>
              ))}
            </span>
          )}
          {asked !== null && (
            <>
              {" "}
              · <Link href={runHref(repository, props.run)}>newest attempt</Link>
            </>
          )}
        </p>
      )}
      {jobs.data && (
        <Section title="Jobs" id="jobs">
          <div class="table-wrap">
            <table aria-label="Jobs">
              <thead>
                <tr>
                  <th>Job</th>
                  <th>Outcome</th>
                  <th>Failed step</th>
                  <th>Runner</th>
                  <th>Labels</th>
                  <th class="num">Queued</th>
                  <th class="num">Took</th>
                  <th>Started</th>
                  <th>Log</th>
                </tr>
              </thead>
              <tbody>
                {jobs.data.jobs.map((j) => {
                  const failed = failedStep(j.steps);
                  const step = j.steps.find((s) => s.number === failed);
                  return (
                    <tr key={j.github_job_id} data-job={j.github_job_id}>
                      <td>
                        <Link href={jobHref(j.github_job_id)}>{j.job_name}</Link>
                      </td>
                      <td>
                        <Outcome status={j.status} conclusion={j.conclusion} />
                      </td>
                      <td>{step ? <Link href={jobHref(j.github_job_id, { step: step.number })}>{step.name}</Link> : isFailure(j.conclusion) ? "–" : ""}</td>
                      <td>
                        {j.runner_name ?? <span class="muted">none yet</span>}
                        {j.runner_group_name && <span class="muted"> ({j.runner_group_name})</span>}
                      </td>
                      <td>
                        {j.labels.map((l) => (
                          <span key={l} class="badge" style={{ marginRight: "0.25rem" }}>
                            {l}
                          </span>
                        ))}
                      </td>
                      <td class="num">{formatDuration(j.queued_seconds)}</td>
                      <td class="num">{formatDuration(j.duration_seconds)}</td>
                      <td>{formatTime(j.started_at)}</td>
                      <td>{j.log_state === "stored" ? <Link href={jobHref(j.github_job_id)}>stored</Link> : <span class="muted">{j.log_state ?? "–"}</span>}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </Section>
      )}
    </>
  );
}
