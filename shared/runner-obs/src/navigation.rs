//! The navigation's queries. Every list is bounded (a page of runs) or
//! small by nature (organizations, a repository list, a run's jobs).

use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Integer, Jsonb, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};

/// Every run attempt: the `workflow_run` rows, and those known only from
/// their jobs. Columns: github_run_id, run_attempt, repository,
/// workflow_name, run_number, event, head_branch, head_sha, status,
/// conclusion, html_url, run_created_at, run_started_at, completed_at.
const RUNS: &str = "( \
    SELECT github_run_id, run_attempt, repository::text AS repository, workflow_name::text AS workflow_name, \
        run_number, event::text AS event, head_branch::text AS head_branch, head_sha::text AS head_sha, \
        status::text AS status, conclusion::text AS conclusion, html_url::text AS html_url, \
        run_created_at, run_started_at, completed_at \
    FROM github_actions_runs \
    UNION ALL \
    SELECT j.github_run_id, j.run_attempt, j.repository::text, max(j.workflow_name::text), NULL::int4, \
        NULL::text, max(j.head_branch::text), max(j.head_sha::text), \
        CASE WHEN bool_and(j.status = 'completed') THEN 'completed' \
             WHEN bool_or(j.status = 'in_progress') THEN 'in_progress' ELSE 'queued' END, \
        CASE WHEN bool_and(j.status = 'completed') THEN \
            CASE WHEN bool_or(j.conclusion IN ('failure', 'timed_out', 'startup_failure')) THEN 'failure' \
                 WHEN bool_or(j.conclusion = 'cancelled') THEN 'cancelled' \
                 WHEN bool_or(j.conclusion = 'action_required') THEN 'action_required' \
                 ELSE 'success' END END, \
        NULL::text, min(j.job_created_at), min(j.started_at), \
        CASE WHEN bool_and(j.status = 'completed') THEN max(j.completed_at) END \
    FROM github_workflow_jobs j \
    WHERE NOT EXISTS (SELECT 1 FROM github_actions_runs r \
        WHERE r.github_run_id = j.github_run_id AND r.run_attempt = j.run_attempt) \
    GROUP BY j.github_run_id, j.run_attempt, j.repository)";

/// An organization (or user) whose repositories' runs wfm received.
#[derive(Debug, Clone, PartialEq, Serialize, diesel::QueryableByName, utoipa::ToSchema)]
pub struct Organization {
    #[diesel(sql_type = Text)]
    pub owner: String,
    #[diesel(sql_type = BigInt)]
    pub repositories: i64,
    /// Run attempts.
    #[diesel(sql_type = BigInt)]
    pub runs: i64,
    #[diesel(sql_type = BigInt)]
    pub failed_runs: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub last_run_at: Option<DateTime<Utc>>,
}

/// The organizations, busiest first.
pub async fn organizations(conn: &mut AsyncPgConnection) -> diesel::QueryResult<Vec<Organization>> {
    diesel::sql_query(format!(
        "SELECT split_part(repository, '/', 1) AS owner, count(DISTINCT repository) AS repositories, \
            count(*) AS runs, count(*) FILTER (WHERE conclusion IN ('failure', 'timed_out', 'startup_failure')) AS failed_runs, \
            max(run_created_at) AS last_run_at \
         FROM {RUNS} runs GROUP BY 1 ORDER BY runs DESC, owner"
    ))
    .load(conn)
    .await
}

/// A repository of an organization and its runs.
#[derive(Debug, Clone, PartialEq, Serialize, diesel::QueryableByName, utoipa::ToSchema)]
pub struct RepositorySummary {
    /// `owner/name`.
    #[diesel(sql_type = Text)]
    pub repository: String,
    #[diesel(sql_type = BigInt)]
    pub runs: i64,
    #[diesel(sql_type = BigInt)]
    pub failed_runs: i64,
    #[diesel(sql_type = BigInt)]
    pub jobs: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub last_run_at: Option<DateTime<Utc>>,
}

/// The repositories of `owner` (case-insensitive), most recently run first.
pub async fn repositories(
    conn: &mut AsyncPgConnection,
    owner: &str,
) -> diesel::QueryResult<Vec<RepositorySummary>> {
    diesel::sql_query(format!(
        "SELECT runs.repository, count(*) AS runs, \
            count(*) FILTER (WHERE conclusion IN ('failure', 'timed_out', 'startup_failure')) AS failed_runs, \
            coalesce((SELECT count(*) FROM github_workflow_jobs j WHERE j.repository = runs.repository), 0) AS jobs, \
            max(run_created_at) AS last_run_at \
         FROM {RUNS} runs WHERE lower(split_part(runs.repository, '/', 1)) = lower($1) \
         GROUP BY runs.repository ORDER BY last_run_at DESC NULLS LAST, runs.repository"
    ))
    .bind::<Text, _>(owner)
    .load(conn)
    .await
}

