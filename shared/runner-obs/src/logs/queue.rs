//! The `github_job_logs` rows as a queue. The webhooks add a pending row
//! per completed job (`wfm_webhooks`); a worker claims one with
//! `FOR UPDATE SKIP LOCKED`, which moves its next attempt a lease ahead
//! and names the claim, and every write of the outcome is guarded by that
//! name: a worker whose lease ran out (and whose row another took) writes
//! nothing.

use std::time::Duration;

use diesel::sql_types::{BigInt, Bool, Bytea, Double, Integer, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::capture::{Captured, compress};

/// A log a worker holds the claim of.
#[derive(Debug, Clone, PartialEq, Eq, diesel::QueryableByName)]
pub struct Claimed {
    #[diesel(sql_type = BigInt)]
    pub github_job_id: i64,
    #[diesel(sql_type = Text)]
    pub repository: String,
    /// Attempts made, this one included (a claim is an attempt, so a log
    /// whose fetches keep dying with their worker is given up too).
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
    #[diesel(sql_type = Text)]
    pub claimed_by: String,
}

/// Claims the longest-due pending log for `claim` (a name unique to this
/// attempt), leased for `lease`; the claim counts as an attempt.
pub async fn claim(
    conn: &mut AsyncPgConnection,
    claim: &str,
    lease: Duration,
) -> diesel::QueryResult<Option<Claimed>> {
    let mut rows: Vec<Claimed> = diesel::sql_query(
        "UPDATE github_job_logs l SET claimed_by = $1, attempts = attempts + 1, \
            next_attempt_at = now() + make_interval(secs => $2) \
         WHERE github_job_id = (SELECT github_job_id FROM github_job_logs \
             WHERE state = 'pending' AND next_attempt_at <= now() \
             ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED) \
         RETURNING github_job_id, repository::text AS repository, attempts, claimed_by",
    )
    .bind::<Text, _>(claim)
    .bind::<Double, _>(lease.as_secs_f64())
    .load(conn)
    .await?;
    Ok(rows.pop())
}

/// Where a fetched log's gzip was put.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placed {
    /// In the row: these bytes.
    Row(Vec<u8>),
    /// In the bucket, at this key; this many bytes.
    Object { key: String, bytes: usize },
}

