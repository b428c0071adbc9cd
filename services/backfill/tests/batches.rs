//! wfm-backfill on a real Postgres: the runs a request enqueues (exactly the
//! matching runners, once, across a SIGKILL), two services on one request,
//! pacing, fairness to real-time runs, and requests that cannot go on.
//! Requests are filed as the api files them (a `github_workflow_backfills` row).

use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::json;
use wfm_backfill::BackfillConfig;
use wfm_backfill::batch::next_batch;
use wfm_db::models::{Backfill, Config, NewConfig, NewRun, Run};
use wfm_db::schema::{
    github_workflow_backfills as backfills, github_workflow_configs as configs,
    github_workflow_runs as runs,
};
use wfm_db::{BackfillState, TriggerSource, queue};
use wfm_testing::{
    ServiceProcess, TestDb, free_port, http_get, insert_config, runner_set_config,
    seed_finished_runners,
};

const BIN: &str = env!("CARGO_BIN_EXE_wfm-backfill");

async fn config(db: &TestDb) -> Config {
    insert_config(
        &mut db.connect().await,
        &NewConfig {
            workflow_filter: Some("bench.yml".into()),
            branch_filter: Some("main".into()),
            ..runner_set_config("arc", "set")
        },
    )
    .await
    .expect("config")
}

/// Files a backfill as the api does.
async fn request(db: &TestDb, config_id: i64, rate: Option<i32>) -> i64 {
    diesel::insert_into(backfills::table)
        .values((
            backfills::config_id.eq(config_id),
            backfills::rate_limit_per_minute.eq(rate),
        ))
        .returning(backfills::id)
        .get_result(&mut db.connect().await)
        .await
        .expect("backfill")
}

async fn backfill(db: &TestDb, id: i64) -> Backfill {
    backfills::table
        .find(id)
        .select(Backfill::as_select())
        .first(&mut db.connect().await)
        .await
        .expect("backfill row")
}

fn settings(batch_size: i64) -> BackfillConfig {
    BackfillConfig {
        batch_size,
        rate_per_minute: 100_000_000,
        priority: 100,
        poll_interval: Duration::from_millis(200),
    }
}

fn spawn(db: &TestDb, batch: &str, name: &str) -> (ServiceProcess, String) {
    let addr = format!("127.0.0.1:{}", free_port());
    let process = ServiceProcess::spawn(
        BIN,
        &[],
        &[
            ("DATABASE_URL", db.url()),
            ("WFM_LISTEN_ADDR", &addr),
            ("WFM_BACKFILL_BATCH_SIZE", batch),
            ("WFM_BACKFILL_RATE_PER_MINUTE", "100000000"),
            ("WFM_BACKFILL_POLL_INTERVAL", "200ms"),
            ("WFM_INSTANCE_ID", name),
        ],
    );
    (process, format!("http://{addr}"))
}

