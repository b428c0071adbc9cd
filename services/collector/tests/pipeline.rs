//! One run through the collector's pipeline, on real files and a real
//! PostgreSQL: good and bad files, a missing root, a symlink escape, a
//! retried run, the first schema.

mod common;

use std::path::PathBuf;

use chrono::{DateTime, TimeZone, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use wfm_collector::{Collector, CollectorConfig, CollectorMetrics, Outcome};
use wfm_db::models::{Config, MetricSchema, NewRun, Run};
use wfm_db::queue;
use wfm_db::schema::{
    github_workflow_configs as configs, github_workflow_metric_schemas as schemas,
    github_workflow_metrics as metrics,
};
use wfm_db::{GeneratedBy, RunStatus};
use wfm_env::Env;
use wfm_testing::TestDb;

const CSV: &str = "model,batch,latency_ms,throughput\nllama,1,12.5,80.1\nllama,8,40.2,199.0\n";

struct Harness {
    db: TestDb,
    root: PathBuf,
    collector: Collector,
    config: Config,
}

impl Harness {
    async fn new(name: &str, patterns: serde_json::Value) -> Harness {
        Self::with_env(name, patterns, &[]).await
    }

    /// A harness whose collector also reads the settings `extra`.
    async fn with_env(name: &str, patterns: serde_json::Value, extra: &[(&str, &str)]) -> Harness {
        let db = TestDb::new().await;
        let root =
            std::env::temp_dir().join(format!("wfm-collector-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("root");
        let mut pairs = vec![
            ("WFM_MOUNTED_ROOT", root.to_str().expect("utf-8 path")),
            ("WFM_MAX_FILE_BYTES", "1000"),
        ];
        pairs.extend_from_slice(extra);
        let env = Env::from_pairs(pairs);
        let settings = CollectorConfig::from_env(&env).expect("config");
        let registry = wfm_telemetry::Metrics::new("test", "0");
        let collector = Collector::new(
            db.pool().clone(),
            db.config(),
            settings,
            "test-worker".into(),
            CollectorMetrics::register(&registry),
        )
        .expect("collector");
        let mut conn = db.connect().await;
        let config = wfm_testing::repo_config(&mut conn, patterns).await;
        Harness {
            db,
            root,
            collector,
            config,
        }
    }

    fn write(&self, path: &str, body: &str) {
        let full = self.root.join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("dirs");
        std::fs::write(full, body).expect("write");
    }

    async fn enqueue(&self, uid: &str, github_run_id: i64) -> Run {
        let mut conn = self.db.connect().await;
        let new = NewRun {
            config_id: self.config.id,
            workload_uid: uid.into(),
            github_run_id: Some(github_run_id),
            workload_completed_at: Some(completed_at()),
            ..NewRun::default()
        };
        queue::enqueue(&mut conn, &new)
            .await
            .expect("enqueue")
            .expect("new run")
    }

    /// Claims the next run as the harness's collector, processes and settles it.
    async fn collect(&self) -> (Run, Outcome) {
        common::collect_next(&self.collector, &mut self.db.connect().await).await
    }

    async fn metric_rows(
        &self,
        run_id: i64,
    ) -> Vec<(
        i64,
        DateTime<Utc>,
        String,
        serde_json::Value,
        serde_json::Value,
    )> {
        let mut conn = self.db.connect().await;
        metrics::table
            .filter(metrics::run_id.eq(run_id))
            .select((
                metrics::id,
                metrics::timestamp,
                metrics::source_file,
                metrics::dimensions,
                metrics::metrics,
            ))
            .order(metrics::id)
            .load(&mut conn)
            .await
            .expect("metrics")
    }
}

fn completed_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 4, 1, 41, 41)
        .single()
        .expect("time")
}

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
    use wfm_collector::store::{MetricRow, Stored, store_and_complete};
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
    };
    let stored = store_and_complete(
        &mut conn,
        run.id,
        h.config.id,
        schema_id,
        "test-worker:stale",
        &rows,
        100,
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
        100,
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
         FROM github_workflow_metric_rollups WHERE config_id = $1 GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .bind::<diesel::sql_types::BigInt, _>(h.config.id)
    .load(&mut conn)
    .await
    .expect("rollups")
}

