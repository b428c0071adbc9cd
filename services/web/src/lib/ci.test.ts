import { describe, expect, it } from "vitest";
import {
  buckets,
  ciHref,
  distinct,
  durationSeries,
  filterJobs,
  formatRate,
  iso,
  mapLimit,
  parseRange,
  parseSort,
  rateClass,
  rateSeries,
  sortRows,
  topRows,
  totals,
  type CiRow,
} from "./ci";

const dist = (p50: number | null, p95: number | null = p50) => ({ min: p50, p50, p75: p50, p90: p95, p95, max: p95 });
const row = (workflow: string, runs: number, rate: number | null, p50: number | null = 60, job?: string): CiRow => ({
  repository: "o/r",
  workflow,
  job,
  runs,
  failures: rate === null ? 0 : Math.round(runs * (1 - rate)),
  success_rate: rate,
  duration_seconds: dist(p50, p50 === null ? null : p50 * 2),
  queue_seconds: dist(5, 10),
});

describe("ranges and buckets", () => {
  it("defaults to 7 days", () => {
    expect(parseRange(null).key).toBe("7d");
    expect(parseRange("nonsense").key).toBe("7d");
    expect(parseRange("24h").step).toBe(3600);
  });

  it("aligns buckets on UTC steps and ends the last one now", () => {
    const now = Date.parse("2026-12-04T19:46:00Z") / 1000;
    const b = buckets(parseRange("7d"), now);
    expect(b).toHaveLength(8);
    expect(iso(b[0].start)).toBe("2026-11-27T00:00:00.000Z");
    expect(b[7].end).toBe(now);
    for (let i = 1; i < b.length; i++) expect(b[i].start).toBe(b[i - 1].end);
    expect(buckets(parseRange("24h"), now)).toHaveLength(25);
  });

  it("makes an inclusive until exclusive", () => {
    expect(iso(86400, true)).toBe("1970-01-01T23:59:59.999Z");
  });
});

describe("totals and series", () => {
  it("weights the success rate by runs", () => {
    const t = totals([row("a", 10, 1), row("b", 30, 0.5)]);
    expect(t).toEqual({ runs: 40, failures: 15, successes: 25, successRate: 25 / 40 });
    expect(totals([]).successRate).toBeNull();
  });

  it("charts the success rate per bucket, null when nothing ran", () => {
    const s = rateSeries([
      { bucket: { start: 0, end: 10 }, rows: [row("a", 4, 0.75)] },
      { bucket: { start: 10, end: 20 }, rows: [] },
    ]);
    expect(s.x).toEqual([0, 10]);
    expect(s.series[0].values).toEqual([75, null]);
  });

  it("charts one row's percentiles, or several rows' p50", () => {
    const a = row("a", 5, 1, 100);
    const b = row("b", 2, 1, 50);
    const results = [
      { bucket: { start: 0, end: 10 }, rows: [a, b] },
      { bucket: { start: 10, end: 20 }, rows: [b] },
    ];
    const one = durationSeries(results, [a], false);
    expect(one.series.map((s) => s.label)).toEqual(["duration p50", "duration p95", "queue p95"]);
    expect(one.series[0].values).toEqual([100, null]);
    expect(one.series[1].values).toEqual([200, null]);
    const two = durationSeries(results, [a, b], true);
    expect(two.series.map((s) => s.label)).toEqual(["o/r: a p50", "o/r: b p50"]);
    expect(two.series[1].values).toEqual([50, 50]);
  });

  it("picks the busiest rows", () => {
    expect(topRows([row("a", 1, 1), row("b", 9, 1), row("c", 9, 1)], 2).map((r) => r.workflow)).toEqual(["b", "c"]);
  });
});

describe("filters, links and sorting", () => {
  it("filters jobs by name", () => {
    const rows = [row("w", 1, 1, 1, "build"), row("w", 1, 1, 1, "test")];
    expect(filterJobs(rows, "test")).toHaveLength(1);
    expect(filterJobs(rows, null)).toHaveLength(2);
  });

  it("builds filtered addresses without defaults", () => {
    expect(ciHref({})).toBe("/ci");
    expect(ciHref({ range: "7d", repo: "o/r", workflow: "CI & tests", job: "a b" })).toBe("/ci?repo=o%2Fr&workflow=CI+%26+tests&job=a+b");
    expect(ciHref({ range: "30d" })).toBe("/ci?range=30d");
  });

  it("lists distinct non-empty values sorted", () => {
    expect(distinct(["b", "a", "", "b"])).toEqual(["a", "b"]);
  });

  it("sorts with unknown values last", () => {
    const rows = [row("a", 1, 0.5), row("b", 3, null), row("c", 2, 1)];
    expect(sortRows(rows, "success_rate", true).map((r) => r.workflow)).toEqual(["c", "a", "b"]);
    expect(sortRows(rows, "success_rate", false).map((r) => r.workflow)).toEqual(["a", "c", "b"]);
    expect(sortRows(rows, "runs", true).map((r) => r.workflow)).toEqual(["b", "c", "a"]);
    expect(parseSort("-runs")).toEqual({ key: "runs", desc: true });
    expect(parseSort("bogus")).toEqual({ key: "name", desc: false });
  });

  it("formats and classes rates", () => {
    expect(formatRate(1)).toBe("100 %");
    expect(formatRate(0.975)).toBe("97.5 %");
    expect(formatRate(null)).toBe("–");
    expect([rateClass(0.99), rateClass(0.85), rateClass(0.2), rateClass(null)]).toEqual(["ok", "warn", "bad", "muted"]);
  });
});

describe("mapLimit", () => {
  it("keeps order and the limit", async () => {
    let active = 0;
    let most = 0;
    const out = await mapLimit([30, 10, 20, 5, 1], 2, async (ms, i) => {
      active++;
      most = Math.max(most, active);
      await new Promise((r) => setTimeout(r, ms));
      active--;
      return i;
    });
    expect(out).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
  });
});
