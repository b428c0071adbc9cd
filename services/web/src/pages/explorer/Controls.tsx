// The explorer's choices: config, metrics, grouping, filters, aggregation,
// interval and range. Every control is a real input with a label, and every
// change goes straight into the URL (the parent reads it back).
import { useState } from "preact/hooks";
import { api } from "../../api";
import { AGGREGATIONS, INTERVALS, PRESETS, type ExplorerState } from "../../lib/explorer";

export interface ConfigItem {
  id: number;
  name: string;
  enabled: boolean;
}

export interface DimensionsInfo {
  dimensions: Record<string, string[]>;
  truncated: string[];
}

interface Props {
  state: ExplorerState;
  change: (next: Partial<ExplorerState>) => void;
  configs: ConfigItem[];
  metricNames: string[];
  /** The metrics shown (the chosen ones, or the default). */
  metrics: string[];
  dimensions: DimensionsInfo | undefined;
}

const box = { border: "1px solid var(--line)", borderRadius: "6px", padding: "0.4rem 0.6rem", margin: 0, minWidth: "10rem" };
const list = { maxHeight: "9rem", overflow: "auto", display: "flex", flexDirection: "column" as const, gap: "0.15rem" };

export function Controls(props: Props) {
  const { state, change } = props;
  const dims = Object.keys(props.dimensions?.dimensions ?? {});
  const toggle = (xs: string[], x: string, on: boolean) => (on ? [...xs, x] : xs.filter((y) => y !== x));
  return (
    <form class="card" aria-label="Explorer choices" onSubmit={(e) => e.preventDefault()}>
      <div class="row" style={{ alignItems: "flex-start" }}>
        <label>
          Config
          <select
            value={state.config ?? ""}
            onChange={(e) => change({ config: Number(e.currentTarget.value) || null, metrics: [], groupBy: [], filters: {} })}
          >
            <option value="">Choose a config…</option>
            {props.configs.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name} (#{c.id}){c.enabled ? "" : " – disabled"}
              </option>
            ))}
          </select>
        </label>
        <label>
          Aggregation
          <select value={state.aggregation} onChange={(e) => change({ aggregation: e.currentTarget.value as ExplorerState["aggregation"] })}>
            {AGGREGATIONS.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <label>
          Interval
          <select value={state.interval} onChange={(e) => change({ interval: e.currentTarget.value })}>
            {(INTERVALS as readonly string[]).includes(state.interval) ? null : <option value={state.interval}>{state.interval}</option>}
            {INTERVALS.map((i) => (
              <option key={i} value={i}>
                {i}
              </option>
            ))}
          </select>
        </label>
        <label>
          Time range
          <select value={state.range} onChange={(e) => change({ range: e.currentTarget.value as ExplorerState["range"] })}>
            {PRESETS.map((p) => (
              <option key={p} value={p}>
                Last {p}
              </option>
            ))}
            <option value="custom">Custom…</option>
          </select>
        </label>
        {state.range === "custom" && (
          <>
            <label>
              From (UTC)
              <input type="datetime-local" value={state.from ?? ""} onChange={(e) => change({ from: e.currentTarget.value || null })} />
            </label>
            <label>
              To (UTC, empty: now)
              <input type="datetime-local" value={state.to ?? ""} onChange={(e) => change({ to: e.currentTarget.value || null })} />
            </label>
          </>
        )}
        <label class="check" style={{ alignSelf: "center" }} title="Percentiles computed from the records instead of estimated from sketches (refused past the server's limit of values)">
          <input type="checkbox" checked={state.exact} onChange={(e) => change({ exact: e.currentTarget.checked })} />
          Exact percentiles
        </label>
      </div>
      {state.config && (
        <div class="row" style={{ alignItems: "flex-start", marginTop: "0.75rem" }}>
          <fieldset style={box}>
            <legend>Metrics</legend>
            <div style={list}>
              {props.metricNames.length === 0 && <span class="muted">none known yet</span>}
              {props.metricNames.map((m) => (
                <label class="check" key={m}>
                  <input
                    type="checkbox"
                    checked={props.metrics.includes(m)}
                    onChange={(e) => change({ metrics: toggle(props.metrics, m, e.currentTarget.checked) })}
                  />
                  {m}
                </label>
              ))}
            </div>
          </fieldset>
          <fieldset style={box}>
            <legend>Group by</legend>
            <div style={list}>
              {dims.length === 0 && <span class="muted">no dimensions</span>}
              {dims.map((d) => (
                <label class="check" key={d}>
                  <input
                    type="checkbox"
                    checked={state.groupBy.includes(d)}
                    onChange={(e) => change({ groupBy: toggle(state.groupBy, d, e.currentTarget.checked) })}
                  />
                  {d}
                </label>
              ))}
            </div>
          </fieldset>
          <fieldset style={{ ...box, flex: 1 }}>
            <legend>Filter dimension values</legend>
            <div class="row" style={{ alignItems: "flex-start" }}>
              {dims.length === 0 && <span class="muted">no dimensions</span>}
              {dims.map((d) => (
                <DimensionFilter
                  key={`${state.config}:${d}`}
                  config={state.config!}
                  name={d}
                  values={props.dimensions!.dimensions[d]}
                  truncated={props.dimensions!.truncated.includes(d)}
                  chosen={state.filters[d] ?? []}
                  set={(values) => change({ filters: { ...state.filters, [d]: values } })}
                />
              ))}
            </div>
          </fieldset>
        </div>
      )}
    </form>
  );
}

/** One dimension's values as checkboxes; a truncated list loads the rest (up to 1,000) when opened. */
function DimensionFilter(props: {
  config: number;
  name: string;
  values: string[];
  truncated: boolean;
  chosen: string[];
  set: (values: string[]) => void;
}) {
  const [more, setMore] = useState<string[] | null>(null);
  // open at first when values are chosen, then left to the user (a changing prop would close it under them)
  const [initiallyOpen] = useState(props.chosen.length > 0);
  const values = [...new Set([...(more ?? props.values), ...props.chosen])];
  const onToggle = (e: Event) => {
    if (!(e.currentTarget as HTMLDetailsElement).open || !props.truncated || more) return;
    api
      .get<{ values: string[] }>(`/configs/${props.config}/dimensions/${encodeURIComponent(props.name)}/values`, { limit: 1000 })
      .then((r) => setMore(r.values), () => setMore(props.values));
  };
  return (
    <details onToggle={onToggle} open={initiallyOpen} style={{ minWidth: "9rem" }}>
      <summary>
        {props.name} <span class="muted">({props.chosen.length ? `${props.chosen.length} chosen` : "all"})</span>
      </summary>
      <div style={list}>
        {props.chosen.length > 0 && (
          <button type="button" onClick={() => props.set([])} aria-label={`Clear the ${props.name} filter`}>
            Clear
          </button>
        )}
        {values.map((v) => (
          <label class="check" key={v}>
            <input
              type="checkbox"
              checked={props.chosen.includes(v)}
              onChange={(e) => props.set(e.currentTarget.checked ? [...props.chosen, v] : props.chosen.filter((c) => c !== v))}
            />
            {v}
          </label>
        ))}
        {props.truncated && !more && <span class="muted">more values load when opened</span>}
      </div>
    </details>
  );
}
