//! Row types: what a query returns (`Config`, `Run`, `MetricSchema`, `Workload`, `Backfill`) and what an
//! insert takes (`NewConfig`, `NewRun`, `NewMetricSchema`). Later work adds the other tables' rows beside these.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::enums::{
    BackfillState, GeneratedBy, ReaderKind, RunStatus, TriggerSource, WorkloadKind, WorkloadStatus,
};
use crate::schema::{
    github_workflow_backfills, github_workflow_configs, github_workflow_metric_schemas,
    github_workflow_runs, gpu_workloads,
};

/// A row of `github_workflow_configs`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize, ToSchema)]
#[diesel(table_name = github_workflow_configs, check_for_backend(diesel::pg::Pg))]
pub struct Config {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub runner_set_namespace: Option<String>,
    pub runner_set_name: Option<String>,
    pub runner_set_uid: Option<String>,
    pub github_owner: Option<String>,
    pub github_repo: Option<String>,
    pub workflow_filter: Option<String>,
    pub branch_filter: Option<String>,
    #[schema(value_type = Vec<String>)]
    pub file_patterns: serde_json::Value,
    pub reader: ReaderKind,
    #[schema(value_type = Object)]
    pub reader_options: serde_json::Value,
    pub keep_raw_data: bool,
    pub metric_schema_id: Option<i64>,
    pub enabled: bool,
    pub last_processed_workload_uid: Option<String>,
    pub last_checked_at: Option<DateTime<Utc>>,
    pub cluster_name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Formats extracted of the matched files (`json`, `csv`, `markdown`,
    /// `text`…); empty: every file.
    #[schema(value_type = Vec<String>)]
    pub file_types: serde_json::Value,
    /// Sent to the LLM with every file of this config.
    pub custom_prompt: Option<String>,
    /// Set by a schema regeneration: the next collection asks the LLM for
    /// every file (and so for fresh recipes); cleared when it has.
    pub recipes_requested_at: Option<DateTime<Utc>>,
    /// Export the latest value and an active-regression flag of each series
    /// on the api's `/metrics` (capped there).
    pub export_series: bool,
}

/// A config to insert; unset columns take their SQL defaults.
#[derive(Debug, Clone, Default, Insertable)]
#[diesel(table_name = github_workflow_configs)]
pub struct NewConfig {
    pub name: String,
    pub description: Option<String>,
    pub runner_set_namespace: Option<String>,
    pub runner_set_name: Option<String>,
    pub runner_set_uid: Option<String>,
    pub github_owner: Option<String>,
    pub github_repo: Option<String>,
    pub workflow_filter: Option<String>,
    pub branch_filter: Option<String>,
    pub file_patterns: Option<serde_json::Value>,
    pub reader: Option<ReaderKind>,
    pub reader_options: Option<serde_json::Value>,
    pub keep_raw_data: Option<bool>,
    pub enabled: Option<bool>,
    pub cluster_name: Option<String>,
    pub file_types: Option<serde_json::Value>,
    pub custom_prompt: Option<String>,
    pub export_series: Option<bool>,
}

/// A row of `github_workflow_runs`.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Queryable,
    QueryableByName,
    Selectable,
    Identifiable,
    Serialize,
    ToSchema,
)]
#[diesel(table_name = github_workflow_runs, check_for_backend(diesel::pg::Pg))]
pub struct Run {
    pub id: i64,
    pub config_id: i64,
    pub workload_uid: String,
    pub workload_name: String,
    pub workload_namespace: String,
    pub github_run_id: Option<i64>,
    pub github_run_number: Option<i32>,
    pub github_job_id: Option<i64>,
    pub head_sha: Option<String>,
    pub head_branch: Option<String>,
    pub status: RunStatus,
    pub trigger_source: TriggerSource,
    pub files_found: i32,
    pub files_processed: i32,
    pub metrics_count: i32,
    pub workload_started_at: Option<DateTime<Utc>>,
    pub workload_completed_at: Option<DateTime<Utc>>,
    pub collection_started_at: Option<DateTime<Utc>>,
    pub collection_completed_at: Option<DateTime<Utc>>,
    pub error_message: Option<String>,
    pub retry_count: i32,
    pub max_retries: i32,
    pub priority: i16,
    pub next_attempt_at: DateTime<Utc>,
    pub claimed_by: Option<String>,
    pub lease_expires_at: Option<DateTime<Utc>>,
    pub backfill_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// How each file was read: `[{path, method, name?, confidence, reasons,
    /// warnings}]` (set when the run completes).
    #[schema(value_type = Option<Vec<Object>>)]
    pub extraction: Option<serde_json::Value>,
    /// The lowest confidence of the run's files (0–1); under 0.6 the
    /// records deserve a look.
    pub extraction_confidence: Option<f32>,
}

