// A schema version's fields: each one's role, type, unit and direction, editable.
// Saving and confirming are both PUT /configs/{id}/schema: the API keeps no
// confirmed flag; it writes the body as the next version, generated_by
// "user", and makes it active — that is what confirming a generated schema means.
import { useAction } from "../../hooks";
import { useState } from "preact/hooks";
import { api } from "../../api";
import { ErrorBox } from "../../components/ui";
import { bodyOf, draftOf, isEdited, newRow, problemsOf, schemaState, updateRow, type FieldRow, type Role } from "../../lib/configSchema";
import { FIELD_TYPES, type Direction, type FieldType, type MetricSchema } from "../../lib/configTypes";

const ROLES: [Role, string][] = [
  ["dimension", "dimension"],
  ["metric", "metric"],
  ["none", "not used"],
];
const DIRECTIONS: [Direction | "", string][] = [
  ["", "unknown"],
  ["lower_is_better", "lower is better"],
  ["higher_is_better", "higher is better"],
];
const directionText = (d: Direction | "") => DIRECTIONS.find(([v]) => v === d)?.[1] ?? d;

export function SchemaEditor(props: { configId: number; schema: MetricSchema; write: boolean; onSaved: (row: MetricSchema, confirmed: boolean) => void }) {
  const { schema, write } = props;
  const [draft, setDraft] = useState(() => draftOf(schema));
  const save = useAction<MetricSchema>();
  const edited = isEdited(schema, draft);
  const problems = problemsOf(draft);
  const state = schemaState(schema);
  const canConfirm = !edited && state.label !== "confirmed";

  const setRow = (key: string, changes: Partial<FieldRow>) =>
    setDraft((d) => ({ ...d, rows: d.rows.map((r) => (r.key === key ? updateRow(r, changes) : r)) }));
  const put = async () => {
    const row = await save.run(() => api.put<MetricSchema>(`/configs/${props.configId}/schema`, bodyOf(draft)));
    if (row) props.onSaved(row, !edited);
  };

  const names = draft.rows.map((r) => r.name.trim()).filter(Boolean);
  const label = (r: FieldRow) => r.name.trim() || "new field";
  return (
    <div>
      <div class="table-wrap">
        <table aria-label="Schema fields">
          <thead>
            <tr>
              <th>Field</th>
              <th>Role</th>
              <th>Type</th>
              <th>Unit</th>
              <th>Direction</th>
              <th>Description</th>
              {write && <th aria-label="Remove" />}
            </tr>
          </thead>
          <tbody>
            {draft.rows.map((r) =>
              write ? (
                <tr key={r.key}>
                  <td>
                    <input aria-label={`Name of ${label(r)}`} value={r.name} onInput={(e) => setRow(r.key, { name: e.currentTarget.value })} style={{ width: "11rem" }} />
                  </td>
                  <td>
                    <select aria-label={`Role of ${label(r)}`} value={r.role} onChange={(e) => setRow(r.key, { role: e.currentTarget.value as Role })}>
                      {ROLES.map(([v, t]) => (
                        <option key={v} value={v}>
                          {t}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <select aria-label={`Type of ${label(r)}`} value={r.type} onChange={(e) => setRow(r.key, { type: e.currentTarget.value as FieldType })}>
                      {FIELD_TYPES.map((t) => (
                        <option key={t} value={t}>
                          {t}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <input aria-label={`Unit of ${label(r)}`} value={r.unit} onInput={(e) => setRow(r.key, { unit: e.currentTarget.value })} style={{ width: "6rem" }} />
                  </td>
                  <td>
                    <select
                      aria-label={`Direction of ${label(r)}`}
                      value={r.direction}
                      disabled={r.role !== "metric"}
                      title={r.role !== "metric" ? "Only metrics have a direction" : undefined}
                      onChange={(e) => setRow(r.key, { direction: e.currentTarget.value as Direction | "" })}
                    >
                      {DIRECTIONS.map(([v, t]) => (
                        <option key={v} value={v}>
                          {t}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <input aria-label={`Description of ${label(r)}`} value={r.description} onInput={(e) => setRow(r.key, { description: e.currentTarget.value })} style={{ width: "100%", minWidth: "10rem" }} />
                  </td>
                  <td>
                    <button type="button" class="danger" aria-label={`Remove ${label(r)}`} onClick={() => setDraft((d) => ({ ...d, rows: d.rows.filter((x) => x.key !== r.key) }))}>
                      Remove
                    </button>
                  </td>
                </tr>
              ) : (
                <tr key={r.key}>
                  <td>
                    <code>{r.name}</code>
                  </td>
                  <td>
                    <span class={`badge ${r.role === "metric" ? "info" : ""}`}>{ROLES.find(([v]) => v === r.role)?.[1]}</span>
                  </td>
                  <td>{r.type}</td>
                  <td>{r.unit || <span class="muted">–</span>}</td>
                  <td>{r.role === "metric" ? directionText(r.direction) : <span class="muted">–</span>}</td>
                  <td>{r.description}</td>
                </tr>
              ),
            )}
          </tbody>
        </table>
      </div>

      {write ? (
        <div class="row" style={{ marginTop: "0.75rem" }}>
          <button type="button" onClick={() => setDraft((d) => ({ ...d, rows: [...d.rows, newRow()] }))}>
            Add field
          </button>
          <label>
            Schema name
            <input value={draft.name} onInput={(e) => setDraft((d) => ({ ...d, name: e.currentTarget.value }))} style={{ width: "18rem" }} />
          </label>
          <label>
            Timestamp field
            <select value={draft.timestamp_field} onChange={(e) => setDraft((d) => ({ ...d, timestamp_field: e.currentTarget.value }))}>
              <option value="">none (the run's time)</option>
              {names.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
        </div>
      ) : (
        <p class="muted">Timestamp field: {schema.timestamp_field ?? "none (records take the run's time)"}.</p>
      )}

      {write && edited && problems.length > 0 && (
        <div class="error" role="status" style={{ marginTop: "0.75rem" }}>
          <strong>Fix these before saving:</strong>
          <ul style={{ margin: "0.4rem 0 0" }}>
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </div>
      )}
      {save.error && (
        <div style={{ marginTop: "0.75rem" }}>
          <ErrorBox error={save.error} />
        </div>
      )}
      {write && (
        <div style={{ marginTop: "0.75rem" }}>
          <div class="actions">
            <button type="button" class="primary" onClick={put} disabled={!edited || problems.length > 0 || save.busy}>
              {save.busy && edited ? "Saving…" : "Save schema"}
            </button>
            {canConfirm && (
              <button type="button" class={edited ? "" : "primary"} onClick={put} disabled={problems.length > 0 || save.busy}>
                {save.busy ? "Confirming…" : "Confirm schema"}
              </button>
            )}
            {edited && (
              <button type="button" onClick={() => setDraft(draftOf(schema))}>
                Discard changes
              </button>
            )}
          </div>
          <p class="muted" style={{ marginBottom: 0 }}>
            {edited
              ? "Saving writes your fields as a new version and makes it active: collection uses it from the next run."
              : canConfirm
                ? `Confirming writes version ${schema.version}'s fields unchanged as a new version by you (generated by “user”) and makes it active. Adjust the fields first if something is wrong.`
                : "This version is confirmed. Edit a field to save an adjusted version."}
          </p>
        </div>
      )}
    </div>
  );
}
