// CI health over time: ci-stats has no interval parameter, so this asks it
// once per bucket (a few at a time) and charts success rate and durations.
import { useMemo } from "preact/hooks";
import { api } from "../../api";
import { useAsync } from "../../hooks";
import { Chart } from "../../components/Chart";
import { Empty, ErrorBox, Loading } from "../../components/ui";
import { formatNumber } from "../../lib/format";
import {
  buckets,
  durationSeries,
  filterJobs,
  iso,
  mapLimit,
  rateSeries,
  rowLabel,
  topRows,
  type BucketStats,
  type CiRow,
  type CiStats,
  type Range,
} from "../../lib/ci";

/** Requests in flight at once: enough to be quick, few enough to spare the api. */
const CONCURRENCY = 4;
/** Lines of the duration chart when several workflows or jobs are shown. */
const TOP = 5;

export function CiCharts(props: {
  range: Range;
  /** Unix seconds the window ends at (the tables' `until`). */
  now: number;
  repo: string | null;
  workflow: string | null;
  job: string | null;
  /** Which table the chart follows. */
  level: "workflows" | "jobs";
  /** The rows of the whole window, to pick the busiest. */
  rows: CiRow[];
}) {
  const { range, now, repo, workflow, job, level } = props;
  const result = useAsync(
    () =>
      mapLimit(buckets(range, now), CONCURRENCY, async (bucket): Promise<BucketStats> => {
        const s = await api.get<CiStats>("/ci-stats", {
          since: iso(bucket.start),
          until: iso(bucket.end, true),
          repo,
          workflow,
        });
        return { bucket, rows: filterJobs(level === "jobs" ? s.jobs : s.workflows, job) };
      }),
    [range.key, now, repo, workflow, job, level],
  );

  const withRepo = new Set(props.rows.map((r) => r.repository)).size > 1;
  const picked = useMemo(() => topRows(props.rows, TOP), [props.rows]);
  const charts = useMemo(() => {
    if (!result.data) return null;
    return { rate: rateSeries(result.data), duration: durationSeries(result.data, picked, withRepo) };
  }, [result.data, picked, withRepo]);

  if (result.error) return <ErrorBox error={result.error} retry={result.reload} />;
  if (!charts) return <Loading what="the charts" />;
  if (!charts.rate.totals.some((t) => t.runs > 0)) return <Empty>No {level === "jobs" ? "jobs" : "workflow runs"} completed in this range.</Empty>;

  const what = level === "jobs" ? "jobs" : "workflow runs";
  const single = picked.length === 1;
  return (
    <div class="grid" style={{ gridTemplateColumns: "repeat(auto-fit, minmax(520px, 1fr))" }}>
      <div>
        <h3>Success rate of {what}, per {range.stepLabel} (UTC)</h3>
        <Chart
          title={`Success rate of ${what} per ${range.stepLabel}`}
          x={charts.rate.x}
          series={charts.rate.series}
          yLabel="%"
          yRange={[0, 100]}
          height={260}
          describe={(_s, i) => {
            const t = charts.rate.totals[i];
            return [`${formatNumber(t.runs)} runs, ${formatNumber(t.failures)} failed`];
          }}
        />
      </div>
      <div>
        <h3>
          Duration of {single ? rowLabel(picked[0], withRepo) : `the ${picked.length} busiest ${what}`}, per {range.stepLabel}
        </h3>
        <Chart
          title={`Duration percentiles of ${what} per ${range.stepLabel}`}
          x={charts.duration.x}
          series={charts.duration.series}
          yLabel="seconds"
          height={260}
        />
        {!single && (
          <p class="muted">
            p50 of each; percentiles of different {what} cannot be combined. Choose one for its p95 and queue time.
          </p>
        )}
      </div>
    </div>
  );
}
