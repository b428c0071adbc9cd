//! The runs whose series are due for a look. A store queues its run in its
//! own transaction ([`queue_run`]); [`examine`] claims queued runs with
//! `FOR UPDATE SKIP LOCKED`, locks their series (advisory, in one order on
//! every replica) and examines them, then commits the filings with the
//! removal of the queue rows. A failure rolls both back: the runs stay
//! queued for the next sweep.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use chrono::Utc;
use diesel::sql_types::{Array, BigInt, Nullable, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::evaluate::{self, Settings, Verdicts};
use crate::points::SeriesRef;

/// Queues `run` (of `config`) for a look at its series.
pub async fn queue_run(
    conn: &mut AsyncPgConnection,
    config: i64,
    run: i64,
) -> diesel::QueryResult<usize> {
    diesel::sql_query(
        "INSERT INTO github_workflow_metric_change_queue (config_id, run_id) VALUES ($1, $2)",
    )
    .bind::<BigInt, _>(config)
    .bind::<BigInt, _>(run)
    .execute(conn)
    .await
}

#[derive(diesel::QueryableByName)]
struct Claimed {
    #[diesel(sql_type = BigInt)]
    run_id: i64,
}

#[derive(diesel::QueryableByName)]
struct Touched {
    #[diesel(sql_type = BigInt)]
    config_id: i64,
    #[diesel(sql_type = BigInt)]
    series_key: i64,
    #[diesel(sql_type = Text)]
    branch: String,
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    dimensions: serde_json::Value,
}

/// Claims up to `batch` queued runs (only `run`'s rows when given) that no
/// one else holds and examines the series their records belong to, in one
/// transaction.
pub async fn examine(
    conn: &mut AsyncPgConnection,
    settings: &Settings,
    run: Option<i64>,
    batch: i64,
) -> diesel::QueryResult<Verdicts> {
    conn.transaction(async |conn| {
        let mut claimed: Vec<i64> = diesel::sql_query(
            "DELETE FROM github_workflow_metric_change_queue WHERE id IN ( \
                 SELECT id FROM github_workflow_metric_change_queue \
                 WHERE $1::int8 IS NULL OR run_id = $1 \
                 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED) \
             RETURNING run_id",
        )
        .bind::<Nullable<BigInt>, _>(run)
        .bind::<BigInt, _>(batch)
        .load::<Claimed>(conn)
        .await?
        .into_iter()
        .map(|c| c.run_id)
        .collect();
        claimed.sort_unstable();
        claimed.dedup();
        if claimed.is_empty() {
            return Ok(Verdicts::default());
        }
        let touched: Vec<Touched> = diesel::sql_query(
            "SELECT m.config_id, m.series_key, coalesce(r.head_branch, '')::text AS branch, \
                    min(m.dimensions::text)::jsonb AS dimensions \
             FROM github_workflow_metrics m JOIN github_workflow_runs r ON r.id = m.run_id \
             WHERE m.run_id = ANY ($1) AND m.series_key IS NOT NULL \
             GROUP BY 1, 2, 3",
        )
        .bind::<Array<BigInt>, _>(&claimed)
        .load(conn)
        .await?;
        let mut series: Vec<(SeriesRef, serde_json::Value)> = touched
            .into_iter()
            .map(|t| {
                let s = SeriesRef {
                    config_id: t.config_id,
                    series_key: t.series_key,
                    branch: t.branch,
                };
                (s, t.dimensions)
            })
            .collect();
        // one order on every replica: no two examinations wait on each other
        series.sort_by_key(|(s, _)| (s.lock_key(), s.clone()));
        let keys: Vec<i64> = series.iter().map(|(s, _)| s.lock_key()).collect();
        diesel::sql_query("SELECT pg_advisory_xact_lock(k) FROM unnest($1::int8[]) AS k")
            .bind::<Array<BigInt>, _>(&keys)
            .execute(conn)
            .await?;
        let mut verdicts = Verdicts {
            runs: claimed.len(),
            ..Verdicts::default()
        };
        let mut better = BTreeMap::new();
        let now = Utc::now();
        for (s, dimensions) in &series {
            let how = match better.entry(s.config_id) {
                Entry::Occupied(known) => known.into_mut(),
                Entry::Vacant(slot) => slot.insert(evaluate::better_of(conn, s.config_id).await?),
            };
            verdicts += evaluate::series(conn, settings, s, dimensions, how, now).await?;
        }
        Ok(verdicts)
    })
    .await
}

/// Examines every queued run, `batch` at a time, until none is left that
/// no one else holds.
pub async fn examine_all(
    conn: &mut AsyncPgConnection,
    settings: &Settings,
    batch: i64,
) -> diesel::QueryResult<Verdicts> {
    let mut total = Verdicts::default();
    loop {
        let round = examine(conn, settings, None, batch).await?;
        if round.runs == 0 {
            return Ok(total);
        }
        total += round;
    }
}
