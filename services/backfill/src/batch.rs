//! One batch of one backfill, in one transaction: take a due backfill
//! (`FOR UPDATE SKIP LOCKED`, so replicas take different ones, or take turns
//! on one), enqueue the next keyset page of its runners, commit the cursor
//! with the runs. A restart resumes from the committed cursor; a run is
//! never filed twice (the page excludes runners with a run, and the unique
//! `(config_id, workload_uid)` backs that up). A cancel (the api) locks the
//! same row, so it lands between batches, never inside one.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use wfm_db::models::{Backfill, Config};
use wfm_db::runners::{Enqueue, Selection};
use wfm_db::schema::{
    github_workflow_backfills as backfills, github_workflow_configs as configs,
    gpu_workloads as workloads,
};
use wfm_db::{BackfillState, TriggerSource};

use crate::BackfillConfig;

/// What a batch did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub backfill_id: i64,
    /// Runs filed by this batch.
    pub enqueued: usize,
    /// The state the backfill is left in.
    pub state: BackfillState,
}

const ACTIVE: [BackfillState; 2] = [BackfillState::Pending, BackfillState::InProgress];

/// Does the next batch of the first due backfill; `None` when none is due
/// (or the due ones are being worked on by other replicas).
pub async fn next_batch(
    conn: &mut AsyncPgConnection,
    worker: &str,
    settings: &BackfillConfig,
) -> QueryResult<Option<Batch>> {
    conn.transaction::<_, diesel::result::Error, _>(async |conn| {
        // Plans that keep a batch's work the size of its page however long
        // the history (measured: without these a page of 2,000 took 22 s at
        // 90,000 runs, with them 7 ms): custom plans, because the runner-set
        // index is partial (on `kind` and `status`, which a generic plan has
        // as parameters and so cannot use); and "has no run yet" probed in
        // the runs' unique index per runner, because statistics lag behind a
        // backfill's bulk inserts and a plan from stale ones compares every
        // run of the config with every runner (hash, merge or materialized
        // joins).
        conn.batch_execute(
            "SET LOCAL plan_cache_mode = force_custom_plan;
             SET LOCAL enable_hashjoin = off;
             SET LOCAL enable_mergejoin = off;
             SET LOCAL enable_material = off",
        )
        .await?;
        let now: DateTime<Utc> = diesel::select(diesel::dsl::sql::<Timestamptz>("now()"))
            .get_result(conn)
            .await?;
        let Some(backfill) = backfills::table
            .filter(backfills::state.eq_any(ACTIVE))
            .filter(
                backfills::next_batch_at
                    .is_null()
                    .or(backfills::next_batch_at.le(now)),
            )
            .order(backfills::id)
            .select(Backfill::as_select())
            .for_update()
            .skip_locked()
            .first(conn)
            .await
            .optional()?
        else {
            return Ok(None);
        };
        let config: Config = configs::table
            .find(backfill.config_id)
            .select(Config::as_select())
            .first(conn)
            .await?;
        let selection = match selection(&config, &backfill) {
            Ok(selection) => selection,
            Err(reason) => return fail(conn, &backfill, worker, &reason).await.map(Some),
        };
        let started = backfill.state == BackfillState::Pending;
        if started {
            // The count the api took at request time may be old by now.
            let remaining: i64 = selection.not_collected().count().get_result(conn).await?;
            diesel::update(backfills::table.find(backfill.id))
                .set((
                    backfills::state.eq(BackfillState::InProgress),
                    backfills::started_at.eq(now),
                    backfills::total_workloads.eq(i32::try_from(remaining).unwrap_or(i32::MAX)),
                ))
                .execute(conn)
                .await?;
        }
        let rate = backfill
            .rate_limit_per_minute
            .map_or(settings.rate_per_minute, i64::from);
        // At most a tenth of a minute's worth per batch, so a slow rate still moves every few seconds.
        let size = settings.batch_size.min((rate / 6).max(1));
        let page = next_page(conn, &selection, &backfill, size).await?;
        let enqueued = if page.is_empty() {
            0
        } else {
            let mut batch = selection.clone();
            batch.uids = Some(page.iter().map(|(_, uid)| uid.clone()).collect());
            batch
                .enqueue(
                    conn,
                    Enqueue {
                        trigger: TriggerSource::Backfill,
                        priority: settings.priority,
                        backfill_id: Some(backfill.id),
                    },
                )
                .await?
        };
        // A short page is the last one.
        let done = (page.len() as i64) < size;
        let state = if done {
            BackfillState::Completed
        } else {
            BackfillState::InProgress
        };
        let pause = chrono::Duration::milliseconds(enqueued as i64 * 60_000 / rate);
        let cursor = page.last().cloned();
        diesel::update(backfills::table.find(backfill.id))
            .set((
                backfills::state.eq(state),
                backfills::enqueued_count
                    .eq(backfills::enqueued_count + i32::try_from(enqueued).unwrap_or(i32::MAX)),
                backfills::cursor_completed_at.eq(cursor
                    .as_ref()
                    .map(|(at, _)| *at)
                    .or(backfill.cursor_completed_at)),
                backfills::cursor_workload_uid.eq(cursor
                    .map(|(_, uid)| uid)
                    .or(backfill.cursor_workload_uid.clone())),
                backfills::next_batch_at.eq(now + pause),
                backfills::claimed_by.eq(worker),
                backfills::finished_at.eq(done.then_some(now)),
            ))
            .execute(conn)
            .await?;
        Ok(Some(Batch {
            backfill_id: backfill.id,
            enqueued,
            state,
        }))
    })
    .await
}

