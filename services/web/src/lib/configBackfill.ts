// Backfill: the request body from the form (times are entered in UTC) and the
// progress arithmetic behind the progress bar.
import type { BackfillProgress, BackfillState } from "./configTypes";

export interface BackfillForm {
  /** `datetime-local` values, read as UTC. */
  start: string;
  end: string;
  /** Runner uids, one a line; empty: every runner in the range. */
  uids: string;
  /** Runs per minute; empty: the backfill service's default. */
  rate: string;
}

export interface BackfillBody {
  start_time?: string;
  end_time?: string;
  workload_uids?: string[];
  rate_limit_per_minute?: number;
  dry_run: boolean;
}

/** "2026-12-01T00:00" (UTC) → "2026-12-01T00:00:00Z"; "" → undefined. */
export function utcInputToIso(v: string): string | undefined {
  if (!v) return undefined;
  const iso = v.length === 16 ? `${v}:00Z` : `${v}Z`;
  return Number.isNaN(new Date(iso).getTime()) ? undefined : new Date(iso).toISOString().replace(".000Z", "Z");
}

/** An RFC 3339 time as a `datetime-local` value in UTC. */
export function isoToUtcInput(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : d.toISOString().slice(0, 16);
}

export type BodyResult = { body: BackfillBody; error?: undefined } | { body?: undefined; error: string };

/** The POST /backfill body, or what is wrong with the form (in the API's words where it has them). */
export function backfillBody(form: BackfillForm, dryRun: boolean): BodyResult {
  const body: BackfillBody = { dry_run: dryRun };
  const start = utcInputToIso(form.start);
  const end = utcInputToIso(form.end);
  if (form.start && !start) return { error: "invalid start_time: not a date and time" };
  if (form.end && !end) return { error: "invalid end_time: not a date and time" };
  if (start && end && start > end) return { error: "invalid start_time: it is after end_time" };
  if (start) body.start_time = start;
  if (end) body.end_time = end;
  const uids = form.uids
    .split(/[\s,]+/)
    .map((u) => u.trim())
    .filter(Boolean);
  if (uids.length) body.workload_uids = uids;
  if (form.rate.trim()) {
    const rate = Number(form.rate);
    if (!Number.isInteger(rate) || rate < 1) return { error: "invalid rate_limit_per_minute: must be a whole number, at least 1" };
    body.rate_limit_per_minute = rate;
  }
  return { body };
}

export const isActive = (s: BackfillState) => s === "pending" || s === "in_progress";

export interface ProgressParts {
  /** 0–100, processed of total. */
  percent: number;
  /** Widths (0–100) of the bar's completed, failed and skipped parts. */
  completed: number;
  failed: number;
  skipped: number;
}

const pct = (n: number, total: number) => (total > 0 ? Math.min(100, Math.max(0, (n / total) * 100)) : 0);

/** How far a backfill is; a finished one with nothing to do reads as done. */
export function progressParts(p: Pick<BackfillProgress, "total" | "processed" | "completed" | "failed" | "skipped" | "state">): ProgressParts {
  if (p.total <= 0) {
    const done = p.state === "completed" ? 100 : 0;
    return { percent: done, completed: done, failed: 0, skipped: 0 };
  }
  return {
    percent: Math.round(pct(p.processed, p.total) * 10) / 10,
    completed: pct(p.completed, p.total),
    failed: pct(p.failed, p.total),
    skipped: pct(p.skipped, p.total),
  };
}
