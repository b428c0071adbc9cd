// The explorer's chart: one line per group and metric from metrics/trends,
// with the run, commit and branch of a point in its tooltip, and the CSV of
// exactly the values drawn.
import { useMemo } from "preact/hooks";
import { Chart } from "../../components/Chart";
import { Section } from "../../components/ui";
import { download, toCsv } from "../../lib/csv";
import { intervalSeconds } from "../../lib/explorer";
import { CHART_CSV_HEADER, chartCsvRows, chartData, estimateMarker, type Trends } from "../../lib/explorerData";
import { usePointInfo } from "./pointInfo";

interface Props {
  config: number;
  trends: Trends;
  filters: Record<string, string[]>;
  title: string;
  loading: boolean;
}

export function ChartPanel(props: Props) {
  const { trends } = props;
  // aligned once per response: the Chart redraws only when these change
  const data = useMemo(() => chartData(trends), [trends]);
  const secs = trends.interval ? intervalSeconds(trends.interval) : null;
  const info = usePointInfo(props.config, props.filters, data, secs);
  const estimate = estimateMarker(trends.percentiles);
  const points = data.series.reduce((n, s) => n + s.values.filter((v) => v !== null).length, 0);

  const exportCsv = () => {
    const stamp = new Date().toISOString().slice(0, 19).replace(/:/g, "");
    download(`wfm-config${props.config}-chart-${stamp}.csv`, toCsv(CHART_CSV_HEADER, chartCsvRows(data)));
  };

  return (
    <Section
      id="explorer-chart"
      title="Chart"
      actions={
        <>
          {props.loading && (
            <span class="muted" role="status">
              Updating…
            </span>
          )}
          <span class="muted">
            {data.series.length} series · {points.toLocaleString("en-US")} points
          </span>
          <button type="button" onClick={exportCsv}>
            Export CSV
          </button>
        </>
      }
    >
      {estimate && (
        <p class="muted" title={estimate.title}>
          {estimate.mark} {trends.aggregation} values are sketch estimates (±{+(trends.percentiles!.relative_error * 100).toFixed(2)} %); tick “Exact percentiles”
          for exact ones.
        </p>
      )}
      {/* the wrapper tells the tooltip's lookups where the cursor is */}
      <div ref={info.host} onMouseMove={info.handlers.onMouseMove} onMouseLeave={info.handlers.onMouseLeave}>
        <Chart x={data.x} series={data.series} describe={info.describe} title={props.title} height={380} yLabel={trends.metrics.length === 1 ? trends.metrics[0] : undefined} />
      </div>
      <p class="muted" style={{ fontSize: "0.85rem", margin: "0.5rem 0 0" }}>
        Drag across the chart to zoom in, double-click to zoom out. Hover a point for its run, commit and branch (the newest record of its bucket).
        {data.series.length > 12 && " The legend is hidden past 12 series: the summary below lists them all."}
      </p>
    </Section>
  );
}