async fn until(what: &str, deadline: Duration, mut check: impl AsyncFnMut() -> bool) {
    let end = Instant::now() + deadline;
    while !check().await {
        assert!(Instant::now() < end, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// (runs, distinct workloads, runs that are not this backfill's matching low-priority runs)
async fn run_counts(db: &TestDb, backfill_id: i64) -> (i64, i64, i64) {
    #[derive(QueryableByName)]
    struct Counts {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        runs: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        distinct_uids: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        wrong: i64,
    }
    let c: Counts = diesel::sql_query(format!(
        "SELECT count(*) AS runs, count(DISTINCT r.workload_uid) AS distinct_uids,
                count(*) FILTER (WHERE r.backfill_id IS DISTINCT FROM {backfill_id}
                    OR r.trigger_source <> 'backfill' OR r.priority <> 100
                    OR w.github_workflow_ref NOT LIKE '%/bench.yml@refs/heads/main') AS wrong
         FROM github_workflow_runs r JOIN gpu_workloads w ON w.uid = r.workload_uid"
    ))
    .get_result(&mut db.connect().await)
    .await
    .expect("counts");
    (c.runs, c.distinct_uids, c.wrong)
}

#[tokio::test]
async fn ten_thousand_runners_are_enqueued_exactly_once_across_a_kill() {
    let db = TestDb::new().await;
    let cfg = config(&db).await;
    // 10,000 runners, a quarter on bench.yml (the config's filter).
    seed_finished_runners(&mut db.connect().await, "arc", "set", 10_000, 4)
        .await
        .expect("seed");
    // 30,000 a minute: a batch of 100 every 200 ms, so the kill lands mid-way.
    let id = request(&db, cfg.id, Some(30_000)).await;
    let (first, _) = spawn(&db, "100", "backfill-a");
    until("some batches", Duration::from_secs(30), async || {
        backfill(&db, id).await.enqueued_count >= 500
    })
    .await;
    first.signal(libc::SIGKILL);
    let at_kill = backfill(&db, id).await.enqueued_count;
    assert!(at_kill < 2500, "killed mid-way ({at_kill} enqueued)");
    let (mut second, _) = spawn(&db, "100", "backfill-b");
    until(
        "the backfill to enqueue everything",
        Duration::from_secs(60),
        async || backfill(&db, id).await.state == BackfillState::Completed,
    )
    .await;
    let done = backfill(&db, id).await;
    assert_eq!(done.enqueued_count, 2500);
    assert_eq!(done.total_workloads, 2500);
    assert!(done.finished_at.is_some());
    assert_eq!(run_counts(&db, id).await, (2500, 2500, 0));
    second.signal(libc::SIGTERM);
    assert!(second.wait_exit(Duration::from_secs(10)).is_some());
}

#[tokio::test]
async fn two_services_share_one_request_without_duplicates() {
    let db = TestDb::new().await;
    let cfg = config(&db).await;
    seed_finished_runners(&mut db.connect().await, "arc", "set", 1000, 1)
        .await
        .expect("seed");
    // 20 per batch, 12,000 a minute: a batch every 100 ms, taken by whichever service is first.
    let id = request(&db, cfg.id, Some(12_000)).await;
    let (a, url_a) = spawn(&db, "20", "backfill-a");
    let (b, url_b) = spawn(&db, "20", "backfill-b");
    until(
        "the backfill to enqueue everything",
        Duration::from_secs(60),
        async || backfill(&db, id).await.state == BackfillState::Completed,
    )
    .await;
    assert_eq!(run_counts(&db, id).await, (1000, 1000, 0));
    let batches = async |url: &str| -> u64 {
        let (_, metrics) = http_get(&format!("{url}/metrics")).await.expect("/metrics");
        metrics
            .lines()
            .find_map(|l| l.strip_prefix("wfm_backfill_batches_total "))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    };
    let (in_a, in_b) = (batches(&url_a).await, batches(&url_b).await);
    assert!(in_a > 0 && in_b > 0, "both took batches: {in_a} and {in_b}");
    assert!(in_a + in_b >= 50, "{in_a} + {in_b} batches of 20");
    for p in [a, b] {
        p.signal(libc::SIGTERM);
    }
}

#[tokio::test]
async fn the_rate_cap_paces_batches_and_explicit_uids_narrow_the_request() {
    let db = TestDb::new().await;
    let cfg = config(&db).await;
    seed_finished_runners(&mut db.connect().await, "arc", "set", 100, 1)
        .await
        .expect("seed");
    let mut conn = db.connect().await;
    // 60 a minute: batches of 10, then nothing due for ten seconds.
    let id = request(&db, cfg.id, Some(60)).await;
    let first = next_batch(&mut conn, "w", &settings(500))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (first.backfill_id, first.enqueued, first.state),
        (id, 10, BackfillState::InProgress)
    );
    assert_eq!(
        next_batch(&mut conn, "w", &settings(500)).await.unwrap(),
        None
    );
    let paced = backfill(&db, id).await;
    let wait = paced.next_batch_at.unwrap() - paced.started_at.unwrap();
    assert!(
        wait >= chrono::Duration::seconds(9) && wait <= chrono::Duration::seconds(11),
        "{wait}"
    );
    // The oldest first: the cursor is at the tenth-oldest runner.
    assert_eq!(paced.cursor_workload_uid.as_deref(), Some("hist-91"));

    // Cancelled (as the api does), and a new request naming three runners, one of them collected.
    diesel::update(backfills::table.find(id))
        .set(backfills::state.eq(BackfillState::Cancelled))
        .execute(&mut conn)
        .await
        .unwrap();
    diesel::insert_into(backfills::table)
        .values((
            backfills::config_id.eq(cfg.id),
            backfills::workload_uids.eq(json!(["hist-100", "hist-5", "hist-6"])),
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    let batch = next_batch(&mut conn, "w", &settings(500))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((batch.enqueued, batch.state), (2, BackfillState::Completed));
    let uids: Vec<String> = runs::table
        .filter(runs::backfill_id.eq(batch.backfill_id))
        .select(runs::workload_uid)
        .order(runs::workload_uid)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(uids, ["hist-5", "hist-6"]);
}

#[tokio::test]
async fn a_real_time_run_is_claimed_before_every_pending_backfill_run() {
    let db = TestDb::new().await;
    let cfg = config(&db).await;
    seed_finished_runners(&mut db.connect().await, "arc", "set", 10_000, 1)
        .await
        .expect("seed");
    let id = request(&db, cfg.id, None).await;
    let mut conn = db.connect().await;
    while let Some(batch) = next_batch(&mut conn, "w", &settings(2000)).await.unwrap() {
        if batch.state == BackfillState::Completed {
            break;
        }
    }
    assert_eq!(backfill(&db, id).await.enqueued_count, 10_000);
    let realtime = queue::enqueue(
        &mut conn,
        &NewRun {
            config_id: cfg.id,
            workload_uid: "a-runner-that-just-finished".into(),
            ..NewRun::default()
        },
    )
    .await
    .unwrap()
    .unwrap();
    let claimed = queue::claim(&mut conn, "collector", 1, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(
        claimed.iter().map(|r| r.id).collect::<Vec<_>>(),
        [realtime.id]
    );
    assert_eq!(claimed[0].trigger_source, TriggerSource::Realtime);
    // Then the backfill's, oldest first.
    let next: Vec<Run> = queue::claim(&mut conn, "collector", 1, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(next[0].backfill_id, Some(id));
}

#[tokio::test]
async fn a_request_whose_config_was_disabled_fails_with_the_reason() {
    let db = TestDb::new().await;
    let cfg = config(&db).await;
    seed_finished_runners(&mut db.connect().await, "arc", "set", 10, 1)
        .await
        .expect("seed");
    let id = request(&db, cfg.id, None).await;
    let mut conn = db.connect().await;
    diesel::update(configs::table.find(cfg.id))
        .set(configs::enabled.eq(false))
        .execute(&mut conn)
        .await
        .unwrap();
    let batch = next_batch(&mut conn, "w", &settings(500))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(batch.state, BackfillState::Failed);
    let row = backfill(&db, id).await;
    assert_eq!(
        row.error_message.as_deref(),
        Some(&*format!("config {} was disabled", cfg.id))
    );
    assert_eq!(run_counts(&db, id).await.0, 0);
    assert_eq!(
        next_batch(&mut conn, "w", &settings(500)).await.unwrap(),
        None
    );
}
