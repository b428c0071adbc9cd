//! Storing a run's records: in one transaction, delete what an earlier
//! attempt stored, insert the records in batches (one `INSERT … SELECT FROM
//! unnest(…)` statement per batch, not a round trip per row), mark the run
//! completed, guarded by the claim, and queue the hours the old and new
//! records fall in; after commit, [`refresh_rollups`] recomputes them
//! (`wfm_db::rollups`), so the store never waits on a refresh.

use chrono::{DateTime, Utc};
use diesel::QueryResult;
use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use wfm_db::queue::{self, Completion};
use wfm_db::rollups;

/// One metric row, its JSON already written.
#[derive(Debug, Clone)]
pub struct MetricRow {
    pub timestamp: DateTime<Utc>,
    pub source_file: String,
    pub dimensions: String,
    pub metrics: String,
    pub raw_data: Option<String>,
}

/// How a store writes.
#[derive(Debug, Clone, Copy)]
pub struct StoreLimits {
    /// Records per insert statement.
    pub insert_batch: usize,
    /// Runs of at most this many records refresh their rollups before commit.
    pub inline_rollup_records: usize,
}

/// What storing found.
#[derive(Debug, PartialEq, Eq)]
pub enum Stored {
    Completed {
        rows: usize,
    },
    /// The claim was lost meanwhile: nothing was written.
    Lost,
}

/// Replaces the run's metrics with `rows` and completes it, or writes
/// nothing when the claim is gone ([`Stored::Lost`]); an error is the database's.
#[allow(clippy::too_many_arguments)]
pub async fn store_and_complete(
    conn: &mut AsyncPgConnection,
    run_id: i64,
    config_id: i64,
    schema_id: i64,
    worker: &str,
    rows: &[MetricRow],
    limits: StoreLimits,
    done: &Completion,
) -> QueryResult<Stored> {
    let outcome = conn
        .transaction::<_, StoreError, _>(async |conn| {
            let old: Vec<Hour> = diesel::sql_query(
                "DELETE FROM github_workflow_metrics WHERE run_id = $1 \
                 RETURNING date_trunc('hour', \"timestamp\", 'UTC') AS hour",
            )
            .bind::<BigInt, _>(run_id)
            .load(conn)
            .await?;
            for chunk in rows.chunks(limits.insert_batch.max(1)) {
                insert_batch(conn, run_id, config_id, schema_id, chunk).await?;
            }
            if !queue::complete(conn, run_id, worker, done).await? {
                return Err(StoreError::LostClaim);
            }
            // The spec's "last processed EphemeralRunner UID" of the config: the
            // newest runner collected (by when it finished), so a backfill of old
            // runners or an out-of-order completion never moves it back.
            diesel::sql_query(
                "UPDATE github_workflow_configs c SET last_processed_workload_uid = r.workload_uid \
                 FROM github_workflow_runs r WHERE r.id = $1 AND c.id = r.config_id \
                 AND c.last_processed_workload_uid IS DISTINCT FROM r.workload_uid \
                 AND NOT EXISTS (SELECT 1 FROM github_workflow_runs p \
                     WHERE p.config_id = c.id AND p.workload_uid = c.last_processed_workload_uid \
                     AND p.workload_completed_at > r.workload_completed_at)",
            )
            .bind::<BigInt, _>(run_id)
            .execute(conn)
            .await?;
            // its series are examined for changes after commit (or by a sweep)
            wfm_change_tracking::queue::queue_run(conn, config_id, run_id).await?;
            let hours = touched_hours(old.into_iter().map(|h| h.hour), rows);
            rollups::queue_hours(conn, config_id, &hours).await?;
            if rows.len() <= limits.inline_rollup_records {
                // last, so the lock the refresh takes is held only until commit
                rollups::refresh_queued(conn, Some(config_id)).await?;
            }
            Ok(())
        })
        .await;
    match outcome {
        Ok(()) => Ok(Stored::Completed { rows: rows.len() }),
        Err(StoreError::LostClaim) => Ok(Stored::Lost),
        Err(StoreError::Database(e)) => Err(e),
    }
}

