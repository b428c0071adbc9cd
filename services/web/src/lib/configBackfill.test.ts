import { describe, expect, it } from "vitest";
import { backfillBody, isoToUtcInput, progressParts, utcInputToIso } from "./configBackfill";

const empty = { start: "", end: "", uids: "", rate: "" };

describe("backfillBody", () => {
  it("reads the times as UTC and sends only what is given", () => {
    expect(backfillBody({ ...empty, start: "2026-12-01T00:00", end: "2026-12-02T12:30" }, true)).toEqual({
      body: { dry_run: true, start_time: "2026-12-01T00:00:00Z", end_time: "2026-12-02T12:30:00Z" },
    });
    expect(backfillBody(empty, false)).toEqual({ body: { dry_run: false } });
  });

  it("takes runner uids and a rate", () => {
    expect(backfillBody({ ...empty, uids: "a\nb, c", rate: "30" }, false).body).toEqual({
      dry_run: false,
      workload_uids: ["a", "b", "c"],
      rate_limit_per_minute: 30,
    });
  });

  it("refuses a reversed range and a bad rate before sending", () => {
    expect(backfillBody({ ...empty, start: "2026-12-02T00:00", end: "2026-12-01T00:00" }, true).error).toMatch(/after end_time/);
    expect(backfillBody({ ...empty, rate: "0" }, true).error).toMatch(/rate_limit_per_minute/);
    expect(backfillBody({ ...empty, rate: "1.5" }, true).error).toMatch(/rate_limit_per_minute/);
  });
});

it("converts between RFC 3339 and datetime-local in UTC", () => {
  expect(utcInputToIso("")).toBeUndefined();
  expect(isoToUtcInput("2026-12-01T08:05:00Z")).toBe("2026-12-01T08:05");
  expect(utcInputToIso(isoToUtcInput("2026-12-01T08:05:00Z"))).toBe("2026-12-01T08:05:00Z");
});

describe("progressParts", () => {
  const base = { total: 200, processed: 50, completed: 40, failed: 6, skipped: 4, state: "in_progress" as const };
  it("is processed of total, split by outcome", () => {
    expect(progressParts(base)).toEqual({ percent: 25, completed: 20, failed: 3, skipped: 2 });
  });
  it("clamps and handles an empty backfill", () => {
    expect(progressParts({ ...base, processed: 300 }).percent).toBe(100);
    expect(progressParts({ ...base, total: 0, state: "completed" }).percent).toBe(100);
    expect(progressParts({ ...base, total: 0, state: "pending" }).percent).toBe(0);
  });
});
