// The settings form: a config as editable text, and the PATCH body of what
// changed (PATCH changes only the fields sent; null clears an optional one).
import type { Config, ReaderKind } from "./configTypes";

export interface SettingsForm {
  name: string;
  description: string;
  runner_set_namespace: string;
  runner_set_name: string;
  runner_set_uid: string;
  github_owner: string;
  github_repo: string;
  workflow_filter: string;
  branch_filter: string;
  /** One glob a line. */
  file_patterns: string;
  reader: ReaderKind;
  /** A JSON object. */
  reader_options: string;
  keep_raw_data: boolean;
  export_series: boolean;
  /** Comma- or space-separated. */
  file_types: string;
  custom_prompt: string;
}

export type FormKey = keyof SettingsForm;

const OPTIONAL = [
  "runner_set_namespace",
  "runner_set_name",
  "runner_set_uid",
  "github_owner",
  "github_repo",
  "workflow_filter",
  "branch_filter",
] as const;

export function formOf(c: Config): SettingsForm {
  return {
    name: c.name,
    description: c.description,
    runner_set_namespace: c.runner_set_namespace ?? "",
    runner_set_name: c.runner_set_name ?? "",
    runner_set_uid: c.runner_set_uid ?? "",
    github_owner: c.github_owner ?? "",
    github_repo: c.github_repo ?? "",
    workflow_filter: c.workflow_filter ?? "",
    branch_filter: c.branch_filter ?? "",
    file_patterns: (c.file_patterns ?? []).join("\n"),
    reader: c.reader,
    reader_options: JSON.stringify(c.reader_options ?? {}, null, 2),
    keep_raw_data: c.keep_raw_data,
    export_series: c.export_series ?? false,
    file_types: (c.file_types ?? []).join(", "),
    custom_prompt: c.custom_prompt ?? "",
  };
}

export const lines = (s: string) =>
  s
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);

export const words = (s: string) => s.split(/[\s,]+/).filter(Boolean);

/** JSON with object keys sorted, so key order is not a change. */
function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(",")}]`;
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((v, i) => v === b[i]);

export type PatchResult = { body: Record<string, unknown>; error?: undefined } | { body?: undefined; error: { field: FormKey; message: string } };

/** The PATCH body for what `form` changes of `c`, or why it cannot be sent. */
export function patchOf(c: Config, form: SettingsForm): PatchResult {
  const body: Record<string, unknown> = {};
  if (form.name.trim() !== c.name) body.name = form.name;
  if (form.description !== c.description) body.description = form.description;
  for (const key of OPTIONAL) {
    const v = form[key].trim() || null;
    if (v !== (c[key] ?? null)) body[key] = v;
  }
  const patterns = lines(form.file_patterns);
  if (!sameList(patterns, c.file_patterns ?? [])) body.file_patterns = patterns;
  if (form.reader !== c.reader) body.reader = form.reader;
  let options: unknown;
  try {
    options = form.reader_options.trim() ? JSON.parse(form.reader_options) : {};
  } catch (e) {
    return { error: { field: "reader_options", message: `invalid reader_options: not JSON (${(e as Error).message})` } };
  }
  if (!options || typeof options !== "object" || Array.isArray(options)) {
    return { error: { field: "reader_options", message: "invalid reader_options: must be a JSON object, e.g. {}" } };
  }
  if (stable(options) !== stable(c.reader_options ?? {})) body.reader_options = options;
  if (form.keep_raw_data !== c.keep_raw_data) body.keep_raw_data = form.keep_raw_data;
  if (form.export_series !== (c.export_series ?? false)) body.export_series = form.export_series;
  const types = words(form.file_types);
  if (!sameList(types, c.file_types ?? [])) body.file_types = types;
  const prompt = form.custom_prompt.trim() ? form.custom_prompt : null;
  if (prompt !== (c.custom_prompt ?? null)) body.custom_prompt = prompt;
  return { body };
}

const FORM_KEYS = new Set<string>(Object.keys(formOf({ file_patterns: [], file_types: [] } as unknown as Config)));

/** The form field an API refusal names ("invalid file_patterns[0]: …" → file_patterns), if any. */
export function fieldOfError(message: string): FormKey | null {
  const m = /^invalid ([a-z_]+)/.exec(message);
  return m && FORM_KEYS.has(m[1]) ? (m[1] as FormKey) : null;
}

/** "runner set ns/name" or "repository owner/repo": what the config collects. */
export function bindingOf(c: Pick<Config, "runner_set_namespace" | "runner_set_name" | "github_owner" | "github_repo">): string {
  if (c.runner_set_namespace && c.runner_set_name) return `runner set ${c.runner_set_namespace}/${c.runner_set_name}`;
  if (c.github_owner && c.github_repo) return `repository ${c.github_owner}/${c.github_repo}`;
  return "nothing";
}
