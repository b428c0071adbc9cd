//! One run through the collector's pipeline, on real files and a real
//! PostgreSQL: good and bad files, a missing root, a symlink escape, a
//! retried run, the first schema, the rollups. The config's own fields
//! (file types, prompt, reader options) are in `config_fields.rs`.

mod common;

use chrono::{DateTime, TimeZone, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use wfm_collector::Outcome;
use wfm_db::models::{Config, MetricSchema};
use wfm_db::queue;
use wfm_db::schema::{
    github_workflow_configs as configs, github_workflow_metric_schemas as schemas,
    github_workflow_metrics as metrics,
};
use wfm_db::{GeneratedBy, RunStatus};

use common::harness::{CSV, Harness, completed_at};
use serde_json::json;

#[tokio::test]
async fn good_files_are_stored_and_bad_ones_reported() {
    let h = Harness::new("mixed", serde_json::json!(["runs/{run_id}/*"])).await;
    h.write("runs/42/good.csv", CSV);
    h.write("runs/42/broken.json", "{\"results\": [1, 2");
    h.write("runs/42/huge.md", &"x".repeat(2000));
    h.write("runs/43/other.csv", CSV);
    h.enqueue("uid-42", 42).await;
    let (run, outcome) = h.collect().await;
    assert_eq!(
        outcome,
        Outcome::Completed {
            files: 1,
            records: 2
        }
    );
    assert_eq!(
        (
            run.status,
            run.files_found,
            run.files_processed,
            run.metrics_count
        ),
        (RunStatus::Completed, 3, 1, 2)
    );
    let error = run.error_message.expect("problems recorded");
    assert!(
        error.contains("runs/42/broken.json: ") && error.contains("invalid JSON"),
        "{error}"
    );
    assert!(
        error.contains("runs/42/huge.md: file is 2000 bytes, over the 1000-byte limit"),
        "{error}"
    );
    // How the stored file was read is on the run, with its confidence.
    let readings = run.extraction.expect("readings recorded");
    assert_eq!(readings.as_array().map(Vec::len), Some(1), "{readings}");
    let reading = &readings[0];
    assert_eq!(
        (&reading["path"], &reading["format"], &reading["records"]),
        (&json!("runs/42/good.csv"), &json!("csv"), &json!(2))
    );
    assert_eq!(reading["method"], "generic", "{reading}");
    let confidence = reading["confidence"].as_f64().expect("confidence");
    assert!((0.0..=1.0).contains(&confidence), "{reading}");
    assert_eq!(
        run.extraction_confidence
            .map(f64::from)
            .map(|c| (c * 100.0).round()),
        Some((confidence * 100.0).round()),
        "the run's confidence is its least sure file's"
    );
    let rows = h.metric_rows(run.id).await;
    assert_eq!(rows.len(), 2);
    let (_, timestamp, source, dims, values) = &rows[1];
    assert_eq!(*timestamp, completed_at(), "the workload's completion time");
    assert_eq!(source, "runs/42/good.csv");
    assert_eq!(dims, &serde_json::json!({"model": "llama", "batch": 8}));
    assert_eq!(
        values,
        &serde_json::json!({"latency_ms": 40.2, "throughput": 199.0})
    );

    let mut conn = h.db.connect().await;
    let schema: MetricSchema = schemas::table
        .filter(schemas::config_id.eq(h.config.id))
        .select(MetricSchema::as_select())
        .first(&mut conn)
        .await
        .expect("the first schema");
    assert_eq!(
        (schema.version, schema.is_active, schema.generated_by),
        (1, true, GeneratedBy::Inference)
    );
    assert_eq!(
        schema.metric_fields,
        serde_json::json!(["latency_ms", "throughput"])
    );
    let config: Config = configs::table
        .find(h.config.id)
        .select(Config::as_select())
        .first(&mut conn)
        .await
        .expect("config");
    assert_eq!(config.metric_schema_id, Some(schema.id));
}

#[tokio::test]
async fn a_run_whose_every_file_fails_is_failed() {
    let h = Harness::new("allbad", serde_json::json!(["*.json"])).await;
    h.write("a.json", "{oops");
    h.write("b.json", "[1,");
    h.enqueue("u", 1).await;
    let (run, outcome) = h.collect().await;
    assert!(matches!(outcome, Outcome::Failed(_)), "{outcome:?}");
    assert_eq!(run.status, RunStatus::Failed);
    let error = run.error_message.expect("reason");
    assert!(
        error.contains("a.json") && error.contains("b.json"),
        "{error}"
    );
}

#[tokio::test]
async fn a_missing_root_or_no_match_skips_the_run() {
    let h = Harness::new("skip", serde_json::json!(["*.csv"])).await;
    h.enqueue("nothing-here", 1).await;
    let (run, _) = h.collect().await;
    assert_eq!(run.status, RunStatus::Skipped);
    assert_eq!(
        run.error_message.as_deref(),
        Some("no file matched [\"*.csv\"]")
    );
    std::fs::remove_dir_all(&h.root).expect("unmount");
    h.enqueue("gone", 2).await;
    let (run, _) = h.collect().await;
    assert_eq!(run.status, RunStatus::Skipped);
    assert!(
        run.error_message
            .is_some_and(|e| e.contains("does not exist"))
    );
}

#[tokio::test]
async fn a_symlink_out_of_the_root_is_refused() {
    let h = Harness::new("symlink", serde_json::json!(["*.csv"])).await;
    let outside =
        std::env::temp_dir().join(format!("wfm-collector-outside-{}", std::process::id()));
    std::fs::create_dir_all(&outside).expect("dir");
    std::fs::write(outside.join("secret.csv"), CSV).expect("write");
    std::os::unix::fs::symlink(outside.join("secret.csv"), h.root.join("leak.csv"))
        .expect("symlink");
    h.write("ok.csv", CSV);
    h.enqueue("u", 1).await;
    let (run, _) = h.collect().await;
    assert_eq!(
        (run.status, run.files_found, run.metrics_count),
        (RunStatus::Completed, 1, 2)
    );
    let error = run.error_message.expect("refusal recorded");
    assert!(
        error.contains("leak.csv: resolves to") && error.contains("outside the result root"),
        "{error}"
    );
    assert!(h.metric_rows(run.id).await.iter().all(|r| r.2 == "ok.csv"));
}

#[tokio::test]
async fn collecting_a_run_again_replaces_its_metrics() {
    let h = Harness::new("again", serde_json::json!(["*.csv"])).await;
    h.write("r.csv", CSV);
    h.enqueue("u", 1).await;
    let (first, _) = h.collect().await;
    let before = h.metric_rows(first.id).await;
    let mut conn = h.db.connect().await;
    assert_eq!(
        queue::requeue(&mut conn, RunStatus::Completed, Some(h.config.id))
            .await
            .expect("requeue"),
        1
    );
    let (second, outcome) = h.collect().await;
    assert_eq!(
        outcome,
        Outcome::Completed {
            files: 1,
            records: 2
        }
    );
    let after = h.metric_rows(second.id).await;
    assert_eq!(after.len(), 2, "replaced, not duplicated");
    assert!(
        after
            .iter()
            .all(|row| before.iter().all(|old| old.0 != row.0)),
        "new rows"
    );
    let versions: i64 = schemas::table
        .filter(schemas::config_id.eq(h.config.id))
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    assert_eq!(versions, 1, "the active schema is reused");
}

#[tokio::test]
async fn a_lost_claim_writes_nothing() {
    let h = Harness::new("lost", serde_json::json!(["*.csv"])).await;
    h.write("r.csv", CSV);
    let run = h.enqueue("u", 1).await;
    let mut conn = h.db.connect().await;
    let mut claimed = common::claim_one(&mut conn).await;
    // A task holding an older claim of the same worker: its writes are refused.
    claimed.claimed_by = Some("test-worker:stale".into());
    assert_eq!(h.collector.process(&claimed).await, Outcome::Lost);
    assert!(h.metric_rows(run.id).await.is_empty());
}

#[tokio::test]
async fn losing_the_claim_during_the_store_rolls_it_back() {
    use wfm_collector::store::{MetricRow, StoreLimits, Stored, store_and_complete};
    const LIMITS: StoreLimits = StoreLimits {
        insert_batch: 100,
        inline_rollup_records: 100,
    };
    let h = Harness::new("lost-store", serde_json::json!(["*.csv"])).await;
    h.write("r.csv", CSV);
    let run = h.enqueue("u", 1).await;
    let mut conn = h.db.connect().await;
    let claimed = common::claim_one(&mut conn).await;
    let claim = claimed.claimed_by.clone().expect("token");
    assert!(
        queue::advance(
            &mut conn,
            run.id,
            &claim,
            RunStatus::Collecting,
            RunStatus::Extracting,
            1
        )
        .await
        .expect("advance")
    );
    let schema_id: i64 = diesel::sql_query(format!(
        "INSERT INTO github_workflow_metric_schemas (config_id, name, version, is_active) VALUES ({}, 's', 1, true) RETURNING id AS id",
        h.config.id
    ))
    .get_result::<Id>(&mut conn)
    .await
    .expect("schema")
    .id;
    let rows = vec![MetricRow {
        timestamp: completed_at(),
        source_file: "r.csv".into(),
        dimensions: "{}".into(),
        metrics: r#"{"x": 1}"#.into(),
        raw_data: None,
    }];
    let done = queue::Completion {
        files_processed: 1,
        metrics_count: 1,
        error_message: None,
        ..Default::default()
    };
    let stored = store_and_complete(
        &mut conn,
        run.id,
        h.config.id,
        schema_id,
        "test-worker:stale",
        &rows,
        LIMITS,
        &done,
    )
    .await
    .expect("no database error");
    assert_eq!(stored, Stored::Lost);
    assert!(
        h.metric_rows(run.id).await.is_empty(),
        "the inserted rows were rolled back"
    );
    let stored = store_and_complete(
        &mut conn,
        run.id,
        h.config.id,
        schema_id,
        &claim,
        &rows,
        LIMITS,
        &done,
    )
    .await
    .expect("store");
    assert_eq!(stored, Stored::Completed { rows: 1 });
    assert_eq!(h.metric_rows(run.id).await.len(), 1);
}

#[derive(diesel::QueryableByName)]
struct Id {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

#[tokio::test]
async fn raw_data_is_kept_when_the_config_asks() {
    let h = Harness::new("raw", serde_json::json!(["*.csv"])).await;
    let mut conn = h.db.connect().await;
    diesel::update(configs::table.find(h.config.id))
        .set(configs::keep_raw_data.eq(true))
        .execute(&mut conn)
        .await
        .expect("set");
    h.write("r.csv", CSV);
    h.enqueue("u", 1).await;
    let (run, _) = h.collect().await;
    let raw: Vec<Option<serde_json::Value>> = metrics::table
        .filter(metrics::run_id.eq(run.id))
        .select(metrics::raw_data)
        .load(&mut conn)
        .await
        .expect("raw");
    assert_eq!(raw.len(), 2);
    let first = raw[0].as_ref().expect("raw data kept");
    assert_eq!(first["source_file"], "r.csv");
    assert_eq!(first["metrics"]["latency_ms"], 12.5);
}

#[derive(diesel::QueryableByName, Debug, PartialEq)]
struct Rollup {
    #[diesel(sql_type = diesel::sql_types::Text)]
    metric: String,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    bucket: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    count: i64,
    #[diesel(sql_type = diesel::sql_types::Double)]
    sum: f64,
    #[diesel(sql_type = diesel::sql_types::Double)]
    last_value: f64,
}

async fn rollups(h: &Harness) -> Vec<Rollup> {
    let mut conn = h.db.connect().await;
    diesel::sql_query(
        "SELECT metric, bucket, sum(count)::int8 AS count, sum(sum) AS sum, max(last_value) AS last_value \
         FROM github_workflow_metric_rollups WHERE config_id = $1 AND grain = 'h' GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .bind::<diesel::sql_types::BigInt, _>(h.config.id)
    .load(&mut conn)
    .await
    .expect("rollups")
}

/// Collects a run of two latencies in one hour and checks that hour's rollup.
async fn collect_two_latencies(h: &Harness) -> DateTime<Utc> {
    h.write("r.csv", "model,latency_ms\nllama,10\nmistral,30\n");
    h.enqueue("u", 1).await;
    h.collect().await;
    let hour = Utc
        .with_ymd_and_hms(2025, 3, 4, 1, 0, 0)
        .single()
        .expect("hour");
    assert_eq!(
        rollups(h).await,
        vec![Rollup {
            metric: "latency_ms".into(),
            bucket: hour,
            count: 2,
            sum: 40.0,
            last_value: 30.0
        }]
    );
    hour
}

/// A run past `WFM_ROLLUPS_INLINE_RECORDS` queues its hours in the store and
/// refreshes them right after commit: the same rollups, an empty queue.
#[tokio::test]
async fn a_large_run_refreshes_its_rollups_after_commit() {
    let h = Harness::with_env(
        "deferred-rollups",
        serde_json::json!(["*.csv"]),
        &[("WFM_ROLLUPS_INLINE_RECORDS", "1")],
    )
    .await;
    collect_two_latencies(&h).await;
    #[derive(diesel::QueryableByName)]
    struct Queued {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let queued: Queued =
        diesel::sql_query("SELECT count(*) AS n FROM github_workflow_metric_rollup_queue")
            .get_result(&mut h.db.connect().await)
            .await
            .expect("queue");
    assert_eq!(queued.n, 0, "the refresh took the queued hour");
}

#[tokio::test]
async fn storing_a_run_refreshes_its_hourly_rollups() {
    let h = Harness::new("rollups", serde_json::json!(["*.csv"])).await;
    let hour = collect_two_latencies(&h).await;

    // collected again with other results: the hour is recomputed, not added to
    h.write("r.csv", "model,latency_ms\nllama,7\n");
    let mut conn = h.db.connect().await;
    queue::requeue(&mut conn, RunStatus::Completed, Some(h.config.id))
        .await
        .expect("requeue");
    h.collect().await;
    assert_eq!(
        rollups(&h).await,
        vec![Rollup {
            metric: "latency_ms".into(),
            bucket: hour,
            count: 1,
            sum: 7.0,
            last_value: 7.0
        }]
    );
}
