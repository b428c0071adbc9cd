// The API's shapes the console reads (a subset of GET /v1/openapi.json).

export interface Config {
  id: number;
  name: string;
  description: string | null;
  runner_set_namespace: string | null;
  runner_set_name: string | null;
  github_owner: string | null;
  github_repo: string | null;
  workflow_filter: string | null;
  branch_filter: string | null;
  file_patterns: string[];
  reader: string;
  enabled: boolean;
  metric_schema_id: number | null;
  cluster_name: string;
  created_at: string;
  updated_at: string;
}

export interface Run {
  id: number;
  config_id: number;
  config_name?: string;
  workload_uid: string;
  workload_name: string | null;
  github_run_id: number | null;
  github_job_id: number | null;
  head_sha: string | null;
  head_branch: string | null;
  status: string;
  trigger_source: string;
  files_found: number | null;
  files_processed: number | null;
  metrics_count: number | null;
  workload_completed_at: string | null;
  collection_started_at: string | null;
  collection_completed_at: string | null;
  error_message: string | null;
  retry_count: number;
  max_retries: number;
  created_at: string;
}

export interface Schema {
  id: number;
  version: number;
  dimension_fields: string[];
  metric_fields: string[];
  fields: { name: string; unit?: string | null; direction?: string | null }[];
  generated_by: string;
  is_active: boolean;
}

export interface TrendPoint {
  time: string;
  value: number | null;
  count: number;
}

export interface TrendSeries {
  group: Record<string, unknown>;
  metric: string;
  points: TrendPoint[];
}

export const RUN_STATUSES = ["pending", "collecting", "extracting", "completed", "failed", "skipped"] as const;
