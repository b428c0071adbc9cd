//! The periodic scan on a real Postgres: it files what the watch missed,
//! once, and replicas share it instead of repeating it.

use std::time::Duration;

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use wfm_db::models::{Config, NewConfig};
use wfm_db::schema::{
    github_workflow_configs as configs, github_workflow_runs as runs, gpu_workloads,
};
use wfm_kube::arc::EphemeralRunner;
use wfm_scanner::lifecycle::{self, Seen};
use wfm_scanner::{record, scan};
use wfm_testing::arc_fixtures::load;
use wfm_testing::{TestDb, insert_config, runner_set_config};

const MINUTE: Duration = Duration::from_secs(60);

/// Records `n` finished runners of `bench-runners` (job on bench.yml, main).
async fn finished_runners(db: &TestDb, n: usize) {
    let template: EphemeralRunner = load("ephemeralrunner.deleting-after-job.yaml");
    let mut conn = db.connect().await;
    for i in 0..n {
        let mut runner = template.clone();
        runner.metadata.uid = Some(format!("runner-{i}"));
        runner.metadata.name = Some(format!("runner-{i}"));
        runner.metadata.deletion_timestamp = None;
        let observed = lifecycle::runner(&runner, Seen::Deleted, Utc::now()).expect("test setup");
        record::observe(&mut conn, "default", &observed, Utc::now())
            .await
            .expect("test setup");
    }
}

async fn config(db: &TestDb, set: &str, enabled: bool) -> Config {
    insert_config(
        &mut db.connect().await,
        &NewConfig {
            enabled: Some(enabled),
            ..runner_set_config("arc-runners", set)
        },
    )
    .await
    .expect("test setup")
}

async fn run_count(db: &TestDb) -> i64 {
    runs::table
        .count()
        .get_result(&mut db.connect().await)
        .await
        .expect("test setup")
}

#[tokio::test]
async fn the_scan_files_what_the_watch_missed_once_then_waits_an_interval() {
    let db = TestDb::new().await;
    // The config was off when the runners finished, so the watch filed nothing.
    let cfg = config(&db, "bench-runners", false).await;
    finished_runners(&db, 3).await;
    assert_eq!(run_count(&db).await, 0);
    let mut conn = db.connect().await;
    diesel::update(configs::table.find(cfg.id))
        .set(configs::enabled.eq(true))
        .execute(&mut conn)
        .await
        .unwrap();

    let first = scan::scan_due(&mut conn, "default", MINUTE, 10 * MINUTE)
        .await
        .unwrap();
    assert_eq!((first.configs, first.filed), (1, 3));
    let checked: Config = configs::table
        .find(cfg.id)
        .select(Config::as_select())
        .first(&mut conn)
        .await
        .unwrap();
    assert!(checked.last_checked_at.is_some());

    // Not due again within the interval; when due, nothing new to file.
    let again = scan::scan_due(&mut conn, "default", MINUTE, 10 * MINUTE)
        .await
        .unwrap();
    assert_eq!((again.configs, again.filed), (0, 0));
    let due = scan::scan_due(&mut conn, "default", Duration::ZERO, 10 * MINUTE)
        .await
        .unwrap();
    assert_eq!((due.configs, due.filed), (1, 0));
    assert_eq!(run_count(&db).await, 3);
    // Another cluster's scan sees none of it.
    let other = scan::scan_due(&mut conn, "elsewhere", Duration::ZERO, 10 * MINUTE)
        .await
        .unwrap();
    assert_eq!(other.configs, 0);
}

#[tokio::test]
async fn runners_finished_before_the_lookback_are_a_backfills_not_the_scans() {
    let db = TestDb::new().await;
    let cfg = config(&db, "bench-runners", false).await;
    finished_runners(&db, 2).await;
    let mut conn = db.connect().await;
    // They finished two hours ago; the config was last checked a minute ago.
    diesel::update(gpu_workloads::table)
        .set(gpu_workloads::completed_at.eq(Utc::now() - chrono::Duration::hours(2)))
        .execute(&mut conn)
        .await
        .unwrap();
    diesel::update(configs::table.find(cfg.id))
        .set((
            configs::enabled.eq(true),
            configs::last_checked_at.eq(Utc::now() - chrono::Duration::minutes(1)),
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    let report = scan::scan_due(&mut conn, "default", Duration::ZERO, 10 * MINUTE)
        .await
        .unwrap();
    assert_eq!((report.configs, report.filed), (1, 0));
}

#[tokio::test]
async fn replicas_scanning_at_once_scan_each_config_once() {
    let db = TestDb::new().await;
    for set in ["set-a", "set-b", "set-c", "set-d"] {
        config(&db, set, true).await;
    }
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let mut conn = db.connect().await;
        tasks.push(tokio::spawn(async move {
            scan::scan_due(&mut conn, "default", MINUTE, 10 * MINUTE)
                .await
                .unwrap()
        }));
    }
    let mut scanned = 0;
    for task in tasks {
        scanned += task.await.unwrap().configs;
    }
    assert_eq!(scanned, 4, "each config scanned by exactly one replica");
}
