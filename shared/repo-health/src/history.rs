//! What collections measured, read back as time series (the API, the
//! Prometheus gauges), and the workflow runs wfm's webhooks received, which
//! serve the `ci.*` metrics when they cover the whole window.

use chrono::{DateTime, Duration, Utc};
use diesel::sql_types::{Array, BigInt, Bool, Double, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};

use crate::WorkflowRun;

/// How points are put together over time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Interval {
    /// Every collection's value.
    #[default]
    Raw,
    /// The mean of each hour's collections.
    Hour,
    /// The mean of each day's (UTC).
    Day,
}

/// A metric's value at a time.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Point {
    pub t: DateTime<Utc>,
    pub value: f64,
    /// `rest` or `webhooks` (the newest of the bucket's).
    pub source: String,
    /// False when a list the value counts was cut at the page cap.
    pub complete: bool,
}

/// A metric's points, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct HealthSeries {
    pub metric: String,
    pub points: Vec<Point>,
}

#[derive(diesel::QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    metric: String,
    #[diesel(sql_type = Timestamptz)]
    t: DateTime<Utc>,
    #[diesel(sql_type = Double)]
    value: f64,
    #[diesel(sql_type = Text)]
    source: String,
    #[diesel(sql_type = Bool)]
    complete: bool,
}

/// The series of `metrics` (all when empty) of a repository in `[from, to]`.
pub async fn series(
    conn: &mut AsyncPgConnection,
    repository: i64,
    metrics: &[String],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    interval: Interval,
) -> diesel::QueryResult<Vec<HealthSeries>> {
    let bucket = match interval {
        Interval::Raw => None,
        Interval::Hour => Some("hour"),
        Interval::Day => Some("day"),
    };
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT metric, \
            CASE WHEN $5::text IS NULL THEN collected_at ELSE date_trunc($5, collected_at, 'UTC') END AS t, \
            avg(value) AS value, \
            (array_agg(source ORDER BY collected_at DESC))[1] AS source, \
            bool_and(complete) AS complete \
         FROM github_repository_health \
         WHERE repository_id = $1 AND (cardinality($2::text[]) = 0 OR metric = ANY ($2)) \
           AND collected_at BETWEEN $3 AND $4 \
         GROUP BY metric, 2 ORDER BY metric, 2",
    )
    .bind::<BigInt, _>(repository)
    .bind::<Array<Text>, _>(metrics)
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .bind::<Nullable<Text>, _>(bucket)
    .load(conn)
    .await?;
    let mut out: Vec<HealthSeries> = Vec::new();
    for row in rows {
        let point = Point {
            t: row.t,
            value: row.value,
            source: row.source,
            complete: row.complete,
        };
        match out.last_mut() {
            Some(s) if s.metric == row.metric => s.points.push(point),
            _ => out.push(HealthSeries {
                metric: row.metric,
                points: vec![point],
            }),
        }
    }
    Ok(out)
}

/// A repository's newest value of a metric.
#[derive(Debug, Clone, PartialEq, diesel::QueryableByName)]
pub struct Latest {
    /// `owner/name`.
    #[diesel(sql_type = Text)]
    pub repository: String,
    #[diesel(sql_type = Text)]
    pub metric: String,
    #[diesel(sql_type = Double)]
    pub value: f64,
    #[diesel(sql_type = Timestamptz)]
    pub collected_at: DateTime<Utc>,
}

/// The newest collection's values of every enabled repository.
pub async fn latest(conn: &mut AsyncPgConnection) -> diesel::QueryResult<Vec<Latest>> {
    diesel::sql_query(
        "SELECT r.owner || '/' || r.name AS repository, h.metric, h.value, h.collected_at \
         FROM github_repositories r \
         JOIN github_repository_collections c ON c.repository_id = r.id AND c.collection = 'health' \
         JOIN github_repository_health h \
           ON h.repository_id = r.id AND h.collected_at = c.last_collected_at \
         WHERE r.enabled ORDER BY 1, 2",
    )
    .load(conn)
    .await
}

#[derive(diesel::QueryableByName)]
struct HookRun {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Nullable<Text>)]
    head_branch: Option<String>,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Nullable<Text>)]
    conclusion: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    created_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    completed_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    run_started_at: Option<DateTime<Utc>>,
}

impl From<HookRun> for WorkflowRun {
    fn from(r: HookRun) -> Self {
        WorkflowRun {
            id: r.id,
            head_branch: r.head_branch,
            status: r.status,
            conclusion: r.conclusion,
            created_at: r.created_at,
            // a completed run's updated_at is when it completed
            updated_at: r.completed_at.unwrap_or(r.created_at),
            run_started_at: r.run_started_at,
        }
    }
}

/// The workflow runs of `full_name` (GitHub's spelling) that wfm's webhooks
/// received for the 7 days ending at `at` (the newest attempt of each), and
/// the newest completed run of `branch` created by then — or `None` when the
/// webhooks do not cover the window: wfm stored no run of the repository
/// before the window began (its own `created_at`, when the first delivery of
/// the run arrived, not GitHub's creation time: a re-run of an old run
/// delivered yesterday says nothing of the days before).
pub async fn webhook_runs(
    conn: &mut AsyncPgConnection,
    full_name: &str,
    branch: &str,
    at: DateTime<Utc>,
) -> diesel::QueryResult<Option<Vec<WorkflowRun>>> {
    let since = at - Duration::days(7);
    #[derive(diesel::QueryableByName)]
    struct Covered {
        #[diesel(sql_type = Bool)]
        covered: bool,
    }
    let covered: Covered = diesel::sql_query(
        "SELECT EXISTS (SELECT 1 FROM github_actions_runs \
            WHERE repository = $1 AND created_at < $2) AS covered",
    )
    .bind::<Text, _>(full_name)
    .bind::<Timestamptz, _>(since)
    .get_result(conn)
    .await?;
    if !covered.covered {
        return Ok(None);
    }
    let runs: Vec<HookRun> = diesel::sql_query(
        "(SELECT DISTINCT ON (github_run_id) github_run_id AS id, head_branch, status, conclusion, \
            run_created_at AS created_at, completed_at, run_started_at \
          FROM github_actions_runs \
          WHERE repository = $1 AND run_created_at BETWEEN $2 AND $3 \
          ORDER BY github_run_id, run_attempt DESC) \
         UNION ALL \
         (SELECT github_run_id, head_branch, status, conclusion, run_created_at, completed_at, \
            run_started_at \
          FROM github_actions_runs \
          WHERE repository = $1 AND head_branch = $4 AND status = 'completed' \
            AND run_created_at <= $3 \
          ORDER BY run_created_at DESC, run_attempt DESC LIMIT 1)",
    )
    .bind::<Text, _>(full_name)
    .bind::<Timestamptz, _>(since)
    .bind::<Timestamptz, _>(at)
    .bind::<Text, _>(branch)
    .load(conn)
    .await?;
    Ok(Some(runs.into_iter().map(WorkflowRun::from).collect()))
}
