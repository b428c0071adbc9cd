// The run, commit and branch behind a chart point. Trend points carry only a
// value and a count, so the tooltip asks, once per point hovered (and cached),
// for the newest records of the point's bucket and group
// (POST metrics/query), then for that run (GET configs/{id}/runs/{run_id}).
import { useEffect, useMemo, useRef } from "preact/hooks";
import { api } from "../../api";
import { formatTime } from "../../lib/format";
import { newestWithMetric, pointQueryBody, runIds, type ChartData, type RecordRow } from "../../lib/explorerData";

interface Run {
  id: number;
  head_sha: string | null;
  head_branch: string | null;
  github_run_id: number | null;
  github_run_number: number | null;
}

/** Waits this long on a point before asking: sweeping across a chart asks nothing. */
const SETTLE_MS = 150;

export function usePointInfo(config: number, filters: Record<string, string[]>, data: ChartData | undefined, intervalSecs: number | null) {
  const cache = useRef(new Map<string, string[]>());
  const runs = useRef(new Map<number, Promise<Run | null>>());
  const wanted = useRef<string | null>(null);
  const timer = useRef<number | undefined>(undefined);
  const host = useRef<HTMLDivElement>(null);
  const mouse = useRef<MouseEvent | null>(null);

  // new data or filters: the cached answers no longer hold
  useEffect(() => {
    cache.current = new Map();
  }, [config, data, intervalSecs, JSON.stringify(filters)]);
  useEffect(() => () => window.clearTimeout(timer.current), []);

  const run = (id: number) => {
    let p = runs.current.get(id);
    if (!p) {
      p = api.get<Run>(`/configs/${config}/runs/${id}`).catch(() => null);
      runs.current.set(id, p);
    }
    return p;
  };

  const lookup = async (key: string, s: number, i: number) => {
    // the cache of the data this point belongs to: an answer arriving after
    // the data changed must not land in the new data's cache
    const answers = cache.current;
    const m = data!.meta[s];
    const body = pointQueryBody(filters, m.group, m.metric, data!.x[i], intervalSecs!);
    let lines: string[];
    try {
      const res = await api.post<{ records: RecordRow[] }>(`/configs/${config}/metrics/query`, body);
      const newest = newestWithMetric(res.records, m.metric);
      if (!newest) lines = ["no record found for this point"];
      else {
        const r = await run(newest.run_id);
        const others = runIds(res.records, m.metric).length - 1;
        lines = [
          `run #${newest.run_id}${r?.github_run_id ? ` (GitHub run ${r.github_run_id}${r.github_run_number ? `, #${r.github_run_number}` : ""})` : ""}`,
          `commit ${r?.head_sha ?? "unknown"}`,
          `branch ${r?.head_branch ?? "unknown"}`,
          `newest record ${formatTime(newest.timestamp)}${others > 0 ? ` · ${others} more run${others > 1 ? "s" : ""} in this bucket` : ""}`,
        ];
      }
    } catch (e) {
      lines = [`run lookup failed: ${(e as Error).message}`];
    }
    answers.set(key, lines);
    if (answers !== cache.current) return;
    // still on that point: move the cursor where it is, so the tooltip redraws with the answer
    if (wanted.current === key && mouse.current) {
      const over = host.current?.querySelector(".u-over");
      const { clientX, clientY } = mouse.current;
      over?.dispatchEvent(new MouseEvent("mousemove", { clientX, clientY, bubbles: true }));
    }
  };

  const describe = (s: number, i: number): string[] => {
    if (!data || intervalSecs === null) return [];
    const count = data.counts[s]?.[i];
    const head = count == null ? [] : [`${count} record${count === 1 ? "" : "s"}`];
    const key = `${s}:${i}`;
    const known = cache.current.get(key);
    if (known) return [...head, ...known];
    if (wanted.current !== key) {
      wanted.current = key;
      window.clearTimeout(timer.current);
      timer.current = window.setTimeout(() => wanted.current === key && void lookup(key, s, i), SETTLE_MS);
    }
    return [...head, "run, commit, branch: looking up…"];
  };

  // handlers for the element around the chart
  const handlers = useMemo(
    () => ({
      onMouseMove: (e: MouseEvent) => {
        if (e.isTrusted) mouse.current = e;
      },
      onMouseLeave: () => {
        mouse.current = null;
        wanted.current = null;
      },
    }),
    [],
  );
  return { describe, host, handlers };
}
