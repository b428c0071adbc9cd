// Which metric stands for a config on the overview: what a team watches first
// is a throughput-like number (higher is better), then any metric with a unit.
import type { Schema } from "../types";

export function headlineMetric(schema: Pick<Schema, "metric_fields" | "fields">): string | null {
  const metrics = new Set(schema.metric_fields);
  const fields = schema.fields.filter((f) => metrics.has(f.name));
  return (
    fields.find((f) => f.direction === "higher_is_better")?.name ??
    fields.find((f) => f.unit)?.name ??
    schema.metric_fields[0] ??
    null
  );
}
