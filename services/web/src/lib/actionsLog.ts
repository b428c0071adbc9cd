// A job's log as GET /actions/jobs/{id}/logs serves it: the viewer's state
// in the URL (step, search, the line jumped to, timestamps), its lines read
// as GitHub writes them (a timestamp, then the text; ##[group], ##[error]…
// markers), the byte offsets that page through it, and search matches
// grouped by step.

export type LogState = "pending" | "stored" | "unavailable" | "expired";

/** A step's byte range in the stored log. */
export interface LogStep {
  number: number;
  name: string;
  start: number;
  end: number;
}

export interface LogMatch {
  /** 1-based. */
  line: number;
  /** Byte offset in the log. */
  start: number;
  text: string;
}

export interface JobLog {
  job_id: number;
  state: LogState;
  detail: string | null;
  attempts: number;
  fetched_at: string | null;
  /** Bytes stored (GitHub's log, cut at the size cap). */
  size: number | null;
  original_size: number | null;
  truncated: boolean;
  steps: LogStep[];
  /** Absolute byte offsets of `text`. */
  start: number;
  end: number;
  /** The 1-based number, in the whole log, of the line `start` is in. */
  first_line: number;
  text: string | null;
  matches: LogMatch[] | null;
  match_count: number | null;
}

/** Bytes asked for at a time, and the most the API gives in one answer. */
export const LOG_CHUNK = 256 * 1024;
export const LOG_MAX = 8 * 1024 * 1024;

export interface LogView {
  /** The step whose part of the log is shown; null for the whole log. */
  step: number | null;
  /** The search. */
  q: string;
  /** The byte offset of the line jumped to (from a search match). */
  at: number | null;
  /** Whether timestamps are shown. */
  times: boolean;
}

const whole = (v: string | null, min: number): number | null => {
  if (v === null || v.trim() === "") return null;
  const n = Number(v);
  return Number.isSafeInteger(n) && n >= min ? n : null;
};

/** The log viewer's state from the job page's query. */
export function logView(query: URLSearchParams): LogView {
  return { step: whole(query.get("step"), 1), q: (query.get("q") ?? "").trim(), at: whole(query.get("at"), 0), times: query.get("times") !== "off" };
}

/** The byte range the view reads: the step's, else the whole log. */
export function selection(log: Pick<JobLog, "steps" | "size" | "end">, step: number | null): { start: number; end: number } {
  const s = step === null ? undefined : log.steps.find((x) => x.number === step);
  return s ? { start: s.start, end: s.end } : { start: 0, end: log.size ?? log.end };
}

/**
 * How many bytes the first request asks for: a chunk, or enough to reach
 * the line jumped to (`at`, absolute) and a chunk past it, at most what one
 * answer may hold.
 */
export function firstLength(at: number | null, selectionStart: number): number {
  if (at === null || at < selectionStart) return LOG_CHUNK;
  return Math.min(LOG_MAX, at - selectionStart + LOG_CHUNK);
}

/** The `start` (relative to the selection) of the next chunk after `loadedEnd`, or null when the selection is all loaded. */
export function nextStart(log: Pick<JobLog, "steps" | "size" | "end">, step: number | null, loadedEnd: number): number | null {
  const sel = selection(log, step);
  return loadedEnd < sel.end ? loadedEnd - sel.start : null;
}

/** The step whose byte range holds `offset`. */
export function stepAt(steps: LogStep[], offset: number): LogStep | null {
  return steps.find((s) => offset >= s.start && offset < s.end) ?? null;
}

/** Search matches grouped by the step they fall in (in log order; null: outside every step). */
export function matchesByStep(matches: LogMatch[], steps: LogStep[]): { step: LogStep | null; matches: LogMatch[] }[] {
  const out: { step: LogStep | null; matches: LogMatch[] }[] = [];
  for (const m of [...matches].sort((a, b) => a.start - b.start)) {
    const step = stepAt(steps, m.start);
    const last = out[out.length - 1];
    if (last && last.step?.number === step?.number) last.matches.push(m);
    else out.push({ step, matches: [m] });
  }
  return out;
}

/** What the page says when the log is not there to show. */
export function logStateMessage(log: Pick<JobLog, "state" | "detail" | "attempts">): string | null {
  const why = log.detail ? ` (${log.detail})` : "";
  switch (log.state) {
    case "stored":
      return null;
    case "pending":
      return `The log is not fetched yet: wfm-collector fetches it from GitHub after the job completes${log.attempts > 0 ? `; ${log.attempts} attempt${log.attempts === 1 ? "" : "s"} so far` : ""}${why}.`;
    case "unavailable":
      return `GitHub did not give this job's log${why}.`;
    case "expired":
      return `The log was stored and has since expired under the retention policy${why}.`;
  }
}

// ---- lines ----------------------------------------------------------------

export type LineKind = "group" | "endgroup" | "error" | "warning" | "notice" | "command" | "debug" | "plain";

export interface LogLine {
  /** GitHub's timestamp of the line, if it has one. */
  time: string | null;
  /** The text, without its timestamp, marker and terminal colours. */
  text: string;
  kind: LineKind;
}

const STAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)(?: (.*))?$/;
const MARKER = /^##\[(group|endgroup|error|warning|notice|command|debug|section)\](.*)$/;
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** One line of a GitHub log read: its timestamp, its marker (`##[error]`…) and its text. */
export function classifyLine(raw: string): LogLine {
  let line = raw.replace(/^\uFEFF/, "").replace(/\r?\n$/, "").replace(/\r$/, "");
  let time: string | null = null;
  const stamped = STAMP.exec(line);
  if (stamped) {
    time = stamped[1];
    line = stamped[2] ?? "";
  }
  line = line.replace(ANSI, "");
  const marked = MARKER.exec(line);
  if (marked) {
    const kind = marked[1] === "section" ? "group" : (marked[1] as LineKind);
    return { time, text: marked[2], kind };
  }
  if (line.startsWith("[command]")) return { time, text: line.slice("[command]".length), kind: "command" };
  return { time, text: line, kind: "plain" };
}

/** UTF-8 bytes of `s` (what the API's offsets count). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

export interface NumberedLine extends LogLine {
  /** 1-based, from the start of `text`. */
  no: number;
  /** Absolute byte offsets of the line (its newline excluded). */
  start: number;
  end: number;
}

/** `text` (which starts at byte `base` of the log, on line `firstLine`) as classified lines with their numbers and byte ranges. */
export function splitLog(text: string, base: number, firstLine = 1): NumberedLine[] {
  const raw = text.split("\n");
  if (raw.length > 1 && raw[raw.length - 1] === "") raw.pop();
  let offset = base;
  return raw.map((line, i) => {
    const start = offset;
    const end = start + utf8Length(line);
    offset = end + 1;
    return { ...classifyLine(line), no: firstLine + i, start, end };
  });
}

/** The line holding byte `at` (a search match's offset), if loaded. */
export function lineAt(lines: NumberedLine[], at: number | null): NumberedLine | null {
  if (at === null) return null;
  return lines.find((l) => at >= l.start && at <= l.end) ?? null;
}

/** "10:00:01" from a log timestamp (UTC, as GitHub writes it). */
export const shortTime = (time: string) => time.slice(11, 19);
