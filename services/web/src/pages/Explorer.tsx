// The metrics explorer (/explore): pick a config, metrics, grouping, filters,
// interval and range — all kept in the URL query, so a view can be shared —
// and see one line per group over time, a summary per group and their CSV.
import { useEffect, useMemo, useState } from "preact/hooks";
import { api, ApiError } from "../api";
import { NoConfig } from "../components/NoConfig";
import { ErrorBox, Empty, Loading } from "../components/ui";
import { useAsync } from "../hooks";
import { bucketProblem, effectiveInterval, parseState, resolveRange, stateQuery, toLocalInput, trendsBody, type ExplorerState } from "../lib/explorer";
import type { RecordRow, Trends } from "../lib/explorerData";
import { markersOf, type Change } from "../lib/changes";
import { formatTime } from "../lib/format";
import { setQuery, useLocation } from "../router";
import { ChartPanel } from "./explorer/ChartPanel";
import { Controls, type ConfigItem, type DimensionsInfo } from "./explorer/Controls";
import { SummaryTable } from "./explorer/SummaryTable";

interface Schema {
  metric_fields: string[];
  dimension_fields: string[];
}

/** The metric names to offer: the active schema's, else those of the newest records. */
async function loadMetricNames(config: number): Promise<{ names: string[]; fromSchema: boolean }> {
  try {
    const schema = await api.get<Schema>(`/configs/${config}/schema`);
    return { names: schema.metric_fields ?? [], fromSchema: true };
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 404)) throw e;
    const page = await api.post<{ records: RecordRow[] }>(`/configs/${config}/metrics/query`, { limit: 100 });
    const names = new Set<string>();
    page.records.forEach((r) => Object.keys(r.metrics ?? {}).forEach((n) => names.add(n)));
    return { names: [...names].sort(), fromSchema: false };
  }
}

export function Explorer() {
  const loc = useLocation();
  const search = loc.query.toString();
  const state = useMemo(() => parseState(loc.query), [search]);
  // relative ranges end "now": fixed per URL, moved on by Refresh
  const [tick, setTick] = useState(0);
  const now = useMemo(() => new Date(), [search, tick]);
  const change = (next: Partial<ExplorerState>) => setQuery(stateQuery({ ...state, ...next }, state));
  const config = state.config;

  const configs = useAsync(() => api.get<{ configs: ConfigItem[]; total: number }>("/configs", { limit: 100 }), []);
  useEffect(() => {
    // a single config needs no choosing
    if (!config && configs.data?.configs.length === 1) change({ config: configs.data.configs[0].id });
  }, [configs.data, config]);

  const names = useAsync(() => (config ? loadMetricNames(config) : Promise.resolve(undefined)), [config]);
  const dims = useAsync(() => (config ? api.get<DimensionsInfo>(`/configs/${config}/dimensions`) : Promise.resolve(undefined)), [config]);
  const metricNames = names.data?.names ?? [];
  const metrics = state.metrics.length ? state.metrics : metricNames.slice(0, 1);

  const range = resolveRange(state, now);
  const interval = typeof range === "string" ? null : effectiveInterval(state, range);
  const problem = typeof range === "string" ? range : bucketProblem(interval!, range);
  const body = config && metrics.length && !problem && typeof range !== "string" ? trendsBody(state, metrics, range) : null;
  const trends = useAsync(
    () => (body ? api.post<Trends>(`/configs/${config}/metrics/trends`, body) : Promise.resolve(undefined)),
    [config, JSON.stringify(body), tick],
  );
  // the changes filed on the charted metrics, marked on the chart
  const changes = useAsync(
    () =>
      body && typeof range !== "string"
        ? Promise.all(
            metrics.map((metric) =>
              api.get<{ changes: Change[] }>(`/configs/${config}/changes`, { metric, status: null, since: range.start.toISOString(), until: range.end.toISOString(), limit: 100 }),
            ),
          ).then((pages) => pages.flatMap((p) => p.changes))
        : Promise.resolve([] as Change[]),
    [config, JSON.stringify(body), tick],
  );

  const head = (
    <div class="row" style={{ justifyContent: "space-between", alignItems: "center", marginBottom: "0.75rem" }}>
      <h1 style={{ margin: 0 }}>Metrics explorer</h1>
      {config && (
        <button type="button" onClick={() => setTick((t) => t + 1)}>
          Refresh
        </button>
      )}
    </div>
  );

  if (configs.error) return <>{head}<ErrorBox error={configs.error} retry={configs.reload} /></>;
  if (!configs.data) return <>{head}<Loading what="configs" /></>;
  if (!configs.data.configs.length) return <>{head}<NoConfig /></>;

  const hasFilters = Object.values(state.filters).some((v) => v.length);

  return (
    <>
      {head}
      <Controls state={state} change={change} configs={configs.data.configs} metricNames={metricNames} metrics={metrics} dimensions={dims.data} />
      {!config && <Empty>Choose a config above to explore its metrics.</Empty>}
      {config && names.error && <ErrorBox error={names.error} retry={names.reload} />}
      {config && dims.error && <ErrorBox error={dims.error} retry={dims.reload} />}
      {config && names.data && !names.data.names.length && (
        <Empty>
          This config has no metrics yet: no active schema and no records. They appear once wfm has collected a run of its workflow.
        </Empty>
      )}
      {problem && <div class="notice" role="alert">{problem}</div>}
      {typeof range !== "string" && body && (
        <p class="muted" style={{ margin: "0 0 0.75rem" }}>
          {formatTime(range.start.toISOString())} – {formatTime(range.end.toISOString())}
          {names.data && !names.data.fromSchema && " · metric names taken from the newest records (this config has no active schema)"}
        </p>
      )}
      {body && trends.error && <ErrorBox error={trends.error} retry={trends.reload} />}
      {body && !trends.data && trends.loading && <Loading what="the chart" />}
      {body && trends.data && !trends.data.series.length && (
        <Empty>
          <p>No data for these choices in this range.</p>
          <p>
            {state.range !== "90d" && (
              <button type="button" onClick={() => change({ range: "90d" })}>
                Widen to the last 90 days
              </button>
            )}{" "}
            {hasFilters && (
              <button type="button" onClick={() => change({ filters: {} })}>
                Clear the filters
              </button>
            )}
          </p>
          <p>Or pick a custom range that covers the config's runs.</p>
        </Empty>
      )}
      {body && trends.data && trends.data.series.length > 0 && (
        <ChartPanel
          config={config!}
          trends={trends.data}
          filters={state.filters}
          loading={trends.loading}
          markers={markersOf(changes.data ?? [])}
          queryRange={(start, end) => change({ range: "custom", from: toLocalInput(start), to: toLocalInput(end), interval: "auto" })}
        />
      )}
      {body && typeof range !== "string" && trends.data && trends.data.series.length > 0 && (
        <SummaryTable state={state} metrics={metrics} range={range} trends={trends.data} refresh={tick} />
      )}
    </>
  );
}

