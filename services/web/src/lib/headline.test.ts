import { describe, expect, it } from "vitest";
import type { SchemaField } from "./configTypes";
import { headlineMetric } from "./headline";

describe("headlineMetric", () => {
  const fields: SchemaField[] = [
    { name: "Rank", type: "int" },
    { name: "Time (s)", type: "float", unit: "s", direction: "lower_is_better" },
    { name: "TFLOP", type: "float" },
    { name: "TFLOPS", type: "float", unit: "TFLOPS", direction: "higher_is_better" },
  ];
  it("prefers a higher-is-better metric", () => {
    expect(headlineMetric({ metric_fields: ["Time (s)", "TFLOP", "TFLOPS"], fields })).toBe("TFLOPS");
  });
  it("then one with a unit, then the first", () => {
    expect(headlineMetric({ metric_fields: ["TFLOP", "Time (s)"], fields })).toBe("Time (s)");
    expect(headlineMetric({ metric_fields: ["TFLOP"], fields })).toBe("TFLOP");
    expect(headlineMetric({ metric_fields: [], fields })).toBeNull();
  });
  it("ignores dimensions", () => {
    expect(headlineMetric({ metric_fields: ["TFLOP"], fields: [{ name: "Rank", type: "int", direction: "higher_is_better" }, { name: "TFLOP", type: "float" }] })).toBe("TFLOP");
  });
});
