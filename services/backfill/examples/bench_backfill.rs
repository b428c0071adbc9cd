//! Backfill enqueue rate and real-time fairness, on the server the test
//! harness finds (a scratch schema each). Run by `scripts/bench-backfill`.
//!
//! 1. Enqueue rate: 100,000 recorded runners, one backfill request, batches
//!    (the service's own `next_batch`, one connection) until it has enqueued
//!    everything; for two batch sizes.
//! 2. Claim latency of a real-time run (`queue::claim`, one run) with no
//!    backfill runs pending, then with 10,000 and 100,000 pending: each time a
//!    fresh real-time run is filed, claimed (it must come first) and removed.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use wfm_backfill::BackfillConfig;
use wfm_backfill::batch::next_batch;
use wfm_db::models::NewRun;
use wfm_db::schema::{github_workflow_backfills as backfills, github_workflow_runs as runs};
use wfm_db::{BackfillState, queue};
use wfm_testing::{TestDb, insert_config, runner_set_config, seed_finished_runners};

async fn setup(runners: i64) -> (TestDb, i64) {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    let config = insert_config(&mut conn, &runner_set_config("arc", "set"))
        .await
        .expect("config");
    if runners > 0 {
        seed_finished_runners(&mut conn, "arc", "set", runners, 1)
            .await
            .expect("seed");
        diesel::sql_query("ANALYZE gpu_workloads")
            .execute(&mut conn)
            .await
            .expect("analyze");
    }
    (db, config.id)
}

/// Files a backfill and runs batches until it has enqueued everything.
async fn backfill(
    conn: &mut AsyncPgConnection,
    config_id: i64,
    batch_size: i64,
) -> (usize, Duration) {
    diesel::insert_into(backfills::table)
        .values(backfills::config_id.eq(config_id))
        .execute(conn)
        .await
        .expect("request");
    let settings = BackfillConfig {
        batch_size,
        rate_per_minute: i64::MAX / 1000,
        priority: 100,
        poll_interval: Duration::from_secs(1),
    };
    let started = Instant::now();
    let mut enqueued = 0;
    while let Some(batch) = next_batch(conn, "bench", &settings).await.expect("batch") {
        enqueued += batch.enqueued;
        if batch.state == BackfillState::Completed {
            break;
        }
    }
    (enqueued, started.elapsed())
}

async fn claim_latency(conn: &mut AsyncPgConnection, config_id: i64) -> (Duration, Duration) {
    let mut samples = Vec::new();
    for i in 0..200 {
        let run = queue::enqueue(
            conn,
            &NewRun {
                config_id,
                workload_uid: format!("realtime-{i}"),
                ..NewRun::default()
            },
        )
        .await
        .expect("enqueue")
        .expect("new");
        let t = Instant::now();
        let claimed = queue::claim(conn, "bench", 1, Duration::from_secs(60))
            .await
            .expect("claim");
        samples.push(t.elapsed());
        assert_eq!(claimed[0].id, run.id, "the real-time run comes first");
        diesel::delete(runs::table.find(run.id))
            .execute(conn)
            .await
            .expect("remove");
    }
    samples.sort();
    (
        samples[samples.len() / 2],
        samples[samples.len() * 95 / 100],
    )
}

#[tokio::main]
async fn main() {
    let runners: i64 = std::env::var("WFM_BENCH_RUNNERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    println!("== enqueue rate: {runners} runners, one request, one connection");
    for batch_size in [500, 2000] {
        let (db, config) = setup(runners).await;
        let mut conn = db.connect().await;
        let (enqueued, took) = backfill(&mut conn, config, batch_size).await;
        assert_eq!(enqueued as i64, runners);
        println!(
            "   batch {batch_size:>4}: {enqueued} runs in {:.2} s = {:.0} runs/s",
            took.as_secs_f64(),
            enqueued as f64 / took.as_secs_f64()
        );
    }
    println!("== claim latency of a real-time run (200 claims each)");
    for pending in [0, 10_000, 100_000] {
        let (db, config) = setup(pending).await;
        let mut conn = db.connect().await;
        if pending > 0 {
            backfill(&mut conn, config, 2000).await;
            diesel::sql_query("ANALYZE github_workflow_runs")
                .execute(&mut conn)
                .await
                .expect("analyze");
        }
        let (median, p95) = claim_latency(&mut conn, config).await;
        println!(
            "   {pending:>6} backfill runs pending: median {:.2} ms, p95 {:.2} ms",
            median.as_secs_f64() * 1e3,
            p95.as_secs_f64() * 1e3
        );
    }
}
