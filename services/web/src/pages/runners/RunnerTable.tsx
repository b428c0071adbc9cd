// A runner set's runners, through one bound config (GET /configs/{id}/runners):
// status filter and paging in the URL (config, status, offset).
import { api } from "../../api";
import { useAsync } from "../../hooks";
import { Link, setQuery, useLocation } from "../../router";
import { Empty, ErrorBox, Loading, Status } from "../../components/ui";
import { formatDuration, formatTime } from "../../lib/format";
import { RUNNER_STATUSES, runnerSeconds, type ConfigRef, type RunnerPage } from "../../lib/runners";

const PAGE = 50;

export function RunnerTable(props: { configs: ConfigRef[]; now: number }) {
  const { query } = useLocation();
  const chosen = props.configs.find((c) => String(c.id) === query.get("config")) ?? props.configs[0];
  const status = RUNNER_STATUSES.includes(query.get("status") ?? "") ? query.get("status")! : "all";
  const offset = Math.max(0, Number(query.get("offset")) || 0);

  const runners = useAsync(
    () => api.get<RunnerPage>(`/configs/${chosen.id}/runners`, { status: status === "all" ? null : status, offset, limit: PAGE }),
    [chosen.id, status, offset, props.now],
  );
  const page = runners.data;

  return (
    <>
      <div class="row" style={{ marginBottom: "0.75rem" }}>
        {props.configs.length > 1 && (
          <label>
            Through config
            <select value={String(chosen.id)} onChange={(e) => setQuery({ config: e.currentTarget.value, offset: null }, false)}>
              {props.configs.map((c) => (
                <option value={String(c.id)}>
                  {c.name} (#{c.id})
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          Status
          <select value={status} onChange={(e) => setQuery({ status: e.currentTarget.value === "all" ? null : e.currentTarget.value, offset: null }, false)}>
            {RUNNER_STATUSES.map((s) => (
              <option value={s}>{s}</option>
            ))}
          </select>
        </label>
        <span class="muted">
          Bound config: <Link href={`/configs/${chosen.id}`}>{chosen.name}</Link>
          {!chosen.enabled && " (disabled)"}
        </span>
      </div>
      {runners.error && <ErrorBox error={runners.error} retry={runners.reload} />}
      {!page && !runners.error && <Loading what="runners" />}
      {page && page.total === 0 && (
        <Empty>
          No runners{status !== "all" ? ` with status ${status}` : ""} recorded for this set yet. ARC creates one per job; wfm-scanner
          records it as it appears.
        </Empty>
      )}
      {page && page.total > 0 && (
        <>
          <div class="table-wrap">
            <table aria-label="Runners">
              <thead>
                <tr>
                  <th scope="col">Runner</th>
                  <th scope="col">Status</th>
                  <th scope="col">Repository</th>
                  <th scope="col">Workflow</th>
                  <th scope="col">Job</th>
                  <th scope="col">Created</th>
                  <th scope="col" class="num">Ran</th>
                  <th scope="col">Collected</th>
                </tr>
              </thead>
              <tbody>
                {page.runners.map((r) => (
                  <tr>
                    <td>
                      <code>{r.name}</code>
                    </td>
                    <td>
                      <Status value={r.status} />
                    </td>
                    <td>{r.github_repository ?? "–"}</td>
                    <td>{r.github_workflow_name ?? r.github_workflow_ref ?? "–"}</td>
                    <td>{r.github_job_name ?? "–"}</td>
                    <td>{formatTime(r.created_at)}</td>
                    <td class="num">
                      {formatDuration(runnerSeconds(r, props.now))}
                      {r.completed_at_approximate && <span title="ended while no scanner watched: the end is approximate"> ≈</span>}
                    </td>
                    <td>{r.processed ? <Status value={r.run_status} /> : <span class="muted">no</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {page.total > PAGE && (
            <nav class="actions" aria-label="Pages of runners">
              <button type="button" disabled={offset === 0} onClick={() => setQuery({ offset: offset - PAGE > 0 ? String(offset - PAGE) : null }, false)}>
                Previous
              </button>
              <span class="muted">
                {offset + 1}–{Math.min(offset + PAGE, page.total)} of {page.total}
              </span>
              <button type="button" disabled={offset + PAGE >= page.total} onClick={() => setQuery({ offset: String(offset + PAGE) }, false)}>
                Next
              </button>
            </nav>
          )}
        </>
      )}
    </>
  );
}
