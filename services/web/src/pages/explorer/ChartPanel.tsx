// The explorer's chart: one line per group and metric from metrics/trends,
// with the run, commit and branch of a point in its tooltip, and the CSV of
// exactly the values drawn (only the zoomed span when zoomed).
import { useMemo } from "preact/hooks";
import { Chart } from "../../components/Chart";
import type { Marker } from "../../lib/changes";
import { Section } from "../../components/ui";
import { download, toCsv } from "../../lib/csv";
import { intervalSeconds } from "../../lib/explorer";
import { CHART_CSV_HEADER, chartCsvRows, chartData, cutToView, estimateMarker, type Trends } from "../../lib/explorerData";
import { formatTime } from "../../lib/format";
import { usePointInfo } from "./pointInfo";
import { useZoom } from "./zoom";

interface Props {
  config: number;
  trends: Trends;
  filters: Record<string, string[]>;
  loading: boolean;
  /** Benchmark changes in the range, drawn as vertical lines. */
  markers?: Marker[];
  /** Asks the API again for just this span (a custom range). */
  queryRange: (start: Date, end: Date) => void;
}

export function ChartPanel(props: Props) {
  const { trends } = props;
  // aligned once per response: the Chart redraws only when these change
  const data = useMemo(() => chartData(trends), [trends]);
  const secs = trends.interval ? intervalSeconds(trends.interval) : null;
  const info = usePointInfo(props.config, props.filters, data, secs);
  const estimate = estimateMarker(trends.percentiles);
  const title = `Chart of ${trends.metrics.join(", ")}: ${trends.aggregation} per ${trends.interval ?? "range"}${trends.group_by.length ? ` by ${trends.group_by.join(", ")}` : ""}`;
  const points = useMemo(() => data.series.reduce((n, s) => n + s.values.filter((v) => v !== null).length, 0), [data]);
  const zoom = useZoom(data.x);
  const iso = (t: number) => formatTime(new Date(t * 1000).toISOString());

  const exportCsv = () => {
    const stamp = new Date().toISOString().slice(0, 19).replace(/:/g, "");
    download(`wfm-config${props.config}-chart-${stamp}.csv`, toCsv(CHART_CSV_HEADER, chartCsvRows(cutToView(data, zoom.view))));
  };

  // the records behind the points shown: from the first bucket shown to the end of the last
  const queryZoomed = () => {
    const shown = cutToView(data, zoom.view).x;
    const [lo, hi] = shown.length ? [shown[0], shown[shown.length - 1] + (secs ?? 0)] : zoom.view!;
    props.queryRange(new Date(lo * 1000), new Date(hi * 1000));
  };

  // as a double-click on the plot does: uPlot resets its scale, useZoom its span
  const zoomOut = () => info.host.current?.querySelector(".u-over")?.dispatchEvent(new MouseEvent("dblclick", { bubbles: true }));

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
      <div ref={info.host} onMouseMove={info.handlers.onMouseMove} onMouseLeave={info.handlers.onMouseLeave} onMouseDown={zoom.onMouseDown} onDblClick={zoom.onDblClick}>
        <Chart x={data.x} series={data.series} describe={info.describe} title={title} height={380} markers={props.markers} yLabel={trends.metrics.length === 1 ? trends.metrics[0] : undefined} />
      </div>
      {zoom.view && (
        <div class="notice" role="status" style={{ margin: "0.5rem 0 0", display: "flex", gap: "0.75rem", alignItems: "center", flexWrap: "wrap" }}>
          <span>
            Zoomed to {iso(zoom.view[0])} – {iso(zoom.view[1])}; Export CSV writes this span.
          </span>
          <button type="button" onClick={queryZoomed}>
            Query this range
          </button>
          <button type="button" onClick={zoomOut}>
            Zoom out
          </button>
        </div>
      )}
      <p class="muted" style={{ fontSize: "0.85rem", margin: "0.5rem 0 0" }}>
        Drag across the chart to zoom in, double-click to zoom out. Hover a point for its run, commit and branch (the newest record of its bucket).
        {data.series.length > 12 && " The legend is hidden past 12 series: the summary below lists them all."}
      </p>
    </Section>
  );
}
