//! The run queue (ARCHITECTURE.md, "The queue protocol"), one small function
//! per operation.
//!
//! A worker claims runs with a short statement that sets a lease, renews the
//! lease while it works, and moves a run on only from the status it expects
//! and only while it still holds the claim. Each claim gets its own token in
//! `claimed_by` (`<worker>:<random>`, returned in the claimed `Run`), and every
//! transition is an `UPDATE … WHERE id = $run AND claimed_by = $token AND
//! status = $expected`: a lost race (the lease expired and the run was
//! claimed again, even by the same worker) changes no row and the function
//! returns `false`. The functions below take that token as `claim`. Backoff lives in SQL
//! (`next_attempt_at`), so no scheduler state is kept in Rust.

mod webhook;

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Int4, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::enums::{RunStatus, TriggerSource};
use crate::models::{NewRun, Run};
use crate::schema::github_workflow_runs as runs;

pub use webhook::{
    CompletedJob, RUN_NUMBER_OF, enqueue_completed_jobs, enqueue_jobs_of_runs, lock_github_runs,
};

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// Inserts `run` as pending unless its `(config_id, workload_uid)` exists;
/// returns the new run, or `None` when it was already there.
pub async fn enqueue(conn: &mut AsyncPgConnection, run: &NewRun) -> QueryResult<Option<Run>> {
    diesel::insert_into(runs::table)
        .values(run)
        .on_conflict((runs::config_id, runs::workload_uid))
        .do_nothing()
        .returning(Run::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Claims up to `limit` pending runs whose `next_attempt_at` has come, by
/// priority then age, skipping rows other workers hold; they become
/// `collecting` under `worker`'s lease, each with its own claim token in
/// `claimed_by`.
pub async fn claim(
    conn: &mut AsyncPgConnection,
    worker: &str,
    limit: i64,
    lease: Duration,
) -> QueryResult<Vec<Run>> {
    diesel::sql_query(
        "UPDATE github_workflow_runs SET status = 'collecting', \
             claimed_by = $1 || ':' || substr(md5(random()::text || clock_timestamp()::text), 1, 12), \
             lease_expires_at = now() + make_interval(secs => $2), \
             collection_started_at = now(), collection_completed_at = NULL, error_message = NULL \
         WHERE id IN (SELECT id FROM github_workflow_runs \
                      WHERE status = 'pending' AND next_attempt_at <= now() \
                      ORDER BY priority, id LIMIT $3 FOR UPDATE SKIP LOCKED) \
         RETURNING *",
    )
    .bind::<Text, _>(worker)
    .bind::<Double, _>(secs(lease))
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
}

/// How long until the earliest pending run comes due (zero when one is due
/// now); `None` when nothing is pending.
pub async fn next_due_in(conn: &mut AsyncPgConnection) -> QueryResult<Option<Duration>> {
    #[derive(QueryableByName)]
    struct NextDue {
        #[diesel(sql_type = Nullable<Double>)]
        secs: Option<f64>,
    }
    let row: NextDue = diesel::sql_query(
        "SELECT EXTRACT(EPOCH FROM min(next_attempt_at) - now())::float8 AS secs \
         FROM github_workflow_runs WHERE status = 'pending'",
    )
    .get_result(conn)
    .await?;
    Ok(row.secs.map(|s| Duration::from_secs_f64(s.max(0.0))))
}

/// Extends the lease of the claim `claim` on a run being worked on; `false` when the
/// claim was lost.
pub async fn renew_lease(
    conn: &mut AsyncPgConnection,
    run_id: i64,
    claim: &str,
    lease: Duration,
) -> QueryResult<bool> {
    let changed = diesel::sql_query(
        "UPDATE github_workflow_runs SET lease_expires_at = now() + make_interval(secs => $3) \
         WHERE id = $1 AND claimed_by = $2 AND status IN ('collecting', 'extracting')",
    )
    .bind::<BigInt, _>(run_id)
    .bind::<Text, _>(claim)
    .bind::<Double, _>(secs(lease))
    .execute(conn)
    .await?;
    Ok(changed == 1)
}

/// Moves a claimed run from `from` to `to` (`collecting` → `extracting`),
/// recording `files_found`; `false` when the claim was lost.
pub async fn advance(
    conn: &mut AsyncPgConnection,
    run_id: i64,
    claim: &str,
    from: RunStatus,
    to: RunStatus,
    files_found: i32,
) -> QueryResult<bool> {
    let changed = diesel::update(runs::table)
        .filter(
            runs::id
                .eq(run_id)
                .and(runs::claimed_by.eq(claim))
                .and(runs::status.eq(from)),
        )
        .set((runs::status.eq(to), runs::files_found.eq(files_found)))
        .execute(conn)
        .await?;
    Ok(changed == 1)
}

/// What a finished collection found, for `complete`.
#[derive(Debug, Clone, Default)]
pub struct Completion {
    pub files_processed: i32,
    pub metrics_count: i32,
    /// Files that failed while others were stored.
    pub error_message: Option<String>,
    /// How each file was read (a JSON array), and the lowest confidence.
    pub extraction: Option<String>,
    pub extraction_confidence: Option<f32>,
}

/// Marks an `extracting` run `completed`; call it in the transaction that
/// stores the run's metrics, so both happen or neither. The completion time
/// is the clock's, not the transaction's start. `false` when the
/// claim was lost (roll the transaction back).
pub async fn complete(
    conn: &mut AsyncPgConnection,
    run_id: i64,
    claim: &str,
    done: &Completion,
) -> QueryResult<bool> {
    let changed = diesel::sql_query(
        "UPDATE github_workflow_runs SET status = 'completed', files_processed = $3, \
             metrics_count = $4, error_message = $5, collection_completed_at = clock_timestamp(), \
             claimed_by = NULL, lease_expires_at = NULL, extraction = $6::jsonb, \
             extraction_confidence = $7 \
         WHERE id = $1 AND claimed_by = $2 AND status = 'extracting'",
    )
    .bind::<BigInt, _>(run_id)
    .bind::<Text, _>(claim)
    .bind::<Int4, _>(done.files_processed)
    .bind::<Int4, _>(done.metrics_count)
    .bind::<Nullable<Text>, _>(done.error_message.as_deref())
    .bind::<Nullable<Text>, _>(done.extraction.as_deref())
    .bind::<Nullable<diesel::sql_types::Float4>, _>(done.extraction_confidence)
    .execute(conn)
    .await?;
    Ok(changed == 1)
}

/// Backoff of transient failures: `base × 2^retries`, at most `cap`.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
}

/// A transient failure: the run goes back to `pending` with `next_attempt_at`
/// pushed out by the backoff, or to `failed` once it has used `max_retries`.
/// Returns the new status, `None` when the claim was lost.
pub async fn retry_later(
    conn: &mut AsyncPgConnection,
    run_id: i64,
    claim: &str,
    error: &str,
    backoff: Backoff,
) -> QueryResult<Option<RunStatus>> {
    #[derive(QueryableByName)]
    struct NewStatus {
        #[diesel(sql_type = Text)]
        status: RunStatus,
    }
    let row: Option<NewStatus> = diesel::sql_query(
        "UPDATE github_workflow_runs SET \
             retry_count = retry_count + 1, \
             status = CASE WHEN retry_count + 1 > max_retries THEN 'failed' ELSE 'pending' END, \
             next_attempt_at = now() + make_interval(secs => LEAST($5, $4 * power(2, retry_count))), \
             collection_completed_at = CASE WHEN retry_count + 1 > max_retries THEN now() END, \
             error_message = $3, claimed_by = NULL, lease_expires_at = NULL \
         WHERE id = $1 AND claimed_by = $2 AND status IN ('collecting', 'extracting') \
         RETURNING status",
    )
    .bind::<BigInt, _>(run_id)
    .bind::<Text, _>(claim)
    .bind::<Text, _>(error)
    .bind::<Double, _>(secs(backoff.base))
    .bind::<Double, _>(secs(backoff.cap))
    .get_result(conn)
    .await
    .optional()?;
    Ok(row.map(|r| r.status))
}

/// A claimed run asked to wait (a rate limit): back to `pending`, not claimed
/// again before `wait` has passed, no retry counted; `false` when the claim was lost.
pub async fn defer(
    conn: &mut AsyncPgConnection,
    run_id: i64,
    claim: &str,
    reason: &str,
    wait: Duration,
) -> QueryResult<bool> {
    let changed = diesel::sql_query(
        "UPDATE github_workflow_runs SET status = 'pending', \
             next_attempt_at = now() + make_interval(secs => $4), error_message = $3, \
             claimed_by = NULL, lease_expires_at = NULL \
         WHERE id = $1 AND claimed_by = $2 AND status IN ('collecting', 'extracting')",
    )
    .bind::<BigInt, _>(run_id)
    .bind::<Text, _>(claim)
    .bind::<Text, _>(reason)
    .bind::<Double, _>(secs(wait))
    .execute(conn)
    .await?;
    Ok(changed == 1)
}

/// Ends a claimed run in `failed` or `skipped` (a permanent outcome) with
/// `reason`; `false` when the claim was lost.
pub async fn finish(
    conn: &mut AsyncPgConnection,
    run_id: i64,
    claim: &str,
    outcome: RunStatus,
    reason: &str,
) -> QueryResult<bool> {
    debug_assert!(matches!(outcome, RunStatus::Failed | RunStatus::Skipped));
    let changed = diesel::update(runs::table)
        .filter(runs::id.eq(run_id).and(runs::claimed_by.eq(claim)))
        .filter(runs::status.eq_any([RunStatus::Collecting, RunStatus::Extracting]))
        .set((
            runs::status.eq(outcome),
            runs::error_message.eq(reason),
            runs::collection_completed_at.eq(diesel::dsl::now),
            runs::claimed_by.eq(None::<String>),
            runs::lease_expires_at.eq(None::<chrono::DateTime<chrono::Utc>>),
        ))
        .execute(conn)
        .await?;
    Ok(changed == 1)
}

/// Hands a claimed run back (a worker shutting down): `pending` again at
/// once, no retry counted; `false` when the claim was already lost.
pub async fn release(conn: &mut AsyncPgConnection, run_id: i64, claim: &str) -> QueryResult<bool> {
    let changed = diesel::update(runs::table)
        .filter(runs::id.eq(run_id).and(runs::claimed_by.eq(claim)))
        .filter(runs::status.eq_any([RunStatus::Collecting, RunStatus::Extracting]))
        .set((
            runs::status.eq(RunStatus::Pending),
            runs::claimed_by.eq(None::<String>),
            runs::lease_expires_at.eq(None::<chrono::DateTime<chrono::Utc>>),
            runs::next_attempt_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(changed == 1)
}

/// Returns runs whose lease expired (their worker crashed or was killed)
/// to `pending` after the backoff, counting a retry (a file that crashes
/// collectors is not retried at once by each in turn), or to `failed` when
/// retries are used up. Returns how many runs were reaped.
pub async fn reap(conn: &mut AsyncPgConnection, backoff: Backoff) -> QueryResult<usize> {
    diesel::sql_query(
        "UPDATE github_workflow_runs SET \
             retry_count = retry_count + 1, \
             status = CASE WHEN retry_count + 1 > max_retries THEN 'failed' ELSE 'pending' END, \
             collection_completed_at = CASE WHEN retry_count + 1 > max_retries THEN now() END, \
             error_message = 'lease of ' || coalesce(claimed_by, '?') || ' expired while it was ' || status, \
             next_attempt_at = now() + make_interval(secs => LEAST($2, $1 * power(2, retry_count))), \
             claimed_by = NULL, lease_expires_at = NULL \
         WHERE status IN ('collecting', 'extracting') AND lease_expires_at < now()",
    )
    .bind::<Double, _>(secs(backoff.base))
    .bind::<Double, _>(secs(backoff.cap))
    .execute(conn)
    .await
}

/// Puts finished runs in `status` (`failed`, `skipped` or `completed`) back
/// to `pending` with a fresh retry budget, for all configs or one; returns
/// how many. A completed run collected again replaces its metrics.
pub async fn requeue(
    conn: &mut AsyncPgConnection,
    status: RunStatus,
    config_id: Option<i64>,
) -> QueryResult<usize> {
    Ok(requeue_runs(conn, status, config_id, None).await?.len())
}

/// What every return to `pending` writes: a fresh retry budget, no claim,
/// and none of the last attempt's error or completion time (with
/// `next_attempt_at = now()` beside it, the database's clock).
#[derive(AsChangeset)]
#[diesel(table_name = runs, treat_none_as_null = true)]
struct BackToPending {
    status: RunStatus,
    error_message: Option<String>,
    retry_count: i32,
    claimed_by: Option<String>,
    lease_expires_at: Option<DateTime<Utc>>,
    collection_completed_at: Option<DateTime<Utc>>,
}

const BACK_TO_PENDING: BackToPending = BackToPending {
    status: RunStatus::Pending,
    error_message: None,
    retry_count: 0,
    claimed_by: None,
    lease_expires_at: None,
    collection_completed_at: None,
};

/// The one way a finished run goes back to `pending`: runs in `status` (a
/// finished one: `failed`, `skipped` or `completed`), of `config_id` when
/// given, only `ids` when given, made [`BackToPending`] and due now. Returns
/// their ids, ascending.
pub async fn requeue_runs(
    conn: &mut AsyncPgConnection,
    status: RunStatus,
    config_id: Option<i64>,
    ids: Option<&[i64]>,
) -> QueryResult<Vec<i64>> {
    let mut query = diesel::update(runs::table)
        .filter(runs::status.eq(status))
        .filter(runs::status.eq_any([RunStatus::Failed, RunStatus::Skipped, RunStatus::Completed]))
        .into_boxed();
    if let Some(config_id) = config_id {
        query = query.filter(runs::config_id.eq(config_id));
    }
    if let Some(ids) = ids {
        query = query.filter(runs::id.eq_any(ids));
    }
    let mut requeued: Vec<i64> = query
        .set((&BACK_TO_PENDING, runs::next_attempt_at.eq(diesel::dsl::now)))
        .returning(runs::id)
        .get_results(conn)
        .await?;
    requeued.sort_unstable();
    Ok(requeued)
}

/// A `manual` run of a runner: inserted pending, or an existing run of it
/// that is not being collected made [`BackToPending`] as `manual`; `None`
/// while that run is being collected.
pub async fn enqueue_manual(
    conn: &mut AsyncPgConnection,
    run: &NewRun,
) -> QueryResult<Option<Run>> {
    let run = NewRun {
        trigger_source: Some(TriggerSource::Manual),
        ..run.clone()
    };
    let inserted = diesel::insert_into(runs::table)
        .values(&run)
        .on_conflict((runs::config_id, runs::workload_uid))
        .do_nothing()
        .returning(Run::as_returning())
        .get_result(conn)
        .await
        .optional()?;
    if inserted.is_some() {
        return Ok(inserted);
    }
    diesel::update(runs::table)
        .filter(runs::config_id.eq(run.config_id))
        .filter(runs::workload_uid.eq(&run.workload_uid))
        .filter(runs::status.ne_all([RunStatus::Collecting, RunStatus::Extracting]))
        .set((
            &BACK_TO_PENDING,
            runs::next_attempt_at.eq(diesel::dsl::now),
            runs::trigger_source.eq(TriggerSource::Manual),
        ))
        .returning(Run::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Ends the pending runs of backfill `backfill_id` as `skipped` with `reason`
/// (a cancelled backfill); returns how many.
pub async fn skip_pending_of_backfill(
    conn: &mut AsyncPgConnection,
    backfill_id: i64,
    reason: &str,
) -> QueryResult<usize> {
    diesel::update(runs::table)
        .filter(runs::backfill_id.eq(backfill_id))
        .filter(runs::status.eq(RunStatus::Pending))
        .set((
            runs::status.eq(RunStatus::Skipped),
            runs::error_message.eq(reason),
        ))
        .execute(conn)
        .await
}

/// Hands back every run `worker` still holds under any of its claims (a
/// worker whose shutdown grace ran out); returns how many.
pub async fn release_all(conn: &mut AsyncPgConnection, worker: &str) -> QueryResult<usize> {
    diesel::sql_query(
        "UPDATE github_workflow_runs SET status = 'pending', claimed_by = NULL, \
             lease_expires_at = NULL, next_attempt_at = now() \
         WHERE status IN ('collecting', 'extracting') \
           AND left(claimed_by, length($1) + 1) = $1 || ':'",
    )
    .bind::<Text, _>(worker)
    .execute(conn)
    .await
}
