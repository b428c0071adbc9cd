//! Backfill end to end with the real binaries: wfm-api files the request
//! (a dry run first, which writes nothing), wfm-backfill enqueues the
//! history, wfm-collector collects it from a mounted directory, and the
//! api's status equals the counts of the rows. Then a cancel: pending runs
//! become `skipped` (`cancelled`) and the service stops enqueueing.

use std::time::{Duration, Instant};

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl as _;
use serde_json::{Value, json};
use wfm_db::models::NewConfig;
use wfm_e2e::start;
use wfm_testing::{TestDb, insert_config, runner_set_config, seed_finished_runners};

const BASE: &str = "/v1/github-workflow-metrics";

async fn post(url: &str, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await
        .expect("POST");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

async fn get(url: &str) -> Value {
    reqwest::get(url)
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON")
}

#[derive(QueryableByName, Debug)]
struct Count {
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn counts(db: &TestDb, backfill: i64) -> Vec<(String, i64)> {
    let rows: Vec<Count> = diesel::sql_query(format!(
        "SELECT status, count(*) AS n FROM github_workflow_runs WHERE backfill_id = {backfill} GROUP BY status ORDER BY status"
    ))
    .load(&mut db.connect().await)
    .await
    .expect("counts");
    rows.into_iter().map(|c| (c.status, c.n)).collect()
}

async fn scalar(db: &TestDb, sql: &str) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let n: N = diesel::sql_query(sql)
        .get_result(&mut db.connect().await)
        .await
        .expect("scalar");
    n.n
}

async fn config(db: &TestDb) -> i64 {
    let config = NewConfig {
        file_patterns: Some(json!(["{workload_uid}/*.json"])),
        ..runner_set_config("arc", "set")
    };
    insert_config(&mut db.connect().await, &config)
        .await
        .expect("config")
        .id
}

#[tokio::test]
async fn a_backfill_is_enqueued_collected_and_its_status_matches_the_rows() {
    let db = TestDb::new().await;
    let id = config(&db).await;
    seed_finished_runners(&mut db.connect().await, "arc", "set", 300, 1)
        .await
        .expect("seed");
    // A third of the runners left good results, a third garbage, a third nothing.
    let root = std::env::temp_dir().join(format!("wfm-e2e-backfill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for i in 1..=300 {
        let dir = root.join(format!("hist-{i}"));
        match i % 3 {
            0 => {
                std::fs::create_dir_all(&dir).expect("dir");
                std::fs::write(
                    dir.join("r.json"),
                    format!(r#"{{"model": "m{}", "latency_ms": {i}}}"#, i % 5),
                )
                .expect("file");
            }
            1 => {
                std::fs::create_dir_all(&dir).expect("dir");
                std::fs::write(dir.join("r.json"), "{not json").expect("file");
            }
            _ => {}
        }
    }
    let root_str = root.to_str().expect("utf-8");
    let (_api, api) = start("wfm-api", &[("DATABASE_URL", db.url())]).await;
    let url = format!("{api}{BASE}/configs/{id}/backfill");

    let (code, dry) = post(&url, json!({"dry_run": true})).await;
    assert_eq!(code, 200, "{dry}");
    assert_eq!(dry["data"]["total"], 300);
    assert_eq!(
        dry["data"]["workloads"][0]["uid"], "hist-300",
        "oldest first"
    );
    assert_eq!(
        scalar(&db, "SELECT count(*) AS n FROM github_workflow_backfills").await,
        0
    );
    assert_eq!(
        scalar(&db, "SELECT count(*) AS n FROM github_workflow_runs").await,
        0
    );

    let (code, filed) = post(&url, json!({"rate_limit_per_minute": 60000})).await;
    assert_eq!(code, 201, "{filed}");
    let backfill = filed["data"]["id"].as_i64().expect("id");
    let (_backfill, _) = start(
        "wfm-backfill",
        &[
            ("DATABASE_URL", db.url()),
            ("WFM_BACKFILL_POLL_INTERVAL", "500ms"),
        ],
    )
    .await;
    let (_collector, _) = start(
        "wfm-collector",
        &[
            ("DATABASE_URL", db.url()),
            ("WFM_MOUNTED_ROOT", root_str),
            ("WFM_COLLECTOR_POLL_INTERVAL", "500ms"),
        ],
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(90);
    let status = loop {
        let status = get(&format!("{url}/status")).await["data"].clone();
        if status["state"] == "completed" {
            break status;
        }
        assert!(Instant::now() < deadline, "not done: {status}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let rows = counts(&db, backfill).await;
    assert_eq!(
        rows,
        [
            ("completed".to_owned(), 100),
            ("failed".to_owned(), 100),
            ("skipped".to_owned(), 100)
        ]
    );
    for (field, want) in [
        ("total", 300),
        ("enqueued", 300),
        ("processed", 300),
        ("completed", 100),
        ("failed", 100),
        ("skipped", 100),
        ("pending", 0),
        ("in_flight", 0),
    ] {
        assert_eq!(status[field], want, "{field}: {status}");
    }
    assert!(
        status["started_at"].is_string() && status["finished_at"].is_string(),
        "{status}"
    );
}

#[tokio::test]
async fn cancel_skips_the_pending_runs_and_stops_the_backfill() {
    let db = TestDb::new().await;
    let id = config(&db).await;
    seed_finished_runners(&mut db.connect().await, "arc", "set", 1000, 1)
        .await
        .expect("seed");
    let (_api, api) = start("wfm-api", &[("DATABASE_URL", db.url())]).await;
    let url = format!("{api}{BASE}/configs/{id}/backfill");
    // 20 per batch, a batch every 200 ms: far from done when cancelled.
    let (code, filed) = post(&url, json!({"rate_limit_per_minute": 6000})).await;
    assert_eq!(code, 201, "{filed}");
    let backfill = filed["data"]["id"].as_i64().expect("id");
    let (code, second) = post(&url, json!({})).await;
    assert_eq!(code, 409, "one active backfill per config: {second}");
    let (_service, _) = start(
        "wfm-backfill",
        &[
            ("DATABASE_URL", db.url()),
            ("WFM_BACKFILL_BATCH_SIZE", "20"),
        ],
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while scalar(&db, "SELECT count(*) AS n FROM github_workflow_runs").await < 60 {
        assert!(Instant::now() < deadline, "the backfill never enqueued");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (code, cancelled) = post(&format!("{url}/cancel"), json!({})).await;
    assert_eq!(code, 200, "{cancelled}");
    assert_eq!(cancelled["data"]["state"], "cancelled");
    let after_cancel = counts(&db, backfill).await;
    assert_eq!(after_cancel.len(), 1, "every run skipped: {after_cancel:?}");
    assert_eq!(after_cancel[0].0, "skipped");
    let reasons = scalar(
        &db,
        &format!("SELECT count(*) AS n FROM github_workflow_runs WHERE backfill_id = {backfill} AND error_message <> 'cancelled'"),
    )
    .await;
    assert_eq!(reasons, 0);
    // Well past the next batch's time: nothing more is enqueued.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(counts(&db, backfill).await, after_cancel);
    assert!(after_cancel[0].1 < 1000);
    let (code, again) = post(&format!("{url}/cancel"), json!({})).await;
    assert_eq!(code, 400, "{again}");
    assert!(
        again["message"]
            .as_str()
            .unwrap_or_default()
            .contains("already cancelled"),
        "{again}"
    );
}
