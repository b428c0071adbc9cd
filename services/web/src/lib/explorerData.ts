// Turning the explorer's API responses into what the page shows: chart series
// (one per group and metric), the summary table's rows, the CSV of both, and
// the request that finds the record behind a chart point.
import type { Cell } from "./csv";
import { align, groupLabel } from "./series";
import { SUMMARY_AGGREGATIONS, dimensionFilter, type SummaryAggregation } from "./explorer";

export type Group = Record<string, unknown>;

/** How percentiles were computed (present when the aggregation is one). */
export interface PercentileMethod {
  method: "sketch" | "exact";
  relative_error: number;
}

export interface TrendSeries {
  group: Group;
  metric: string;
  points: { time: string | null; value: number | null; count: number }[];
  first: number | null;
  last: number | null;
  change: { absolute: number; percent: number | null } | null;
  last_change: { absolute: number; percent: number | null } | null;
}

export interface Trends {
  interval: string | null;
  aggregation: string;
  group_by: string[];
  metrics: string[];
  percentiles?: PercentileMethod;
  series: TrendSeries[];
}

export interface Aggregated {
  interval: string | null;
  aggregation: string;
  percentiles?: PercentileMethod;
  points: { time: string | null; group: Group; metric: string; value: number | null; count: number }[];
}

/** The label of a series: its group, prefixed by the metric when several are shown. */
export function seriesLabel(group: Group, metric: string, manyMetrics: boolean): string {
  const g = groupLabel(group);
  return manyMetrics ? (g === "all" ? metric : `${metric} · ${g}`) : g;
}

export interface ChartData {
  /** Unix seconds, ascending. */
  x: number[];
  series: { label: string; values: (number | null)[] }[];
  /** Per series: its group and metric. */
  meta: { group: Group; metric: string; label: string }[];
  /** Records behind each value, aligned like `series`. */
  counts: (number | null)[][];
}

/** Aligns the trends' series on the union of their bucket times. */
export function chartData(trends: Trends): ChartData {
  const many = trends.metrics.length > 1 || new Set(trends.series.map((s) => s.metric)).size > 1;
  const timed = trends.series.map((s) => s.points.filter((p) => p.time !== null));
  const t = (iso: string | null) => Date.parse(iso!) / 1000;
  const values = align(timed.map((ps) => ps.map((p) => ({ t: t(p.time), v: p.value }))));
  const counts = align(timed.map((ps) => ps.map((p) => ({ t: t(p.time), v: p.count }))));
  const meta = trends.series.map((s) => ({ group: s.group, metric: s.metric, label: seriesLabel(s.group, s.metric, many) }));
  return {
    x: values.x,
    series: meta.map((m, i) => ({ label: m.label, values: values.ys[i] })),
    meta,
    counts: counts.ys,
  };
}

export const CHART_CSV_HEADER = ["time", "group", "metric", "value", "count"];

/** One CSV row per value the chart draws (gaps are not rows). */
export function chartCsvRows(data: ChartData): Cell[][] {
  const rows: Cell[][] = [];
  data.meta.forEach((m, s) => {
    const ys = data.series[s].values;
    for (let i = 0; i < data.x.length; i++) {
      if (ys[i] === null) continue;
      rows.push([new Date(data.x[i] * 1000).toISOString(), groupLabel(m.group), m.metric, ys[i], data.counts[s][i]]);
    }
  });
  return rows;
}

export interface SummaryRow {
  key: string;
  group: Group;
  metric: string;
  label: string;
  count: number | null;
  min: number | null;
  p50: number | null;
  p95: number | null;
  max: number | null;
  latest: number | null;
  /** Relative change of the chart's aggregation, first bucket to last (0.1 = +10 %). */
  change: number | null;
}

const rowKey = (metric: string, group: Group) => `${metric}\u0000${JSON.stringify(sortKeys(group))}`;

function sortKeys(g: Group): Group {
  return Object.fromEntries(Object.keys(g ?? {}).sort().map((k) => [k, g[k]]));
}

/**
 * The summary's rows from one aggregate response per column, with the change
 * from the trends' series; ordered like the chart's series.
 */
export function summaryRows(byAgg: Partial<Record<SummaryAggregation, Aggregated>>, trends?: Trends): SummaryRow[] {
  const rows = new Map<string, SummaryRow>();
  const many = new Set([...(trends?.series ?? []).map((s) => s.metric), ...Object.values(byAgg).flatMap((a) => a!.points.map((p) => p.metric))]).size > 1;
  const row = (group: Group, metric: string) => {
    const key = rowKey(metric, group);
    let r = rows.get(key);
    if (!r) {
      r = { key, group, metric, label: seriesLabel(group, metric, many), count: null, min: null, p50: null, p95: null, max: null, latest: null, change: null };
      rows.set(key, r);
    }
    return r;
  };
  // the chart's order first, then any group only the aggregates have
  for (const s of trends?.series ?? []) {
    row(s.group, s.metric).change = s.change?.percent == null ? null : s.change.percent / 100;
  }
  for (const agg of SUMMARY_AGGREGATIONS) {
    for (const p of byAgg[agg]?.points ?? []) {
      const field = agg === "last" ? "latest" : agg;
      row(p.group, p.metric)[field] = p.value;
    }
  }
  // a sketch's estimate may land just past the exact min or max (1 %); the
  // true percentile never does
  for (const r of rows.values()) {
    for (const q of ["p50", "p95"] as const) {
      const v = r[q];
      if (v !== null && r.min !== null && r.max !== null) r[q] = Math.min(r.max, Math.max(r.min, v));
    }
  }
  return [...rows.values()];
}

