import { describe, expect, it } from "vitest";
import { CHARTS, chartData, checkName, formatInterval, healthView, latest, type HealthSeries } from "./repoHealth";

const METRICS = [
  "prs.open",
  "prs.merged_7d",
  "prs.closed_without_merge_7d",
  "prs.avg_time_to_merge_hours",
  "branches.active",
  "commits.total_7d",
  "commits.per_developer_7d",
  "commits.hotfix",
  "commits.reverts",
  "developers.active_7d",
  "code.lines_added_7d",
  "code.lines_deleted_7d",
  "code.files_changed_7d",
  "ci.workflow_runs_7d",
  "ci.failed_workflows_7d",
  "ci.avg_workflow_duration_minutes",
  "ci.tests_passing_on_main",
  "ci.workflow_duration_minutes.min",
  "ci.workflow_duration_minutes.p50",
  "ci.workflow_duration_minutes.p75",
  "ci.workflow_duration_minutes.p90",
  "ci.workflow_duration_minutes.p95",
  "ci.workflow_duration_minutes.max",
];

const point = (t: string, value: number) => ({ t, value, source: "rest" as const, complete: true });

describe("repository health", () => {
  it("charts every metric exactly once", () => {
    const charted = CHARTS.flatMap((c) => c.metrics);
    expect([...charted].sort()).toEqual([...METRICS].sort());
    expect(new Set(charted).size).toBe(charted.length);
  });

  it("lines up metrics collected at different times", () => {
    const series: HealthSeries[] = [
      { metric: "prs.open", points: [point("2026-12-01T00:00:00Z", 4), point("2026-12-01T00:15:00Z", 5)] },
      { metric: "prs.merged_7d", points: [point("2026-12-01T00:15:00Z", 9), point("2026-12-01T00:30:00Z", 10)] },
    ];
    const data = chartData(series, ["prs.open", "prs.merged_7d", "prs.closed_without_merge_7d"]);
    const t0 = Date.parse("2026-12-01T00:00:00Z") / 1000;
    expect(data.x).toEqual([t0, t0 + 900, t0 + 1800]);
    expect(data.series.map((s) => s.values)).toEqual([
      [4, 5, null],
      [null, 9, 10],
      [null, null, null],
    ]);
    expect(data.points[1][2]?.value).toBe(10);
    expect(chartData(series, ["branches.active"]).x).toEqual([]);
    expect(latest(series, "prs.merged_7d")?.value).toBe(10);
    expect(latest(series, "branches.active")).toBeUndefined();
  });

  it("reads its view from the URL and checks names", () => {
    expect(healthView(new URLSearchParams(""))).toEqual({ range: "30d", interval: "raw" });
    expect(healthView(new URLSearchParams("range=7d&interval=day"))).toEqual({ range: "7d", interval: "day" });
    expect(healthView(new URLSearchParams("range=9y&interval=week"))).toEqual({ range: "30d", interval: "raw" });
    expect(checkName("Metta-AI/metta")).toBeNull();
    expect(checkName(" o/r.js ")).toBeNull();
    for (const bad of ["metta", "a/b/c", "a/b c", "/r", ""]) expect(checkName(bad)).not.toBeNull();
    expect(formatInterval(900)).toBe("15 min");
    expect(formatInterval(3600)).toBe("1 h");
    expect(formatInterval(172800)).toBe("2 d");
    expect(formatInterval(90)).toBe("90 s");
  });
});
