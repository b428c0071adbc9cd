// Benchmark changes: the list with its filters in the URL, and one change
// with its series, its triage and a link to compare the commits around it.
import { api, canWrite } from "../api";
import { Chart } from "../components/Chart";
import { ConfigSelect } from "../components/ConfigSelect";
import { Choice, Empty, ErrorBox, Facts, Loading, Section, Status } from "../components/ui";
import { useAsync } from "../hooks";
import { CHANGE_DIRECTIONS, CHANGE_STATUSES, beforeAfter, changeFilters, compareLink, formatChange, markersOf, seriesLabel, shortSha, type Change, type SeriesView } from "../lib/changes";
import { formatNumber, formatTime } from "../lib/format";
import { Link, setQuery, useLocation } from "../router";
import { useSession } from "../session";
import type { Config } from "../types";
import { TriageForm } from "./changes/TriageForm";

const LIMIT = 50;

export function Changes() {
  const { query } = useLocation();
  const filters = changeFilters(query);
  const offset = Number(query.get("offset") ?? 0) || 0;
  const key = query.toString();
  const changes = useAsync(() => api.get<{ changes: Change[]; total: number }>("/changes", { ...filters, offset, limit: LIMIT }), [key]);
  const configs = useAsync(() => api.get<{ configs: Config[] }>("/configs", { limit: 100 }), []);
  const names = new Map(configs.data?.configs.map((c) => [c.id, c.name]) ?? []);

  return (
    <>
      <h1>Changes</h1>
      <p class="muted">
        Steps the detector found in benchmark series as runs arrived (a step that held for 5 runs, by a rank test). Triage each: acknowledge it, ignore it, or mark it fixed. <Link href="/compare">Compare two runs or commits</Link>.
      </p>
      <Section title="Filters" id="change-filters">
        <form class="row" onSubmit={(e) => e.preventDefault()}>
          <ConfigSelect value={String(filters.config_id ?? "")} configs={configs.data?.configs} onChange={(id) => setQuery({ config_id: id, offset: null })} />
          <Choice label="Status" value={query.get("status") === "any" ? "" : (query.get("status") ?? "new")} options={CHANGE_STATUSES} any="any" onChange={(v) => setQuery({ status: v || "any", offset: null })} />
          <Choice label="Direction" value={String(filters.direction ?? "")} options={CHANGE_DIRECTIONS} onChange={(v) => setQuery({ direction: v, offset: null })} />
        </form>
      </Section>
      <Section title="Changes" id="changes" actions={changes.data && <span class="muted">{changes.data.total} in all</span>}>
        {changes.error && <ErrorBox error={changes.error} retry={changes.reload} />}
        {!changes.data && !changes.error && <Loading what="changes" />}
        {changes.data && changes.data.changes.length === 0 && (
          <Empty>No change matches. {query.get("status") ? "Try another status." : "Nothing new: changes appear when a series steps and holds for 5 runs."}</Empty>
        )}
        {changes.data && changes.data.changes.length > 0 && (
          <div class="table-wrap">
            <table aria-label="Changes">
              <thead>
                <tr>
                  <th>Change</th>
                  <th>Config</th>
                  <th>Metric</th>
                  <th>Series</th>
                  <th class="num">Change</th>
                  <th>Before → after</th>
                  <th>Direction</th>
                  <th>Status</th>
                  <th>Commit after</th>
                  <th>Step at</th>
                </tr>
              </thead>
              <tbody>
                {changes.data.changes.map((c) => (
                  <tr key={c.id} data-change={c.id}>
                    <td>
                      <Link href={`/changes/${c.id}`}>#{c.id}</Link>
                    </td>
                    <td>{names.get(c.config_id) ?? `config ${c.config_id}`}</td>
                    <td>{c.metric}</td>
                    <td>{seriesLabel(c.dimensions)}</td>
                    <td class="num">{formatChange(c.change_percent)}</td>
                    <td>{beforeAfter(c)}</td>
                    <td class={`verdict-${c.direction}`}>{c.direction}</td>
                    <td>
                      <Status value={c.status} />
                    </td>
                    <td>
                      <code>{shortSha(c.after_commit)}</code>
                    </td>
                    <td>{formatTime(c.at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {changes.data && changes.data.total > offset + LIMIT && (
          <div class="actions" style={{ marginTop: "0.75rem" }}>
            <button type="button" onClick={() => setQuery({ offset: String(offset + LIMIT) }, false)}>
              Older →
            </button>
          </div>
        )}
      </Section>
    </>
  );
}

export function ChangeDetail(props: { id: number }) {
  const write = canWrite(useSession());
  const change = useAsync(() => api.get<Change>(`/changes/${props.id}`), [props.id]);
  const c = change.data;
  const series = useAsync(
    // the branch is sent even when empty (runs without one), so by hand
    () => (c ? api.get<SeriesView>(`/configs/${c.config_id}/series?${new URLSearchParams({ metric: c.metric, series_key: c.series_key, branch: c.branch })}`) : Promise.resolve(undefined)),
    [c?.id, c?.updated_at],
  );
  if (change.error) return <ErrorBox error={change.error} retry={change.reload} />;
  if (!c) return <Loading what="the change" />;
  const view = series.data;
  return (
    <>
      <p>
        <Link href="/changes">← Changes</Link>
      </p>
      <h1>
        {c.metric} {formatChange(c.change_percent)} <span class={`verdict-${c.direction}`}>({c.direction})</span>
      </h1>
      <Section title="What moved" id="change-facts" actions={<Link href={compareLink(c)}>Compare before and after</Link>}>
        <Facts
          label="The change"
          rows={[
            ["Series", seriesLabel(c.dimensions)],
            ["Branch", c.branch || "–"],
            ["Before → after (medians)", beforeAfter(c)],
            ["Step", `${formatNumber(c.magnitude_sigma)} σ of the series' noise, p = ${c.p_value.toExponential(1)}`],
            ["Last run before", <Link href={`/configs/${c.config_id}?tab=runs&run=${c.before_run_id}`}>#{c.before_run_id}</Link>],
            ["First run after", <Link href={`/configs/${c.config_id}?tab=runs&run=${c.after_run_id}`}>#{c.after_run_id}</Link>],
            ["Commits", `${shortSha(c.before_commit)} → ${shortSha(c.after_commit)}`],
            ["Step at", formatTime(c.at)],
            ["Status", <Status value={c.status} />],
            ["Note", c.note ?? "–"],
            ["Triaged", c.triaged_at ? `${c.triaged_by ?? "someone"}, ${formatTime(c.triaged_at)}` : "–"],
          ]}
        />
      </Section>
      <Section title="The series" id="change-series">
        {series.error && <ErrorBox error={series.error} retry={series.reload} />}
        {!view && !series.error && <Loading what="the series" />}
        {view && view.points.length === 0 && <Empty>This series has no points on this branch any more.</Empty>}
        {view && view.points.length > 0 && (
          <Chart
            title={`${c.metric} of ${seriesLabel(c.dimensions)}`}
            x={view.points.map((p) => Date.parse(p.at) / 1000)}
            series={[{ label: c.metric, values: view.points.map((p) => p.value) }]}
            describe={(_s, i) => [`run #${view.points[i].run_id}`, `commit ${shortSha(view.points[i].commit)}`]}
            markers={markersOf(view.changes)}
            height={280}
          />
        )}
      </Section>
      {write && (
        <Section title="Triage" id="triage">
          <TriageForm change={c} onSaved={change.reload} />
        </Section>
      )}
    </>
  );
}
