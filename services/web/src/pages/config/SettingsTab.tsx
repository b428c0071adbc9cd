// Settings: what the config collects and how, the on/off switch, and the
// Test button; editing is a form that PATCHes only what changed.
import { useAction } from "../../hooks";
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { api } from "../../api";
import { ErrorBox, Facts, Section } from "../../components/ui";
import { formatAgo, formatTime } from "../../lib/format";
import type { Config } from "../../lib/configTypes";
import { SettingsForm } from "./SettingsForm";
import { TestPanel } from "./TestPanel";

export function SettingsTab(props: { config: Config; write: boolean; reload: () => void }) {
  const { config: c, write } = props;
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const toggle = useAction<Config>();

  const flip = async () => {
    const done = await toggle.run(() => api.post<Config>(`/configs/${c.id}/${c.enabled ? "disable" : "enable"}`));
    if (done) props.reload();
  };

  return (
    <>
      <Section
        id="collection"
        title="Collection"
        actions={
          write && (
            <button type="button" onClick={flip} disabled={toggle.busy} aria-pressed={c.enabled}>
              {c.enabled ? "Disable collection" : "Enable collection"}
            </button>
          )
        }
      >
        <p style={{ marginTop: 0 }}>
          Collection is <strong>{c.enabled ? "on" : "off"}</strong>
          {c.enabled ? ": new runners are collected as they finish." : ": nothing new is collected until it is enabled."} Last
          collected runner: {c.last_processed_workload_uid ? <code>{c.last_processed_workload_uid}</code> : "none yet"}; last
          checked {formatAgo(c.last_checked_at)}.
        </p>
        {toggle.error && <ErrorBox error={toggle.error} />}
        {write && <TestPanel config={c} />}
      </Section>

      <Section
        id="settings"
        title="Settings"
        actions={
          write &&
          !editing && (
            <button
              type="button"
              onClick={() => {
                setSaved(null);
                setEditing(true);
              }}
            >
              Edit settings
            </button>
          )
        }
      >
        {saved && (
          <div class="notice" role="status">
            {saved}
          </div>
        )}
        {editing ? (
          <SettingsForm
            config={c}
            onCancel={() => setEditing(false)}
            onSaved={(message) => {
              setSaved(message);
              setEditing(false);
              props.reload();
            }}
          />
        ) : (
          <SettingsView config={c} />
        )}
      </Section>
    </>
  );
}

function SettingsView(props: { config: Config }) {
  const c = props.config;
  const text = (v: string | null | undefined) => (v ? v : <span class="muted">–</span>);
  const rows: [string, ComponentChildren][] = [
    ["Name", c.name],
    ["Description", text(c.description)],
    ["Runner set", c.runner_set_namespace ? `${c.runner_set_namespace}/${c.runner_set_name}` : text(null)],
    ["Runner set uid", text(c.runner_set_uid)],
    ["Repository", c.github_owner ? `${c.github_owner}/${c.github_repo}` : text(null)],
    ["Workflow filter", text(c.workflow_filter)],
    ["Branch filter", text(c.branch_filter)],
    [
      "File patterns",
      (c.file_patterns ?? []).map((p) => (
        <div key={p}>
          <code>{p}</code>
        </div>
      )),
    ],
    ["File types", (c.file_types ?? []).length ? c.file_types.join(", ") : <span class="muted">every file</span>],
    ["Reader", c.reader],
    ["Reader options", <code>{JSON.stringify(c.reader_options ?? {})}</code>],
    ["Keep raw data", c.keep_raw_data ? "yes" : "no"],
    ["Series on /metrics", c.export_series ? "exported" : "no"],
    ["Custom LLM prompt", c.custom_prompt ? <span style={{ whiteSpace: "pre-wrap" }}>{c.custom_prompt}</span> : text(null)],
    ["Active schema id", c.metric_schema_id ?? text(null)],
    ["Recipes requested", c.recipes_requested_at ? formatTime(c.recipes_requested_at) : text(null)],
    ["Created / updated", `${formatTime(c.created_at)} / ${formatTime(c.updated_at)}`],
  ];
  return (
    <Facts label="Config settings" rows={rows} />
  );
}
