//! The runs whose series are due for a look. A store queues its run in its
//! own transaction ([`queue_run`]); [`examine`] claims queued runs with
//! `FOR UPDATE SKIP LOCKED`, takes the advisory lock of each config they
//! belong to (in one order on every replica) and examines their series,
//! then commits the filings with the removal of the queue rows. A failure
//! rolls both back and counts an attempt on the rows: they go behind fresh
//! runs, and after [`MAX_ATTEMPTS`] they are left for an operator.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use chrono::Utc;
use diesel::sql_types::{Array, BigInt, Jsonb, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::evaluate::{self, Settings, Verdicts};
use crate::points::SeriesRef;

/// Failed examinations after which a queued run is no longer claimed.
pub const MAX_ATTEMPTS: i32 = 5;

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

/// An examination that failed: its queue rows stay, with an attempt counted.
#[derive(Debug, thiserror::Error)]
#[error("examining {runs} queued runs for changes failed: {source}")]
pub struct ExamineError {
    /// Runs whose rows were claimed when it failed (0: it failed claiming).
    pub runs: usize,
    #[source]
    pub source: diesel::result::Error,
}

#[derive(diesel::QueryableByName)]
struct Claimed {
    #[diesel(sql_type = BigInt)]
    id: i64,
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
    #[diesel(sql_type = Jsonb)]
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
) -> Result<Verdicts, ExamineError> {
    let mut claimed: Vec<i64> = Vec::new();
    let outcome = conn
        .transaction(async |conn| {
            let rows = claim(conn, run, batch).await?;
            claimed = rows.iter().map(|r| r.id).collect();
            let mut runs: Vec<i64> = rows.iter().map(|r| r.run_id).collect();
            runs.sort_unstable();
            runs.dedup();
            examine_runs(conn, settings, &runs).await
        })
        .await;
    match outcome {
        Ok(verdicts) => Ok(verdicts),
        Err(source) => {
            if !claimed.is_empty() {
                // counted outside the rolled-back transaction
                let counted = diesel::sql_query(
                    "UPDATE github_workflow_metric_change_queue SET attempts = attempts + 1 \
                     WHERE id = ANY ($1)",
                )
                .bind::<Array<BigInt>, _>(&claimed)
                .execute(conn)
                .await;
                if let Err(e) = counted {
                    tracing::warn!(error = %e, "counting a failed examination failed");
                }
            }
            Err(ExamineError {
                runs: claimed.len(),
                source,
            })
        }
    }
}

async fn claim(
    conn: &mut AsyncPgConnection,
    run: Option<i64>,
    batch: i64,
) -> diesel::QueryResult<Vec<Claimed>> {
    // a store's own run through its index; the sweep oldest first, runs
    // that failed behind fresh ones
    let query = match run {
        Some(_) => {
            "DELETE FROM github_workflow_metric_change_queue WHERE id IN ( \
                 SELECT id FROM github_workflow_metric_change_queue \
                 WHERE run_id = $1 AND attempts < $3 \
                 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED) \
             RETURNING id, run_id"
        }
        None => {
            "DELETE FROM github_workflow_metric_change_queue WHERE id IN ( \
                 SELECT id FROM github_workflow_metric_change_queue \
                 WHERE attempts < $3 AND $1::int8 IS NULL \
                 ORDER BY attempts, id LIMIT $2 FOR UPDATE SKIP LOCKED) \
             RETURNING id, run_id"
        }
    };
    diesel::sql_query(query)
        .bind::<diesel::sql_types::Nullable<BigInt>, _>(run)
        .bind::<BigInt, _>(batch)
        .bind::<diesel::sql_types::Integer, _>(MAX_ATTEMPTS)
        .load(conn)
        .await
}

async fn examine_runs(
    conn: &mut AsyncPgConnection,
    settings: &Settings,
    runs: &[i64],
) -> diesel::QueryResult<Verdicts> {
    if runs.is_empty() {
        return Ok(Verdicts::default());
    }
    let touched: Vec<Touched> = diesel::sql_query(
        "SELECT m.config_id, m.series_key, coalesce(r.head_branch, '')::text AS branch, \
                min(m.dimensions::text)::jsonb AS dimensions \
         FROM github_workflow_metrics m JOIN github_workflow_runs r ON r.id = m.run_id \
         WHERE m.run_id = ANY ($1) AND m.series_key IS NOT NULL \
         GROUP BY 1, 2, 3",
    )
    .bind::<Array<BigInt>, _>(runs)
    .load(conn)
    .await?;
    // one lock per config, not per series (a run may touch thousands of
    // series; Postgres's lock table is not that large), in one order on
    // every replica so no two examinations wait on each other
    let mut configs: Vec<i64> = touched.iter().map(|t| t.config_id).collect();
    configs.sort_unstable();
    configs.dedup();
    let keys: Vec<i64> = configs.iter().map(|&c| lock_key(c)).collect();
    diesel::sql_query("SELECT pg_advisory_xact_lock(k) FROM unnest($1::int8[]) AS k")
        .bind::<Array<BigInt>, _>(&keys)
        .execute(conn)
        .await?;
    let mut verdicts = Verdicts {
        runs: runs.len(),
        ..Verdicts::default()
    };
    let mut better = BTreeMap::new();
    let now = Utc::now();
    for t in touched {
        let series = SeriesRef {
            config_id: t.config_id,
            series_key: t.series_key,
            branch: t.branch,
        };
        let how = match better.entry(series.config_id) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(slot) => slot.insert(evaluate::better_of(conn, series.config_id).await?),
        };
        verdicts += evaluate::series(conn, settings, &series, &t.dimensions, how, now).await?;
    }
    Ok(verdicts)
}

/// The advisory lock that serializes examinations of one config's series.
fn lock_key(config: i64) -> i64 {
    // a namespace of its own: the rollups' lock is hashtextextended(…, 0)
    config ^ 0x7766_6d63_6867_0000
}

/// Examines every queued run, `batch` at a time, until none is left that
/// no one else holds. A failed examination is logged and counted on its
/// runs (see [`MAX_ATTEMPTS`]); one that fails before claiming anything
/// (the database) ends the sweep.
pub async fn examine_all(
    conn: &mut AsyncPgConnection,
    settings: &Settings,
    batch: i64,
) -> Result<Verdicts, ExamineError> {
    let mut total = Verdicts::default();
    loop {
        match examine(conn, settings, None, batch).await {
            Ok(round) if round.runs == 0 => return Ok(total),
            Ok(round) => total += round,
            Err(e) if e.runs > 0 => {
                tracing::warn!(error = %e, "examining queued runs failed; counted on them")
            }
            Err(e) => return Err(e),
        }
    }
}
