// CI health's pure logic: the shapes GET /ci-stats returns, time ranges and
// their buckets, and turning one ci-stats answer per bucket into chart series.
// ci-stats has no interval parameter, so the page asks it once per bucket
// (since/until) and these functions combine the answers.

export interface Distribution {
  min: number | null;
  p50: number | null;
  p75: number | null;
  p90: number | null;
  p95: number | null;
  max: number | null;
}

/** One workflow (no `job`) or one job of a workflow, over the window. */
export interface CiRow {
  repository: string;
  workflow: string;
  job?: string;
  runs: number;
  failures: number;
  /** Share concluded `success`; cancelled and skipped count as not successful. */
  success_rate: number | null;
  duration_seconds: Distribution;
  queue_seconds: Distribution;
}

export interface CiStats {
  since: string;
  until: string;
  workflows: CiRow[];
  jobs: CiRow[];
}

export interface Range {
  key: string;
  label: string;
  /** Length of the window. */
  seconds: number;
  /** Chart bucket length. */
  step: number;
  stepLabel: string;
}

const HOUR = 3600;
const DAY = 86400;

export const RANGES: Range[] = [
  { key: "24h", label: "Last 24 hours", seconds: DAY, step: HOUR, stepLabel: "hour" },
  { key: "7d", label: "Last 7 days", seconds: 7 * DAY, step: DAY, stepLabel: "day" },
  { key: "30d", label: "Last 30 days", seconds: 30 * DAY, step: DAY, stepLabel: "day" },
  { key: "90d", label: "Last 90 days", seconds: 90 * DAY, step: 7 * DAY, stepLabel: "week" },
];
export const DEFAULT_RANGE = "7d";

/** The range a URL value names; an unknown or missing one is the default. */
export function parseRange(key: string | null | undefined): Range {
  return RANGES.find((r) => r.key === key) ?? RANGES.find((r) => r.key === DEFAULT_RANGE)!;
}

export interface Bucket {
  /** Unix seconds, inclusive. */
  start: number;
  /** Unix seconds, exclusive (the last bucket ends at `now`). */
  end: number;
}

/**
 * The buckets covering the last `range.seconds` before `now` (unix seconds),
 * aligned on UTC step boundaries so a "day" is a calendar day; the first one
 * starts at or before the window, the last one ends now.
 */
export function buckets(range: Range, now: number): Bucket[] {
  const first = Math.floor((now - range.seconds) / range.step) * range.step;
  const out: Bucket[] = [];
  for (let start = first; start < now; start += range.step) out.push({ start, end: Math.min(start + range.step, now) });
  return out;
}

/** RFC 3339 of unix seconds; `exclusiveEnd` steps back 1 ms, since ci-stats' `until` is inclusive. */
export function iso(seconds: number, exclusiveEnd = false): string {
  return new Date(seconds * 1000 - (exclusiveEnd ? 1 : 0)).toISOString();
}

/** Identifies a row across buckets. */
export function rowKey(r: Pick<CiRow, "repository" | "workflow" | "job">): string {
  return `${r.repository}\u0000${r.workflow}\u0000${r.job ?? ""}`;
}

/** A row's name for charts: "workflow / job", with the repository when several are shown. */
export function rowLabel(r: Pick<CiRow, "repository" | "workflow" | "job">, withRepo: boolean): string {
  const name = (r.workflow || "(unnamed workflow)") + (r.job !== undefined ? ` / ${r.job}` : "");
  return withRepo ? `${r.repository}: ${name}` : name;
}

export interface Totals {
  runs: number;
  failures: number;
  successes: number;
  /** null without runs. */
  successRate: number | null;
}

/** Runs, failures and the overall success rate of rows (weighted by runs, so exact). */
export function totals(rows: CiRow[]): Totals {
  let runs = 0;
  let failures = 0;
  let successes = 0;
  for (const r of rows) {
    runs += r.runs;
    failures += r.failures;
    successes += Math.round((r.success_rate ?? 0) * r.runs);
  }
  return { runs, failures, successes, successRate: runs > 0 ? successes / runs : null };
}

/** The `n` rows with the most runs (ties by name), most first. */
export function topRows(rows: CiRow[], n: number): CiRow[] {
  return [...rows].sort((a, b) => b.runs - a.runs || rowKey(a).localeCompare(rowKey(b))).slice(0, n);
}

/** The ci-stats answer of one bucket. */
export interface BucketStats {
  bucket: Bucket;
  rows: CiRow[];
}

export interface Series {
  label: string;
  values: (number | null)[];
}

