import { describe, expect, it } from "vitest";
import {
  attemptOf,
  failedStep,
  failureShare,
  formatBytes,
  installationsByAccount,
  jobHref,
  markdownBlocks,
  outcome,
  repositoryApi,
  repositoryHref,
  resourceCharts,
  runHref,
  runsView,
  splitRepository,
  stepBars,
  type Installation,
  type Step,
  type StoredSample,
} from "./actions";

const step = (number: number, name: string, conclusion: string | null, from: string | null, to: string | null): Step => ({
  name,
  status: "completed",
  conclusion,
  number,
  started_at: from && `2026-12-05T10:00:${from}Z`,
  completed_at: to && `2026-12-05T10:00:${to}Z`,
});

describe("actions: links and the runs list's URL", () => {
  it("links every page, names escaped", () => {
    expect(splitRepository("wfm-demo/gpu-benchmarks")).toEqual(["wfm-demo", "gpu-benchmarks"]);
    expect(splitRepository("nope")).toBeNull();
    expect(repositoryHref("wfm-demo/gpu-benchmarks")).toBe("/actions/wfm-demo/gpu-benchmarks");
    expect(repositoryHref("o/a b")).toBe("/actions/o/a%20b");
    expect(runHref("o/r", 42)).toBe("/actions/o/r/runs/42");
    expect(runHref("o/r", 42, 2)).toBe("/actions/o/r/runs/42?attempt=2");
    expect(jobHref(7)).toBe("/actions/jobs/7");
    expect(jobHref(7, { step: 4, q: "", at: null })).toBe("/actions/jobs/7?step=4");
    expect(repositoryApi("o", "r#1")).toBe("/actions/repositories/o/r%231");
  });

  it("reads filters and paging from the query, ignoring what is not one", () => {
    expect(runsView(new URLSearchParams(""))).toEqual({ filters: {}, offset: 0 });
    expect(runsView(new URLSearchParams("status=completed&conclusion=failure&branch=%20main%20&workflow=&offset=40&other=x"))).toEqual({
      filters: { status: "completed", conclusion: "failure", branch: "main" },
      offset: 40,
    });
    expect(runsView(new URLSearchParams("offset=-3")).offset).toBe(0);
    expect(runsView(new URLSearchParams("offset=2.5")).offset).toBe(0);
    expect(attemptOf(new URLSearchParams("attempt=2"))).toBe(2);
    for (const bad of ["", "attempt=0", "attempt=x", "attempt=1.5"]) expect(attemptOf(new URLSearchParams(bad))).toBeNull();
  });

  it("says what a run or job came to", () => {
    expect(outcome({ status: "completed", conclusion: "failure" })).toBe("failure");
    expect(outcome({ status: "in_progress", conclusion: null })).toBe("in_progress");
    expect(failureShare(0, 0)).toBe("–");
    expect(failureShare(1, 4)).toBe("1 (25 %)");
    expect(failureShare(1, 40)).toBe("1 (2.5 %)");
  });
});

describe("actions: a job's steps", () => {
  it("places each step on the job's time line and finds the failed one", () => {
    const steps = [step(2, "build", "success", "10", "40"), step(1, "setup", "success", "00", "10"), step(3, "bench", "failure", "40", "50"), step(4, "upload", "skipped", null, null)];
    const bars = stepBars(steps, "2026-12-05T10:00:00Z", "2026-12-05T10:01:40Z");
    expect(bars.map((b) => b.step.number)).toEqual([1, 2, 3, 4]);
    expect(bars.map((b) => b.seconds)).toEqual([10, 30, 10, null]);
    // the job lasted 100 s: the build starts a tenth in and lasts 30 %
    expect(bars[1].left).toBeCloseTo(0.1);
    expect(bars[1].width).toBeCloseTo(0.3);
    expect(bars[3]).toMatchObject({ left: 0, width: 0, failed: false });
    expect(bars.filter((b) => b.failed).map((b) => b.step.name)).toEqual(["bench"]);
    expect(failedStep(steps)).toBe(3);
    expect(failedStep(steps.slice(0, 2))).toBeNull();
  });

  it("widens the time line to steps outside the job's times, and survives no times at all", () => {
    const bars = stepBars([step(1, "a", "success", "00", "20"), step(2, "b", "timed_out", "20", "40")], null, null);
    expect(bars[0]).toMatchObject({ left: 0, width: 0.5, failed: false });
    expect(bars[1]).toMatchObject({ left: 0.5, width: 0.5, failed: true });
    expect(stepBars([step(1, "a", null, null, null)])).toEqual([expect.objectContaining({ left: 0, width: 0, seconds: null })]);
  });
});

