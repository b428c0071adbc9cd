// A time-series chart on uPlot (the engine of Grafana's time-series panel):
// one line per series over shared x values (unix seconds), drag to zoom,
// double-click to reset, and a tooltip for the point nearest the cursor.
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { formatNumber, formatTime } from "../lib/format";
import type { Marker } from "../lib/changes";
import { palette } from "../lib/series";

export interface ChartSeries {
  label: string;
  values: (number | null)[];
}

export interface ChartProps {
  /** Unix seconds, ascending. */
  x: number[];
  series: ChartSeries[];
  height?: number;
  /** Extra lines for the tooltip of point `index` of series `s`. */
  describe?: (s: number, index: number) => string[];
  yLabel?: string;
  /** A fixed y range (e.g. [0, 1] for a rate); default: fitted to the data. */
  yRange?: [number, number];
  /** Accessible name of the chart. */
  title: string;
  /** Vertical lines at benchmark changes (red a regression, green an improvement). */
  markers?: Marker[];
}

const MARKER_COLOURS: Record<Marker["kind"], string> = { regression: "#c62828", improvement: "#2e7d32", unknown: "#757575" };

/** Dashed vertical lines at the markers, inside the plot area. */
function drawMarkers(u: uPlot, markers: Marker[]): void {
  const ctx = u.ctx;
  const { left, top, width, height } = u.bbox;
  ctx.save();
  ctx.lineWidth = 2 * devicePixelRatio;
  ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
  for (const m of markers) {
    const x = u.valToPos(m.x, "x", true);
    if (!Number.isFinite(x) || x < left || x > left + width) continue;
    ctx.strokeStyle = MARKER_COLOURS[m.kind];
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, top + height);
    ctx.stroke();
  }
  ctx.restore();
}

export function Chart(props: ChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const tip = useRef<HTMLDivElement>(null);
  const describe = useRef(props.describe);
  describe.current = props.describe;
  const markers = props.markers ?? [];
  const markerKey = JSON.stringify(markers);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const width = el.clientWidth || 800;
    const opts: uPlot.Options = {
      width,
      height: props.height ?? 320,
      legend: { show: props.series.length <= 12 },
      cursor: {
        drag: { x: true, y: false, setScale: true },
        // fading the other lines redraws every series on each move: past a
        // dozen lines the tooltip alone says which one is nearest
        focus: { prox: props.series.length > 12 ? -1 : 24 },
        points: { size: 7 },
      },
      focus: { alpha: 0.35 },
      scales: { x: { time: true }, y: props.yRange ? { range: props.yRange } : {} },
      axes: [{}, { label: props.yLabel, size: 70, values: (_u, ticks) => ticks.map((t) => formatNumber(t)) }],
      series: [
        { label: "time", value: (_u, v) => (v == null ? "–" : formatTime(new Date(v * 1000).toISOString())) },
        ...props.series.map((s, i) => ({
          label: s.label,
          stroke: palette(i),
          width: 1.5,
          points: { show: props.x.length <= 60 },
          spanGaps: true,
          value: (_u: uPlot, v: number | null) => formatNumber(v),
        })),
      ],
      hooks: {
        draw: [(u) => drawMarkers(u, markers)],
        setCursor: [
          (u) => {
            const t = tip.current;
            if (!t) return;
            const idx = u.cursor.idx;
            const s = focused(u);
            if (idx == null || s == null || u.data[s][idx] == null) {
              t.style.display = "none";
              return;
            }
            const lines = [
              props.series[s - 1].label,
              `${formatNumber(u.data[s][idx] as number)} at ${formatTime(new Date((u.data[0][idx] as number) * 1000).toISOString())}`,
              ...(describe.current?.(s - 1, idx) ?? []),
            ];
            t.replaceChildren(...lines.map((l, i) => Object.assign(document.createElement(i ? "div" : "strong"), { textContent: l })));
            t.style.display = "block";
            const left = (u.cursor.left ?? 0) + 12;
            t.style.left = `${Math.min(left, u.over.clientWidth - 220)}px`;
            t.style.top = `${(u.cursor.top ?? 0) + 12}px`;
          },
        ],
      },
    };
    const data: uPlot.AlignedData = [props.x, ...props.series.map((s) => s.values)] as uPlot.AlignedData;
    const plot = new uPlot(opts, data, el);
    plot.over.appendChild(tip.current!);
    const resize = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height: props.height ?? 320 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      if (tip.current) el.parentElement?.appendChild(tip.current);
      plot.destroy();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [props.x, props.series, props.height, props.yLabel, props.yRange?.[0], props.yRange?.[1], markerKey]);

  return (
    // a figure named by the title (not role="img", which would hide the legend's series toggles)
    <figure class="chart" aria-label={props.title}>
      <div ref={host} class="chart-host" data-points={props.x.length} data-series={props.series.length} data-markers={markers.length} />
      {markers.length > 0 && (
        <ul class="chart-markers" aria-label="Changes marked on the chart">
          {markers.map((m) => (
            <li key={`${m.x}-${m.label}`} class={`marker-${m.kind}`}>
              {m.label} at {formatTime(new Date(m.x * 1000).toISOString())}
            </li>
          ))}
        </ul>
      )}
      <div ref={tip} class="chart-tip" style={{ display: "none" }} />
    </figure>
  );
}

/** The series the cursor is nearest (uPlot's focus), as a data index ≥ 1. */
function focused(u: uPlot): number | null {
  const idx = u.cursor.idx;
  if (idx == null) return null;
  let best: number | null = null;
  let bestDist = Infinity;
  const top = u.cursor.top ?? 0;
  for (let s = 1; s < u.data.length; s++) {
    if (!u.series[s].show) continue;
    const v = u.data[s][idx];
    if (v == null) continue;
    const d = Math.abs(u.valToPos(v as number, "y") - top);
    if (d < bestDist) {
      bestDist = d;
      best = s;
    }
  }
  return best;
}

/** A small line without axes, for tables. */
export function Sparkline(props: { values: number[]; label: string; width?: number; height?: number }) {
  const { values, width = 120, height = 28 } = props;
  if (values.length < 2) return <span class="muted">{values.length ? formatNumber(values[0]) : "–"}</span>;
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const points = values
    .map((v, i) => `${((i / (values.length - 1)) * (width - 2) + 1).toFixed(1)},${(height - 1 - ((v - min) / span) * (height - 2)).toFixed(1)}`)
    .join(" ");
  return (
    <svg class="sparkline" width={width} height={height} role="img" aria-label={props.label}>
      <polyline points={points} fill="none" stroke="currentColor" stroke-width="1.5" />
    </svg>
  );
}
