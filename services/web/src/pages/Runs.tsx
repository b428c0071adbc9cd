// Every config's runs, with every filter of GET /runs in the URL.
import { api, canWrite } from "../api";
import { ConfigSelect } from "../components/ConfigSelect";
import { Choice, ErrorBox, Empty, Loading, Section, Status } from "../components/ui";
import { useAction, useAsync } from "../hooks";
import { formatDuration, formatTime } from "../lib/format";
import { runFilters, pageOf, RUN_FILTER_KEYS } from "../lib/runs";
import { Link, setQuery, useLocation } from "../router";
import { useSession } from "../session";
import { RUN_STATUSES, TRIGGER_SOURCES, type Config, type Run } from "../types";

const LIMIT = 50;

export function Runs() {
  const { query } = useLocation();
  const filters = runFilters(query);
  const offset = Number(query.get("offset") ?? 0) || 0;
  const key = query.toString();
  const runs = useAsync(() => api.get<{ runs: Run[]; total: number }>("/runs", { ...filters, offset, limit: LIMIT }), [key]);
  const configs = useAsync(() => api.get<{ configs: Config[] }>("/configs", { limit: 100 }), []);
  const page = runs.data ? pageOf(offset, LIMIT, runs.data.total) : null;

  return (
    <>
      <h1>Runs</h1>
      <Section title="Filters" id="run-filters">
        <form class="row" onSubmit={(e) => e.preventDefault()}>
          <ConfigSelect value={filters.config_id ?? ""} configs={configs.data?.configs} onChange={(id) => setQuery({ config_id: id, offset: null })} />
          <Choice label="Status" value={filters.status ?? ""} options={RUN_STATUSES} onChange={(v) => setQuery({ status: v, offset: null })} />
          <Choice label="Trigger" value={filters.trigger_source ?? ""} options={TRIGGER_SOURCES} onChange={(v) => setQuery({ trigger_source: v, offset: null })} />
          <label>
            Created from
            <input type="date" value={(filters.start_date ?? "").slice(0, 10)} onChange={(e) => setQuery({ start_date: dateParam(e.currentTarget.value, false), offset: null })} />
          </label>
          <label>
            Created until
            <input type="date" value={(filters.end_date ?? "").slice(0, 10)} onChange={(e) => setQuery({ end_date: dateParam(e.currentTarget.value, true), offset: null })} />
          </label>
          <button type="button" onClick={() => setQuery(Object.fromEntries([...RUN_FILTER_KEYS, "offset"].map((k) => [k, null])))}>
            Clear filters
          </button>
        </form>
      </Section>
      <Section title="Runs" id="runs" actions={page && <span class="muted">{page.label}</span>}>
        {runs.error && <ErrorBox error={runs.error} retry={runs.reload} />}
        {!runs.data && !runs.error && <Loading what="runs" />}
        {runs.data && runs.data.runs.length === 0 && (
          <Empty>
            No run matches. {key ? "Clear the filters, or widen the dates." : "Runs appear when a config's runners finish (or a webhook names a job)."}
          </Empty>
        )}
        {runs.data && runs.data.runs.length > 0 && <RunTable runs={runs.data.runs} onChange={runs.reload} />}
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

/** A date input's day as the start or the end of that UTC day. */
function dateParam(day: string, end: boolean): string | null {
  if (!day) return null;
  return `${day}T${end ? "23:59:59" : "00:00:00"}Z`;
}

function RunTable(props: { runs: Run[]; onChange: () => void }) {
  const session = useSession();
  const action = useAction<unknown>();
  const retry = async (run: Run) => {
    const done = await action.run(() => api.post(`/runs/${run.id}/retry`));
    if (done !== undefined) props.onChange();
  };
  return (
    <>
      {action.error && (
        <div class="error" role="alert">
          {action.error.message}
        </div>
      )}
      <div class="table-wrap">
        <table aria-label="Runs">
          <thead>
            <tr>
              <th>Run</th>
              <th>Config</th>
              <th>Status</th>
              <th>Trigger</th>
              <th>Runner / job</th>
              <th>Commit</th>
              <th class="num">Files</th>
              <th class="num">Records</th>
              <th>Finished</th>
              <th class="num">Took</th>
              <th>Error</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {props.runs.map((r) => (
              <tr key={r.id} data-run={r.id}>
                <td>
                  <Link href={`/configs/${r.config_id}?tab=runs&run=${r.id}`}>#{r.id}</Link>
                </td>
                <td>
                  <Link href={`/configs/${r.config_id}`}>{r.config_name ?? r.config_id}</Link>
                </td>
                <td>
                  <Status value={r.status} />
                  {r.retry_count > 0 && <span class="muted"> retry {r.retry_count}/{r.max_retries}</span>}
                </td>
                <td>{r.trigger_source}</td>
                <td>{r.workload_name ?? r.workload_uid}</td>
                <td>
                  {r.head_sha ? <code title={r.head_sha}>{r.head_sha.slice(0, 8)}</code> : "–"}
                  {r.head_branch && <span class="muted"> {r.head_branch}</span>}
                </td>
                <td class="num">
                  {r.files_processed ?? "–"}/{r.files_found ?? "–"}
                </td>
                <td class="num">{r.metrics_count ?? "–"}</td>
                <td>{formatTime(r.collection_completed_at)}</td>
                <td class="num">{took(r)}</td>
                <td class="muted" style={{ maxWidth: "280px" }}>
                  {r.error_message}
                </td>
                <td>
                  {r.status === "failed" && canWrite(session) && (
                    <button type="button" onClick={() => retry(r)} aria-label={`Retry run ${r.id}`}>
                      Retry
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function took(r: Run): string {
  if (!r.collection_started_at || !r.collection_completed_at) return "–";
  return formatDuration((Date.parse(r.collection_completed_at) - Date.parse(r.collection_started_at)) / 1000);
}
