// Benchmark changes and compare: the API's shapes and what the pages say of them.
import type { Params } from "../api";
import { formatNumber } from "./format";

export const CHANGE_STATUSES = ["new", "acknowledged", "ignored", "fixed"] as const;
export const CHANGE_DIRECTIONS = ["regression", "improvement", "unknown"] as const;
export type ChangeStatus = (typeof CHANGE_STATUSES)[number];
export type ChangeDirection = (typeof CHANGE_DIRECTIONS)[number];

export interface Change {
  id: number;
  config_id: number;
  /** A 64-bit key, as a decimal string. */
  series_key: string;
  dimensions: Record<string, unknown>;
  metric: string;
  branch: string;
  at: string;
  before_run_id: number;
  after_run_id: number;
  before_commit: string | null;
  after_commit: string | null;
  before_value: number;
  after_value: number;
  change_percent: number | null;
  magnitude_sigma: number | null;
  p_value: number;
  direction: ChangeDirection;
  status: ChangeStatus;
  note: string | null;
  triaged_by: string | null;
  triaged_at: string | null;
  detected_at: string;
  updated_at: string;
}

export interface SeriesView {
  config_id: number;
  series_key: string;
  dimensions: Record<string, unknown>;
  metric: string;
  branch: string;
  points: { run_id: number; at: string; commit: string | null; value: number }[];
  changes: Change[];
}

export type Verdict = "regression" | "improvement" | "changed" | "unchanged" | "missing";

export interface CompareRow {
  dimensions: Record<string, unknown>;
  metric: string;
  base: { n: number; median: number | null; min: number | null; max: number | null };
  head: { n: number; median: number | null; min: number | null; max: number | null };
  delta_percent: number | null;
  p_value: number | null;
  better: "higher" | "lower" | "unknown";
  verdict: Verdict;
}

export interface Comparison {
  base: { side: string; run_ids: number[]; commits: string[] };
  head: { side: string; run_ids: number[]; commits: string[] };
  rows: CompareRow[];
  regressions: number;
  improvements: number;
}

/** `batch=8, model=llama`, or `all records` for a series without dimensions. */
export function seriesLabel(dimensions: Record<string, unknown>): string {
  const entries = Object.entries(dimensions ?? {});
  if (entries.length === 0) return "all records";
  return entries.map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(", ");
}

/** `+20.0 %`, or `–` when the change has no percent (from zero). */
export function formatChange(percent: number | null | undefined): string {
  if (percent == null || !Number.isFinite(percent)) return "–";
  return `${percent > 0 ? "+" : ""}${percent.toFixed(1)} %`;
}

/** `10 → 12.5 ms`-style: the medians each side. */
export function beforeAfter(c: Pick<Change, "before_value" | "after_value">): string {
  return `${formatNumber(c.before_value)} → ${formatNumber(c.after_value)}`;
}

export function shortSha(sha: string | null | undefined): string {
  return sha ? sha.slice(0, 8) : "–";
}

/** The list's filters from the URL: status defaults to `new` (what needs a look). */
export function changeFilters(query: URLSearchParams): Params {
  const status = query.get("status");
  return {
    status: status === "any" ? null : (status ?? "new"),
    direction: query.get("direction"),
    config_id: query.get("config_id"),
    metric: query.get("metric"),
  };
}

/** Where compare shows a change: the commit before against the commit after,
 * else the two runs. */
export function compareLink(c: Change): string {
  const side = (commit: string | null, run: number) => (commit && /^[0-9a-f]{7,64}$/i.test(commit) ? `commit:${commit}` : `run:${run}`);
  const q = new URLSearchParams({ config: String(c.config_id), base: side(c.before_commit, c.before_run_id), head: side(c.after_commit, c.after_run_id) });
  return `/compare?${q}`;
}

/** A chart marker per change: where its step is and what it means. */
export interface Marker {
  x: number;
  label: string;
  kind: ChangeDirection;
}

export function markersOf(changes: Change[]): Marker[] {
  return changes.map((c) => ({
    x: Date.parse(c.at) / 1000,
    label: `${c.direction} ${formatChange(c.change_percent)} (${seriesLabel(c.dimensions)})`,
    kind: c.direction,
  }));
}

/** Sorts compare rows as the API does and says how many of each verdict. */
export function verdictCounts(rows: CompareRow[]): Record<Verdict, number> {
  const counts: Record<Verdict, number> = { regression: 0, improvement: 0, changed: 0, unchanged: 0, missing: 0 };
  for (const r of rows) counts[r.verdict] += 1;
  return counts;
}