#[tokio::test]
async fn storing_a_run_refreshes_its_hourly_rollups() {
    let h = Harness::new("rollups", serde_json::json!(["*.csv"])).await;
    h.write("r.csv", "model,latency_ms\nllama,10\nmistral,30\n");
    h.enqueue("u", 1).await;
    h.collect().await;
    let hour = Utc
        .with_ymd_and_hms(2025, 3, 4, 1, 0, 0)
        .single()
        .expect("hour");
    assert_eq!(
        rollups(&h).await,
        vec![Rollup {
            metric: "latency_ms".into(),
            bucket: hour,
            count: 2,
            sum: 40.0,
            last_value: 30.0
        }]
    );

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

impl Harness {
    /// Sets the config's `file_types` and `custom_prompt` as the API would store them.
    async fn set_fields(&self, file_types: serde_json::Value, prompt: Option<&str>) {
        let mut conn = self.db.connect().await;
        diesel::update(configs::table.find(self.config.id))
            .set((
                configs::file_types.eq(file_types),
                configs::custom_prompt.eq(prompt),
            ))
            .execute(&mut conn)
            .await
            .expect("config fields");
    }

    async fn config_row(&self) -> Config {
        let mut conn = self.db.connect().await;
        configs::table
            .find(self.config.id)
            .select(Config::as_select())
            .first(&mut conn)
            .await
            .expect("config")
    }
}

#[tokio::test]
async fn file_types_narrow_what_is_extracted_and_the_runner_is_remembered() {
    let h = Harness::new("types", serde_json::json!(["runs/{run_id}/*"])).await;
    h.set_fields(serde_json::json!(["csv"]), None).await;
    h.write("runs/7/a.csv", CSV);
    // a .txt holding CSV is read as CSV, so it is taken too
    h.write("runs/7/b.txt", CSV);
    h.write("runs/7/c.json", r#"[{"model": "x", "latency_ms": 1.0}]"#);
    h.write(
        "runs/7/d.md",
        "| model | latency_ms |\n|---|---|\n| y | 2 |\n",
    );
    h.enqueue("uid-7", 7).await;
    let (run, outcome) = h.collect().await;
    assert_eq!(
        outcome,
        Outcome::Completed {
            files: 2,
            records: 4
        }
    );
    let sources: std::collections::BTreeSet<String> = h
        .metric_rows(run.id)
        .await
        .into_iter()
        .map(|r| r.2)
        .collect();
    assert_eq!(
        sources.into_iter().collect::<Vec<_>>(),
        ["runs/7/a.csv", "runs/7/b.txt"]
    );
    assert_eq!(run.error_message, None, "narrowing is not a problem");
    assert_eq!(
        h.config_row().await.last_processed_workload_uid.as_deref(),
        Some("uid-7")
    );

    // a runner that finished earlier (a backfill) does not move it back
    h.write("runs/6/a.csv", CSV);
    let mut conn = h.db.connect().await;
    queue::enqueue(
        &mut conn,
        &NewRun {
            config_id: h.config.id,
            workload_uid: "uid-6".into(),
            github_run_id: Some(6),
            workload_completed_at: Some(completed_at() - chrono::Duration::days(1)),
            ..NewRun::default()
        },
    )
    .await
    .expect("enqueue")
    .expect("new run");
    let (run, _) = h.collect().await;
    assert_eq!(run.status, RunStatus::Completed);
    assert_eq!(
        h.config_row().await.last_processed_workload_uid.as_deref(),
        Some("uid-7")
    );

    // nothing of the wanted type: skipped, saying why
    h.set_fields(serde_json::json!(["markdown"]), None).await;
    h.write("runs/8/a.csv", CSV);
    h.enqueue("uid-8", 8).await;
    let (run, outcome) = h.collect().await;
    assert!(
        matches!(&outcome, Outcome::Skipped(why) if why.contains("file_types")),
        "{outcome:?}"
    );
    assert_eq!(run.status, RunStatus::Skipped);
    assert_eq!(
        h.config_row().await.last_processed_workload_uid.as_deref(),
        Some("uid-7"),
        "only a processed runner counts"
    );
}

#[tokio::test]
async fn the_custom_prompt_reaches_the_llm_and_its_explanation_is_kept() {
    let stub = wfm_testing::llm_stub::LlmStub::answering(serde_json::json!({
        "schema": {"fields": [
            {"name": "model", "type": "string"},
            {"name": "batch", "type": "int"},
            {"name": "latency_ms", "type": "float", "unit": "ms"},
            {"name": "throughput", "type": "float"}
        ], "dimension_fields": ["model", "batch"],
           "metric_fields": ["latency_ms", "throughput"]},
        "records": [
            {"dimensions": {"model": "llama", "batch": 1},
             "metrics": {"latency_ms": 12.5, "throughput": 80.1}},
            {"dimensions": {"model": "llama", "batch": 8},
             "metrics": {"latency_ms": 40.2, "throughput": 199.0}}
        ],
        "explanation": "one row per model and batch"
    }))
    .await;
    let h = Harness::with_env(
        "prompt",
        serde_json::json!(["*.csv"]),
        &[
            ("WFM_LLM_BASE_URL", &stub.base_url),
            ("WFM_LLM_MODEL", "stub"),
        ],
    )
    .await;
    h.set_fields(serde_json::json!([]), Some("latency is per request, in ms"))
        .await;
    h.write("a.csv", CSV);
    h.enqueue("u", 1).await;
    let (_, outcome) = h.collect().await;
    assert_eq!(
        outcome,
        Outcome::Completed {
            files: 1,
            records: 2
        }
    );
    let requests = stub.requests();
    assert!(!requests.is_empty());
    for request in &requests {
        assert!(
            request
                .to_string()
                .contains("latency is per request, in ms"),
            "the prompt was sent: {request}"
        );
    }
    let mut conn = h.db.connect().await;
    let schema: MetricSchema = schemas::table
        .filter(schemas::config_id.eq(h.config.id))
        .select(MetricSchema::as_select())
        .first(&mut conn)
        .await
        .expect("the first schema");
    assert_eq!(schema.generated_by, GeneratedBy::Ai);
    assert_eq!(
        schema.explanation.as_deref(),
        Some("a.csv: one row per model and batch")
    );
}

#[tokio::test]
async fn reader_options_are_read_typed_and_a_misspelt_one_fails_the_run() {
    let h = Harness::new("options", serde_json::json!(["*.csv"])).await;
    let set_options = async |options: serde_json::Value| {
        let mut conn = h.db.connect().await;
        diesel::update(configs::table.find(h.config.id))
            .set(configs::reader_options.eq(options))
            .execute(&mut conn)
            .await
            .expect("reader_options");
    };
    let enqueue = async |uid: &str, started: Option<DateTime<Utc>>| {
        let mut conn = h.db.connect().await;
        let new = NewRun {
            config_id: h.config.id,
            workload_uid: uid.into(),
            workload_started_at: started,
            workload_completed_at: started.map(|t| t + chrono::Duration::minutes(5)),
            ..NewRun::default()
        };
        queue::enqueue(&mut conn, &new)
            .await
            .expect("enqueue")
            .expect("new run");
    };
    h.write("root.csv", CSV);
    h.write("sub/new.csv", CSV);
    h.write("sub/old.csv", CSV);
    let old = std::fs::File::options()
        .write(true)
        .open(h.root.join("sub/old.csv"))
        .expect("open");
    old.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(86_400))
        .expect("mtime");

    // stored before options were checked: the run fails naming the option
    set_options(serde_json::json!({"pth": "sub"})).await;
    enqueue("misspelt", Some(Utc::now())).await;
    let (run, outcome) = h.collect().await;
    assert_eq!(run.status, RunStatus::Failed, "{outcome:?}");
    assert_eq!(
        run.error_message.as_deref(),
        Some(
            "reader_options.pth: unknown option for the mounted reader; expected one of: path, mtime_window, mtime_margin_seconds"
        )
    );

    // path and the time window: only sub/new.csv, modified during the run
    set_options(
        serde_json::json!({"path": "sub", "mtime_window": true, "mtime_margin_seconds": 60}),
    )
    .await;
    enqueue("windowed", Some(Utc::now() - chrono::Duration::minutes(2))).await;
    let (run, outcome) = h.collect().await;
    assert_eq!(
        outcome,
        Outcome::Completed {
            files: 1,
            records: 2
        }
    );
    assert!(h.metric_rows(run.id).await.iter().all(|r| r.2 == "new.csv"));

    // the window without the runner's times: skipped, saying why
    enqueue("no-times", None).await;
    let (run, _) = h.collect().await;
    assert_eq!(run.status, RunStatus::Skipped);
    assert!(
        run.error_message
            .as_deref()
            .is_some_and(|m| m.contains("mtime_window is on")),
        "{:?}",
        run.error_message
    );

    // a wrong type is named too
    set_options(serde_json::json!({"mtime_margin_seconds": "300"})).await;
    enqueue("wrong-type", None).await;
    let (run, _) = h.collect().await;
    assert_eq!(
        run.error_message.as_deref(),
        Some("reader_options.mtime_margin_seconds: invalid type: string \"300\", expected u32")
    );
}

#[tokio::test]
async fn an_unusable_active_schema_fails_the_run_without_a_retry() {
    let h = Harness::new("bad-schema", serde_json::json!(["*.csv"])).await;
    let mut conn = h.db.connect().await;
    let schema_id: i64 = diesel::sql_query(format!(
        "INSERT INTO github_workflow_metric_schemas (config_id, name, version, is_active, fields) \
         VALUES ({}, 's', 3, true, '[1, 2]') RETURNING id AS id",
        h.config.id
    ))
    .get_result::<Id>(&mut conn)
    .await
    .expect("schema")
    .id;
    h.write("r.csv", CSV);
    h.enqueue("u", 1).await;
    let (run, _) = h.collect().await;
    assert_eq!((run.status, run.retry_count), (RunStatus::Failed, 0));
    let error = run.error_message.unwrap_or_default();
    assert!(
        error.starts_with(&format!(
            "active schema {schema_id} (version 3): fields is invalid: "
        )),
        "{error}"
    );
}
