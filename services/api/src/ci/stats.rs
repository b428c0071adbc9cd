//! `GET /ci-stats`: per workflow and per job over a window, from the webhook
//! tables: completed runs, failures, success rate, and the distribution of
//! durations and queue times.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Duration, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Double, Nullable, Text, Timestamptz};
use diesel_async::RunQueryDsl as _;
use serde::Serialize;

use crate::error::{ApiError, ApiResult};
use crate::input::{FromParams, Query};
use crate::params::Params;
use crate::{AppState, reply};
use wfm_actions_metrics::FAILED_SQL;

/// The window when a request gives no `since`.
const DEFAULT_DAYS: i64 = 7;

/// min, p50, p75, p90, p95, max: what the SQL below computes, in that order.
const DISTRIBUTION_SQL: &str = "array_prepend(min(V), array_append(percentile_cont(ARRAY[0.5, 0.75, 0.9, 0.95]) \
     WITHIN GROUP (ORDER BY V), max(V)))";

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Distribution {
    min: Option<f64>,
    p50: Option<f64>,
    p75: Option<f64>,
    p90: Option<f64>,
    p95: Option<f64>,
    max: Option<f64>,
}

impl Distribution {
    fn from_sql(v: &[Option<f64>]) -> Self {
        let at = |i: usize| v.get(i).copied().flatten();
        Self {
            min: at(0),
            p50: at(1),
            p75: at(2),
            p90: at(3),
            p95: at(4),
            max: at(5),
        }
    }
}

/// A workflow's or a job's statistics; `job` is absent for workflows.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Stats {
    repository: String,
    workflow: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    job: Option<String>,
    /// Completed in the window.
    runs: i64,
    /// Concluded `failure`, `timed_out` or `startup_failure`.
    failures: i64,
    /// Share concluded `success` (cancelled and skipped count as not successful).
    success_rate: Option<f64>,
    /// Start to completion.
    duration_seconds: Distribution,
    /// Queued (created) to started.
    queue_seconds: Distribution,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct CiStats {
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    workflows: Vec<Stats>,
    jobs: Vec<Stats>,
}

#[derive(QueryableByName)]
struct Group {
    #[diesel(sql_type = Text)]
    repository: String,
    #[diesel(sql_type = Text)]
    workflow: String,
    #[diesel(sql_type = Nullable<Text>)]
    job: Option<String>,
    #[diesel(sql_type = BigInt)]
    runs: i64,
    #[diesel(sql_type = BigInt)]
    failures: i64,
    #[diesel(sql_type = BigInt)]
    successes: i64,
    #[diesel(sql_type = Array<Nullable<Double>>)]
    duration: Vec<Option<f64>>,
    #[diesel(sql_type = Array<Nullable<Double>>)]
    queue: Vec<Option<f64>>,
}

impl From<Group> for Stats {
    fn from(g: Group) -> Self {
        Self {
            success_rate: (g.runs > 0).then(|| g.successes as f64 / g.runs as f64),
            repository: g.repository,
            workflow: g.workflow,
            job: g.job,
            runs: g.runs,
            failures: g.failures,
            duration_seconds: Distribution::from_sql(&g.duration),
            queue_seconds: Distribution::from_sql(&g.queue),
        }
    }
}

/// Which workflows and jobs, completed when.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// `owner/name`; default: every repository.
    repo: Option<String>,
    /// A workflow's name.
    workflow: Option<String>,
    /// Completed at or after; default: 7 days before `until`.
    since: Option<DateTime<Utc>>,
    /// Completed at or before; default: now.
    until: Option<DateTime<Utc>>,
}

impl FromParams for StatsQuery {
    fn from_params(params: &Params) -> ApiResult<Self> {
        let repo = params
            .str("repo")
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned);
        if repo
            .as_deref()
            .is_some_and(|r| r.split('/').count() != 2 || r.len() > 255)
        {
            return Err(ApiError::bad_request("invalid repo: expected owner/name"));
        }
        Ok(Self {
            repo,
            workflow: params.str("workflow").map(str::to_owned),
            since: params.time("since")?,
            until: params.time("until")?,
        })
    }
}

#[utoipa::path(
    get,
    path = "/ci-stats",
    tag = "ci",
    params(StatsQuery),
    responses(
        (status = 200, description = "per workflow and per job", body = crate::reply::Envelope<CiStats>),
        (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody),
    )
)]
pub async fn ci_stats(
    state: web::Data<AppState>,
    Query(query): Query<StatsQuery>,
) -> ApiResult<HttpResponse> {
    let StatsQuery {
        repo,
        workflow,
        since,
        until,
    } = query;
    let until = until.unwrap_or_else(Utc::now);
    let since = since.unwrap_or(until - Duration::days(DEFAULT_DAYS));
    if since > until {
        return Err(ApiError::bad_request("invalid since: it is after until"));
    }
    let (repo, workflow) = (repo.as_deref(), workflow.as_deref());
    let mut conn = state.conn().await?;
    let mut load = async |sql: String| -> ApiResult<Vec<Stats>> {
        let groups: Vec<Group> = diesel::sql_query(sql)
            .bind::<Timestamptz, _>(since)
            .bind::<Timestamptz, _>(until)
            .bind::<Nullable<Text>, _>(repo)
            .bind::<Nullable<Text>, _>(workflow)
            .load(&mut conn)
            .await?;
        Ok(groups.into_iter().map(Stats::from).collect())
    };
    let workflows = load(grouped(
        "github_actions_runs t",
        "NULL::text",
        "t.run_started_at",
        "t.run_created_at",
    ))
    .await?;
    let jobs = load(grouped(
        "github_workflow_jobs t",
        "t.job_name",
        "t.started_at",
        "t.job_created_at",
    ))
    .await?;
    Ok(reply::ok(CiStats {
        since,
        until,
        workflows,
        jobs,
    }))
}

/// Completed rows of `table` in the window, grouped by repository, workflow
/// and `job`; `started`/`queued` name its start and creation columns.
fn grouped(table: &str, job: &str, started: &str, queued: &str) -> String {
    format!(
        "SELECT t.repository, COALESCE(t.workflow_name, '') AS workflow, {job} AS job, \
            count(*) AS runs, count(*) FILTER (WHERE t.conclusion IN {FAILED_SQL}) AS failures, \
            count(*) FILTER (WHERE t.conclusion = 'success') AS successes, \
            {duration} AS duration, {queue} AS queue \
         FROM {table} CROSS JOIN LATERAL (SELECT \
            CASE WHEN t.completed_at >= {started} THEN extract(epoch FROM t.completed_at - {started})::float8 END AS d, \
            CASE WHEN {started} >= {queued} THEN extract(epoch FROM {started} - {queued})::float8 END AS q) x \
         WHERE t.status = 'completed' AND t.completed_at >= $1 AND t.completed_at <= $2 \
           AND ($3::text IS NULL OR lower(t.repository) = lower($3)) \
           AND ($4::text IS NULL OR t.workflow_name = $4) \
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        duration = DISTRIBUTION_SQL.replace('V', "x.d"),
        queue = DISTRIBUTION_SQL.replace('V', "x.q"),
    )
}
