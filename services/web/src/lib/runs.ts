// The runs list's URL state: which query keys are API filters, and paging.
import { nextOffset, pageLabel, prevOffset } from "./configRuns";

export const RUN_FILTER_KEYS = ["config_id", "status", "trigger_source", "start_date", "end_date"] as const;
export type RunFilters = Partial<Record<(typeof RUN_FILTER_KEYS)[number], string>>;

/** The API filters present in the page's query (empty values left out). */
export function runFilters(query: URLSearchParams): RunFilters {
  const out: RunFilters = {};
  for (const key of RUN_FILTER_KEYS) {
    const v = query.get(key);
    if (v) out[key] = v;
  }
  return out;
}

/** "51–100 of 230" and the neighbouring offsets (null at either end), with the config runs tab's arithmetic. */
export function pageOf(offset: number, limit: number, total: number): { label: string; prev: number | null; next: number | null } {
  return {
    label: pageLabel(offset, Math.max(0, Math.min(limit, total - offset)), total),
    prev: prevOffset(offset, limit),
    next: nextOffset(offset, limit, total),
  };
}
