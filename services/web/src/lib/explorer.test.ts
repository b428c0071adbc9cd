import { describe, expect, it } from "vitest";
import {
  autoInterval,
  bucketProblem,
  intervalSeconds,
  parseState,
  resolveRange,
  stateQuery,
  summaryBody,
  trendsBody,
  type ExplorerState,
} from "./explorer";

const q = (s: string) => new URLSearchParams(s);
const NOW = new Date("2026-12-04T12:00:00Z");

describe("parseState", () => {
  it("reads every key", () => {
    const s = parseState(q("config=3&metric=TFLOPS&metric=BW&group=Rank&f.Rank=0&f.Rank=1&f.M=4096&agg=p95&interval=1h&range=7d&exact=1"));
    expect(s).toEqual({
      config: 3,
      metrics: ["TFLOPS", "BW"],
      groupBy: ["Rank"],
      filters: { Rank: ["0", "1"], M: ["4096"] },
      aggregation: "p95",
      interval: "1h",
      range: "7d",
      from: null,
      to: null,
      exact: true,
    });
  });

  it("falls back to defaults on nonsense", () => {
    const s = parseState(q("config=x&agg=median&interval=2y&range=1y&metric=a&metric=a"));
    expect(s.config).toBeNull();
    expect(s.aggregation).toBe("avg");
    expect(s.interval).toBe("auto");
    expect(s.range).toBe("30d");
    expect(s.metrics).toEqual(["a"]);
  });
});

describe("stateQuery", () => {
  it("round-trips through the URL and drops defaults", () => {
    const s = parseState(q("config=1&metric=TFLOPS&group=Rank&f.Rank=0&range=custom&from=2026-11-20T00:00&to=2026-11-30T00:00"));
    const changes = stateQuery(s);
    expect(changes.agg).toBeNull();
    expect(changes.interval).toBeNull();
    const u = new URLSearchParams();
    for (const [k, v] of Object.entries(changes)) {
      if (Array.isArray(v)) v.forEach((x) => u.append(k, x));
      else if (v) u.set(k, v);
    }
    expect(parseState(u)).toEqual(s);
  });

  it("clears filters that were removed", () => {
    const before = parseState(q("config=1&f.Rank=0&f.M=1"));
    const after: ExplorerState = { ...before, filters: { M: ["1"] } };
    const changes = stateQuery(after, before);
    expect(changes["f.Rank"]).toBeNull();
    expect(changes["f.M"]).toEqual(["1"]);
  });

  it("forgets custom bounds on a preset", () => {
    const s = parseState(q("range=7d&from=2026-01-01T00:00"));
    expect(stateQuery(s).from).toBeNull();
  });
});

describe("ranges and intervals", () => {
  it("resolves presets against now", () => {
    const r = resolveRange(parseState(q("range=24h")), NOW);
    expect(r).toEqual({ start: new Date("2026-12-03T12:00:00Z"), end: NOW });
  });

  it("reads custom bounds as UTC and checks them", () => {
    const r = resolveRange(parseState(q("range=custom&from=2026-11-01T00:00&to=2026-11-02T06:30")), NOW);
    expect(r).toEqual({ start: new Date("2026-11-01T00:00:00Z"), end: new Date("2026-11-02T06:30:00Z") });
    expect(resolveRange(parseState(q("range=custom")), NOW)).toMatch(/start/);
    expect(resolveRange(parseState(q("range=custom&from=2026-11-02T00:00&to=2026-11-01T00:00")), NOW)).toMatch(/before/);
    // an open end is now
    expect((resolveRange(parseState(q("range=custom&from=2026-11-01T00:00")), NOW) as { end: Date }).end).toEqual(NOW);
  });

  it("parses intervals as the API does", () => {
    expect(intervalSeconds("5m")).toBe(300);
    expect(intervalSeconds("1w")).toBe(604800);
    for (const bad of ["", "0d", "1y", "1.5h", "1001d"]) expect(intervalSeconds(bad)).toBeNull();
  });

  it("picks a readable interval", () => {
    expect(autoInterval(86400)).toBe("1h");
    expect(autoInterval(7 * 86400)).toBe("6h");
    expect(autoInterval(90 * 86400)).toBe("1d");
    expect(autoInterval(400 * 86400)).toBe("1w");
  });

  it("refuses more than 10,000 buckets", () => {
    const r = resolveRange(parseState(q("range=90d")), NOW) as { start: Date; end: Date };
    expect(bucketProblem("5m", r)).toMatch(/10,000/);
    expect(bucketProblem("1h", r)).toBeNull();
  });
});

describe("request bodies", () => {
  const s = parseState(q("config=1&group=Rank&f.Rank=0&f.Rank=1&agg=p95&range=7d&exact=1"));
  const range = resolveRange(s, NOW) as { start: Date; end: Date };

  it("builds the trends body", () => {
    expect(trendsBody(s, ["TFLOPS"], range)).toEqual({
      start: "2026-11-27T12:00:00.000Z",
      end: "2026-12-04T12:00:00.000Z",
      metrics: ["TFLOPS"],
      group_by: ["Rank"],
      aggregation: "p95",
      interval: "6h",
      dimensions: { Rank: ["0", "1"] },
      exact: true,
    });
  });

  it("leaves out empty filters and exact for non-percentiles", () => {
    const plain = parseState(q("config=1"));
    const body = trendsBody(plain, ["TFLOPS"], range);
    expect(body).not.toHaveProperty("dimensions");
    expect(body).not.toHaveProperty("exact");
    expect(body.aggregation).toBe("avg");
  });

  it("builds summary bodies without an interval", () => {
    const body = summaryBody(s, ["TFLOPS"], range, "min");
    expect(body).not.toHaveProperty("interval");
    expect(body).not.toHaveProperty("exact");
    expect(body.aggregation).toBe("min");
    expect(summaryBody(s, ["TFLOPS"], range, "p50").exact).toBe(true);
  });
});