/// Which runs of a repository.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunFilter {
    pub status: Option<String>,
    pub conclusion: Option<String>,
    pub branch: Option<String>,
    pub workflow: Option<String>,
    pub offset: i64,
    pub limit: i64,
}

/// A run attempt with its jobs counted.
#[derive(Debug, Clone, PartialEq, Serialize, diesel::QueryableByName, utoipa::ToSchema)]
pub struct RunSummary {
    #[diesel(sql_type = BigInt)]
    pub github_run_id: i64,
    #[diesel(sql_type = Integer)]
    pub run_attempt: i32,
    #[diesel(sql_type = Text)]
    pub repository: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub workflow_name: Option<String>,
    #[diesel(sql_type = Nullable<Integer>)]
    pub run_number: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    pub event: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub head_branch: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub head_sha: Option<String>,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub conclusion: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub html_url: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub run_created_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub run_started_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub completed_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = BigInt)]
    pub jobs: i64,
    #[diesel(sql_type = BigInt)]
    pub failed_jobs: i64,
    /// All runs that match (for paging).
    #[diesel(sql_type = BigInt)]
    #[serde(skip)]
    pub total: i64,
}

/// The runs of $1 (a repository, any case) that match $2 to $5.
const RUNS_OF: &str = "WHERE lower(runs.repository) = lower($1) \
    AND ($2::text IS NULL OR runs.status = $2) \
    AND ($3::text IS NULL OR runs.conclusion = $3) \
    AND ($4::text IS NULL OR runs.head_branch = $4) \
    AND ($5::text IS NULL OR runs.workflow_name = $5)";

/// `sql` (with [`RUNS_OF`]) with the repository and the filter bound as $1 to $5.
fn filtered<'a>(
    sql: String,
    repository: &'a str,
    filter: &'a RunFilter,
) -> diesel::query_builder::BoxedSqlQuery<'a, diesel::pg::Pg, diesel::query_builder::SqlQuery> {
    diesel::sql_query(sql)
        .into_boxed()
        .bind::<Text, _>(repository)
        .bind::<Nullable<Text>, _>(filter.status.as_deref())
        .bind::<Nullable<Text>, _>(filter.conclusion.as_deref())
        .bind::<Nullable<Text>, _>(filter.branch.as_deref())
        .bind::<Nullable<Text>, _>(filter.workflow.as_deref())
}

/// A page of the runs of `repository` (`owner/name`, case-insensitive),
/// newest first, and how many match.
pub async fn runs(
    conn: &mut AsyncPgConnection,
    repository: &str,
    filter: &RunFilter,
) -> diesel::QueryResult<(Vec<RunSummary>, i64)> {
    let sql = format!(
        "SELECT runs.*, \
            (SELECT count(*) FROM github_workflow_jobs j \
              WHERE j.github_run_id = runs.github_run_id AND j.run_attempt = runs.run_attempt) AS jobs, \
            (SELECT count(*) FROM github_workflow_jobs j \
              WHERE j.github_run_id = runs.github_run_id AND j.run_attempt = runs.run_attempt \
                AND j.conclusion IN ('failure', 'timed_out', 'startup_failure')) AS failed_jobs, \
            count(*) OVER () AS total \
         FROM {RUNS} runs {RUNS_OF} \
         ORDER BY runs.run_created_at DESC NULLS LAST, runs.github_run_id DESC, runs.run_attempt DESC \
         OFFSET $6 LIMIT $7"
    );
    let rows: Vec<RunSummary> = filtered(sql, repository, filter)
        .bind::<BigInt, _>(filter.offset)
        .bind::<BigInt, _>(filter.limit)
        .load(conn)
        .await?;
    let total = match <[RunSummary]>::first(&rows) {
        Some(row) => row.total,
        // past the end, or nothing: count on its own
        None if filter.offset > 0 => {
            let sql = format!("SELECT count(*) AS n FROM {RUNS} runs {RUNS_OF}");
            filtered(sql, repository, filter)
                .get_result::<Count>(conn)
                .await?
                .n
        }
        None => 0,
    };
    Ok((rows, total))
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// A job with its steps and timings.
#[derive(Debug, Clone, PartialEq, Serialize, diesel::QueryableByName, utoipa::ToSchema)]
pub struct JobView {
    #[diesel(sql_type = BigInt)]
    pub github_job_id: i64,
    #[diesel(sql_type = BigInt)]
    pub github_run_id: i64,
    #[diesel(sql_type = Integer)]
    pub run_attempt: i32,
    #[diesel(sql_type = Text)]
    pub repository: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub workflow_name: Option<String>,
    #[diesel(sql_type = Text)]
    pub job_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub head_branch: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub head_sha: Option<String>,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub conclusion: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub runner_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub runner_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub runner_group_name: Option<String>,
    /// The `runs-on` labels.
    #[diesel(sql_type = Jsonb)]
    #[schema(value_type = Vec<String>)]
    pub labels: serde_json::Value,
    #[diesel(sql_type = Nullable<Text>)]
    pub html_url: Option<String>,
    /// When it was queued.
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub job_created_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub started_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub completed_at: Option<DateTime<Utc>>,
    /// Queued → started.
    #[diesel(sql_type = Nullable<diesel::sql_types::Double>)]
    pub queued_seconds: Option<f64>,
    /// Started → completed.
    #[diesel(sql_type = Nullable<diesel::sql_types::Double>)]
    pub duration_seconds: Option<f64>,
    /// `[{name, status, conclusion, number, started_at, completed_at}]`, in order.
    #[diesel(sql_type = Jsonb)]
    #[schema(value_type = Vec<Object>)]
    pub steps: serde_json::Value,
    /// Its log's state (`pending`, `stored`, `unavailable`, `expired`);
    /// null when none is recorded (`GET /actions/jobs/{job_id}/logs`).
    #[diesel(sql_type = Nullable<Text>)]
    pub log_state: Option<String>,
}

/// A step of a job, as GitHub reports it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Step {
    pub name: String,
    #[serde(default)]
    pub conclusion: Option<String>,
    pub number: i64,
    #[serde(default)]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub completed_at: Option<DateTime<Utc>>,
}