/// The backfill's runners: its config's selection, narrowed to its range or uids.
fn selection(config: &Config, backfill: &Backfill) -> Result<Selection, String> {
    if !config.enabled {
        return Err(format!("config {} was disabled", config.id));
    }
    let mut selection = Selection::of(config).ok_or_else(|| {
        format!(
            "config {} is bound to a repository, not a runner set: there is no runner history to backfill",
            config.id
        )
    })?;
    selection.start = backfill.start_time;
    selection.end = backfill.end_time;
    if let Some(uids) = &backfill.workload_uids {
        let uids: Vec<String> = serde_json::from_value(uids.clone())
            .map_err(|e| format!("workload_uids is not a list of strings: {e}"))?;
        selection.uids = Some(uids);
    }
    Ok(selection)
}

/// The next `size` runners after the cursor, in `(completed_at, uid)` order.
async fn next_page(
    conn: &mut AsyncPgConnection,
    selection: &Selection,
    backfill: &Backfill,
    size: i64,
) -> QueryResult<Vec<(DateTime<Utc>, String)>> {
    let mut query = selection
        .not_collected()
        .filter(workloads::completed_at.is_not_null());
    if let (Some(at), Some(uid)) = (backfill.cursor_completed_at, &backfill.cursor_workload_uid) {
        // A row comparison, so the page starts in the runner-set index at
        // the cursor instead of filtering every earlier runner again.
        query = query.filter(
            diesel::dsl::sql::<Bool>("(gpu_workloads.completed_at, gpu_workloads.uid) > (")
                .bind::<Timestamptz, _>(at)
                .sql(", ")
                .bind::<Text, _>(uid.clone())
                .sql(")"),
        );
    }
    let rows: Vec<(Option<DateTime<Utc>>, String)> = query
        .order((workloads::completed_at.asc(), workloads::uid.asc()))
        .limit(size)
        .select((workloads::completed_at, workloads::uid))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(at, uid)| Some((at?, uid)))
        .collect())
}

async fn fail(
    conn: &mut AsyncPgConnection,
    backfill: &Backfill,
    worker: &str,
    reason: &str,
) -> QueryResult<Batch> {
    diesel::update(backfills::table.find(backfill.id))
        .set((
            backfills::state.eq(BackfillState::Failed),
            backfills::error_message.eq(reason),
            backfills::finished_at.eq(diesel::dsl::now),
            backfills::claimed_by.eq(worker),
        ))
        .execute(conn)
        .await?;
    tracing::warn!(backfill = backfill.id, reason, "backfill failed");
    Ok(Batch {
        backfill_id: backfill.id,
        enqueued: 0,
        state: BackfillState::Failed,
    })
}

/// When the next backfill becomes due (`None`: none is active).
pub async fn next_due(conn: &mut AsyncPgConnection) -> QueryResult<Option<DateTime<Utc>>> {
    let unpaced: i64 = backfills::table
        .filter(backfills::state.eq_any(ACTIVE))
        .filter(backfills::next_batch_at.is_null())
        .count()
        .get_result(conn)
        .await?;
    if unpaced > 0 {
        return Ok(Some(Utc::now()));
    }
    backfills::table
        .filter(backfills::state.eq_any(ACTIVE))
        .select(diesel::dsl::min(backfills::next_batch_at))
        .get_result(conn)
        .await
}
