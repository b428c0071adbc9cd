// Follows the Chart's drag-zoom from outside (the Chart keeps its uPlot to
// itself): a drag across the plot selects a span of the span shown, a
// double-click shows everything again. The page uses it to export what is
// shown and to offer to ask the API for just that span.
import { useEffect, useRef, useState } from "preact/hooks";
import { zoomSpan } from "../../lib/explorerData";

/** Drags shorter than this many pixels are clicks (no zoom). */
const MIN_DRAG_PX = 4;

export function useZoom(x: number[]) {
  const [view, setView] = useState<[number, number] | null>(null);
  const start = useRef<{ clientX: number; rect: DOMRect } | null>(null);
  const viewRef = useRef(view);
  viewRef.current = view;

  // new data redraws the chart unzoomed
  useEffect(() => setView(null), [x]);

  const onMouseDown = (e: MouseEvent) => {
    const over = (e.target as Element | null)?.closest?.(".u-over");
    if (!over || e.button !== 0) return;
    start.current = { clientX: e.clientX, rect: over.getBoundingClientRect() };
    const up = (u: MouseEvent) => {
      window.removeEventListener("mouseup", up);
      const s = start.current;
      start.current = null;
      if (!s || Math.abs(u.clientX - s.clientX) < MIN_DRAG_PX || !s.rect.width) return;
      const f = (cx: number) => (cx - s.rect.left) / s.rect.width;
      const next = zoomSpan(viewRef.current, x, f(s.clientX), f(u.clientX));
      if (next) setView(next);
    };
    window.addEventListener("mouseup", up);
  };
  const onDblClick = (e: MouseEvent) => {
    if ((e.target as Element | null)?.closest?.(".u-over")) setView(null);
  };
  return { view, onMouseDown, onDblClick };
}