/** Success rate (percent) per bucket over all rows, and the totals behind each point. */
export function rateSeries(results: BucketStats[]): { x: number[]; series: Series[]; totals: Totals[] } {
  const t = results.map((r) => totals(r.rows));
  return {
    x: results.map((r) => r.bucket.start),
    series: [{ label: "success rate %", values: t.map((v) => (v.successRate === null ? null : v.successRate * 100)) }],
    totals: t,
  };
}

/**
 * Duration percentiles per bucket. Percentiles of different workflows cannot
 * be merged, so: one row → its p50, p95 and queue p95; several → each of the
 * given rows' p50 (the page picks the busiest).
 */
export function durationSeries(results: BucketStats[], rows: CiRow[], withRepo: boolean): { x: number[]; series: Series[] } {
  const x = results.map((r) => r.bucket.start);
  const find = (b: BucketStats, key: string) => b.rows.find((r) => rowKey(r) === key);
  if (rows.length === 1) {
    const key = rowKey(rows[0]);
    const pick = (f: (r: CiRow) => number | null) => results.map((b) => {
      const r = find(b, key);
      return r ? f(r) : null;
    });
    return {
      x,
      series: [
        { label: "duration p50", values: pick((r) => r.duration_seconds.p50) },
        { label: "duration p95", values: pick((r) => r.duration_seconds.p95) },
        { label: "queue p95", values: pick((r) => r.queue_seconds.p95) },
      ],
    };
  }
  return {
    x,
    series: rows.map((row) => ({
      label: `${rowLabel(row, withRepo)} p50`,
      values: results.map((b) => find(b, rowKey(row))?.duration_seconds.p50 ?? null),
    })),
  };
}

/** Keeps rows of `job` when one is chosen (ci-stats filters by repo and workflow only). */
export function filterJobs(rows: CiRow[], job: string | null | undefined): CiRow[] {
  return job ? rows.filter((r) => r.job === job) : rows;
}

/** Sorted distinct values, for filter menus. */
export function distinct(values: string[]): string[] {
  return [...new Set(values.filter((v) => v !== ""))].sort((a, b) => a.localeCompare(b));
}

export interface CiFilters {
  range?: string | null;
  repo?: string | null;
  workflow?: string | null;
  job?: string | null;
}

/** The /ci address of a filtered view (empty filters left out, the default range too). */
export function ciHref(f: CiFilters): string {
  const q = new URLSearchParams();
  if (f.range && f.range !== DEFAULT_RANGE) q.set("range", f.range);
  if (f.repo) q.set("repo", f.repo);
  if (f.workflow) q.set("workflow", f.workflow);
  if (f.job) q.set("job", f.job);
  const s = q.toString();
  return `/ci${s ? `?${s}` : ""}`;
}

/** Badge class of a success rate: ok ≥ 95 %, warn ≥ 80 %, bad below. */
export function rateClass(rate: number | null | undefined): string {
  if (rate === null || rate === undefined) return "muted";
  return rate >= 0.95 ? "ok" : rate >= 0.8 ? "warn" : "bad";
}

/** "97.5 %" of a share (0.975); "–" when unknown. */
export function formatRate(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return "–";
  const pct = rate * 100;
  return `${pct === 100 || pct === 0 ? pct.toFixed(0) : pct.toFixed(1)} %`;
}

/** Runs `fn` over `items` with at most `limit` at a time; results keep the items' order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Columns a table sorts by; `-` before one in the URL means descending. */
export const SORT_KEYS = ["name", "runs", "failures", "success_rate", "duration_p50", "duration_p95", "queue_p95"] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export function parseSort(v: string | null | undefined): { key: SortKey; desc: boolean } {
  const desc = !!v && v.startsWith("-");
  const key = (v ?? "").replace(/^-/, "") as SortKey;
  return SORT_KEYS.includes(key) ? { key, desc } : { key: "name", desc: false };
}

function sortValue(r: CiRow, key: SortKey): number | string | null {
  switch (key) {
    case "name":
      return rowKey(r).toLowerCase();
    case "runs":
      return r.runs;
    case "failures":
      return r.failures;
    case "success_rate":
      return r.success_rate;
    case "duration_p50":
      return r.duration_seconds.p50;
    case "duration_p95":
      return r.duration_seconds.p95;
    case "queue_p95":
      return r.queue_seconds.p95;
  }
}

/** Rows sorted by `key`; unknown values (null) last either way, ties by name. */
export function sortRows(rows: CiRow[], key: SortKey, desc: boolean): CiRow[] {
  return [...rows].sort((a, b) => {
    const va = sortValue(a, key);
    const vb = sortValue(b, key);
    if (va === null || vb === null) {
      if (va !== vb) return va === null ? 1 : -1;
    } else if (va !== vb) {
      const c = va < vb ? -1 : 1;
      return desc ? -c : c;
    }
    return rowKey(a).localeCompare(rowKey(b));
  });
}
