// Runner observability (the Actions pages): what GET /actions/… answer, the
// links between the pages, the runs list's URL state, a job's step bars, its
// resource charts, and a safe reading of an analysis's Markdown.
import type { ChartSeries } from "../components/Chart";
import { secondsBetween } from "./configRuns";
import { align, type Point } from "./series";

export interface Organization {
  owner: string;
  repositories: number;
  runs: number;
  failed_runs: number;
  last_run_at: string | null;
}

export interface Installation {
  installation_id: number;
  account: string;
  account_type: string | null;
  app_id: number | null;
  repository_selection: string | null;
  state: "active" | "suspended" | "deleted";
  suspended_at: string | null;
  deleted_at: string | null;
  repositories: { id: number; full_name: string }[];
  created_at: string;
  updated_at: string;
}

export interface RepositorySummary {
  repository: string;
  runs: number;
  failed_runs: number;
  jobs: number;
  last_run_at: string | null;
}

export interface RunSummary {
  github_run_id: number;
  run_attempt: number;
  repository: string;
  workflow_name: string | null;
  run_number: number | null;
  event: string | null;
  head_branch: string | null;
  head_sha: string | null;
  status: string;
  conclusion: string | null;
  html_url: string | null;
  run_created_at: string | null;
  run_started_at: string | null;
  completed_at: string | null;
  jobs: number;
  failed_jobs: number;
}

/** A step as GitHub's workflow_job events carry it. */
export interface Step {
  name: string;
  status: string;
  conclusion: string | null;
  number: number;
  started_at: string | null;
  completed_at: string | null;
}

export interface JobView {
  github_job_id: number;
  github_run_id: number;
  run_attempt: number;
  repository: string;
  workflow_name: string | null;
  job_name: string;
  head_branch: string | null;
  head_sha: string | null;
  status: string;
  conclusion: string | null;
  runner_id: number | null;
  runner_name: string | null;
  runner_group_name: string | null;
  labels: string[];
  html_url: string | null;
  job_created_at: string | null;
  started_at: string | null;
  completed_at: string | null;
  queued_seconds: number | null;
  duration_seconds: number | null;
  steps: Step[];
  /** Its log's state; null when none is recorded. */
  log_state?: string | null;
}

export interface StoredSample {
  t: string;
  source: string;
  cpu_percent: number | null;
  memory_used_bytes: number | null;
  memory_total_bytes: number | null;
  extra: Record<string, number>;
}

export interface JobResources {
  github_job_id: number;
  summary: {
    samples: number;
    cpu_mean_percent: number | null;
    cpu_max_percent: number | null;
    memory_max_used_bytes: number | null;
    memory_max_fraction: number | null;
  };
  samples: StoredSample[];
}

export interface Finding {
  kind: string;
  severity: "info" | "warning" | "error";
  message: string;
  step: number | null;
}

export interface StoredAnalysis {
  id: number;
  github_job_id: number;
  kind: string;
  model: string | null;
  markdown: string;
  findings: Finding[];
  /** Why a configured LLM's analysis could not be had. */
  fallback_reason?: string | null;
  created_at: string;
}

// ---- links ----------------------------------------------------------------

const seg = encodeURIComponent;

/** `owner/name` as its two parts (null when it is not one). */
export function splitRepository(repository: string): [string, string] | null {
  const parts = repository.split("/");
  return parts.length === 2 && parts[0] && parts[1] ? [parts[0], parts[1]] : null;
}

export const ownerHref = (owner: string) => `/actions/${seg(owner)}`;

export function repositoryHref(repository: string): string {
  const parts = splitRepository(repository);
  return parts ? `/actions/${seg(parts[0])}/${seg(parts[1])}` : "/actions";
}

export function runHref(repository: string, run: number, attempt?: number | null): string {
  return `${repositoryHref(repository)}/runs/${run}${attempt ? `?attempt=${attempt}` : ""}`;
}

export function jobHref(job: number, query: Record<string, string | number | null | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== null && v !== undefined && v !== "") q.set(k, String(v));
  const s = q.toString();
  return `/actions/jobs/${job}${s ? `?${s}` : ""}`;
}

