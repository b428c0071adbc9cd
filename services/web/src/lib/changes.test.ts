import { describe, expect, it } from "vitest";
import { changeFilters, compareLink, formatChange, markersOf, seriesLabel, verdictCounts, type Change, type CompareRow } from "./changes";

const change = (over: Partial<Change> = {}): Change => ({
  id: 7,
  config_id: 3,
  series_key: "9007199254740993",
  dimensions: { model: "llama", batch: 8 },
  metric: "latency_ms",
  branch: "main",
  at: "2026-12-01T02:00:00Z",
  before_run_id: 10,
  after_run_id: 11,
  before_commit: "a".repeat(40),
  after_commit: "b".repeat(40),
  before_value: 10,
  after_value: 12,
  change_percent: 20,
  magnitude_sigma: 8,
  p_value: 1e-6,
  direction: "regression",
  status: "new",
  note: null,
  triaged_by: null,
  triaged_at: null,
  detected_at: "2026-12-01T03:00:00Z",
  updated_at: "2026-12-01T03:00:00Z",
  ...over,
});

describe("changes", () => {
  it("labels series and changes", () => {
    expect(seriesLabel({ model: "llama", batch: 8 })).toBe("model=llama, batch=8");
    expect(seriesLabel({})).toBe("all records");
    expect(formatChange(20)).toBe("+20.0 %");
    expect(formatChange(-3.25)).toBe("-3.3 %");
    expect(formatChange(null)).toBe("–");
  });

  it("lists new changes unless told otherwise", () => {
    expect(changeFilters(new URLSearchParams("")).status).toBe("new");
    expect(changeFilters(new URLSearchParams("status=any")).status).toBeNull();
    expect(changeFilters(new URLSearchParams("status=fixed&direction=regression")).direction).toBe("regression");
  });

  it("compares the commits either side, else the runs", () => {
    expect(compareLink(change())).toBe(`/compare?config=3&base=commit%3A${"a".repeat(40)}&head=commit%3A${"b".repeat(40)}`);
    expect(compareLink(change({ before_commit: null, after_commit: "not-a-sha" }))).toBe("/compare?config=3&base=run%3A10&head=run%3A11");
  });

  it("marks each change on a chart at its step", () => {
    const [m] = markersOf([change()]);
    expect(m.x).toBe(Date.parse("2026-12-01T02:00:00Z") / 1000);
    expect(m.kind).toBe("regression");
    expect(m.label).toBe("regression +20.0 % (model=llama, batch=8)");
  });

  it("counts verdicts", () => {
    const row = (verdict: CompareRow["verdict"]): CompareRow => ({
      dimensions: {},
      metric: "m",
      base: { n: 1, median: 1, min: 1, max: 1 },
      head: { n: 1, median: 1, min: 1, max: 1 },
      delta_percent: 0,
      p_value: null,
      better: "lower",
      verdict,
    });
    expect(verdictCounts([row("regression"), row("regression"), row("unchanged")])).toEqual({ regression: 2, improvement: 0, changed: 0, unchanged: 1, missing: 0 });
  });
});
