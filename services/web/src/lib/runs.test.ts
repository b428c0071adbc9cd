import { describe, expect, it } from "vitest";
import { pageOf, runFilters } from "./runs";

describe("runFilters", () => {
  it("keeps only the API's filters, and only set ones", () => {
    const q = new URLSearchParams("status=failed&config_id=3&offset=50&trigger_source=&tab=x");
    expect(runFilters(q)).toEqual({ status: "failed", config_id: "3" });
  });
});

describe("pageOf", () => {
  it("labels the page and finds its neighbours", () => {
    expect(pageOf(0, 50, 120)).toEqual({ label: "1–50 of 120", prev: null, next: 50 });
    expect(pageOf(100, 50, 120)).toEqual({ label: "101–120 of 120", prev: 50, next: null });
    expect(pageOf(30, 50, 120)).toEqual({ label: "31–80 of 120", prev: 0, next: 80 });
  });
  it("says so when there is nothing", () => {
    expect(pageOf(0, 50, 0)).toEqual({ label: "0 of 0", prev: null, next: null });
  });
});