/** The API path of a repository's runs or a run's jobs (parts escaped). */
export function repositoryApi(owner: string, name: string): string {
  return `/actions/repositories/${seg(owner)}/${seg(name)}`;
}

// ---- a repository's runs: filters and paging in the URL -------------------

export const RUN_STATUSES = ["requested", "pending", "queued", "waiting", "in_progress", "completed"] as const;
export const RUN_CONCLUSIONS = ["success", "failure", "cancelled", "skipped", "timed_out", "action_required", "neutral", "stale", "startup_failure"] as const;
export const RUN_FILTER_KEYS = ["status", "conclusion", "branch", "workflow"] as const;
export const RUNS_PAGE = 20;

export type RunFilters = Partial<Record<(typeof RUN_FILTER_KEYS)[number], string>>;

/** The runs page's filters (empty ones left out) and offset, from its query. */
export function runsView(query: URLSearchParams): { filters: RunFilters; offset: number } {
  const filters: RunFilters = {};
  for (const key of RUN_FILTER_KEYS) {
    const v = query.get(key)?.trim();
    if (v) filters[key] = v;
  }
  const offset = Number(query.get("offset") ?? 0);
  return { filters, offset: Number.isInteger(offset) && offset > 0 ? offset : 0 };
}

/** A run attempt from the query (`attempt`), or null for the newest. */
export function attemptOf(query: URLSearchParams): number | null {
  const a = Number(query.get("attempt") ?? "");
  return Number.isInteger(a) && a >= 1 ? a : null;
}

/** GitHub's conclusions that mean something broke (the API counts the same). */
export const isFailure = (conclusion: string | null | undefined) => conclusion === "failure" || conclusion === "timed_out" || conclusion === "startup_failure";

/** "3 of 40 (8 %)" style share of failures; "–" with nothing to count. */
export function failureShare(failed: number, total: number): string {
  if (total <= 0) return "–";
  const pct = (failed / total) * 100;
  return `${failed} (${pct < 10 && pct > 0 ? pct.toFixed(1) : Math.round(pct)} %)`;
}

/** What a run or job shows as its state: the conclusion once completed, else the status. */
export const outcome = (x: { status: string; conclusion: string | null }) => (x.status === "completed" && x.conclusion ? x.conclusion : x.status);

/** How long a run took, from its start (or creation) to its completion. */
export const runSeconds = (r: RunSummary) => secondsBetween(r.run_started_at ?? r.run_created_at, r.completed_at);

// ---- a job's steps --------------------------------------------------------

export interface StepBar {
  step: Step;
  seconds: number | null;
  /** Where the step starts and how long it lasts, as fractions (0–1) of the job's span. */
  left: number;
  width: number;
  failed: boolean;
}

/**
 * Each step placed on the job's time line (its start to its end, widened to
 * the steps' own times), for the bars of the steps table; a step with no
 * times has an empty bar.
 */
export function stepBars(steps: Step[], jobStart?: string | null, jobEnd?: string | null): StepBar[] {
  const t = (s: string | null | undefined) => (s ? Date.parse(s) : NaN);
  const times = [t(jobStart), t(jobEnd), ...steps.flatMap((s) => [t(s.started_at), t(s.completed_at)])].filter(Number.isFinite);
  const from = times.length ? Math.min(...times) : 0;
  const span = times.length ? Math.max(...times) - from : 0;
  return [...steps]
    .sort((a, b) => a.number - b.number)
    .map((step) => {
      const start = t(step.started_at);
      const end = t(step.completed_at);
      const timed = Number.isFinite(start) && Number.isFinite(end) && end >= start;
      return {
        step,
        seconds: timed ? (end - start) / 1000 : null,
        left: timed && span > 0 ? (start - from) / span : 0,
        width: timed && span > 0 ? (end - start) / span : 0,
        failed: isFailure(step.conclusion),
      };
    });
}

/** The first failed step's number, if any. */
export function failedStep(steps: Step[]): number | null {
  const failed = [...steps].sort((a, b) => a.number - b.number).find((s) => isFailure(s.conclusion));
  return failed ? failed.number : null;
}

// ---- resources ------------------------------------------------------------

const GIB = 1024 ** 3;

