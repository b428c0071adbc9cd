import { describe, expect, it } from "vitest";
import { bodyOf, draftOf, isEdited, newRow, problemsOf, schemaState, updateRow } from "./configSchema";
import type { MetricSchema } from "./configTypes";

const schema: MetricSchema = {
  id: 1,
  config_id: 1,
  name: "demo schema",
  version: 1,
  fields: [
    { name: "Op", type: "string", description: "label" },
    { name: "TFLOPS", type: "float", unit: "TFLOPS", description: "measured", direction: "higher_is_better" },
    { name: "ts", type: "string", description: "" },
  ],
  dimension_fields: ["Op"],
  metric_fields: ["TFLOPS"],
  timestamp_field: null,
  is_active: true,
  generated_by: "inference",
  created_at: "2026-12-04T00:00:00Z",
  updated_at: "2026-12-04T00:00:00Z",
  explanation: null,
  recipes: [],
};

describe("draftOf / bodyOf", () => {
  it("gives each field its role and round-trips to the same PUT body", () => {
    const d = draftOf(schema);
    expect(d.rows.map((r) => r.role)).toEqual(["dimension", "metric", "none"]);
    expect(bodyOf(d)).toEqual({
      name: "demo schema",
      fields: [
        { name: "Op", type: "string", description: "label" },
        { name: "TFLOPS", type: "float", unit: "TFLOPS", description: "measured", direction: "higher_is_better" },
        { name: "ts", type: "string", description: "" },
      ],
      dimension_fields: ["Op"],
      metric_fields: ["TFLOPS"],
      timestamp_field: null,
    });
    expect(isEdited(schema, d)).toBe(false);
  });

  it("sees an edit, and trims names and units", () => {
    const d = draftOf(schema);
    d.rows[1] = updateRow(d.rows[1], { unit: " TF/s " });
    expect(isEdited(schema, d)).toBe(true);
    expect(bodyOf(d).fields[1].unit).toBe("TF/s");
  });

  it("drops the direction of a field that stops being a metric", () => {
    const row = updateRow(draftOf(schema).rows[1], { role: "dimension" });
    expect(row.direction).toBe("");
  });

  it("sends an empty name and timestamp field as null", () => {
    const d = { ...draftOf(schema), name: " ", timestamp_field: "" };
    expect(bodyOf(d).name).toBeNull();
    expect(bodyOf(d).timestamp_field).toBeNull();
  });
});

describe("problemsOf", () => {
  it("accepts the schema as it is", () => {
    expect(problemsOf(draftOf(schema))).toEqual([]);
  });

  it("names what the API would refuse", () => {
    const d = draftOf(schema);
    d.rows[1] = updateRow(d.rows[1], { role: "dimension" });
    expect(problemsOf(d)[0]).toMatch(/at least one field as a metric/);

    const e = draftOf(schema);
    e.rows[0] = updateRow(e.rows[0], { role: "metric" });
    expect(problemsOf(e).join(" ")).toMatch(/“Op” has type string/);

    const f = draftOf(schema);
    f.rows.push({ ...newRow(), name: "Op" });
    expect(problemsOf(f).join(" ")).toMatch(/listed twice/);

    const g = { ...draftOf(schema), timestamp_field: "when" };
    expect(problemsOf(g).join(" ")).toMatch(/timestamp field “when”/);

    const h = draftOf(schema);
    h.rows.push(newRow());
    expect(problemsOf(h).join(" ")).toMatch(/needs a name/);
  });
});

describe("schemaState", () => {
  it("reads a user's active version as confirmed and a generated one as awaiting confirmation", () => {
    expect(schemaState({ is_active: true, generated_by: "user" }).label).toBe("confirmed");
    expect(schemaState({ is_active: true, generated_by: "ai" }).label).toBe("awaiting confirmation");
    expect(schemaState({ is_active: false, generated_by: "inference" }).label).toBe("draft");
    expect(schemaState({ is_active: false, generated_by: "user" }).label).toBe("inactive");
  });
});
