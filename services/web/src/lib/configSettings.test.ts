import { describe, expect, it } from "vitest";
import { bindingOf, fieldOfError, formOf, patchOf } from "./configSettings";
import type { Config } from "./configTypes";

const config: Config = {
  id: 1,
  name: "demo",
  description: "d",
  runner_set_namespace: null,
  runner_set_name: null,
  runner_set_uid: null,
  github_owner: "o",
  github_repo: "r",
  workflow_filter: "nightly",
  branch_filter: "main",
  file_patterns: ["runs/*"],
  reader: "mounted",
  reader_options: { a: 1, b: 2 },
  keep_raw_data: false,
  export_series: false,
  metric_schema_id: 1,
  enabled: true,
  last_processed_workload_uid: null,
  last_checked_at: null,
  cluster_name: "default",
  created_at: "",
  updated_at: "",
  file_types: [],
  custom_prompt: null,
  recipes_requested_at: null,
};

describe("patchOf", () => {
  it("sends nothing when nothing changed", () => {
    expect(patchOf(config, formOf(config))).toEqual({ body: {} });
  });

  it("sends only the changed fields, null to clear an optional one", () => {
    const form = { ...formOf(config), name: "demo2", branch_filter: " ", file_patterns: "runs/*\n\n  out/*.csv ", file_types: "json, csv" };
    expect(patchOf(config, form)).toEqual({
      body: { name: "demo2", branch_filter: null, file_patterns: ["runs/*", "out/*.csv"], file_types: ["json", "csv"] },
    });
  });

  it("ignores the key order of reader options and refuses bad JSON", () => {
    expect(patchOf(config, { ...formOf(config), reader_options: '{"b":2,"a":1}' })).toEqual({ body: {} });
    expect(patchOf(config, { ...formOf(config), reader_options: "{" }).error?.field).toBe("reader_options");
    expect(patchOf(config, { ...formOf(config), reader_options: "[1]" }).error?.message).toMatch(/JSON object/);
  });

  it("clears a blank custom prompt and sends a new one", () => {
    expect(patchOf(config, { ...formOf(config), custom_prompt: "  " })).toEqual({ body: {} });
    expect(patchOf(config, { ...formOf(config), custom_prompt: "Be brief" }).body).toEqual({ custom_prompt: "Be brief" });
  });

  it("switches the Prometheus export of the series", () => {
    expect(patchOf(config, { ...formOf(config), export_series: true }).body).toEqual({ export_series: true });
  });
});

describe("fieldOfError", () => {
  it("finds the form field an API message names", () => {
    expect(fieldOfError("invalid file_patterns[0]: must not be empty")).toBe("file_patterns");
    expect(fieldOfError("invalid runner_set_namespace/runner_set_name: give both or neither")).toBe("runner_set_namespace");
    expect(fieldOfError("invalid binding: give …")).toBeNull();
    expect(fieldOfError("config 1 not found")).toBeNull();
  });
});

it("bindingOf says what the config collects", () => {
  expect(bindingOf(config)).toBe("repository o/r");
  expect(bindingOf({ ...config, runner_set_namespace: "ns", runner_set_name: "gpu" })).toBe("runner set ns/gpu");
});
