// The runs tab's state in the URL (status and trigger filters, paging, the
// run shown in detail) and the paging arithmetic.
import { RUN_STATUSES, TRIGGER_SOURCES, type RunStatus, type TriggerSource } from "./configTypes";

export const PAGE_SIZES = [20, 50, 100];

export interface RunQuery {
  status: RunStatus | "";
  trigger: TriggerSource | "";
  offset: number;
  limit: number;
  /** The run whose detail is open. */
  run: number | null;
}

const whole = (v: string | null, fallback: number, min: number, max: number) => {
  const n = v === null || v === "" ? NaN : Number(v);
  return Number.isInteger(n) && n >= min && n <= max ? n : fallback;
};

/** Reads the runs tab's query; anything unknown falls back to the default rather than failing. */
export function runQueryOf(q: URLSearchParams): RunQuery {
  const status = q.get("status") ?? "";
  const trigger = q.get("trigger") ?? "";
  const run = whole(q.get("run"), 0, 1, Number.MAX_SAFE_INTEGER);
  return {
    status: (RUN_STATUSES as string[]).includes(status) ? (status as RunStatus) : "",
    trigger: (TRIGGER_SOURCES as string[]).includes(trigger) ? (trigger as TriggerSource) : "",
    offset: whole(q.get("offset"), 0, 0, Number.MAX_SAFE_INTEGER),
    limit: whole(q.get("limit"), 20, 1, 100),
    run: run || null,
  };
}

/** "21–40 of 143" for a page of `count` rows at `offset`. */
export function pageLabel(offset: number, count: number, total: number): string {
  if (count === 0) return `0 of ${total}`;
  return `${offset + 1}–${offset + count} of ${total}`;
}

export function prevOffset(offset: number, limit: number): number | null {
  return offset <= 0 ? null : Math.max(0, offset - limit);
}

export function nextOffset(offset: number, limit: number, total: number): number | null {
  return offset + limit >= total ? null : offset + limit;
}

/** A run in one of these states moves no further unless retried. */
export const isFinal = (s: RunStatus) => s === "completed" || s === "failed" || s === "skipped";

/** Seconds between two times, or null when either is missing. */
export function secondsBetween(from: string | null, to: string | null): number | null {
  if (!from || !to) return null;
  const s = (new Date(to).getTime() - new Date(from).getTime()) / 1000;
  return Number.isFinite(s) ? s : null;
}
