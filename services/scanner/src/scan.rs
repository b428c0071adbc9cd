//! The periodic scan: the safety net behind the watch (the spec's one-minute
//! scan job). For every enabled config bound to a runner set it files runs
//! for completed runners recorded since its `last_checked_at` (less a
//! lookback) that have none yet, then moves `last_checked_at` on.
//!
//! Replicas share the scan instead of repeating it: a config is due only when
//! its `last_checked_at` is an interval old, and it is claimed with
//! `FOR UPDATE SKIP LOCKED`, so while one replica scans it the others skip
//! it, and after that it is not due again for an interval. Runs are filed
//! idempotently anyway (the unique `(config_id, workload_uid)`).

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::Timestamptz;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use wfm_db::models::Config;
use wfm_db::runners::{Enqueue, Selection};
use wfm_db::schema::github_workflow_configs as configs;

/// What one scan did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanReport {
    /// Configs this replica scanned (the others were not due or were taken).
    pub configs: usize,
    /// Runs filed.
    pub filed: usize,
}

/// Scans the configs of `cluster` that are due.
pub async fn scan_due(
    conn: &mut AsyncPgConnection,
    cluster: &str,
    interval: Duration,
    lookback: Duration,
) -> QueryResult<ScanReport> {
    conn.transaction::<_, diesel::result::Error, _>(async |conn| {
        let now: DateTime<Utc> = diesel::select(diesel::dsl::sql::<Timestamptz>("now()"))
            .get_result(conn)
            .await?;
        let due_before = now - chrono::Duration::from_std(interval).unwrap_or_default();
        let due: Vec<Config> = configs::table
            .filter(configs::cluster_name.eq(cluster))
            .filter(configs::enabled.eq(true))
            .filter(configs::runner_set_name.is_not_null())
            .filter(
                configs::last_checked_at
                    .is_null()
                    .or(configs::last_checked_at.le(due_before)),
            )
            .select(Config::as_select())
            .for_update()
            .skip_locked()
            .load(conn)
            .await?;
        let back = chrono::Duration::from_std(lookback).unwrap_or_default();
        let mut report = ScanReport::default();
        for config in &due {
            let Some(mut selection) = Selection::of(config) else {
                continue;
            };
            // A new config starts from its creation: older runners are a backfill's.
            let since = config.last_checked_at.unwrap_or(config.created_at);
            selection.start = Some(since - back);
            report.filed += selection.enqueue(conn, Enqueue::REALTIME).await?;
            report.configs += 1;
        }
        let ids: Vec<i64> = due.iter().map(|c| c.id).collect();
        diesel::update(configs::table.filter(configs::id.eq_any(ids)))
            .set(configs::last_checked_at.eq(now))
            .execute(conn)
            .await?;
        Ok(report)
    })
    .await
}
