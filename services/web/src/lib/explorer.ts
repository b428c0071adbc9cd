// The metrics explorer's state: every choice lives in the URL query, so a view
// can be shared; this module reads and writes that query and turns it into
// the API's request bodies (POST /configs/{id}/metrics/trends and /aggregate).

export const AGGREGATIONS = ["avg", "min", "max", "sum", "count", "p50", "p90", "p95", "p99", "last"] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

export const PRESETS = ["24h", "7d", "30d", "90d"] as const;
export type RangeChoice = (typeof PRESETS)[number] | "custom";

/** Bucket widths offered; "auto" picks one from the range. */
export const INTERVALS = ["auto", "5m", "15m", "1h", "6h", "1d", "1w"] as const;

export interface ExplorerState {
  config: number | null;
  /** Metric names; empty: the page picks the schema's first. */
  metrics: string[];
  groupBy: string[];
  /** Dimension → accepted values (a record must have one of them). */
  filters: Record<string, string[]>;
  aggregation: Aggregation;
  interval: string;
  range: RangeChoice;
  /** Custom bounds as `YYYY-MM-DDTHH:MM` in UTC (what datetime-local inputs give). */
  from: string | null;
  to: string | null;
  /** Exact percentiles from the records instead of sketch estimates. */
  exact: boolean;
}

/** Filter keys are `f.<dimension>`, repeated per value. */
export const FILTER_PREFIX = "f.";

export const DEFAULT_RANGE: RangeChoice = "30d";

export function parseState(q: URLSearchParams): ExplorerState {
  const config = Number(q.get("config"));
  const filters: Record<string, string[]> = {};
  for (const [key, value] of q) {
    if (key.startsWith(FILTER_PREFIX) && key.length > FILTER_PREFIX.length) {
      (filters[key.slice(FILTER_PREFIX.length)] ??= []).push(value);
    }
  }
  const agg = q.get("agg") as Aggregation | null;
  const range = q.get("range") as RangeChoice | null;
  const interval = q.get("interval");
  return {
    config: Number.isInteger(config) && config > 0 ? config : null,
    metrics: unique(q.getAll("metric").filter(Boolean)),
    groupBy: unique(q.getAll("group").filter(Boolean)),
    filters,
    aggregation: agg && AGGREGATIONS.includes(agg) ? agg : "avg",
    interval: interval && (interval === "auto" || intervalSeconds(interval) !== null) ? interval : "auto",
    range: range === "custom" || PRESETS.includes(range as never) ? (range as RangeChoice) : DEFAULT_RANGE,
    from: q.get("from"),
    to: q.get("to"),
    exact: q.get("exact") === "1",
  };
}

/**
 * The query changes (for router.setQuery) that turn `from` into `to`: keys at
 * their default are removed, and filters no longer chosen are cleared.
 */
export function stateQuery(to: ExplorerState, from?: ExplorerState): Record<string, string | string[] | null> {
  const out: Record<string, string | string[] | null> = {
    config: to.config ? String(to.config) : null,
    metric: to.metrics,
    group: to.groupBy,
    agg: to.aggregation === "avg" ? null : to.aggregation,
    interval: to.interval === "auto" ? null : to.interval,
    range: to.range === DEFAULT_RANGE ? null : to.range,
    from: to.range === "custom" ? to.from : null,
    to: to.range === "custom" ? to.to : null,
    exact: to.exact ? "1" : null,
  };
  for (const dim of Object.keys(from?.filters ?? {})) out[FILTER_PREFIX + dim] = null;
  for (const [dim, values] of Object.entries(to.filters)) out[FILTER_PREFIX + dim] = values.length ? values : null;
  return out;
}

/** Seconds of an interval like `5m`, `1h`, `1d`, `1w` (the API's grammar), or null. */
export function intervalSeconds(interval: string): number | null {
  const m = /^([1-9]\d{0,3})([mhdw])$/.exec(interval);
  if (!m || Number(m[1]) > 1000) return null;
  return Number(m[1]) * { m: 60, h: 3600, d: 86400, w: 604800 }[m[2] as "m" | "h" | "d" | "w"];
}

