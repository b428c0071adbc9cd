import { describe, expect, it } from "vitest";
import { nextOffset, pageLabel, prevOffset, runQueryOf, secondsBetween } from "./configRuns";

describe("runQueryOf", () => {
  it("reads filters, paging and the open run", () => {
    expect(runQueryOf(new URLSearchParams("status=failed&trigger=manual&offset=40&limit=50&run=7"))).toEqual({
      status: "failed",
      trigger: "manual",
      offset: 40,
      limit: 50,
      run: 7,
    });
  });

  it("falls back to defaults for unknown or bad values", () => {
    expect(runQueryOf(new URLSearchParams("status=done&offset=-1&limit=1000&run=x"))).toEqual({
      status: "",
      trigger: "",
      offset: 0,
      limit: 20,
      run: null,
    });
  });
});

describe("paging", () => {
  it("labels and moves between pages", () => {
    expect(pageLabel(20, 20, 143)).toBe("21–40 of 143");
    expect(pageLabel(0, 0, 0)).toBe("0 of 0");
    expect(prevOffset(0, 20)).toBeNull();
    expect(prevOffset(10, 20)).toBe(0);
    expect(nextOffset(120, 20, 143)).toBe(140);
    expect(nextOffset(140, 20, 143)).toBeNull();
  });
});

it("secondsBetween", () => {
  expect(secondsBetween("2026-01-01T00:00:00Z", "2026-01-01T00:01:30Z")).toBe(90);
  expect(secondsBetween(null, "2026-01-01T00:00:00Z")).toBeNull();
});