describe("actions: resources", () => {
  const sample = (t: string, source: string, cpu: number | null, used: number | null, total: number | null): StoredSample => ({
    t: `2026-12-05T10:00:${t}Z`,
    source,
    cpu_percent: cpu,
    memory_used_bytes: used,
    memory_total_bytes: total,
    extra: {},
  });
  const GiB = 1024 ** 3;

  it("charts CPU and memory (in GiB) over the samples' times", () => {
    const charts = resourceCharts([sample("00", "job", 10, 8 * GiB, 64 * GiB), sample("10", "job", 95, 16 * GiB, 64 * GiB), sample("20", "job", null, null, null)]);
    const t0 = Date.parse("2026-12-05T10:00:00Z") / 1000;
    expect(charts.cpu.x).toEqual([t0, t0 + 10]);
    expect(charts.cpu.series).toEqual([{ label: "CPU %", values: [10, 95] }]);
    expect(charts.memory.series.map((s) => s.label)).toEqual(["memory used (GiB)", "memory total (GiB)"]);
    expect(charts.memory.series[0].values).toEqual([8, 16]);
    expect(charts.memory.series[1].values).toEqual([64, 64]);
  });

  it("draws a line per source when samples come from several", () => {
    const charts = resourceCharts([sample("00", "job", 10, null, null), sample("05", "kubernetes", 20, null, null)]);
    expect(charts.cpu.series).toEqual([
      { label: "CPU % (job)", values: [10, null] },
      { label: "CPU % (kubernetes)", values: [null, 20] },
    ]);
    expect(charts.memory.series).toEqual([]);
    expect(resourceCharts([]).cpu).toEqual({ x: [], series: [] });
  });

  it("formats bytes", () => {
    expect(formatBytes(null)).toBe("–");
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(48 * GiB)).toBe("48 GiB");
    expect(formatBytes(256 * 1024)).toBe("256 KiB");
  });
});

describe("actions: installations and analyses", () => {
  const inst = (installation_id: number, account: string, state: Installation["state"]): Installation => ({
    installation_id,
    account,
    account_type: "Organization",
    app_id: 1,
    repository_selection: "selected",
    state,
    suspended_at: null,
    deleted_at: null,
    repositories: [],
    created_at: "",
    updated_at: "",
  });

  it("groups installations by account, deleted ones last", () => {
    const groups = installationsByAccount([inst(3, "zeta", "active"), inst(1, "acme", "deleted"), inst(2, "acme", "active"), inst(4, "acme", "suspended")]);
    expect(groups.map(([a, items]) => [a, items.map((i) => i.installation_id)])).toEqual([
      ["acme", [2, 4, 1]],
      ["zeta", [3]],
    ]);
  });

  it("reads an analysis's Markdown as text blocks, never as HTML", () => {
    const blocks = markdownBlocks("### gemm — failure\n\n- **error**: Step 4 “Run make bench” failed.\n- info: `<img src=x onerror=alert(1)>` is text\nplain <b>line</b>\n");
    expect(blocks.map((b) => b.kind)).toEqual(["heading", "item", "item", "paragraph"]);
    expect(blocks[0].spans).toEqual([{ text: "gemm — failure", bold: false, code: false }]);
    expect(blocks[1].spans).toEqual([
      { text: "error", bold: true, code: false },
      { text: ": Step 4 “Run make bench” failed.", bold: false, code: false },
    ]);
    expect(blocks[2].spans[1]).toEqual({ text: "<img src=x onerror=alert(1)>", bold: false, code: true });
    expect(blocks[3].spans).toEqual([{ text: "plain <b>line</b>", bold: false, code: false }]);
  });
});
