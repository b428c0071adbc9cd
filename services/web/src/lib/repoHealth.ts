// Repository health: what GET /repositories and /repositories/{id}/health
// answer, the charts the page draws from them (related metrics share a
// chart, every metric is a line of one), and the page's state in the URL.
import type { ChartSeries } from "../components/Chart";

export interface Collection {
  next_run_at: string;
  last_collected_at: string | null;
  attempts: number;
  last_error: string | null;
}

export interface Repository {
  id: number;
  owner: string;
  name: string;
  enabled: boolean;
  interval_seconds: number;
  created_at: string;
  updated_at: string;
  collection: Collection;
}

export interface HealthPoint {
  t: string;
  value: number;
  source: "rest" | "webhooks";
  complete: boolean;
}

export interface HealthSeries {
  metric: string;
  points: HealthPoint[];
}

export interface Health {
  repository_id: number;
  from: string;
  to: string;
  interval: Interval;
  series: HealthSeries[];
}

export const INTERVALS = ["raw", "hour", "day"] as const;
export type Interval = (typeof INTERVALS)[number];

export const RANGES: Record<string, { label: string; days: number }> = {
  "7d": { label: "7 days", days: 7 },
  "30d": { label: "30 days", days: 30 },
  "90d": { label: "90 days", days: 90 },
  "365d": { label: "a year", days: 365 },
};

/** The charts, in the spec's order; each metric is a line of exactly one. */
export const CHARTS: { title: string; unit: string; metrics: string[]; yRange?: [number, number] }[] = [
  { title: "Pull requests", unit: "PRs", metrics: ["prs.open", "prs.merged_7d", "prs.closed_without_merge_7d"] },
  { title: "Time to merge", unit: "hours", metrics: ["prs.avg_time_to_merge_hours"] },
  { title: "Branches", unit: "branches", metrics: ["branches.active"] },
  { title: "Commits on the default branch", unit: "commits", metrics: ["commits.total_7d", "commits.hotfix", "commits.reverts"] },
  { title: "Developers", unit: "", metrics: ["developers.active_7d", "commits.per_developer_7d"] },
  { title: "Lines changed", unit: "lines", metrics: ["code.lines_added_7d", "code.lines_deleted_7d"] },
  { title: "Files changed", unit: "files", metrics: ["code.files_changed_7d"] },
  { title: "Workflow runs", unit: "runs", metrics: ["ci.workflow_runs_7d", "ci.failed_workflows_7d"] },
  {
    title: "Workflow run duration",
    unit: "minutes",
    metrics: [
      "ci.avg_workflow_duration_minutes",
      "ci.workflow_duration_minutes.min",
      "ci.workflow_duration_minutes.p50",
      "ci.workflow_duration_minutes.p75",
      "ci.workflow_duration_minutes.p90",
      "ci.workflow_duration_minutes.p95",
      "ci.workflow_duration_minutes.max",
    ],
  },
  { title: "Tests passing on the default branch", unit: "1 = passing", metrics: ["ci.tests_passing_on_main"], yRange: [0, 1] },
];

export const fullName = (r: Pick<Repository, "owner" | "name">) => `${r.owner}/${r.name}`;

/** The page's range and interval from the URL, with defaults. */
export function healthView(query: URLSearchParams): { range: string; interval: Interval } {
  const range = query.get("range") ?? "";
  const interval = query.get("interval") ?? "";
  return {
    range: range in RANGES ? range : "30d",
    interval: (INTERVALS as readonly string[]).includes(interval) ? (interval as Interval) : "raw",
  };
}

/** One chart's x (unix seconds, ascending, the union of its metrics' times) and a line per metric. */
export function chartData(series: HealthSeries[], metrics: string[]): { x: number[]; series: ChartSeries[]; points: (HealthPoint | undefined)[][] } {
  const byMetric = new Map(series.map((s) => [s.metric, s.points]));
  const times = new Set<number>();
  for (const m of metrics) for (const p of byMetric.get(m) ?? []) times.add(Date.parse(p.t) / 1000);
  const x = [...times].sort((a, b) => a - b);
  const index = new Map(x.map((t, i) => [t, i]));
  const points = metrics.map(() => new Array<HealthPoint | undefined>(x.length).fill(undefined));
  const lines = metrics.map((m, k) => {
    const values: (number | null)[] = new Array(x.length).fill(null);
    for (const p of byMetric.get(m) ?? []) {
      const i = index.get(Date.parse(p.t) / 1000);
      if (i === undefined) continue;
      values[i] = p.value;
      points[k][i] = p;
    }
    return { label: m, values };
  });
  return { x, series: lines, points };
}

/** The newest point of a metric, if any. */
export function latest(series: HealthSeries[], metric: string): HealthPoint | undefined {
  const points = series.find((s) => s.metric === metric)?.points ?? [];
  return points[points.length - 1];
}

/** "OWNER/NAME" as GitHub accepts it, else why not. */
export function checkName(raw: string): string | null {
  const parts = raw.trim().split("/");
  if (parts.length !== 2 || parts.some((p) => !/^[A-Za-z0-9_.-]{1,100}$/.test(p))) return "Write the repository as OWNER/NAME (letters, digits, -, _ and .).";
  return null;
}

/** `900` as "15 min", `3600` as "1 h". */
export function formatInterval(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}