/// A run to insert; unset columns take their SQL defaults (`pending`, `realtime`…).
#[derive(Debug, Clone, Default, Insertable)]
#[diesel(table_name = github_workflow_runs)]
pub struct NewRun {
    pub config_id: i64,
    pub workload_uid: String,
    pub workload_name: Option<String>,
    pub workload_namespace: Option<String>,
    pub github_run_id: Option<i64>,
    pub github_run_number: Option<i32>,
    pub github_job_id: Option<i64>,
    pub head_sha: Option<String>,
    pub head_branch: Option<String>,
    pub status: Option<RunStatus>,
    pub trigger_source: Option<TriggerSource>,
    pub workload_started_at: Option<DateTime<Utc>>,
    pub workload_completed_at: Option<DateTime<Utc>>,
    pub max_retries: Option<i32>,
    pub priority: Option<i16>,
    pub backfill_id: Option<i64>,
}

/// A row of `github_workflow_metric_schemas`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize, ToSchema)]
#[diesel(table_name = github_workflow_metric_schemas, check_for_backend(diesel::pg::Pg))]
pub struct MetricSchema {
    pub id: i64,
    pub config_id: i64,
    pub name: String,
    pub version: i32,
    #[schema(value_type = Vec<Object>)]
    pub fields: serde_json::Value,
    #[schema(value_type = Vec<String>)]
    pub dimension_fields: serde_json::Value,
    #[schema(value_type = Vec<String>)]
    pub metric_fields: serde_json::Value,
    pub timestamp_field: Option<String>,
    pub is_active: bool,
    pub generated_by: GeneratedBy,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// What the LLM said of the schema it drafted.
    pub explanation: Option<String>,
    /// Parsers for the shapes of file this version reads: `[{fingerprint,
    /// recipe, status, source, example_path, updated_at}]`.
    #[schema(value_type = Vec<Object>)]
    pub recipes: serde_json::Value,
}

/// A schema version to insert.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = github_workflow_metric_schemas)]
pub struct NewMetricSchema {
    pub config_id: i64,
    pub name: String,
    pub version: i32,
    pub fields: serde_json::Value,
    pub dimension_fields: serde_json::Value,
    pub metric_fields: serde_json::Value,
    pub timestamp_field: Option<String>,
    pub is_active: bool,
    pub generated_by: GeneratedBy,
    pub explanation: Option<String>,
}

/// A row of `gpu_workloads`: a runner set or runner the scanner recorded.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize, ToSchema)]
#[diesel(table_name = gpu_workloads, check_for_backend(diesel::pg::Pg))]
pub struct Workload {
    pub id: i64,
    pub kind: WorkloadKind,
    pub uid: String,
    pub name: String,
    pub namespace: String,
    pub cluster_name: String,
    pub parent_kind: Option<String>,
    pub parent_name: Option<String>,
    pub parent_uid: Option<String>,
    pub runner_set_name: Option<String>,
    #[schema(value_type = Object)]
    pub labels: serde_json::Value,
    #[schema(value_type = Object)]
    pub annotations: serde_json::Value,
    pub spec: Option<serde_json::Value>,
    pub status: WorkloadStatus,
    pub phase: Option<String>,
    pub github_repository: Option<String>,
    pub github_workflow_ref: Option<String>,
    pub github_workflow_name: Option<String>,
    pub github_head_branch: Option<String>,
    pub github_head_sha: Option<String>,
    pub github_run_id: Option<i64>,
    pub github_run_number: Option<i32>,
    pub github_job_id: Option<i64>,
    pub github_job_guid: Option<String>,
    pub github_job_name: Option<String>,
    pub github_runner_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub completed_at_approximate: bool,
    pub first_seen_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A row of `github_workflow_backfills`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize, ToSchema)]
#[diesel(table_name = github_workflow_backfills, check_for_backend(diesel::pg::Pg))]
pub struct Backfill {
    pub id: i64,
    pub config_id: i64,
    pub state: BackfillState,
    pub start_time: Option<DateTime<Utc>>,
    pub end_time: Option<DateTime<Utc>>,
    pub workload_uids: Option<serde_json::Value>,
    pub rate_limit_per_minute: Option<i32>,
    pub total_workloads: i32,
    pub enqueued_count: i32,
    pub cursor_completed_at: Option<DateTime<Utc>>,
    pub cursor_workload_uid: Option<String>,
    pub claimed_by: Option<String>,
    pub lease_expires_at: Option<DateTime<Utc>>,
    pub error_message: Option<String>,
    pub requested_by: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Not taken up again before this (the runs-per-minute cap).
    pub next_batch_at: Option<DateTime<Utc>>,
}