/// Records a fetched log; false when the claim was lost.
pub async fn record_stored(
    conn: &mut AsyncPgConnection,
    claimed: &Claimed,
    log: &Captured,
    placed: &Placed,
) -> diesel::QueryResult<bool> {
    let (storage, content, key, compressed) = match placed {
        Placed::Row(bytes) => ("postgres", Some(bytes.as_slice()), None, bytes.len()),
        Placed::Object { key, bytes } => ("s3", None, Some(key.as_str()), *bytes),
    };
    let n = diesel::sql_query(
        "UPDATE github_job_logs SET state = 'stored', storage = $3, content = $4, \
            object_key = $5, original_bytes = $6, stored_bytes = $7, compressed_bytes = $8, \
            truncated = $9, fetched_at = now(), detail = NULL, claimed_by = NULL \
         WHERE github_job_id = $1 AND claimed_by = $2 AND state = 'pending'",
    )
    .bind::<BigInt, _>(claimed.github_job_id)
    .bind::<Text, _>(&claimed.claimed_by)
    .bind::<Text, _>(storage)
    .bind::<Nullable<Bytea>, _>(content)
    .bind::<Nullable<Text>, _>(key)
    .bind::<BigInt, _>(log.original as i64)
    .bind::<BigInt, _>(log.text.len() as i64)
    .bind::<BigInt, _>(compressed as i64)
    .bind::<Bool, _>(log.truncated)
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// Stores `log` for job `job_id` whatever its row held (or adds the row).
pub(crate) async fn put(
    conn: &mut AsyncPgConnection,
    job_id: i64,
    repository: &str,
    log: &Captured,
) -> diesel::QueryResult<()> {
    let compressed = compress(&log.text);
    diesel::sql_query(
        "INSERT INTO github_job_logs (github_job_id, repository, state, storage, content, \
            original_bytes, stored_bytes, compressed_bytes, truncated, fetched_at) \
         VALUES ($1, left($2, 255), 'stored', 'postgres', $3, $4, $5, $6, $7, now()) \
         ON CONFLICT (github_job_id) DO UPDATE SET state = 'stored', storage = 'postgres', \
            content = EXCLUDED.content, object_key = NULL, original_bytes = EXCLUDED.original_bytes, \
            stored_bytes = EXCLUDED.stored_bytes, compressed_bytes = EXCLUDED.compressed_bytes, \
            truncated = EXCLUDED.truncated, fetched_at = now(), detail = NULL, claimed_by = NULL",
    )
    .bind::<BigInt, _>(job_id)
    .bind::<Text, _>(repository)
    .bind::<Bytea, _>(&compressed)
    .bind::<BigInt, _>(log.original as i64)
    .bind::<BigInt, _>(log.text.len() as i64)
    .bind::<BigInt, _>(compressed.len() as i64)
    .bind::<Bool, _>(log.truncated)
    .execute(conn)
    .await?;
    Ok(())
}

/// Puts the log back in the queue, due in `wait`; `counted` says whether
/// this was an attempt (a rate limit is not: GitHub did not look, and the
/// claim's count is taken back).
pub async fn record_retry(
    conn: &mut AsyncPgConnection,
    claimed: &Claimed,
    wait: Duration,
    counted: bool,
    detail: &str,
) -> diesel::QueryResult<bool> {
    let n = diesel::sql_query(
        "UPDATE github_job_logs SET next_attempt_at = now() + make_interval(secs => $3), \
            attempts = attempts - $4, detail = left($5, 2000), claimed_by = NULL \
         WHERE github_job_id = $1 AND claimed_by = $2 AND state = 'pending'",
    )
    .bind::<BigInt, _>(claimed.github_job_id)
    .bind::<Text, _>(&claimed.claimed_by)
    .bind::<Double, _>(wait.as_secs_f64())
    .bind::<Integer, _>(i32::from(!counted))
    .bind::<Text, _>(detail)
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// Gives the log up: GitHub does not have it, or kept refusing it.
pub async fn record_unavailable(
    conn: &mut AsyncPgConnection,
    claimed: &Claimed,
    detail: &str,
) -> diesel::QueryResult<bool> {
    let n = diesel::sql_query(
        "UPDATE github_job_logs SET state = 'unavailable', \
            detail = left($3, 2000), claimed_by = NULL \
         WHERE github_job_id = $1 AND claimed_by = $2 AND state = 'pending'",
    )
    .bind::<BigInt, _>(claimed.github_job_id)
    .bind::<Text, _>(&claimed.claimed_by)
    .bind::<Text, _>(detail)
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// What a retention sweep changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Swept {
    /// Rows expired, given up or deleted.
    pub rows: usize,
    /// Their jobs: whatever a bucket holds of their logs is to go (keys are
    /// the job's, so an object a lost claim left behind goes too).
    pub jobs: Vec<i64>,
}

#[derive(diesel::QueryableByName)]
struct Job {
    #[diesel(sql_type = BigInt)]
    github_job_id: i64,
}

/// The retention sweep, a batch at a time: stored logs of jobs that
/// completed more than `retention` ago lose their content (`expired`; the
/// row stays, saying so), pending ones are given up (`unavailable`), and
/// rows twice as old go.
pub async fn expire(
    conn: &mut AsyncPgConnection,
    retention: Duration,
    batch: i64,
) -> diesel::QueryResult<Swept> {
    let expired: Vec<Job> = diesel::sql_query(
        "WITH old AS (SELECT github_job_id FROM github_job_logs \
             WHERE state IN ('stored', 'pending') AND created_at < now() - make_interval(secs => $1) \
             ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED) \
         UPDATE github_job_logs l SET \
            state = CASE WHEN l.state = 'stored' THEN 'expired' ELSE 'unavailable' END, \
            content = NULL, object_key = NULL, claimed_by = NULL, \
            detail = CASE WHEN l.state = 'stored' \
                THEN 'dropped after the retention period (WFM_JOB_LOG_RETENTION_DAYS)' \
                ELSE 'not fetched within the retention period (WFM_JOB_LOG_RETENTION_DAYS)' END \
         FROM old WHERE l.github_job_id = old.github_job_id RETURNING l.github_job_id",
    )
    .bind::<Double, _>(retention.as_secs_f64())
    .bind::<BigInt, _>(batch)
    .load(conn)
    .await?;
    let deleted: Vec<Job> = diesel::sql_query(
        "DELETE FROM github_job_logs WHERE github_job_id IN (SELECT github_job_id FROM github_job_logs \
             WHERE state IN ('expired', 'unavailable') AND created_at < now() - make_interval(secs => $1) \
             ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING github_job_id",
    )
    .bind::<Double, _>(2.0 * retention.as_secs_f64())
    .bind::<BigInt, _>(batch)
    .load(conn)
    .await?;
    let mut jobs: Vec<i64> = expired
        .iter()
        .chain(&deleted)
        .map(|j| j.github_job_id)
        .collect();
    jobs.sort_unstable();
    Ok(Swept {
        rows: jobs.len(),
        jobs,
    })
}
