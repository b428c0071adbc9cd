// The shapes the config page reads and writes, as wfm-api serializes them
// (db/src/models.rs, services/api/src/{schemas,runs,backfill,regenerate}.rs).

export type ReaderKind = "mounted" | "temp-pod" | "github-artifacts" | "node-exporter";
export const READERS: ReaderKind[] = ["mounted", "temp-pod", "github-artifacts", "node-exporter"];

export interface Config {
  id: number;
  name: string;
  description: string;
  runner_set_namespace: string | null;
  runner_set_name: string | null;
  runner_set_uid: string | null;
  github_owner: string | null;
  github_repo: string | null;
  workflow_filter: string | null;
  branch_filter: string | null;
  file_patterns: string[];
  reader: ReaderKind;
  reader_options: Record<string, unknown>;
  keep_raw_data: boolean;
  metric_schema_id: number | null;
  enabled: boolean;
  last_processed_workload_uid: string | null;
  last_checked_at: string | null;
  cluster_name: string;
  created_at: string;
  updated_at: string;
  file_types: string[];
  custom_prompt: string | null;
  recipes_requested_at: string | null;
  /** Its series' latest values and active regressions on the api's /metrics. */
  export_series: boolean;
}

export type FieldType = "string" | "int" | "float" | "bool";
export const FIELD_TYPES: FieldType[] = ["string", "int", "float", "bool"];
export type Direction = "lower_is_better" | "higher_is_better";

/** One field of a schema (shared/extract/src/schema.rs `Field`). */
export interface SchemaField {
  name: string;
  type: FieldType;
  unit?: string;
  description?: string;
  direction?: Direction;
}

export type GeneratedBy = "ai" | "inference" | "user";

export interface MetricSchema {
  id: number;
  config_id: number;
  name: string;
  version: number;
  fields: SchemaField[];
  dimension_fields: string[];
  metric_fields: string[];
  timestamp_field: string | null;
  is_active: boolean;
  generated_by: GeneratedBy;
  created_at: string;
  updated_at: string;
  explanation: string | null;
  recipes: unknown[];
}

/** POST /schema/regenerate: an inactive draft version. */
export interface Draft extends MetricSchema {
  source_run_id: number;
  records_read: number;
  fallback_reason?: string;
  recipes_requested: boolean;
}

export type RunStatus = "pending" | "collecting" | "extracting" | "completed" | "failed" | "skipped";
export const RUN_STATUSES: RunStatus[] = ["pending", "collecting", "extracting", "completed", "failed", "skipped"];
export type TriggerSource = "realtime" | "backfill" | "manual" | "webhook";
export const TRIGGER_SOURCES: TriggerSource[] = ["realtime", "backfill", "manual", "webhook"];

/** How one file of a run was read. */
export interface FileExtraction {
  path: string;
  format?: string;
  method?: string;
  name?: string;
  records?: number;
  confidence?: number;
  reasons?: string[];
  warnings?: string[];
}

export interface Run {
  id: number;
  config_id: number;
  config_name?: string;
  workload_uid: string;
  workload_name: string;
  workload_namespace: string;
  github_run_id: number | null;
  github_run_number: number | null;
  github_job_id: number | null;
  head_sha: string | null;
  head_branch: string | null;
  status: RunStatus;
  trigger_source: TriggerSource;
  files_found: number;
  files_processed: number;
  metrics_count: number;
  workload_started_at: string | null;
  workload_completed_at: string | null;
  collection_started_at: string | null;
  collection_completed_at: string | null;
  error_message: string | null;
  retry_count: number;
  max_retries: number;
  priority: number;
  next_attempt_at: string;
  claimed_by: string | null;
  backfill_id: number | null;
  created_at: string;
  updated_at: string;
  extraction: FileExtraction[] | null;
  extraction_confidence: number | null;
}

export interface Page {
  total: number;
  offset: number;
  limit: number;
}

export type BackfillState = "pending" | "in_progress" | "completed" | "cancelled" | "failed";

/** GET /backfill/status: a backfill with its progress counted from its runs. */
export interface BackfillProgress {
  id: number;
  config_id: number;
  state: BackfillState;
  status: BackfillState;
  start_time: string | null;
  end_time: string | null;
  workload_uids: string[] | null;
  rate_limit_per_minute: number | null;
  total_workloads: number;
  enqueued_count: number;
  error_message: string | null;
  requested_by: string | null;
  started_at: string | null;
  finished_at: string | null;
  created_at: string;
  total: number;
  enqueued: number;
  processed: number;
  completed: number;
  failed: number;
  skipped: number;
  pending: number;
  in_flight: number;
  eta_seconds: number | null;
}

/** A runner as gpu_workloads records it (the dry run lists these). */
export interface Workload {
  id: number;
  uid: string;
  name: string;
  namespace: string;
  status: string;
  github_workflow_name: string | null;
  github_head_branch: string | null;
  github_run_id: number | null;
  started_at: string | null;
  completed_at: string | null;
}

export interface DryRun {
  dry_run: true;
  total: number;
  workloads: Workload[];
}
