import { describe, expect, it } from "vitest";
import {
  LOG_CHUNK,
  LOG_MAX,
  classifyLine,
  firstLength,
  lineAt,
  logStateMessage,
  logView,
  matchesByStep,
  nextStart,
  selection,
  splitLog,
  stepAt,
  utf8Length,
  type LogStep,
} from "./actionsLog";

const steps: LogStep[] = [
  { number: 1, name: "Set up job", start: 0, end: 100 },
  { number: 2, name: "Build", start: 100, end: 250 },
  { number: 4, name: "Run make bench", start: 250, end: 1000 },
];
const log = { steps, size: 1200, end: 0 };

describe("job log: the view in the URL", () => {
  it("reads step, search, the line jumped to and the timestamps switch", () => {
    expect(logView(new URLSearchParams(""))).toEqual({ step: null, q: "", at: null, times: true });
    expect(logView(new URLSearchParams("step=4&q=%20checksum%20&at=900&times=off"))).toEqual({ step: 4, q: "checksum", at: 900, times: false });
    expect(logView(new URLSearchParams("step=0&at=-1"))).toEqual({ step: null, q: "", at: null, times: true });
    expect(logView(new URLSearchParams("step=x&at=1.5"))).toMatchObject({ step: null, at: null });
  });
});

describe("job log: paging through bytes", () => {
  it("reads a step's range, or the whole log", () => {
    expect(selection(log, 2)).toEqual({ start: 100, end: 250 });
    expect(selection(log, null)).toEqual({ start: 0, end: 1200 });
    // a step the log does not know: the whole log
    expect(selection(log, 9)).toEqual({ start: 0, end: 1200 });
    expect(selection({ steps: [], size: null, end: 300 }, null)).toEqual({ start: 0, end: 300 });
  });

  it("asks for the next chunk relative to the selection until it is all loaded", () => {
    expect(nextStart(log, null, 600)).toBe(600);
    expect(nextStart(log, null, 1200)).toBeNull();
    expect(nextStart(log, 4, 500)).toBe(250);
    expect(nextStart(log, 4, 1000)).toBeNull();
  });

  it("loads far enough to show the line jumped to", () => {
    expect(firstLength(null, 0)).toBe(LOG_CHUNK);
    expect(firstLength(5000, 1000)).toBe(4000 + LOG_CHUNK);
    expect(firstLength(10, 100)).toBe(LOG_CHUNK);
    expect(firstLength(50 * 1024 * 1024, 0)).toBe(LOG_MAX);
  });

  it("finds the step of an offset and groups matches by step", () => {
    expect(stepAt(steps, 99)?.number).toBe(1);
    expect(stepAt(steps, 100)?.number).toBe(2);
    expect(stepAt(steps, 1100)).toBeNull();
    const groups = matchesByStep(
      [
        { line: 30, start: 900, text: "c" },
        { line: 2, start: 10, text: "a" },
        { line: 20, start: 300, text: "b" },
        { line: 40, start: 1100, text: "d" },
      ],
      steps,
    );
    expect(groups.map((g) => [g.step?.number ?? null, g.matches.map((m) => m.text)])).toEqual([
      [1, ["a"]],
      [4, ["b", "c"]],
      [null, ["d"]],
    ]);
  });

  it("says why a log is not shown", () => {
    expect(logStateMessage({ state: "stored", detail: null, attempts: 1 })).toBeNull();
    expect(logStateMessage({ state: "pending", detail: null, attempts: 0 })).toMatch(/not fetched yet/);
    expect(logStateMessage({ state: "pending", detail: "HTTP 502", attempts: 2 })).toMatch(/2 attempts so far \(HTTP 502\)/);
    expect(logStateMessage({ state: "unavailable", detail: "410 Gone", attempts: 1 })).toBe("GitHub did not give this job's log (410 Gone).");
    expect(logStateMessage({ state: "expired", detail: null, attempts: 1 })).toMatch(/expired/);
  });
});

describe("job log: lines", () => {
  it("reads GitHub's timestamps and markers", () => {
    expect(classifyLine("\uFEFF2026-12-05T10:00:01.1234567Z ##[group]Run make bench")).toEqual({ time: "2026-12-05T10:00:01.1234567Z", text: "Run make bench", kind: "group" });
    expect(classifyLine("2026-12-05T10:00:02.0000000Z ##[endgroup]")).toEqual({ time: "2026-12-05T10:00:02.0000000Z", text: "", kind: "endgroup" });
    expect(classifyLine("2026-12-05T10:00:03Z ##[error]Process completed with exit code 2.").kind).toBe("error");
    expect(classifyLine("2026-12-05T10:00:03Z ##[warning]GPU 3 throttled").kind).toBe("warning");
    expect(classifyLine("2026-12-05T10:00:03Z [command]/usr/bin/git version")).toMatchObject({ text: "/usr/bin/git version", kind: "command" });
    expect(classifyLine("2026-12-05T10:00:04Z")).toEqual({ time: "2026-12-05T10:00:04Z", text: "", kind: "plain" });
    expect(classifyLine("no timestamp here\r")).toEqual({ time: null, text: "no timestamp here", kind: "plain" });
    expect(classifyLine("2026-12-05T10:00:06Z a whole line\r\n")).toEqual({ time: "2026-12-05T10:00:06Z", text: "a whole line", kind: "plain" });
    // terminal colours are dropped, and ## in the middle of a line is text
    expect(classifyLine("2026-12-05T10:00:05Z \x1b[36;1mmake bench\x1b[0m ##[error]x")).toEqual({ time: "2026-12-05T10:00:05Z", text: "make bench ##[error]x", kind: "plain" });
  });

  it("counts UTF-8 bytes as the API's offsets do", () => {
    for (const s of ["", "abc", "97 °C", "“quoted”", "emoji 🚀", "\uFEFF"]) expect(utf8Length(s)).toBe(new TextEncoder().encode(s).length);
  });

  it("numbers lines with their byte ranges and finds the one at an offset", () => {
    const lines = splitLog("a\n°C\nlast", 100);
    expect(lines.map((l) => [l.no, l.text, l.start, l.end])).toEqual([
      [1, "a", 100, 101],
      [2, "°C", 102, 105],
      [3, "last", 106, 110],
    ]);
    // numbered as in the whole log when the text starts further in
    expect(splitLog("x\ny", 40, 7).map((l) => l.no)).toEqual([7, 8]);
    expect(splitLog("one\n", 0)).toHaveLength(1);
    expect(splitLog("", 0)).toEqual([expect.objectContaining({ no: 1, text: "", start: 0, end: 0 })]);
    expect(lineAt(lines, 103)?.no).toBe(2);
    expect(lineAt(lines, 106)?.no).toBe(3);
    expect(lineAt(lines, 500)).toBeNull();
    expect(lineAt(lines, null)).toBeNull();
  });
});
