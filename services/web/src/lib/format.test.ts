import { describe, expect, it } from "vitest";
import { change, formatAgo, formatDuration, formatNumber, formatPercent, formatTime } from "./format";
import { toCsv } from "./csv";
import { align, groupLabel } from "./series";

describe("format", () => {
  it("numbers", () => {
    expect(formatNumber(null)).toBe("–");
    expect(formatNumber(1234567.89)).toBe("1,234,568");
    expect(formatNumber(604.123)).toBe("604.1");
    expect(formatNumber(0.000228)).toBe("0.0002");
    expect(formatNumber(0.00002)).toBe("2.000e-5");
  });
  it("percentages and changes", () => {
    expect(formatPercent(0.1234)).toBe("+12 %");
    expect(formatPercent(-0.05)).toBe("-5.0 %");
    expect(change(100, 110)).toBeCloseTo(0.1);
    expect(change(0, 5)).toBeNull();
    expect(change(-10, -5)).toBeCloseTo(0.5);
  });
  it("durations and times", () => {
    expect(formatDuration(0.25)).toBe("250 ms");
    expect(formatDuration(75)).toBe("1 m 15 s");
    expect(formatDuration(3 * 86400 + 7200)).toBe("3 d 2 h");
    expect(formatTime("2026-12-04T19:20:08Z")).toBe("2026-12-04 19:20 UTC");
    const now = Date.parse("2026-12-04T20:00:00Z");
    expect(formatAgo("2026-12-04T19:00:00Z", now)).toBe("1 h ago");
    expect(formatAgo(null, now)).toBe("never");
  });
});

describe("csv", () => {
  it("quotes what needs quoting", () => {
    expect(toCsv(["a", "b"], [["x,y", 'say "hi"'], [1.5, null]])).toBe('a,b\r\n"x,y","say ""hi"""\r\n1.5,\r\n');
  });
});

describe("series", () => {
  it("aligns points on the union of times", () => {
    const { x, ys } = align([
      [{ t: 1, v: 10 }, { t: 3, v: 30 }],
      [{ t: 2, v: 20 }],
    ]);
    expect(x).toEqual([1, 2, 3]);
    expect(ys).toEqual([
      [10, null, 30],
      [null, 20, null],
    ]);
  });
  it("labels groups", () => {
    expect(groupLabel({})).toBe("all");
    expect(groupLabel({ b: 2, a: "x" })).toBe("a=x, b=2");
  });
});
