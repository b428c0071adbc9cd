// One config: its settings, schema, runs and backfill, one tab each. The tab
// and every tab's own state live in the query (?tab=runs&status=failed…), so
// any view can be shared by its address.
import { api, ApiError, canWrite } from "../api";
import { ErrorBox, Loading, Status } from "../components/ui";
import { useAsync } from "../hooks";
import { bindingOf } from "../lib/configSettings";
import type { Config } from "../lib/configTypes";
import { Link, useLocation } from "../router";
import { useSession } from "../session";
import { BackfillTab } from "./config/BackfillTab";
import { RunsTab } from "./config/RunsTab";
import { SchemaTab } from "./config/SchemaTab";
import { SettingsTab } from "./config/SettingsTab";

const TABS = [
  ["settings", "Settings"],
  ["schema", "Schema"],
  ["runs", "Runs"],
  ["backfill", "Backfill"],
] as const;
type Tab = (typeof TABS)[number][0];

export function ConfigPage(props: { id: number }) {
  const { id } = props;
  const loc = useLocation();
  const write = canWrite(useSession());
  const asked = loc.query.get("tab");
  const tab: Tab = TABS.some(([t]) => t === asked) ? (asked as Tab) : "settings";
  const config = useAsync(
    () => (Number.isInteger(id) && id > 0 ? api.get<Config>(`/configs/${id}`) : Promise.reject(new ApiError(404, `“${id}” is not a config id`))),
    [id],
  );

  if (!config.data) {
    return (
      <>
        <p>
          <Link href="/">← Overview</Link>
        </p>
        <h1>Config {Number.isFinite(id) ? id : ""}</h1>
        {config.error ? (
          <>
            <ErrorBox error={config.error} retry={config.reload} />
            {config.error instanceof ApiError && config.error.status === 404 && (
              <p>
                Pick a config from the <Link href="/">overview</Link>; a config may have been deleted, or belong to another cluster.
              </p>
            )}
          </>
        ) : (
          <Loading what="the config" />
        )}
      </>
    );
  }

  const c = config.data;
  return (
    <>
      <p style={{ margin: "0 0 0.5rem" }}>
        <Link href="/">← Overview</Link>
      </p>
      <header class="row" style={{ alignItems: "baseline", marginBottom: "0.75rem" }}>
        <h1 style={{ margin: 0 }}>{c.name}</h1>
        <span class={`badge ${c.enabled ? "ok" : "warn"}`}>{c.enabled ? "enabled" : "disabled"}</span>
        <span class="muted">
          config {c.id} · {bindingOf(c)} · cluster {c.cluster_name}
        </span>
        {!write && <Status value="read-only" />}
      </header>
      {c.description && <p class="muted" style={{ marginTop: 0 }}>{c.description}</p>}
      <nav class="tabs" aria-label="Config sections">
        {TABS.map(([t, label]) => (
          <Link key={t} href={`/configs/${id}?tab=${t}`} aria-current={t === tab ? "page" : undefined}>
            {label}
          </Link>
        ))}
      </nav>
      {config.error && <ErrorBox error={config.error} retry={config.reload} />}
      {tab === "settings" && <SettingsTab config={c} write={write} reload={config.reload} />}
      {tab === "schema" && <SchemaTab config={c} write={write} query={loc.query} />}
      {tab === "runs" && <RunsTab config={c} write={write} query={loc.query} />}
      {tab === "backfill" && <BackfillTab config={c} write={write} />}
    </>
  );
}