export const SUMMARY_CSV_HEADER = ["group", "metric", "count", "min", "p50", "p95", "max", "latest", "change"];

export function summaryCsvRows(rows: SummaryRow[]): Cell[][] {
  return rows.map((r) => [groupLabel(r.group), r.metric, r.count, r.min, r.p50, r.p95, r.max, r.latest, r.change]);
}

/** "≈" and a tooltip when a response's percentiles are sketch estimates; null when exact. */
export function estimateMarker(m: PercentileMethod | undefined): { mark: string; title: string } | null {
  if (!m || m.method !== "sketch") return null;
  const pct = +(m.relative_error * 100).toFixed(2);
  return { mark: "≈", title: `Estimate from the rollups' sketches: within ±${pct} % of the true value` };
}

/** Filter values that match a group's value as the API compares them (as text). */
export function groupValueTexts(v: unknown): string[] | null {
  if (v === null || v === undefined || typeof v === "object") return null;
  // 1024.0 in a record arrives here as 1024: ask for both spellings
  if (typeof v === "number" && Number.isInteger(v)) return [String(v), v.toFixed(1)];
  return [String(v)];
}

export interface QueryBody {
  start: string;
  end: string;
  metrics: string[];
  dimensions?: Record<string, string[]>;
  order: "desc";
  limit: number;
}

/**
 * POST /configs/{id}/metrics/query for the records behind one point: its
 * bucket [t, t + interval), its group's values on top of the page's filters.
 */
export function pointQueryBody(filters: Record<string, string[]>, group: Group, metric: string, t: number, intervalSecs: number): QueryBody {
  const dims: Record<string, string[]> = { ...filters };
  for (const [k, v] of Object.entries(group ?? {})) {
    const texts = groupValueTexts(v);
    if (texts) dims[k] = texts;
  }
  return {
    start: new Date(t * 1000).toISOString(),
    // the API's end is inclusive: stop a millisecond before the next bucket
    end: new Date((t + intervalSecs) * 1000 - 1).toISOString(),
    metrics: [metric],
    dimensions: dimensionFilter(dims),
    order: "desc",
    limit: 100,
  };
}

export interface RecordRow {
  id: number;
  run_id: number;
  timestamp: string;
  metrics: Record<string, unknown>;
}

/** The newest record that has a number for `metric` (records come newest first). */
export function newestWithMetric(records: RecordRow[], metric: string): RecordRow | null {
  return records.find((r) => typeof r.metrics?.[metric] === "number") ?? null;
}

/** Distinct run ids of the records with a number for `metric`, newest first. */
export function runIds(records: RecordRow[], metric: string): number[] {
  return [...new Set(records.filter((r) => typeof r.metrics?.[metric] === "number").map((r) => r.run_id))];
}

/**
 * The time span a drag from fraction `f0` to `f1` of the plot's width selects,
 * within the span shown (`view`, or the data's whole span): uPlot's x scale
 * runs from the first time to the last, so a zoom maps linearly.
 */
export function zoomSpan(view: [number, number] | null, x: number[], f0: number, f1: number): [number, number] | null {
  const [lo, hi] = view ?? [x[0], x[x.length - 1]];
  if (!x.length || hi <= lo) return null;
  const [a, b] = [Math.max(0, Math.min(f0, f1)), Math.min(1, Math.max(f0, f1))];
  return [lo + (hi - lo) * a, lo + (hi - lo) * b];
}

/** The chart data cut to the times within `view` (what a zoomed chart shows). */
export function cutToView(data: ChartData, view: [number, number] | null): ChartData {
  if (!view) return data;
  const from = data.x.findIndex((t) => t >= view[0]);
  let to = data.x.length - 1;
  while (to >= 0 && data.x[to] > view[1]) to--;
  if (from < 0 || to < from) return { ...data, x: [], series: data.series.map((s) => ({ ...s, values: [] })), counts: data.counts.map(() => []) };
  return {
    ...data,
    x: data.x.slice(from, to + 1),
    series: data.series.map((s) => ({ ...s, values: s.values.slice(from, to + 1) })),
    counts: data.counts.map((c) => c.slice(from, to + 1)),
  };
}
