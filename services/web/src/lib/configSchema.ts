// Editing a metric schema: a version's fields as editable rows (one role per
// field), the PUT body they make, and the checks wfm-api would refuse them
// with (shared/extract/src/schema.rs `validate`, api schemas.rs `checked`),
// so a bad edit is explained before it is sent.
import type { Direction, FieldType, GeneratedBy, MetricSchema, SchemaField } from "./configTypes";

export type Role = "dimension" | "metric" | "none";

export interface FieldRow {
  /** Stable key for rendering; not sent. */
  key: string;
  name: string;
  role: Role;
  type: FieldType;
  unit: string;
  description: string;
  direction: Direction | "";
}

export interface SchemaDraft {
  name: string;
  timestamp_field: string;
  rows: FieldRow[];
}

/** The body of PUT /configs/{id}/schema (SchemaBody: unknown keys are refused). */
export interface SchemaBody {
  name: string | null;
  fields: SchemaField[];
  dimension_fields: string[];
  metric_fields: string[];
  timestamp_field: string | null;
}

export function draftOf(schema: MetricSchema): SchemaDraft {
  const dims = new Set(schema.dimension_fields);
  const metrics = new Set(schema.metric_fields);
  return {
    name: schema.name,
    timestamp_field: schema.timestamp_field ?? "",
    rows: schema.fields.map((f, i) => ({
      key: `f${i}`,
      name: f.name,
      role: metrics.has(f.name) ? "metric" : dims.has(f.name) ? "dimension" : "none",
      type: f.type,
      unit: f.unit ?? "",
      description: f.description ?? "",
      direction: f.direction ?? "",
    })),
  };
}

let fresh = 0;
export function newRow(): FieldRow {
  fresh += 1;
  return { key: `new${fresh}`, name: "", role: "metric", type: "float", unit: "", description: "", direction: "" };
}

/** `row` with `changes`; a field that stops being a metric loses its direction (it means nothing for a label). */
export function updateRow(row: FieldRow, changes: Partial<FieldRow>): FieldRow {
  const next = { ...row, ...changes };
  if (next.role !== "metric") next.direction = "";
  return next;
}

export function bodyOf(draft: SchemaDraft): SchemaBody {
  const fields: SchemaField[] = draft.rows.map((r) => {
    const f: SchemaField = { name: r.name.trim(), type: r.type, description: r.description.trim() };
    if (r.unit.trim()) f.unit = r.unit.trim();
    if (r.direction) f.direction = r.direction;
    return f;
  });
  const named = (role: Role) => draft.rows.filter((r) => r.role === role).map((r) => r.name.trim());
  return {
    name: draft.name.trim() || null,
    fields,
    dimension_fields: named("dimension"),
    metric_fields: named("metric"),
    timestamp_field: draft.timestamp_field.trim() || null,
  };
}

/** Whether `draft` says something other than `schema` does. */
export function isEdited(schema: MetricSchema, draft: SchemaDraft): boolean {
  return JSON.stringify(bodyOf(draftOf(schema))) !== JSON.stringify(bodyOf(draft));
}

/** What wfm-api would refuse in `draft`, in words a user can act on; empty when it is fine. */
export function problemsOf(draft: SchemaDraft): string[] {
  const out: string[] = [];
  const body = bodyOf(draft);
  if (body.metric_fields.length === 0) out.push("Mark at least one field as a metric: without one nothing would be extracted.");
  const seen = new Set<string>();
  for (const f of body.fields) {
    if (!f.name) {
      out.push("Every field needs a name.");
      continue;
    }
    if (seen.has(f.name)) out.push(`Field “${f.name}” is listed twice.`);
    seen.add(f.name);
  }
  for (const r of draft.rows) {
    if (r.role === "metric" && (r.type === "string" || r.type === "bool")) {
      out.push(`Metric “${r.name.trim()}” has type ${r.type}; metrics are numbers: make it int or float, or a dimension.`);
    }
  }
  if (body.timestamp_field && !seen.has(body.timestamp_field)) {
    out.push(`The timestamp field “${body.timestamp_field}” is not one of the fields.`);
  }
  if (body.name && [...body.name].length > 255) out.push("The schema name is longer than 255 characters.");
  return out;
}

export interface SchemaState {
  /** Short, for a badge. */
  label: "confirmed" | "awaiting confirmation" | "draft" | "inactive";
  tone: "ok" | "warn" | "info" | "muted";
  /** What it means and what to do next. */
  detail: string;
}

const GENERATORS: Record<GeneratedBy, string> = {
  ai: "the LLM",
  inference: "built-in inference",
  user: "a user",
};

export const generatorName = (g: GeneratedBy) => GENERATORS[g] ?? g;

/**
 * Where a version stands in the spec's "User Confirms or Adjusts" step. The API
 * has no confirmed flag: a version a user wrote (PUT, generated_by = user) is
 * the confirmed one; a generated version is in use unreviewed, or a draft.
 */
export function schemaState(s: Pick<MetricSchema, "is_active" | "generated_by">): SchemaState {
  if (s.is_active && s.generated_by === "user") {
    return { label: "confirmed", tone: "ok", detail: "Written or confirmed by a user, and in use by collection." };
  }
  if (s.is_active) {
    return {
      label: "awaiting confirmation",
      tone: "warn",
      detail: `Generated by ${generatorName(s.generated_by)} and already in use. Check each field's role, type, unit and direction, then confirm or adjust it.`,
    };
  }
  if (s.generated_by !== "user") {
    return {
      label: "draft",
      tone: "info",
      detail: `A draft generated by ${generatorName(s.generated_by)}, not in use. Review it, then confirm it (it becomes the active version) or activate it as it is.`,
    };
  }
  return { label: "inactive", tone: "muted", detail: "An earlier version, not in use. Activate it to use it again." };
}
