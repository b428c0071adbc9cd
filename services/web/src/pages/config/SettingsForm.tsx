// The settings editor: sends PATCH /configs/{id} with only the changed
// fields and shows the API's refusal beside the field it names.
import { useAction } from "../../hooks";
import { useEffect, useState } from "preact/hooks";
import { api } from "../../api";
import { fieldOfError, formOf, patchOf, type FormKey, type SettingsForm as Form } from "../../lib/configSettings";
import { READERS, type Config, type ReaderKind } from "../../lib/configTypes";

const TEXT: [FormKey, string, string?][] = [
  ["name", "Name"],
  ["description", "Description"],
  ["runner_set_namespace", "Runner set namespace", "with the name: collect this runner set"],
  ["runner_set_name", "Runner set name"],
  ["runner_set_uid", "Runner set uid", "optional"],
  ["github_owner", "GitHub owner", "with the repository: a webhook-triggered config"],
  ["github_repo", "GitHub repository"],
  ["workflow_filter", "Workflow filter", "only runs of this workflow"],
  ["branch_filter", "Branch filter", "only runs of this branch"],
  ["file_types", "File types", "comma-separated: json, jsonl, csv, tsv, markdown, text, xml; empty: every file"],
];

export function SettingsForm(props: { config: Config; onSaved: (message: string) => void; onCancel: () => void }) {
  const c = props.config;
  const [form, setForm] = useState<Form>(() => formOf(c));
  const [problem, setProblem] = useState<{ field: FormKey | null; message: string } | null>(null);
  const save = useAction<Config>();
  const set = <K extends FormKey>(key: K, value: Form[K]) => setForm((f) => ({ ...f, [key]: value }));

  const submit = async (e: Event) => {
    e.preventDefault();
    setProblem(null);
    const patch = patchOf(c, form);
    if (patch.error) {
      setProblem(patch.error);
      return focus(patch.error.field);
    }
    const keys = Object.keys(patch.body);
    if (!keys.length) return props.onSaved("Nothing changed.");
    const done = await save.run(() => api.patch<Config>(`/configs/${c.id}`, patch.body));
    if (done) props.onSaved(`Saved: ${keys.join(", ")}.`);
  };
  // The API's refusal, shown once per attempt; its field is marked.
  const apiError = save.error?.message;
  useEffect(() => {
    const field = apiError && fieldOfError(apiError);
    if (field) focus(field);
  }, [apiError]);
  const shown = problem ?? (apiError ? { field: fieldOfError(apiError), message: apiError } : null);

  const invalid = (key: FormKey) => (shown?.field === key ? { "aria-invalid": true, "aria-describedby": "settings-error" } : {});
  const textField = ([key, label, hint]: [FormKey, string, string?]) => (
    <label key={key}>
      {label}
      <input
        id={`cfg-${key}`}
        value={form[key] as string}
        onInput={(e) => set(key, e.currentTarget.value)}
        {...invalid(key)}
        style={shown?.field === key ? { borderColor: "var(--bad)" } : undefined}
      />
      {hint && <span class="muted">{hint}</span>}
    </label>
  );

  return (
    <form onSubmit={submit} aria-label="Edit settings" noValidate>
      {shown && (
        <div class="error" role="alert" id="settings-error">
          <strong>{shown.message}</strong>
          <p>Fix the {shown.field ? <code>{shown.field}</code> : "settings"} and save again; nothing was changed.</p>
        </div>
      )}
      <div class="grid" style={{ gridTemplateColumns: "repeat(auto-fit, minmax(320px, 1fr))" }}>
        {TEXT.map(textField)}
        <label>
          Reader
          <select value={form.reader} onChange={(e) => set("reader", e.currentTarget.value as ReaderKind)} {...invalid("reader")}>
            {READERS.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <label class="check" style={{ alignSelf: "center" }}>
          <input type="checkbox" checked={form.keep_raw_data} onChange={(e) => set("keep_raw_data", e.currentTarget.checked)} />
          Keep raw data
        </label>
        <label class="check" style={{ alignSelf: "center" }}>
          <input type="checkbox" checked={form.export_series} onChange={(e) => set("export_series", e.currentTarget.checked)} />
          Export series to Prometheus
        </label>
      </div>
      <div class="grid" style={{ marginTop: "1rem" }}>
        <label>
          File patterns (one glob a line)
          <textarea id="cfg-file_patterns" rows={4} value={form.file_patterns} onInput={(e) => set("file_patterns", e.currentTarget.value)} {...invalid("file_patterns")} />
        </label>
        <label>
          Reader options (JSON object)
          <textarea id="cfg-reader_options" rows={4} value={form.reader_options} onInput={(e) => set("reader_options", e.currentTarget.value)} {...invalid("reader_options")} />
        </label>
        <label>
          Custom LLM prompt
          <textarea id="cfg-custom_prompt" rows={4} value={form.custom_prompt} onInput={(e) => set("custom_prompt", e.currentTarget.value)} {...invalid("custom_prompt")} />
        </label>
      </div>
      <div class="actions" style={{ marginTop: "1rem" }}>
        <button type="submit" class="primary" disabled={save.busy}>
          {save.busy ? "Saving…" : "Save settings"}
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function focus(key: FormKey) {
  window.setTimeout(() => document.getElementById(`cfg-${key}`)?.focus(), 0);
}
