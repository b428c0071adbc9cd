import { describe, expect, it } from "vitest";
import { boundConfigs, formatLimits, limits, pairs, parseStatsRange, runnerSeconds, setHref, setPath, startTime, volumes } from "./runners";

describe("runner sets", () => {
  it("parses the stats range, 7 days by default", () => {
    expect(parseStatsRange(undefined).key).toBe("7d");
    expect(startTime(parseStatsRange("all"), 0)).toBeUndefined();
    expect(startTime(parseStatsRange("24h"), 86400000)).toBe("1970-01-01T00:00:00.000Z");
  });

  it("escapes path segments", () => {
    expect(setHref("arc runners", "gpu/x")).toBe("/runner-sets/arc%20runners/gpu%2Fx");
    expect(setPath("ns", "set")).toBe("/autoscaling-runner-sets/ns/set");
  });

  it("reads min/max runners only when recorded", () => {
    expect(limits({ spec: { volumes: [] } })).toBeNull();
    expect(limits({ spec: null })).toBeNull();
    expect(limits({ spec: { minRunners: 0, maxRunners: 8 } })).toEqual({ min: 0, max: 8 });
    expect(formatLimits({ min: 0, max: 8 })).toBe("0 – 8");
    expect(formatLimits({ min: null, max: 8 })).toBe("≤ 8");
    expect(formatLimits(null)).toBe("–");
  });

  it("finds the configs bound to a set", () => {
    const configs = [
      { id: 1, name: "a", enabled: true, runner_set_namespace: "arc", runner_set_name: "gpu" },
      { id: 2, name: "b", enabled: true, runner_set_namespace: null, runner_set_name: null },
      { id: 3, name: "c", enabled: false, runner_set_namespace: "other", runner_set_name: "gpu" },
    ];
    expect(boundConfigs(configs, "arc", "gpu").map((c) => c.id)).toEqual([1]);
  });

  it("names volumes with their claims", () => {
    expect(volumes({ volumes: [{ name: "results", persistentVolumeClaim: { claimName: "bench" } }, { name: "tmp", emptyDir: {} }] })).toEqual([
      "results (PVC bench)",
      "tmp (emptyDir)",
    ]);
    expect(volumes(null)).toEqual([]);
  });

  it("lists labels sorted", () => {
    expect(pairs({ b: 1, a: "x" })).toEqual(["a=x", "b=1"]);
    expect(pairs(null)).toEqual([]);
  });

  it("measures a runner, running ones up to now", () => {
    expect(runnerSeconds({ started_at: null, completed_at: null }, 0)).toBeNull();
    expect(runnerSeconds({ started_at: "1970-01-01T00:00:00Z", completed_at: "1970-01-01T00:01:00Z" }, 0)).toBe(60);
    expect(runnerSeconds({ started_at: "1970-01-01T00:00:00Z", completed_at: null }, 30000)).toBe(30);
  });
});
