// Runner sets (/runner-sets): ARC's AutoscalingRunnerSets as wfm-scanner
// recorded them, each with its runner statistics. URL keys: range (stats
// window), namespace, cluster, offset.
import { useState } from "preact/hooks";
import { api } from "../api";
import { useAsync } from "../hooks";
import { Link, setQuery, useLocation } from "../router";
import { ErrorBox, Loading, Section, Status } from "../components/ui";
import { formatAgo, formatDuration, formatNumber, formatTime } from "../lib/format";
import { formatRate, mapLimit, rateClass } from "../lib/ci";
import {
  STATS_RANGES,
  formatLimits,
  limits,
  parseStatsRange,
  setHref,
  setPath,
  startTime,
  type RunnerSetPage,
  type RunnerSetStats,
  type Workload,
} from "../lib/runners";
import { NoRunnerSets } from "./runners/NoRunnerSets";

export { RunnerSet } from "./runners/RunnerSet";

const PAGE = 50;

interface Row {
  set: Workload;
  stats: RunnerSetStats | null;
  /** Runners running now, whenever created (the window's stats count only its own). */
  runningNow: number | null;
  error?: string;
}

export function RunnerSets() {
  const { query } = useLocation();
  const range = parseStatsRange(query.get("range"));
  const namespace = query.get("namespace") || null;
  const cluster = query.get("cluster") || null;
  const offset = Math.max(0, Number(query.get("offset")) || 0);
  const [now, setNow] = useState(() => Date.now());

  const result = useAsync(async () => {
    const page = await api.get<RunnerSetPage>("/autoscaling-runner-sets", { namespace, cluster, offset, limit: PAGE });
    const rows = await mapLimit(page.runner_sets, 4, async (set): Promise<Row> => {
      const path = `${setPath(set.namespace, set.name)}/stats`;
      try {
        const [stats, all] = await Promise.all([
          api.get<RunnerSetStats>(path, { cluster, start_time: startTime(range, now) }),
          range.seconds === null ? null : api.get<RunnerSetStats>(path, { cluster }),
        ]);
        return { set, stats, runningNow: (all ?? stats).runners_running };
      } catch (e) {
        // One set's failure should not hide the others.
        return { set, stats: null, runningNow: null, error: (e as Error).message };
      }
    });
    return { page, rows };
  }, [range.key, namespace, cluster, offset, now]);

  const data = result.data;
  const anyLimits = data?.rows.some((r) => limits(r.set));
  return (
    <>
      <h1>Runner sets</h1>
      <div class="card">
        <form class="row" aria-label="Runner set filters" onSubmit={(e) => e.preventDefault()}>
          <label>
            Statistics of runners created in
            <select value={range.key} onChange={(e) => setQuery({ range: e.currentTarget.value }, false)}>
              {STATS_RANGES.map((r) => (
                <option value={r.key}>{r.label}</option>
              ))}
            </select>
          </label>
          <NamespaceFilter value={namespace} />
          <button type="button" onClick={() => setNow(Date.now())}>
            Refresh
          </button>
        </form>
      </div>
      {result.error && <ErrorBox error={result.error} retry={result.reload} />}
      {!data && !result.error && <Loading what="runner sets" />}
      {data && data.page.total === 0 && <NoRunnerSets namespace={namespace} cluster={cluster} />}
      {data && data.page.total > 0 && (
        <Section title={`${formatNumber(data.page.total)} runner set${data.page.total === 1 ? "" : "s"}`} id="runner-sets">
          <div class="table-wrap">
            <table aria-label="Runner sets">
              <thead>
                <tr>
                  <th scope="col">Runner set</th>
                  <th scope="col">Namespace</th>
                  <th scope="col">State</th>
                  {anyLimits && <th scope="col" class="num">Min – max</th>}
                  <th scope="col" class="num">Running now</th>
                  <th scope="col" class="num">Runners</th>
                  <th scope="col" class="num">Completed</th>
                  <th scope="col" class="num">Failed</th>
                  <th scope="col" class="num">Success rate</th>
                  <th scope="col" class="num">Duration p50</th>
                  <th scope="col" class="num">Duration p95</th>
                  <th scope="col" class="num">Runs collected</th>
                  <th scope="col">Last completion</th>
                </tr>
              </thead>
              <tbody>
                {data.rows.map(({ set, stats, runningNow, error }) => (
                  <tr>
                    <td>
                      <Link href={setHref(set.namespace, set.name) + (cluster ? `?cluster=${encodeURIComponent(cluster)}` : "")}>{set.name}</Link>
                    </td>
                    <td>
                      <button type="button" class="badge" style={{ border: "none", cursor: "pointer" }} onClick={() => setQuery({ namespace: set.namespace, offset: null }, false)} aria-label={`Only namespace ${set.namespace}`}>
                        {set.namespace}
                      </button>
                    </td>
                    <td>
                      <Status value={set.status === "completed" ? "deleted" : (set.phase ?? set.status).toLowerCase()} />
                    </td>
                    {anyLimits && <td class="num">{formatLimits(limits(set))}</td>}
                    {error ? (
                      <td colSpan={9} class="error">
                        {error}
                      </td>
                    ) : (
                      <>
                        <td class="num">{formatNumber(runningNow)}</td>
                        <td class="num">{formatNumber(stats?.runners_total)}</td>
                        <td class="num">{formatNumber(stats?.runners_completed)}</td>
                        <td class="num">{stats?.runners_failed ? <span class="badge bad">{formatNumber(stats.runners_failed)}</span> : "0"}</td>
                        <td class="num">
                          <span class={`badge ${rateClass(stats?.success_rate)}`}>{formatRate(stats?.success_rate)}</span>
                        </td>
                        <td class="num">{formatDuration(stats?.duration_p50_seconds)}</td>
                        <td class="num">{formatDuration(stats?.duration_p95_seconds)}</td>
                        <td class="num">{formatNumber(stats?.runs_collected)}</td>
                        <td title={formatTime(stats?.last_completion_at)}>{formatAgo(stats?.last_completion_at)}</td>
                      </>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p class="muted">
            Runners, completed, failed, success rate (completed ÷ finished) and durations count runners created in the{" "}
            {range.label.toLowerCase()}; runs collected counts every completed run of configs bound to the set.
            {!anyLimits && " wfm-scanner does not record ARC's min/max runners, so they are not shown."}
          </p>
          <Pager offset={offset} total={data.page.total} />
        </Section>
      )}
    </>
  );
}

/** A namespace typed in and applied on Enter or blur. */
function NamespaceFilter(props: { value: string | null }) {
  return (
    <>
      <label>
        Namespace
        <input
          key={props.value ?? ""}
          type="search"
          placeholder="every namespace"
          defaultValue={props.value ?? ""}
          onChange={(e) => setQuery({ namespace: e.currentTarget.value.trim(), offset: null }, false)}
        />
      </label>
      {props.value && (
        <button type="button" onClick={() => setQuery({ namespace: null, offset: null }, false)}>
          All namespaces
        </button>
      )}
    </>
  );
}

function Pager(props: { offset: number; total: number }) {
  if (props.total <= PAGE) return null;
  const { offset, total } = props;
  return (
    <nav class="actions" aria-label="Pages of runner sets">
      <button type="button" disabled={offset === 0} onClick={() => setQuery({ offset: offset - PAGE > 0 ? String(offset - PAGE) : null }, false)}>
        Previous
      </button>
      <span class="muted">
        {offset + 1}–{Math.min(offset + PAGE, total)} of {total}
      </span>
      <button type="button" disabled={offset + PAGE >= total} onClick={() => setQuery({ offset: String(offset + PAGE) }, false)}>
        Next
      </button>
    </nav>
  );
}
