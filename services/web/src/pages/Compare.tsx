// Two runs, commits or branches of a config side by side (GET …/compare),
// with the sides in the URL.
import { useState } from "preact/hooks";
import { api } from "../api";
import { ConfigSelect } from "../components/ConfigSelect";
import { Empty, ErrorBox, Loading, Section } from "../components/ui";
import { useAsync } from "../hooks";
import { formatChange, seriesLabel, verdictCounts, type Comparison } from "../lib/changes";
import { formatNumber } from "../lib/format";
import { setQuery, useLocation } from "../router";
import type { Config } from "../types";

export function Compare() {
  const { query } = useLocation();
  const config = query.get("config") ?? "";
  const base = query.get("base") ?? "";
  const head = query.get("head") ?? "";
  const configs = useAsync(() => api.get<{ configs: Config[] }>("/configs", { limit: 100 }), []);
  const ready = config !== "" && base !== "" && head !== "";
  const result = useAsync(
    () => (ready ? api.get<Comparison>(`/configs/${config}/compare`, { base, head }) : Promise.resolve(undefined)),
    [config, base, head],
  );
  const [draft, setDraft] = useState({ base, head });
  const counts = result.data ? verdictCounts(result.data.rows) : null;

  return (
    <>
      <h1>Compare</h1>
      <Section title="Sides" id="compare-sides">
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            setQuery({ base: draft.base.trim() || null, head: draft.head.trim() || null }, false);
          }}
        >
          <ConfigSelect value={config} configs={configs.data?.configs} none="choose…" onChange={(id) => setQuery({ config: id || null })} />
          <label>
            Base
            <input value={draft.base} placeholder="run:12, commit:abc1234, branch:main" onInput={(e) => setDraft({ ...draft, base: e.currentTarget.value })} />
          </label>
          <label>
            Head
            <input value={draft.head} placeholder="run:13, commit:def5678, branch:pr-7" onInput={(e) => setDraft({ ...draft, head: e.currentTarget.value })} />
          </label>
          <button type="submit" class="primary">
            Compare
          </button>
        </form>
        <p class="muted">A side is one run (<code>run:ID</code>), every run of a commit (<code>commit:SHA</code>, 7+ hex digits) or the newest 5 runs of a branch (<code>branch:NAME</code>). With 3 or more values a side, a rank test says whether the change is significant.</p>
      </Section>
      <Section title="Series" id="compare-rows" actions={counts && <span class="muted">{counts.regression} regressions, {counts.improvement} improvements, {counts.unchanged} unchanged</span>}>
        {!ready && <Empty>Choose a config and two sides.</Empty>}
        {result.error && <ErrorBox error={result.error} retry={result.reload} />}
        {ready && !result.data && !result.error && <Loading what="the comparison" />}
        {result.data && result.data.rows.length === 0 && <Empty>Neither side has records.</Empty>}
        {result.data && result.data.rows.length > 0 && (
          <div class="table-wrap">
            <table aria-label="Comparison">
              <thead>
                <tr>
                  <th>Metric</th>
                  <th>Series</th>
                  <th class="num">Base (n)</th>
                  <th class="num">Head (n)</th>
                  <th class="num">Change</th>
                  <th class="num">p</th>
                  <th>Better</th>
                  <th>Verdict</th>
                </tr>
              </thead>
              <tbody>
                {result.data.rows.map((r) => (
                  <tr key={`${r.metric}|${JSON.stringify(r.dimensions)}`} data-verdict={r.verdict}>
                    <td>{r.metric}</td>
                    <td>{seriesLabel(r.dimensions)}</td>
                    <td class="num">
                      {formatNumber(r.base.median)} ({r.base.n})
                    </td>
                    <td class="num">
                      {formatNumber(r.head.median)} ({r.head.n})
                    </td>
                    <td class="num">{formatChange(r.delta_percent)}</td>
                    <td class="num">{r.p_value == null ? "–" : r.p_value.toPrecision(2)}</td>
                    <td>{r.better}</td>
                    <td class={`verdict-${r.verdict}`}>{r.verdict}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
    </>
  );
}
