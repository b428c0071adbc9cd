// The summary per group and metric over the range: count, min, p50, p95, max
// and the newest value from metrics/aggregate (one request per column, no
// interval), the change from the chart's trends; with its CSV.
import { useMemo } from "preact/hooks";
import { api } from "../../api";
import { ErrorBox, Loading, Section } from "../../components/ui";
import { useAsync } from "../../hooks";
import { download, toCsv } from "../../lib/csv";
import { SUMMARY_AGGREGATIONS, summaryBody, type ExplorerState, type Range, type SummaryAggregation } from "../../lib/explorer";
import { SUMMARY_CSV_HEADER, estimateMarker, summaryCsvRows, summaryRows, type Aggregated, type Trends } from "../../lib/explorerData";
import { formatNumber, formatPercent } from "../../lib/format";
import { groupLabel, palette } from "../../lib/series";

interface Props {
  state: ExplorerState;
  metrics: string[];
  range: Range;
  trends: Trends | undefined;
  /** Bumped by Refresh: asks again. */
  refresh: number;
}

export function SummaryTable(props: Props) {
  const { state, metrics, range } = props;
  const config = state.config!;
  const bodies = SUMMARY_AGGREGATIONS.map((a) => summaryBody(state, metrics, range, a));
  const result = useAsync(async () => {
    const answers = await Promise.all(bodies.map((b) => api.post<Aggregated>(`/configs/${config}/metrics/aggregate`, b)));
    return Object.fromEntries(SUMMARY_AGGREGATIONS.map((a, i) => [a, answers[i]])) as Record<SummaryAggregation, Aggregated>;
  }, [config, JSON.stringify(bodies), props.refresh]);
  const rows = useMemo(() => (result.data ? summaryRows(result.data, props.trends) : []), [result.data, props.trends]);
  const many = metrics.length > 1;
  const estimate = estimateMarker(result.data?.p50.percentiles);

  const exportCsv = () => {
    const stamp = new Date().toISOString().slice(0, 19).replace(/:/g, "");
    download(`wfm-config${config}-summary-${stamp}.csv`, toCsv(SUMMARY_CSV_HEADER, summaryCsvRows(rows)));
  };
  const pct = (v: number | null) =>
    estimate && v !== null ? (
      <span title={estimate.title}>
        <span aria-label="approximately">{estimate.mark}</span> {formatNumber(v)}
      </span>
    ) : (
      formatNumber(v)
    );

  return (
    <Section
      id="explorer-summary"
      title="Summary"
      actions={
        <button type="button" onClick={exportCsv} disabled={!rows.length}>
          Export summary CSV
        </button>
      }
    >
      {result.error && <ErrorBox error={result.error} retry={result.reload} />}
      {!result.data && result.loading && <Loading what="the summary" />}
      {result.data && (
        <div class="table-wrap">
          <table aria-label="Summary">
            <caption class="muted" style={{ captionSide: "bottom", textAlign: "left", paddingTop: "0.4rem", fontSize: "0.85rem" }}>
              Per {state.groupBy.length ? `group (${state.groupBy.join(", ")})` : "metric"} over the range. Change: the chart's {state.aggregation}, first bucket to
              last.{estimate && ` ${estimate.mark}: ${estimate.title.toLowerCase()}.`}
            </caption>
            <thead>
              <tr>
                <th scope="col">Group</th>
                {many && <th scope="col">Metric</th>}
                <th scope="col" class="num">Count</th>
                <th scope="col" class="num">Min</th>
                <th scope="col" class="num">p50</th>
                <th scope="col" class="num">p95</th>
                <th scope="col" class="num">Max</th>
                <th scope="col" class="num">Latest</th>
                <th scope="col" class="num">Change</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={r.key}>
                  <th scope="row" style={{ fontWeight: 400, fontSize: "inherit", color: "var(--text)", background: "transparent", position: "static" }}>
                    <span aria-hidden="true" style={{ display: "inline-block", width: "0.7em", height: "0.7em", borderRadius: "2px", marginRight: "0.4em", background: palette(i) }} />
                    {groupLabel(r.group)}
                  </th>
                  {many && <td>{r.metric}</td>}
                  <td class="num">{formatNumber(r.count)}</td>
                  <td class="num">{formatNumber(r.min)}</td>
                  <td class="num">{pct(r.p50)}</td>
                  <td class="num">{pct(r.p95)}</td>
                  <td class="num">{formatNumber(r.max)}</td>
                  <td class="num">{formatNumber(r.latest)}</td>
                  <td class="num">{formatPercent(r.change)}</td>
                </tr>
              ))}
              {!rows.length && (
                <tr>
                  <td colSpan={many ? 9 : 8} class="muted">
                    No records in the range.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}