/// Refreshes the rollups of the hours stores of `config` queued. A failure
/// is logged, never the run's: the hours stay queued for the next refresh
/// (the collectors' sweep runs every reap interval).
pub async fn refresh_rollups(conn: &mut AsyncPgConnection, config_id: i64) {
    if let Err(e) = rollups::refresh_queued(conn, Some(config_id)).await {
        tracing::warn!(
            config_id,
            error = %e,
            "refreshing rollups failed; the hours stay queued"
        );
    }
}

/// Examines the series of the stored run for changes. A failure is logged,
/// never the run's: the run stays queued for the collectors' sweep.
pub async fn examine_changes(
    conn: &mut AsyncPgConnection,
    settings: &wfm_change_tracking::Settings,
    run_id: i64,
) {
    match wfm_change_tracking::queue::examine(conn, settings, Some(run_id), 10).await {
        Ok(v) if v.filed > 0 => tracing::info!(
            run = run_id,
            series = v.series,
            filed = v.filed,
            "benchmark changes filed"
        ),
        Ok(_) => {}
        Err(e) => tracing::warn!(
            run = run_id,
            error = %e,
            "examining the run's series for changes failed; the run stays queued"
        ),
    }
}

#[derive(diesel::QueryableByName)]
struct Hour {
    #[diesel(sql_type = Timestamptz)]
    hour: DateTime<Utc>,
}

/// The UTC hours of the deleted records and of `rows`, each once.
fn touched_hours(
    old: impl Iterator<Item = DateTime<Utc>>,
    rows: &[MetricRow],
) -> Vec<DateTime<Utc>> {
    let mut hours: Vec<DateTime<Utc>> = old
        .chain(rows.iter().filter_map(|r| hour_of(r.timestamp)))
        .collect();
    hours.sort_unstable();
    hours.dedup();
    hours
}

/// The UTC hour `t` falls in (any time chrono holds; `duration_trunc` refuses
/// times outside 1677–2262).
fn hour_of(t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t.timestamp().div_euclid(3600) * 3600, 0)
}

/// What ends the store's transaction early, rolling it back.
#[derive(Debug, thiserror::Error)]
enum StoreError {
    /// The final transition found the claim gone.
    #[error("the run's claim was lost before it completed")]
    LostClaim,
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

async fn insert_batch(
    conn: &mut AsyncPgConnection,
    run_id: i64,
    config_id: i64,
    schema_id: i64,
    rows: &[MetricRow],
) -> diesel::QueryResult<usize> {
    diesel::sql_query(
        "INSERT INTO github_workflow_metrics \
             (config_id, run_id, schema_id, \"timestamp\", source_file, dimensions, metrics, raw_data) \
         SELECT $1, $2, $3, t, f, d::jsonb, m::jsonb, r::jsonb \
         FROM unnest($4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[]) AS u(t, f, d, m, r)",
    )
    .bind::<BigInt, _>(config_id)
    .bind::<BigInt, _>(run_id)
    .bind::<BigInt, _>(schema_id)
    .bind::<Array<Timestamptz>, _>(rows.iter().map(|r| r.timestamp).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(rows.iter().map(|r| r.source_file.as_str()).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(rows.iter().map(|r| r.dimensions.as_str()).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(rows.iter().map(|r| r.metrics.as_str()).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(rows.iter().map(|r| r.raw_data.as_deref()).collect::<Vec<_>>())
    .execute(conn)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_of_any_time() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(
            hour_of(at("2025-03-04T01:41:41Z")),
            Some(at("2025-03-04T01:00:00Z"))
        );
        assert_eq!(
            hour_of(at("0001-01-01T00:00:00Z")),
            Some(at("0001-01-01T00:00:00Z"))
        );
        assert_eq!(
            hour_of(at("1969-12-31T23:59:59.5Z")),
            Some(at("1969-12-31T23:00:00Z"))
        );
    }
}
