//! What the collector's integration tests share: one run taken through the
//! collector the way its claim loop takes it, without the loop.

pub mod harness;

use std::time::Duration;

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use wfm_collector::{Collector, Outcome};
use wfm_db::models::Run;
use wfm_db::queue;
use wfm_db::schema::github_workflow_runs as runs;

/// Claims the next pending run as `test-worker` (a 60 s lease).
pub async fn claim_one(conn: &mut AsyncPgConnection) -> Run {
    queue::claim(conn, "test-worker", 1, Duration::from_secs(60))
        .await
        .expect("claim")
        .into_iter()
        .next()
        .expect("a pending run")
}

/// Claims the next pending run, processes and settles it; returns the run as
/// stored afterwards, and the outcome.
pub async fn collect_next(collector: &Collector, conn: &mut AsyncPgConnection) -> (Run, Outcome) {
    let run = claim_one(conn).await;
    let outcome = collector.process(&run).await;
    collector.settle(&run, &outcome).await.expect("settle");
    let after = runs::table
        .find(run.id)
        .select(Run::as_select())
        .first(conn)
        .await
        .expect("run");
    (after, outcome)
}
