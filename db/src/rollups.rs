//! The metric rollups (migration `series_keys_and_sketches`): per series,
//! metric and UTC hour and day, exact scalar aggregates and a DDSketch.
//!
//! A store queues the hours its run touched ([`queue_hours`], in the store's
//! transaction) and refreshes them after commit ([`refresh_queued`]), so a
//! refresh never holds up the transaction that stores records; a queued hour
//! a crash left behind is refreshed by the next caller of [`refresh_queued`]
//! for any config. [`rebuild`] recomputes everything from the records.

use chrono::{DateTime, Utc};
use diesel::sql_types::{Array, BigInt, Nullable, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

/// Recomputes every rollup of `config` (every config when `None`) from the
/// stored records; the number of configs refreshed. Rows written to
/// `github_workflow_metrics` by SQL become queryable through the rollups here.
pub async fn rebuild(
    conn: &mut AsyncPgConnection,
    config: Option<i64>,
) -> diesel::QueryResult<usize> {
    diesel::sql_query(
        "SELECT wfm_refresh_metric_rollups(id, NULL::timestamptz[]) FROM github_workflow_configs \
         WHERE $1::int8 IS NULL OR id = $1 ORDER BY id",
    )
    .bind::<Nullable<BigInt>, _>(config)
    .execute(conn)
    .await
}

/// Marks `hours` (UTC hour starts) of `config` as behind their records.
pub async fn queue_hours(
    conn: &mut AsyncPgConnection,
    config: i64,
    hours: &[DateTime<Utc>],
) -> diesel::QueryResult<usize> {
    if hours.is_empty() {
        return Ok(0);
    }
    diesel::sql_query(
        "INSERT INTO github_workflow_metric_rollup_queue (config_id, hour) SELECT $1, h FROM unnest($2) AS h",
    )
    .bind::<BigInt, _>(config)
    .bind::<Array<Timestamptz>, _>(hours)
    .execute(conn)
    .await
}

#[derive(diesel::QueryableByName)]
struct Queued {
    #[diesel(sql_type = BigInt)]
    config_id: i64,
    #[diesel(sql_type = Timestamptz)]
    hour: DateTime<Utc>,
}

/// Refreshes the queued hours of `config` (of every config when `None`)
/// that no other refresh holds, each in one transaction with the removal of
/// its queue rows; the number of distinct (config, hour) refreshed. A failed
/// refresh leaves its rows queued.
pub async fn refresh_queued(
    conn: &mut AsyncPgConnection,
    config: Option<i64>,
) -> diesel::QueryResult<usize> {
    conn.transaction(async |conn| {
        let mut claimed: Vec<Queued> = diesel::sql_query(
            "DELETE FROM github_workflow_metric_rollup_queue WHERE id IN ( \
                 SELECT id FROM github_workflow_metric_rollup_queue \
                 WHERE $1::int8 IS NULL OR config_id = $1 \
                 ORDER BY id LIMIT 10000 FOR UPDATE SKIP LOCKED) \
             RETURNING config_id, hour",
        )
        .bind::<Nullable<BigInt>, _>(config)
        .load(conn)
        .await?;
        claimed.sort_by_key(|q| (q.config_id, q.hour));
        claimed.dedup_by_key(|q| (q.config_id, q.hour));
        for chunk in claimed.chunk_by(|a, b| a.config_id == b.config_id) {
            let hours: Vec<DateTime<Utc>> = chunk.iter().map(|q| q.hour).collect();
            diesel::sql_query("SELECT wfm_refresh_metric_rollups($1, $2)")
                .bind::<BigInt, _>(chunk[0].config_id)
                .bind::<Array<Timestamptz>, _>(hours)
                .execute(conn)
                .await?;
        }
        Ok(claimed.len())
    })
    .await
}
