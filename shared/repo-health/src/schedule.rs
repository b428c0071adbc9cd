//! Collections that are due, claimed so that any number of replicas collect
//! each repository once per period. A claim is short: the due rows are
//! taken with `FOR UPDATE SKIP LOCKED` and leased to one worker, the REST
//! calls happen outside any transaction, and the result is recorded only by
//! the worker that still holds the lease, together with the next due time.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Double, Integer, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::Report;

/// A collection a worker holds the lease of.
#[derive(Debug, Clone, PartialEq, diesel::QueryableByName)]
pub struct Due {
    #[diesel(sql_type = BigInt)]
    pub repository_id: i64,
    #[diesel(sql_type = Text)]
    pub owner: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Integer)]
    pub interval_seconds: i32,
    /// When it was due: the next one is an interval later.
    #[diesel(sql_type = Timestamptz)]
    pub next_run_at: DateTime<Utc>,
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
}

/// Claims up to `batch` due health collections of enabled repositories for
/// `worker`, leased for `lease`, the longest overdue first.
pub async fn claim_due(
    conn: &mut AsyncPgConnection,
    worker: &str,
    lease: Duration,
    batch: i64,
) -> diesel::QueryResult<Vec<Due>> {
    diesel::sql_query(
        "WITH due AS ( \
            SELECT c.repository_id FROM github_repository_collections c \
            JOIN github_repositories r ON r.id = c.repository_id \
            WHERE c.collection = 'health' AND r.enabled AND c.next_run_at <= now() \
              AND (c.lease_expires_at IS NULL OR c.lease_expires_at < now()) \
            ORDER BY c.next_run_at LIMIT $3 \
            FOR UPDATE OF c SKIP LOCKED) \
         UPDATE github_repository_collections c \
            SET claimed_by = $1, lease_expires_at = now() + make_interval(secs => $2) \
         FROM due, github_repositories r \
         WHERE c.repository_id = due.repository_id AND c.collection = 'health' \
           AND r.id = c.repository_id \
         RETURNING c.repository_id, r.owner, r.name, r.interval_seconds, c.next_run_at, c.attempts",
    )
    .bind::<Text, _>(worker)
    .bind::<Double, _>(lease.as_secs_f64())
    .bind::<BigInt, _>(batch)
    .get_results(conn)
    .await
}

/// Extends the lease of a collection `worker` holds; false when it no
/// longer holds it (the lease ran out and another replica took it).
pub async fn renew_lease(
    conn: &mut AsyncPgConnection,
    due: &Due,
    worker: &str,
    lease: Duration,
) -> diesel::QueryResult<bool> {
    let n = diesel::sql_query(
        "UPDATE github_repository_collections \
            SET lease_expires_at = now() + make_interval(secs => $3) \
         WHERE repository_id = $1 AND collection = 'health' AND claimed_by = $2",
    )
    .bind::<BigInt, _>(due.repository_id)
    .bind::<Text, _>(worker)
    .bind::<Double, _>(lease.as_secs_f64())
    .execute(conn)
    .await?;
    Ok(n > 0)
}

/// Which source served the metrics of a collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Rest,
    Webhooks,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rest => "rest",
            Self::Webhooks => "webhooks",
        }
    }

    /// The source of `metric` when the workflow runs came from `ci`: only
    /// the `ci.*` metrics are the runs'.
    pub fn of(metric: &str, ci: Source) -> Source {
        if metric.starts_with("ci.") {
            ci
        } else {
            Source::Rest
        }
    }
}