/** Bytes as "512 B", "3.2 KiB", "1.5 MiB", "48 GiB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 || v >= 100 ? Math.round(v) : v.toFixed(1).replace(/\.0$/, "")} ${units[i]}`;
}

/**
 * The CPU and memory charts of a job's samples: x in unix seconds, a line
 * per source (`job`, `kubernetes`) when there are several, memory in GiB
 * with the runner's total.
 */
export function resourceCharts(samples: StoredSample[]): { cpu: { x: number[]; series: ChartSeries[] }; memory: { x: number[]; series: ChartSeries[] } } {
  const sources = [...new Set(samples.map((s) => s.source))].sort();
  const named = (what: string, source: string) => (sources.length > 1 ? `${what} (${source})` : what);
  const points = (source: string, value: (s: StoredSample) => number | null): Point[] =>
    samples.filter((s) => s.source === source && value(s) !== null).map((s) => ({ t: Date.parse(s.t) / 1000, v: value(s) }));
  const chart = (lines: { label: string; points: Point[] }[]) => {
    const kept = lines.filter((l) => l.points.length > 0);
    const { x, ys } = align(kept.map((l) => l.points));
    return { x, series: kept.map((l, i) => ({ label: l.label, values: ys[i] })) };
  };
  return {
    cpu: chart(sources.map((src) => ({ label: named("CPU %", src), points: points(src, (s) => s.cpu_percent) }))),
    memory: chart(
      sources.flatMap((src) => [
        { label: named("memory used (GiB)", src), points: points(src, (s) => (s.memory_used_bytes === null ? null : s.memory_used_bytes / GIB)) },
        { label: named("memory total (GiB)", src), points: points(src, (s) => (s.memory_total_bytes === null ? null : s.memory_total_bytes / GIB)) },
      ]),
    ),
  };
}

// ---- installations --------------------------------------------------------

/** The badge class of an installation's state. */
export const installationClass = (state: string) => (state === "active" ? "ok" : state === "suspended" ? "warn" : "muted");

/** Installations grouped by account (an account may have installed the app more than once), deleted ones last. */
export function installationsByAccount(list: Installation[]): [string, Installation[]][] {
  const rank = (i: Installation) => (i.state === "deleted" ? 2 : i.state === "suspended" ? 1 : 0);
  const groups = new Map<string, Installation[]>();
  for (const i of list) groups.set(i.account, [...(groups.get(i.account) ?? []), i]);
  return [...groups.entries()]
    .map(([account, items]) => [account, items.sort((a, b) => rank(a) - rank(b) || a.installation_id - b.installation_id)] as [string, Installation[]])
    .sort((a, b) => a[0].localeCompare(b[0]));
}

// ---- Markdown, read safely ------------------------------------------------

export interface Span {
  text: string;
  bold: boolean;
  code: boolean;
}

export interface Block {
  kind: "heading" | "item" | "paragraph";
  spans: Span[];
}

/** `**bold**` and `` `code` `` spans of one line; everything else is text. */
export function spansOf(line: string): Span[] {
  const out: Span[] = [];
  const re = /\*\*(.+?)\*\*|`([^`]+)`/g;
  let last = 0;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    if (m.index > last) out.push({ text: line.slice(last, m.index), bold: false, code: false });
    out.push(m[1] !== undefined ? { text: m[1], bold: true, code: false } : { text: m[2], bold: false, code: true });
    last = m.index + m[0].length;
  }
  if (last < line.length) out.push({ text: line.slice(last), bold: false, code: false });
  return out;
}

/**
 * The little Markdown an analysis holds (headings, bullets, bold, code) as
 * blocks of text spans, which the page renders as elements: the text is
 * never read as HTML.
 */
export function markdownBlocks(md: string): Block[] {
  const blocks: Block[] = [];
  for (const raw of md.split(/\r?\n/)) {
    const line = raw.trimEnd();
    if (!line.trim()) continue;
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    const item = /^\s*[-*]\s+(.*)$/.exec(line);
    if (heading) blocks.push({ kind: "heading", spans: spansOf(heading[1]) });
    else if (item) blocks.push({ kind: "item", spans: spansOf(item[1]) });
    else blocks.push({ kind: "paragraph", spans: spansOf(line.trim()) });
  }
  return blocks;
}
