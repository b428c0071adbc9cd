// One config on the overview: toggle, last run, headline sparkline.
import { api, canWrite } from "../../api";
import { Sparkline } from "../../components/Chart";
import { Status } from "../../components/ui";
import { useAction, useAsync } from "../../hooks";
import { formatAgo, formatNumber } from "../../lib/format";
import { Link } from "../../router";
import { useSession } from "../../session";
import { headlineMetric } from "../../lib/headline";
import type { Config, Run, Schema, TrendSeries } from "../../types";

export function ConfigRow(props: { config: Config; onChange: () => void }) {
  const c = props.config;
  const session = useSession();
  const toggle = useAction<unknown>();
  const last = useAsync(() => api.get<{ runs: Run[] }>(`/configs/${c.id}/runs`, { limit: 1 }).then((p) => p.runs[0] ?? null), [c.id]);
  const headline = useAsync(() => headlineSeries(c), [c.id, c.metric_schema_id]);

  const flip = async () => {
    const done = await toggle.run(() => api.post(`/configs/${c.id}/${c.enabled ? "disable" : "enable"}`));
    if (done !== undefined) props.onChange();
  };
  const source = c.runner_set_name
    ? `runner set ${c.runner_set_namespace}/${c.runner_set_name}`
    : c.github_owner
      ? `${c.github_owner}/${c.github_repo}${c.workflow_filter ? ` · ${c.workflow_filter}` : ""}`
      : "–";
  return (
    <tr>
      <td>
        <Link href={`/configs/${c.id}`}>{c.name}</Link>
        {c.description && <div class="muted">{c.description}</div>}
      </td>
      <td>
        {canWrite(session) ? (
          <label class="check">
            <input type="checkbox" checked={c.enabled} disabled={toggle.busy} onChange={flip} aria-label={`Collect for ${c.name}`} />
            {c.enabled ? "on" : "off"}
          </label>
        ) : (
          <span class={`badge ${c.enabled ? "ok" : "muted"}`}>{c.enabled ? "enabled" : "disabled"}</span>
        )}
        {toggle.error && (
          <div class="error" role="alert">
            {toggle.error.message}
          </div>
        )}
      </td>
      <td>{c.reader}</td>
      <td>{source}</td>
      <td>
        {last.data === null && <span class="muted">no run yet</span>}
        {last.data && (
          <>
            <Status value={last.data.status} /> <span class="muted">{formatAgo(last.data.collection_completed_at ?? last.data.created_at)}</span>
          </>
        )}
      </td>
      <td>
        {headline.data ? (
          <Link href={`/explore?config=${c.id}&metric=${encodeURIComponent(headline.data.metric)}&range=30d`} class="headline">
            <Sparkline values={headline.data.values} label={`${headline.data.metric} over the last 30 days`} />{" "}
            <span>
              {headline.data.metric}: {formatNumber(headline.data.values[headline.data.values.length - 1])}
            </span>
          </Link>
        ) : (
          <span class="muted">{headline.loading ? "…" : "no metrics yet"}</span>
        )}
      </td>
    </tr>
  );
}

/** The daily average of the config's headline metric over 30 days. */
async function headlineSeries(c: Config): Promise<{ metric: string; values: number[] } | null> {
  if (c.metric_schema_id === null) return null;
  const schema = await api.get<Schema>(`/configs/${c.id}/schema`).catch(() => null);
  const metric = schema && headlineMetric(schema);
  if (!metric) return null;
  const start = new Date(Date.now() - 30 * 86400_000).toISOString();
  const trends = await api.post<{ series: TrendSeries[] }>(`/configs/${c.id}/metrics/trends`, { metric, interval: "1d", start });
  const values = (trends.series[0]?.points ?? []).map((p) => p.value).filter((v): v is number => v !== null);
  return values.length ? { metric, values } : null;
}
