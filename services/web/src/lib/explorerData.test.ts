import { describe, expect, it } from "vitest";
import { toCsv } from "./csv";
import {
  CHART_CSV_HEADER,
  chartCsvRows,
  chartData,
  cutToView,
  estimateMarker,
  newestWithMetric,
  pointQueryBody,
  runIds,
  summaryCsvRows,
  summaryRows,
  zoomSpan,
  type Aggregated,
  type Trends,
} from "./explorerData";

const day = (d: number) => `2026-11-${String(d).padStart(2, "0")}T00:00:00Z`;
const secs = (d: number) => Date.parse(day(d)) / 1000;

const trends: Trends = {
  interval: "1d",
  aggregation: "avg",
  group_by: ["Rank"],
  metrics: ["TFLOPS"],
  series: [
    {
      group: { Rank: 0 },
      metric: "TFLOPS",
      points: [
        { time: day(1), value: 100, count: 2 },
        { time: day(2), value: 110, count: 1 },
      ],
      first: 100,
      last: 110,
      change: { absolute: 10, percent: 10 },
      last_change: { absolute: 10, percent: 10 },
    },
    {
      group: { Rank: 1 },
      metric: "TFLOPS",
      points: [
        { time: day(2), value: 50, count: 1 },
        { time: day(3), value: 40, count: 3 },
      ],
      first: 50,
      last: 40,
      change: { absolute: -10, percent: -20 },
      last_change: null,
    },
  ],
};

