// Turning the API's points into aligned chart data.

const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777", "#4b5563", "#65a30d"];

/** A distinct colour per series index (hues cycle past the first ten). */
export function palette(i: number): string {
  if (i < COLORS.length) return COLORS[i];
  return `hsl(${(i * 137.5) % 360} 65% 45%)`;
}

export interface Point {
  /** Unix seconds. */
  t: number;
  v: number | null;
}

/**
 * Aligns series of points on the union of their times: x ascending, each
 * series null where it has no point (uPlot's AlignedData).
 */
export function align(series: Point[][]): { x: number[]; ys: (number | null)[][] } {
  const times = new Set<number>();
  series.forEach((s) => s.forEach((p) => times.add(p.t)));
  const x = [...times].sort((a, b) => a - b);
  const index = new Map(x.map((t, i) => [t, i]));
  const ys = series.map((s) => {
    const y: (number | null)[] = new Array(x.length).fill(null);
    s.forEach((p) => {
      y[index.get(p.t)!] = p.v;
    });
    return y;
  });
  return { x, ys };
}

/** "model=gpt, gpu=a100" from a dimensions object (keys sorted); "all" when empty. */
export function groupLabel(dims: Record<string, unknown> | null | undefined): string {
  const keys = Object.keys(dims ?? {}).sort();
  if (!keys.length) return "all";
  return keys.map((k) => `${k}=${String((dims as Record<string, unknown>)[k])}`).join(", ");
}
