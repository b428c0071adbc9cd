// Runner sets' pure logic: the shapes of the runner endpoints (rows of
// gpu_workloads as wfm-scanner records them), stats windows, and which
// configs list a set's runners (the api lists runners per config only).

/** A row of gpu_workloads: a runner set or a runner. */
export interface Workload {
  id: number;
  kind: string;
  uid: string;
  name: string;
  namespace: string;
  cluster_name: string;
  parent_kind: string | null;
  parent_name: string | null;
  runner_set_name: string | null;
  labels: Record<string, unknown> | null;
  annotations: Record<string, unknown> | null;
  spec: Record<string, unknown> | null;
  /** Sets: running while they exist, completed once deleted. */
  status: string;
  phase: string | null;
  github_repository: string | null;
  github_workflow_name: string | null;
  github_workflow_ref: string | null;
  github_head_branch: string | null;
  github_run_id: number | null;
  github_job_name: string | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  completed_at_approximate: boolean;
  first_seen_at: string;
  updated_at: string;
}

export interface RunnerSetPage {
  runner_sets: Workload[];
  total: number;
  offset: number;
  limit: number;
}

/** GET /autoscaling-runner-sets/{ns}/{name}/stats: runners created in the window. */
export interface RunnerSetStats {
  runners_total: number;
  runners_completed: number;
  runners_failed: number;
  runners_running: number;
  /** completed / (completed + failed). */
  success_rate: number | null;
  duration_avg_seconds: number | null;
  duration_p50_seconds: number | null;
  duration_p95_seconds: number | null;
  /** Completed runs of configs bound to the set (all time). */
  runs_collected: number;
  last_completion_at: string | null;
}

/** A runner with whether the config collected it. */
export interface Runner extends Workload {
  processed: boolean;
  run_id: number | null;
  run_status: string | null;
}

export interface RunnerPage {
  runners: Runner[];
  total: number;
  offset: number;
  limit: number;
}

/** The fields of a config this page needs. */
export interface ConfigRef {
  id: number;
  name: string;
  enabled: boolean;
  runner_set_namespace: string | null;
  runner_set_name: string | null;
}

export interface StatsRange {
  key: string;
  label: string;
  /** null: all time. */
  seconds: number | null;
}

export const STATS_RANGES: StatsRange[] = [
  { key: "24h", label: "Last 24 hours", seconds: 86400 },
  { key: "7d", label: "Last 7 days", seconds: 7 * 86400 },
  { key: "30d", label: "Last 30 days", seconds: 30 * 86400 },
  { key: "all", label: "All time", seconds: null },
];
export const DEFAULT_STATS_RANGE = "7d";

export function parseStatsRange(key: string | null | undefined): StatsRange {
  return STATS_RANGES.find((r) => r.key === key) ?? STATS_RANGES.find((r) => r.key === DEFAULT_STATS_RANGE)!;
}

/** The stats endpoint's `start_time` for a range ending at `now` (ms); undefined for all time. */
export function startTime(range: StatsRange, now: number): string | undefined {
  return range.seconds === null ? undefined : new Date(now - range.seconds * 1000).toISOString();
}

/** The console address of one set (segments escaped: names may hold any character the api accepts). */
export function setHref(namespace: string, name: string): string {
  return `/runner-sets/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
}

/** The api path of one set. */
export function setPath(namespace: string, name: string): string {
  return `/autoscaling-runner-sets/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
}

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/**
 * minRunners/maxRunners when the recorded spec has them. wfm-scanner records
 * only the pod template's volumes today, so this is usually null; it reads
 * both spellings in case a newer scanner adds them.
 */
export function limits(set: Pick<Workload, "spec">): { min: number | null; max: number | null } | null {
  const s = set.spec ?? {};
  const min = num(s.minRunners ?? s.min_runners);
  const max = num(s.maxRunners ?? s.max_runners);
  return min === null && max === null ? null : { min, max };
}

/** "0 – 10", "≥ 2", "≤ 10" or "–". */
export function formatLimits(l: { min: number | null; max: number | null } | null): string {
  if (!l) return "–";
  if (l.min !== null && l.max !== null) return `${l.min} – ${l.max}`;
  return l.min !== null ? `≥ ${l.min}` : `≤ ${l.max}`;
}

/** Configs bound to the set: these list its runners (GET /configs/{id}/runners). */
export function boundConfigs<C extends ConfigRef>(configs: C[], namespace: string, name: string): C[] {
  return configs.filter((c) => c.runner_set_namespace === namespace && c.runner_set_name === name);
}

/** The pod template's volumes, as "name (pvc claim)" where the claim is known. */
export function volumes(spec: Record<string, unknown> | null): string[] {
  const list = Array.isArray(spec?.volumes) ? (spec!.volumes as Record<string, unknown>[]) : [];
  return list.map((v) => {
    const claim = (v.persistentVolumeClaim as { claimName?: string } | undefined)?.claimName;
    const kind = Object.keys(v).find((k) => k !== "name");
    return `${String(v.name ?? "?")}${claim ? ` (PVC ${claim})` : kind ? ` (${kind})` : ""}`;
  });
}

/** Labels or annotations as sorted "key=value" strings. */
export function pairs(obj: Record<string, unknown> | null | undefined): string[] {
  return Object.keys(obj ?? {})
    .sort()
    .map((k) => `${k}=${String((obj as Record<string, unknown>)[k])}`);
}

/** How long a runner ran (or has been running, up to `now` in ms); null before it started. */
export function runnerSeconds(r: Pick<Workload, "started_at" | "completed_at">, now: number): number | null {
  if (!r.started_at) return null;
  const end = r.completed_at ? Date.parse(r.completed_at) : now;
  const s = (end - Date.parse(r.started_at)) / 1000;
  return Number.isFinite(s) && s >= 0 ? s : null;
}

export const RUNNER_STATUSES = ["all", "pending", "running", "completed", "failed"];