impl Step {
    /// How long it ran, when GitHub said when it started and ended.
    pub fn seconds(&self) -> Option<f64> {
        Some((self.completed_at? - self.started_at?).num_milliseconds() as f64 / 1000.0)
    }
}

impl JobView {
    /// Its steps in order; a step GitHub described oddly is left out.
    pub fn step_list(&self) -> Vec<Step> {
        let Some(all) = self.steps.as_array() else {
            return Vec::new();
        };
        let mut steps: Vec<Step> = all
            .iter()
            .filter_map(|s| serde_json::from_value(s.clone()).ok())
            .collect();
        steps.sort_by_key(|s| s.number);
        steps
    }
}

const JOB_COLUMNS: &str = "github_job_id, github_run_id, run_attempt, repository::text AS repository, \
    workflow_name::text AS workflow_name, job_name::text AS job_name, head_branch::text AS head_branch, \
    head_sha::text AS head_sha, status::text AS status, conclusion::text AS conclusion, runner_id, \
    runner_name::text AS runner_name, runner_group_name::text AS runner_group_name, labels, \
    html_url::text AS html_url, job_created_at, started_at, completed_at, \
    extract(epoch FROM started_at - job_created_at)::float8 AS queued_seconds, \
    extract(epoch FROM completed_at - started_at)::float8 AS duration_seconds, steps, \
    (SELECT l.state::text FROM github_job_logs l WHERE l.github_job_id = github_workflow_jobs.github_job_id) AS log_state";

/// The jobs of a run of `repository`: of `attempt`, else of its newest attempt.
pub async fn jobs_of_run(
    conn: &mut AsyncPgConnection,
    repository: &str,
    run: i64,
    attempt: Option<i32>,
) -> diesel::QueryResult<Vec<JobView>> {
    diesel::sql_query(format!(
        "SELECT {JOB_COLUMNS} FROM github_workflow_jobs \
         WHERE lower(repository) = lower($1) AND github_run_id = $2 \
           AND run_attempt = coalesce($3, (SELECT max(run_attempt) FROM github_workflow_jobs \
                WHERE lower(repository) = lower($1) AND github_run_id = $2)) \
         ORDER BY job_created_at NULLS LAST, github_job_id"
    ))
    .bind::<Text, _>(repository)
    .bind::<BigInt, _>(run)
    .bind::<Nullable<Integer>, _>(attempt)
    .load(conn)
    .await
}

/// One job.
pub async fn job(conn: &mut AsyncPgConnection, job: i64) -> diesel::QueryResult<Option<JobView>> {
    use diesel::OptionalExtension;
    diesel::sql_query(format!(
        "SELECT {JOB_COLUMNS} FROM github_workflow_jobs WHERE github_job_id = $1"
    ))
    .bind::<BigInt, _>(job)
    .get_result(conn)
    .await
    .optional()
}
