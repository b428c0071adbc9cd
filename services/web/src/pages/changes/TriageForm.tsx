// A change's triage: its status and a note, sent as one PATCH.
import { useState } from "preact/hooks";
import { api } from "../../api";
import { useAction } from "../../hooks";
import { CHANGE_STATUSES, type Change, type ChangeStatus } from "../../lib/changes";

export function TriageForm(props: { change: Change; onSaved: () => void }) {
  const [status, setStatus] = useState<ChangeStatus>(props.change.status === "new" ? "acknowledged" : props.change.status);
  const [note, setNote] = useState(props.change.note ?? "");
  const [by, setBy] = useState("");
  const action = useAction<Change>();
  const save = async (e: Event) => {
    e.preventDefault();
    const body: Record<string, string> = { status };
    if (note.trim() !== (props.change.note ?? "")) body.note = note.trim();
    if (by.trim()) body.by = by.trim();
    const saved = await action.run(() => api.patch<Change>(`/changes/${props.change.id}`, body));
    if (saved) props.onSaved();
  };
  return (
    <form class="stack" onSubmit={save} aria-label="Triage">
      <label>
        Status
        <select value={status} onChange={(e) => setStatus(e.currentTarget.value as ChangeStatus)}>
          {CHANGE_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        Note
        <textarea rows={3} maxLength={4000} value={note} onInput={(e) => setNote(e.currentTarget.value)} placeholder="What caused it, who owns it, the fix" />
      </label>
      <label>
        Your name
        <input value={by} maxLength={255} onInput={(e) => setBy(e.currentTarget.value)} />
      </label>
      <div class="actions">
        <button type="submit" class="primary" disabled={action.busy}>
          {action.busy ? "Saving…" : "Save triage"}
        </button>
        {action.result && !action.busy && (
          <span role="status" class="muted">
            Saved: {action.result.status}
          </span>
        )}
      </div>
      {action.error && (
        <div class="error" role="alert">
          {action.error.message}
        </div>
      )}
    </form>
  );
}
