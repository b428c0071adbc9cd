// One runner set (/runner-sets/:namespace/:name): what wfm-scanner recorded
// of it, its runner statistics, and its runners. The api lists runners per
// config (GET /configs/{id}/runners), so they are shown through a config
// bound to the set. URL keys: range, config, status, offset, cluster.
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { ApiError, api } from "../../api";
import { useAsync } from "../../hooks";
import { Link, setQuery, useLocation } from "../../router";
import { Empty, ErrorBox, Loading, Section, Stat, Status } from "../../components/ui";
import { formatAgo, formatDuration, formatNumber, formatTime } from "../../lib/format";
import { formatRate } from "../../lib/ci";
import {
  STATS_RANGES,
  boundConfigs,
  formatLimits,
  limits,
  pairs,
  parseStatsRange,
  setPath,
  startTime,
  volumes,
  type ConfigRef,
  type RunnerSetStats,
  type Workload,
} from "../../lib/runners";
import { RunnerTable } from "./RunnerTable";

/** Configs are listed 100 at a time (the api's largest page). */
async function allConfigs(cluster: string | null): Promise<ConfigRef[]> {
  const out: ConfigRef[] = [];
  for (let offset = 0; ; offset += 100) {
    const page = await api.get<{ configs: ConfigRef[]; total: number }>("/configs", { cluster, offset, limit: 100 });
    out.push(...page.configs);
    if (!page.configs.length || out.length >= page.total) return out;
  }
}

export function RunnerSet(props: { namespace: string; name: string }) {
  const { namespace, name } = props;
  const { query } = useLocation();
  const range = parseStatsRange(query.get("range"));
  const cluster = query.get("cluster") || null;
  const [now, setNow] = useState(() => Date.now());
  const path = setPath(namespace, name);

  const set = useAsync(() => api.get<Workload>(path, { cluster }), [path, cluster, now]);
  const stats = useAsync(
    () => api.get<RunnerSetStats>(`${path}/stats`, { cluster, start_time: startTime(range, now) }),
    [path, cluster, range.key, now],
  );
  const configs = useAsync(() => allConfigs(cluster).then((c) => boundConfigs(c, namespace, name)), [namespace, name, cluster, now]);

  const title = (
    <>
      <p>
        <Link href={`/runner-sets${cluster ? `?cluster=${encodeURIComponent(cluster)}` : ""}`}>← Runner sets</Link>
      </p>
      <h1>
        Runner set {namespace}/{name}
      </h1>
    </>
  );
  if (set.error instanceof ApiError && set.error.status === 404)
    return (
      <>
        {title}
        <Empty>
          <p>{set.error.message}.</p>
          <p>
            wfm-scanner records runner sets as it sees them in the cluster; <Link href="/runner-sets">the list</Link> shows those it
            knows.
          </p>
        </Empty>
      </>
    );
  const s = set.data;
  const st = stats.data;
  return (
    <>
      {title}
      {set.error && <ErrorBox error={set.error} retry={set.reload} />}
      {!s && !set.error && <Loading what="the runner set" />}
      {s && (
        <Section
          id="set-details"
          title="Details"
          actions={
            <button type="button" onClick={() => setNow(Date.now())}>
              Refresh
            </button>
          }
        >
          <dl class="grid" style={{ gridTemplateColumns: "repeat(auto-fit, minmax(220px, 1fr))", margin: 0 }}>
            <Item label="State">
              <Status value={s.status === "completed" ? "deleted" : (s.phase ?? s.status).toLowerCase()} />
            </Item>
            <Item label="Cluster">{s.cluster_name}</Item>
            <Item label="Min – max runners">{limits(s) ? formatLimits(limits(s)) : <span class="muted">not recorded by wfm-scanner</span>}</Item>
            <Item label="First seen">{formatTime(s.first_seen_at)}</Item>
            <Item label="Updated">{formatAgo(s.updated_at)}</Item>
            {s.completed_at && <Item label="Deleted">{formatTime(s.completed_at)}</Item>}
            <Item label="UID">
              <code>{s.uid}</code>
            </Item>
            <Item label="Volumes of the runners' pods">{volumes(s.spec).join(", ") || <span class="muted">none</span>}</Item>
          </dl>
          {pairs(s.labels).length > 0 && (
            <details>
              <summary>Labels ({pairs(s.labels).length})</summary>
              <ul>
                {pairs(s.labels).map((p) => (
                  <li>
                    <code>{p}</code>
                  </li>
                ))}
              </ul>
            </details>
          )}
        </Section>
      )}
      <Section
        id="set-stats"
        title="Runner statistics"
        actions={
          <label>
            Runners created in
            <select value={range.key} onChange={(e) => setQuery({ range: e.currentTarget.value }, false)}>
              {STATS_RANGES.map((r) => (
                <option value={r.key}>{r.label}</option>
              ))}
            </select>
          </label>
        }
      >
        {stats.error && !(stats.error instanceof ApiError && stats.error.status === 404) && <ErrorBox error={stats.error} retry={stats.reload} />}
        {!st && !stats.error && <Loading what="statistics" />}
        {st && (
          <div class="stats">
            <Stat label="runners" value={formatNumber(st.runners_total)} />
            <Stat label="running" value={formatNumber(st.runners_running)} />
            <Stat label="completed" value={formatNumber(st.runners_completed)} />
            <Stat label="failed" value={formatNumber(st.runners_failed)} />
            <Stat label="success rate" value={formatRate(st.success_rate)} />
            <Stat label="duration avg" value={formatDuration(st.duration_avg_seconds)} />
            <Stat label="duration p50 / p95" value={`${formatDuration(st.duration_p50_seconds)} / ${formatDuration(st.duration_p95_seconds)}`} />
            <Stat label="runs collected (all time)" value={formatNumber(st.runs_collected)} />
            <Stat label="last completion" value={<span title={formatTime(st.last_completion_at)}>{formatAgo(st.last_completion_at)}</span>} />
          </div>
        )}
      </Section>
      <Section id="set-runners" title="Runners">
        {configs.error && <ErrorBox error={configs.error} retry={configs.reload} />}
        {!configs.data && !configs.error && <Loading what="configs" />}
        {configs.data && !configs.data.length && (
          <p class="notice">
            wfm lists a set's runners through a config bound to it, and no config is bound to{" "}
            <code>
              {namespace}/{name}
            </code>
            . Create one with runner set namespace <code>{namespace}</code> and name <code>{name}</code> (<Link href="/">Overview</Link>) to see
            its runners and collect their results.
          </p>
        )}
        {configs.data && configs.data.length > 0 && <RunnerTable configs={configs.data} now={now} />}
      </Section>
    </>
  );
}

function Item(props: { label: string; children: ComponentChildren }) {
  return (
    <div>
      <dt class="muted" style={{ fontSize: "0.85rem" }}>
        {props.label}
      </dt>
      <dd style={{ margin: 0 }}>{props.children}</dd>
    </div>
  );
}
