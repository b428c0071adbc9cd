//! wfm-collector as real processes on one database: NOTIFY wakes an idle
//! collector, three collectors share 500 runs exactly once, and a collector
//! killed while it holds a run loses nothing.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use wfm_db::RunStatus;
use wfm_db::models::{Config, NewRun, Run};
use wfm_db::queue;
use wfm_db::schema::{github_workflow_metrics as metrics, github_workflow_runs as runs};
use wfm_testing::{ServiceProcess, TestDb, free_port, http_get};

const BIN: &str = env!("CARGO_BIN_EXE_wfm-collector");
const CSV: &str = "case,latency_ms\na,1.5\nb,2.5\n";

fn results_root(name: &str) -> PathBuf {
    let root =
        std::env::temp_dir().join(format!("wfm-collector-proc-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).expect("root");
    root
}

/// Starts a collector on `db` with `extra` settings; returns it once ready,
/// with its address.
async fn collector(
    db: &TestDb,
    root: &Path,
    id: &str,
    extra: &[(&str, &str)],
) -> (ServiceProcess, String) {
    let port = free_port().to_string();
    let addr = format!("127.0.0.1:{port}");
    let mut env = vec![
        ("DATABASE_URL", db.url()),
        ("WFM_LISTEN_ADDR", addr.as_str()),
        ("WFM_INSTANCE_ID", id),
        ("WFM_MOUNTED_ROOT", root.to_str().expect("utf-8")),
        ("WFM_LOG_FORMAT", "json"),
    ];
    env.extend_from_slice(extra);
    let mut process = ServiceProcess::spawn(BIN, &[], &env);
    process
        .wait_for_status(
            &format!("http://{addr}/readyz"),
            200,
            Duration::from_secs(30),
        )
        .await;
    (process, addr)
}

async fn config(conn: &mut AsyncPgConnection) -> Config {
    wfm_testing::repo_config(conn, serde_json::json!(["runs/{run_id}/*.csv"])).await
}

async fn enqueue(conn: &mut AsyncPgConnection, root: &Path, config: i64, n: i64) {
    let path = root.join(format!("runs/{n}"));
    std::fs::create_dir_all(&path).expect("dir");
    std::fs::write(path.join("r.csv"), CSV).expect("file");
    let new = NewRun {
        config_id: config,
        workload_uid: format!("uid-{n}"),
        github_run_id: Some(n),
        ..NewRun::default()
    };
    queue::enqueue(conn, &new).await.expect("enqueue");
}

/// Waits until `n` runs are in a final state; returns the time it took.
async fn until_finished(conn: &mut AsyncPgConnection, n: i64, timeout: Duration) -> Duration {
    let start = Instant::now();
    loop {
        let finished: i64 = runs::table
            .filter(runs::status.eq_any([
                RunStatus::Completed,
                RunStatus::Failed,
                RunStatus::Skipped,
            ]))
            .count()
            .get_result(conn)
            .await
            .expect("count");
        if finished >= n {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < timeout,
            "{finished} of {n} runs finished after {timeout:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Holds an exclusive lock on the metrics table in an open transaction, so a
/// collector stops inside its store transaction until the lock is rolled back.
async fn lock_metrics(db: &TestDb) -> AsyncPgConnection {
    let mut blocker = db.connect().await;
    for sql in [
        "BEGIN",
        "LOCK TABLE github_workflow_metrics IN ACCESS EXCLUSIVE MODE",
    ] {
        diesel::sql_query(sql)
            .execute(&mut blocker)
            .await
            .expect(sql);
    }
    blocker
}

/// Waits until a run is `extracting` under a claim of `worker`.
async fn until_in_store(conn: &mut AsyncPgConnection, worker: &str) {
    let start = Instant::now();
    let prefix = format!("{worker}:%");
    loop {
        let held: i64 = runs::table
            .filter(runs::status.eq(RunStatus::Extracting))
            .filter(runs::claimed_by.like(&prefix))
            .count()
            .get_result(conn)
            .await
            .expect("runs");
        if held > 0 {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{worker} never reached its store"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_notify_wakes_an_idle_collector_long_before_its_poll() {
    let db = TestDb::new().await;
    let root = results_root("notify");
    let _c = collector(
        &db,
        &root,
        "idle",
        &[("WFM_COLLECTOR_POLL_INTERVAL", "60s")],
    )
    .await;
    let mut conn = db.connect().await;
    let c = config(&mut conn).await;
    // Let the first poll pass and the listener connect.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    enqueue(&mut conn, &root, c.id, 1).await;
    let took = until_finished(&mut conn, 1, Duration::from_secs(30)).await;
    assert!(
        took < Duration::from_secs(15),
        "woken by NOTIFY, not the 60 s poll: took {took:?}"
    );
}

#[tokio::test]
async fn three_collectors_process_500_runs_exactly_once() {
    let db = TestDb::new().await;
    let root = results_root("three");
    let mut conn = db.connect().await;
    let c = config(&mut conn).await;
    let settings = [
        ("WFM_COLLECTOR_CONCURRENCY", "4"),
        ("WFM_COLLECTOR_POLL_INTERVAL", "1s"),
    ];
    let collectors = [
        collector(&db, &root, "c1", &settings).await.0,
        collector(&db, &root, "c2", &settings).await.0,
        collector(&db, &root, "c3", &settings).await.0,
    ];
    for n in 0..500 {
        enqueue(&mut conn, &root, c.id, n).await;
    }
    until_finished(&mut conn, 500, Duration::from_secs(180)).await;
    let all: Vec<Run> = runs::table
        .select(Run::as_select())
        .load(&mut conn)
        .await
        .expect("runs");
    assert!(
        all.iter().all(|r| r.status == RunStatus::Completed
            && r.retry_count == 0
            && r.metrics_count == 2)
    );
    let rows: i64 = metrics::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    assert_eq!(rows, 1000, "two records per run, stored once");
    // Every run was processed by exactly one collector, once. A run is
    // logged once its series are examined, a moment after its commit.
    let logged = |collectors: &[ServiceProcess]| {
        let mut completed: Vec<i64> = Vec::new();
        let mut per_collector = Vec::new();
        for c in collectors {
            let mine: Vec<i64> = c
                .output()
                .lines()
                .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
                .filter(|v| v["message"] == "run completed")
                .filter_map(|v| v["run"].as_i64())
                .collect();
            per_collector.push(mine.len());
            completed.extend(mine);
        }
        (completed, per_collector)
    };
    let start = Instant::now();
    let (mut completed, per_collector) = loop {
        let (completed, per_collector) = logged(&collectors);
        if completed.len() >= 500 || start.elapsed() > Duration::from_secs(20) {
            break (completed, per_collector);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let total = completed.len();
    completed.sort_unstable();
    completed.dedup();
    assert_eq!(
        (total, completed.len()),
        (500, 500),
        "per collector: {per_collector:?}"
    );
    assert!(
        per_collector.iter().all(|&n| n > 0),
        "all three took work: {per_collector:?}"
    );
}

#[tokio::test]
async fn a_killed_collectors_run_is_completed_by_another_once() {
    let db = TestDb::new().await;
    let root = results_root("kill");
    let mut conn = db.connect().await;
    let c = config(&mut conn).await;
    let fast = [
        ("WFM_COLLECTOR_LEASE", "2s"),
        ("WFM_COLLECTOR_REAP_INTERVAL", "500ms"),
        ("WFM_COLLECTOR_POLL_INTERVAL", "1s"),
        ("WFM_COLLECTOR_RETRY_BASE", "1s"),
    ];
    let (victim, _) = collector(&db, &root, "victim", &fast).await;
    let mut blocker = lock_metrics(&db).await;
    enqueue(&mut conn, &root, c.id, 1).await;
    until_in_store(&mut conn, "victim").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    victim.signal(SIGKILL);
    diesel::sql_query("ROLLBACK")
        .execute(&mut blocker)
        .await
        .expect("unlock");
    let _rescuer = collector(&db, &root, "rescuer", &fast).await;
    until_finished(&mut conn, 1, Duration::from_secs(30)).await;
    let run: Run = runs::table
        .select(Run::as_select())
        .first(&mut conn)
        .await
        .expect("run");
    assert_eq!(
        (run.status, run.retry_count),
        (RunStatus::Completed, 1),
        "{run:?}"
    );
    let rows: i64 = metrics::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    assert_eq!(rows, 2, "stored once");
}

/// Nightly run `n` of a benchmark whose case `a` gets 30 % slower from run
/// 25 on, recorded an hour apart on `main`.
async fn enqueue_nightly(conn: &mut AsyncPgConnection, root: &Path, config: i64, n: i64) {
    let wobble = [0.1, -0.2, 0.15, -0.05, 0.2, -0.1, 0.0][(n % 7) as usize];
    let a = if n >= 25 { 13.0 } else { 10.0 } + wobble;
    let path = root.join(format!("runs/{n}"));
    std::fs::create_dir_all(&path).expect("dir");
    let csv = format!("case,latency_ms\na,{a}\nb,{}\n", 20.0 - wobble);
    std::fs::write(path.join("r.csv"), csv).expect("file");
    let new = NewRun {
        config_id: config,
        workload_uid: format!("uid-{n}"),
        github_run_id: Some(n),
        head_branch: Some("main".into()),
        head_sha: Some(format!("{n:040x}")),
        workload_completed_at: Some(chrono::Utc::now() - chrono::Duration::hours(100 - n)),
        ..NewRun::default()
    };
    queue::enqueue(conn, &new).await.expect("enqueue");
}

#[tokio::test]
async fn a_shift_is_filed_once_across_two_collectors_and_a_kill() {
    use wfm_db::schema::github_workflow_metric_changes as changes;
    let db = TestDb::new().await;
    let root = results_root("changes");
    let mut conn = db.connect().await;
    let c = config(&mut conn).await;
    let fast = [
        ("WFM_COLLECTOR_LEASE", "2s"),
        ("WFM_COLLECTOR_REAP_INTERVAL", "500ms"),
        ("WFM_COLLECTOR_POLL_INTERVAL", "1s"),
        ("WFM_COLLECTOR_RETRY_BASE", "1s"),
        ("WFM_COLLECTOR_CONCURRENCY", "2"),
    ];
    for n in 0..40 {
        enqueue_nightly(&mut conn, &root, c.id, n).await;
    }
    // one collector dies inside a store
    let mut blocker = lock_metrics(&db).await;
    let (victim, _) = collector(&db, &root, "victim", &fast).await;
    until_in_store(&mut conn, "victim").await;
    victim.signal(SIGKILL);
    diesel::sql_query("ROLLBACK")
        .execute(&mut blocker)
        .await
        .expect("unlock");
    let _two = [
        collector(&db, &root, "c1", &fast).await.0,
        collector(&db, &root, "c2", &fast).await.0,
    ];
    until_finished(&mut conn, 40, Duration::from_secs(90)).await;
    // the last stores' examinations (or the sweep) empty the queue
    let start = Instant::now();
    loop {
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let queued =
            diesel::sql_query("SELECT count(*) AS n FROM github_workflow_metric_change_queue")
                .get_result::<N>(&mut conn)
                .await
                .expect("queue")
                .n;
        if queued == 0 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{queued} runs still queued"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let filed: Vec<(String, serde_json::Value, i64, String)> = changes::table
        .inner_join(runs::table.on(runs::id.eq(changes::after_run_id)))
        .select((
            changes::metric,
            changes::dimensions,
            runs::github_run_id.assume_not_null(),
            changes::direction,
        ))
        .load(&mut conn)
        .await
        .expect("changes");
    assert_eq!(
        filed,
        vec![(
            "latency_ms".to_owned(),
            serde_json::json!({"case": "a"}),
            25,
            "regression".to_owned()
        )],
        "one change, at the first slow run (latency: the inferred schema says lower is better)"
    );
    let retried: i64 = runs::table
        .filter(runs::retry_count.gt(0))
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    assert!(retried >= 1, "the victim's run was taken over");
}

const SIGKILL: i32 = 9;
const SIGTERM: i32 = 15;

#[tokio::test]
async fn prometheus_counts_runs_files_and_records() {
    let db = TestDb::new().await;
    let root = results_root("metrics");
    let mut conn = db.connect().await;
    let c = config(&mut conn).await;
    let (_c, addr) = collector(&db, &root, "m", &[]).await;
    enqueue(&mut conn, &root, c.id, 1).await;
    until_finished(&mut conn, 1, Duration::from_secs(30)).await;
    let (_, text) = http_get(&format!("http://{addr}/metrics"))
        .await
        .expect("metrics");
    for line in [
        "wfm_collector_runs_claimed_total 1",
        "wfm_collector_runs_completed_total 1",
        "wfm_collector_files_read_total 1",
        "wfm_collector_records_stored_total 2",
        "wfm_collector_queue_lag_seconds_count 1",
        "wfm_collector_extraction_seconds_count 1",
    ] {
        assert!(text.contains(line), "{line} missing from:\n{text}");
    }
}

#[tokio::test]
async fn sigterm_hands_an_unfinished_run_back_after_the_grace() {
    let db = TestDb::new().await;
    let root = results_root("sigterm");
    let mut conn = db.connect().await;
    let c = config(&mut conn).await;
    let (mut stopping, _) = collector(
        &db,
        &root,
        "stopping",
        &[("WFM_COLLECTOR_SHUTDOWN_GRACE", "1s")],
    )
    .await;
    let mut blocker = lock_metrics(&db).await;
    enqueue(&mut conn, &root, c.id, 1).await;
    until_in_store(&mut conn, "stopping").await;
    stopping.signal(SIGTERM);
    let exit = stopping
        .wait_exit(Duration::from_secs(15))
        .expect("stops within the grace and a bit");
    assert!(
        exit.success(),
        "clean exit: {exit:?}\n{}",
        stopping.output()
    );
    let run: Run = runs::table
        .select(Run::as_select())
        .first(&mut conn)
        .await
        .expect("run");
    assert_eq!(
        (run.status, run.retry_count, run.claimed_by),
        (RunStatus::Pending, 0, None),
        "handed back, no retry counted"
    );
    diesel::sql_query("ROLLBACK")
        .execute(&mut blocker)
        .await
        .expect("unlock");
    let rows: i64 = metrics::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    assert_eq!(rows, 0, "nothing half-stored");
}

#[tokio::test]
async fn the_listener_reconnects_after_its_connection_dies() {
    let db = TestDb::new().await;
    let root = results_root("relisten");
    let mut conn = db.connect().await;
    let c = config(&mut conn).await;
    let _c = collector(
        &db,
        &root,
        "relisten",
        &[("WFM_COLLECTOR_POLL_INTERVAL", "60s")],
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let channel = format!("LISTEN \"{}.wfm_runs_pending\"", db.schema());
    let killed: Vec<bool> = diesel::sql_query(format!(
        "SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE query = '{}'",
        channel.replace('\'', "''")
    ))
    .load::<Killed>(&mut conn)
    .await
    .expect("terminate")
    .into_iter()
    .map(|k| k.killed)
    .collect();
    assert_eq!(killed, [true], "exactly the collector's LISTEN connection");
    // Reconnecting takes the first backoff step (1 s).
    tokio::time::sleep(Duration::from_millis(2500)).await;
    enqueue(&mut conn, &root, c.id, 1).await;
    let took = until_finished(&mut conn, 1, Duration::from_secs(30)).await;
    assert!(
        took < Duration::from_secs(15),
        "woken by NOTIFY on the new connection: took {took:?}"
    );
}

#[derive(diesel::QueryableByName)]
struct Killed {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    killed: bool,
}