const PRESET_SECONDS: Record<(typeof PRESETS)[number], number> = {
  "24h": 86400,
  "7d": 7 * 86400,
  "30d": 30 * 86400,
  "90d": 90 * 86400,
};

/** `YYYY-MM-DDTHH:MM[:SS]` read as UTC; null when it is not a time. */
export function parseUtc(s: string | null): Date | null {
  if (!s) return null;
  const d = new Date(/[zZ]|[+-]\d\d:\d\d$/.test(s) ? s : `${s}Z`);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** A Date as a datetime-local value in UTC (`YYYY-MM-DDTHH:MM`). */
export function toLocalInput(d: Date): string {
  return d.toISOString().slice(0, 16);
}

export interface Range {
  start: Date;
  end: Date;
}

/** The range the state means at `now`; an error message when custom bounds are wrong. */
export function resolveRange(s: ExplorerState, now: Date): Range | string {
  if (s.range !== "custom") return { start: new Date(now.getTime() - PRESET_SECONDS[s.range] * 1000), end: now };
  const start = parseUtc(s.from);
  const end = s.to ? parseUtc(s.to) : now;
  if (!start) return "Give the custom range a start (“From”).";
  if (!end) return "“To” is not a valid time.";
  if (start >= end) return "“From” must be before “To”.";
  return { start, end };
}

/** An interval giving a readable number of buckets for a span (the API allows at most 10,000). */
export function autoInterval(spanSeconds: number): string {
  if (spanSeconds <= 2 * 86400) return "1h";
  if (spanSeconds <= 8 * 86400) return "6h";
  if (spanSeconds <= 200 * 86400) return "1d";
  return "1w";
}

export function effectiveInterval(s: ExplorerState, range: Range): string {
  if (s.interval !== "auto") return s.interval;
  return autoInterval((range.end.getTime() - range.start.getTime()) / 1000);
}

/** Refuses what the API would refuse: too many buckets for the range. */
export function bucketProblem(interval: string, range: Range): string | null {
  const secs = intervalSeconds(interval);
  if (!secs) return `“${interval}” is not an interval.`;
  const buckets = Math.floor((range.end.getTime() - range.start.getTime()) / 1000 / secs);
  if (buckets > 10000) return `A ${interval} interval makes ${buckets.toLocaleString("en-US")} buckets in this range; the API allows 10,000. Pick a wider interval or a shorter range.`;
  return null;
}

/** The `dimensions` filter object of a body, or undefined when nothing is filtered. */
export function dimensionFilter(filters: Record<string, string[]>): Record<string, string[]> | undefined {
  const entries = Object.entries(filters).filter(([, v]) => v.length);
  return entries.length ? Object.fromEntries(entries) : undefined;
}

export interface AggregateBody {
  start: string;
  end: string;
  metrics: string[];
  group_by: string[];
  aggregation: Aggregation;
  interval?: string;
  dimensions?: Record<string, string[]>;
  exact?: boolean;
}

/** POST /configs/{id}/metrics/trends: one series per group and metric. */
export function trendsBody(s: ExplorerState, metrics: string[], range: Range): AggregateBody {
  return compact({
    start: range.start.toISOString(),
    end: range.end.toISOString(),
    metrics,
    group_by: s.groupBy,
    aggregation: s.aggregation,
    interval: effectiveInterval(s, range),
    dimensions: dimensionFilter(s.filters),
    exact: s.exact && isPercentile(s.aggregation) ? true : undefined,
  });
}

/** The aggregations behind the summary table's columns. */
export const SUMMARY_AGGREGATIONS = ["count", "min", "p50", "p95", "max", "last"] as const;
export type SummaryAggregation = (typeof SUMMARY_AGGREGATIONS)[number];

/** POST /configs/{id}/metrics/aggregate without an interval: one value per group and metric over the range. */
export function summaryBody(s: ExplorerState, metrics: string[], range: Range, aggregation: SummaryAggregation): AggregateBody {
  return compact({
    start: range.start.toISOString(),
    end: range.end.toISOString(),
    metrics,
    group_by: s.groupBy,
    aggregation,
    dimensions: dimensionFilter(s.filters),
    exact: s.exact && isPercentile(aggregation) ? true : undefined,
  });
}

export function isPercentile(a: string): boolean {
  return /^p\d\d$/.test(a);
}

function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}