/// Records `report` for the collection `due`, and makes it due an interval
/// after it was due (or an interval from now, when it ran that late). Only
/// while `worker` holds the lease: false (nothing written) when it lost it.
pub async fn record(
    conn: &mut AsyncPgConnection,
    due: &Due,
    worker: &str,
    report: &Report,
    ci: Source,
    complete: bool,
) -> diesel::QueryResult<bool> {
    let values: Vec<(&str, f64)> = report
        .values
        .iter()
        .filter_map(|(name, value)| value.map(|v| (*name, v)))
        .collect();
    let names: Vec<&str> = values.iter().map(|(n, _)| *n).collect();
    let numbers: Vec<f64> = values.iter().map(|(_, v)| *v).collect();
    let sources: Vec<&str> = names.iter().map(|n| Source::of(n, ci).as_str()).collect();
    conn.transaction(async |conn| {
        let released = diesel::sql_query(
            "UPDATE github_repository_collections SET claimed_by = NULL, lease_expires_at = NULL, \
                attempts = 0, last_error = NULL, last_collected_at = $3, \
                next_run_at = CASE WHEN next_run_at + make_interval(secs => $4) > now() \
                    THEN next_run_at + make_interval(secs => $4) \
                    ELSE now() + make_interval(secs => $4) END \
             WHERE repository_id = $1 AND collection = 'health' AND claimed_by = $2",
        )
        .bind::<BigInt, _>(due.repository_id)
        .bind::<Text, _>(worker)
        .bind::<Timestamptz, _>(report.at)
        .bind::<Double, _>(f64::from(due.interval_seconds))
        .execute(conn)
        .await?;
        if released == 0 {
            return Ok(false);
        }
        diesel::sql_query(
            "INSERT INTO github_repository_health \
                (repository_id, metric, collected_at, value, source, complete) \
             SELECT $1, u.metric, $2, u.value, u.source, $6 \
             FROM unnest($3::text[], $4::float8[], $5::text[]) AS u(metric, value, source) \
             ON CONFLICT (repository_id, metric, collected_at) DO NOTHING",
        )
        .bind::<BigInt, _>(due.repository_id)
        .bind::<Timestamptz, _>(report.at)
        .bind::<diesel::sql_types::Array<Text>, _>(&names)
        .bind::<diesel::sql_types::Array<Double>, _>(&numbers)
        .bind::<diesel::sql_types::Array<Text>, _>(&sources)
        .bind::<diesel::sql_types::Bool, _>(complete)
        .execute(conn)
        .await?;
        Ok(true)
    })
    .await
}

/// Hands a collection back until `until` without counting a failure (a
/// rate limit: GitHub said when to come back). `error` says why.
pub async fn defer(
    conn: &mut AsyncPgConnection,
    due: &Due,
    worker: &str,
    until: DateTime<Utc>,
    error: &str,
) -> diesel::QueryResult<bool> {
    hand_back(conn, due, worker, until, error, false).await
}

/// The wait after `attempts` failures in a row: a minute, doubling, never
/// past the interval (a failing repository is still tried once a period).
pub fn backoff(attempts: i32, interval_seconds: i32) -> Duration {
    let minutes = 1u64 << attempts.clamp(0, 16);
    Duration::from_secs((60 * minutes).min(interval_seconds.max(60) as u64))
}

/// Hands a failed collection back with a failure counted and a backoff.
pub async fn fail(
    conn: &mut AsyncPgConnection,
    due: &Due,
    worker: &str,
    error: &str,
) -> diesel::QueryResult<bool> {
    let wait = backoff(due.attempts, due.interval_seconds);
    let until = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
    hand_back(conn, due, worker, until, error, true).await
}

/// Releases the claim (only `worker`'s), due again at `until`.
async fn hand_back(
    conn: &mut AsyncPgConnection,
    due: &Due,
    worker: &str,
    until: DateTime<Utc>,
    error: &str,
    failed: bool,
) -> diesel::QueryResult<bool> {
    let n = diesel::sql_query(
        "UPDATE github_repository_collections SET claimed_by = NULL, lease_expires_at = NULL, \
            attempts = attempts + $5, next_run_at = $3, last_error = $4 \
         WHERE repository_id = $1 AND collection = 'health' AND claimed_by = $2",
    )
    .bind::<BigInt, _>(due.repository_id)
    .bind::<Text, _>(worker)
    .bind::<Timestamptz, _>(until)
    .bind::<Text, _>(error)
    .bind::<Integer, _>(i32::from(failed))
    .execute(conn)
    .await?;
    Ok(n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_interval() {
        assert_eq!(backoff(0, 900), Duration::from_secs(60));
        assert_eq!(backoff(2, 900), Duration::from_secs(240));
        assert_eq!(backoff(10, 900), Duration::from_secs(900));
        assert_eq!(backoff(i32::MAX, 900), Duration::from_secs(900));
    }
}