describe("chartData", () => {
  it("aligns series on the union of times, one line per group", () => {
    const d = chartData(trends);
    expect(d.x).toEqual([secs(1), secs(2), secs(3)]);
    expect(d.series).toEqual([
      { label: "Rank=0", values: [100, 110, null] },
      { label: "Rank=1", values: [null, 50, 40] },
    ]);
    expect(d.counts).toEqual([
      [2, 1, null],
      [null, 1, 3],
    ]);
  });

  it("names the metric when several are shown", () => {
    const two: Trends = { ...trends, metrics: ["TFLOPS", "BW"], series: [{ ...trends.series[0], group: {} }, { ...trends.series[1], metric: "BW" }] };
    expect(chartData(two).series.map((s) => s.label)).toEqual(["TFLOPS", "BW · Rank=1"]);
  });

  it("copes with 100 series of 1,000 points", () => {
    const big: Trends = {
      ...trends,
      series: Array.from({ length: 100 }, (_, g) => ({
        ...trends.series[0],
        group: { g },
        points: Array.from({ length: 1000 }, (_, i) => ({ time: new Date(Date.UTC(2026, 0, 1) + i * 3600e3).toISOString(), value: i + g, count: 1 })),
      })),
    };
    const started = performance.now();
    const d = chartData(big);
    expect(d.x.length).toBe(1000);
    expect(d.series.length).toBe(100);
    expect(chartCsvRows(d).length).toBe(100_000);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe("CSV", () => {
  it("has one row per drawn value", () => {
    const rows = chartCsvRows(chartData(trends));
    expect(rows).toEqual([
      [day(1).replace("Z", ".000Z"), "Rank=0", "TFLOPS", 100, 2],
      [day(2).replace("Z", ".000Z"), "Rank=0", "TFLOPS", 110, 1],
      [day(2).replace("Z", ".000Z"), "Rank=1", "TFLOPS", 50, 1],
      [day(3).replace("Z", ".000Z"), "Rank=1", "TFLOPS", 40, 3],
    ]);
    expect(toCsv(CHART_CSV_HEADER, rows).split("\r\n")[0]).toBe("time,group,metric,value,count");
  });
});

describe("summaryRows", () => {
  it("keeps sketch percentiles within the exact min and max", () => {
    const agg = (value: number) => ({ points: [{ time: null, group: { Rank: 0 }, metric: "TFLOPS", value }] });
    const [r] = summaryRows({ min: agg(540), max: agg(617.4), p50: agg(596), p95: agg(620.3), count: agg(14) } as never);
    expect([r.min, r.p50, r.p95, r.max]).toEqual([540, 596, 617.4, 617.4]);
  });

  const agg = (aggregation: string, values: [number, number]): Aggregated => ({
    interval: null,
    aggregation,
    points: [
      { time: null, group: { Rank: 0 }, metric: "TFLOPS", value: values[0], count: 2 },
      { time: null, group: { Rank: 1 }, metric: "TFLOPS", value: values[1], count: 4 },
    ],
  });

  it("joins one aggregate per column with the trend's change", () => {
    const rows = summaryRows(
      { count: agg("count", [2, 4]), min: agg("min", [100, 40]), p50: agg("p50", [105, 45]), p95: agg("p95", [110, 50]), max: agg("max", [110, 50]), last: agg("last", [110, 40]) },
      trends,
    );
    expect(rows.map((r) => [r.label, r.count, r.min, r.p50, r.p95, r.max, r.latest, r.change])).toEqual([
      ["Rank=0", 2, 100, 105, 110, 110, 110, 0.1],
      ["Rank=1", 4, 40, 45, 50, 50, 40, -0.2],
    ]);
    expect(summaryCsvRows(rows)[1]).toEqual(["Rank=1", "TFLOPS", 4, 40, 45, 50, 50, 40, -0.2]);
  });

  it("matches groups whatever their key order", () => {
    const t: Trends = { ...trends, series: [{ ...trends.series[0], group: { a: 1, b: 2 } }] };
    const a: Aggregated = { interval: null, aggregation: "min", points: [{ time: null, group: { b: 2, a: 1 }, metric: "TFLOPS", value: 3, count: 1 }] };
    const rows = summaryRows({ min: a }, t);
    expect(rows).toHaveLength(1);
    expect(rows[0].min).toBe(3);
  });
});

describe("estimateMarker", () => {
  it("marks sketch estimates with their bound", () => {
    expect(estimateMarker({ method: "sketch", relative_error: 0.01 })).toEqual({ mark: "≈", title: expect.stringContaining("±1 %") });
    expect(estimateMarker({ method: "exact", relative_error: 0 })).toBeNull();
    expect(estimateMarker(undefined)).toBeNull();
  });
});

describe("the records behind a point", () => {
  it("asks for the point's bucket and group", () => {
    const body = pointQueryBody({ Rank: ["0", "1"], Host: ["a"] }, { Rank: 1, M: 1024, Op: "GEMM", X: null }, "TFLOPS", secs(2), 86400);
    expect(body).toEqual({
      start: "2026-11-02T00:00:00.000Z",
      end: "2026-11-02T23:59:59.999Z",
      metrics: ["TFLOPS"],
      dimensions: { Rank: ["1", "1.0"], Host: ["a"], M: ["1024", "1024.0"], Op: ["GEMM"] },
      order: "desc",
      limit: 100,
    });
  });

  it("picks the newest record with the metric", () => {
    const records = [
      { id: 3, run_id: 9, timestamp: day(2), metrics: {} },
      { id: 2, run_id: 8, timestamp: day(2), metrics: { TFLOPS: 1 } },
      { id: 1, run_id: 7, timestamp: day(2), metrics: { TFLOPS: 2 } },
      { id: 0, run_id: 8, timestamp: day(2), metrics: { TFLOPS: 3 } },
    ];
    expect(newestWithMetric(records, "TFLOPS")?.run_id).toBe(8);
    expect(runIds(records, "TFLOPS")).toEqual([8, 7]);
    expect(newestWithMetric(records, "BW")).toBeNull();
  });
});

describe("zoom", () => {
  const x = [0, 100, 200, 300, 400];
  it("maps a drag onto the span shown", () => {
    expect(zoomSpan(null, x, 0.25, 0.5)).toEqual([100, 200]);
    expect(zoomSpan(null, x, 0.5, 0.25)).toEqual([100, 200]);
    expect(zoomSpan([100, 200], x, 0, 0.5)).toEqual([100, 150]);
    expect(zoomSpan(null, [5], 0, 1)).toBeNull();
  });

  it("cuts the CSV to what a zoomed chart shows", () => {
    const d = chartData(trends);
    const cut = cutToView(d, [secs(2) - 1, secs(3)]);
    expect(cut.x).toEqual([secs(2), secs(3)]);
    expect(chartCsvRows(cut).map((r) => r[3])).toEqual([110, 50, 40]);
    expect(cutToView(d, null)).toBe(d);
    expect(cutToView(d, [0, 1]).x).toEqual([]);
  });
});
