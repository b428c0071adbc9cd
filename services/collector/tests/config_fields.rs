//! A config's own fields through a run: `file_types` narrows the files,
//! `custom_prompt` reaches the LLM and its explanation is kept,
//! `last_processed_workload_uid` follows the newest runner, typed reader
//! options, an unusable schema.

mod common;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use wfm_collector::Outcome;
use wfm_db::models::{MetricSchema, NewRun};
use wfm_db::queue;
use wfm_db::schema::{
    github_workflow_configs as configs, github_workflow_metric_schemas as schemas,
};
use wfm_db::{GeneratedBy, RunStatus};

use common::harness::{CSV, Harness, completed_at};

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

/// The model's answer for `CSV` (two llama rows), with `extra` keys
/// (`explanation`, `recipe`) added.
fn llama_answer(extra: serde_json::Value) -> serde_json::Value {
    let mut answer = serde_json::json!({
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
        ]
    });
    if let (Some(answer), Some(extra)) = (answer.as_object_mut(), extra.as_object()) {
        answer.extend(extra.clone());
    }
    answer
}

#[tokio::test]
async fn the_custom_prompt_reaches_the_llm_and_its_explanation_is_kept() {
    let stub = wfm_testing::llm_stub::LlmStub::answering(llama_answer(serde_json::json!({
        "explanation": "one row per model and batch"
    })))
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

#[derive(diesel::QueryableByName)]
struct Id {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

#[tokio::test]
async fn the_llms_recipe_is_kept_with_the_schema_and_reads_the_next_run_without_a_call() {
    let stub = wfm_testing::llm_stub::LlmStub::answering(llama_answer(serde_json::json!({
        "recipe": {"select": {"kind": "table"}, "fields": [
            {"name": "model", "from": "model", "role": "dimension"},
            {"name": "batch", "from": "batch", "role": "dimension"},
            {"name": "latency_ms", "from": "latency_ms", "role": "metric", "unit": "ms"},
            {"name": "throughput", "from": "throughput", "role": "metric"}]}
    })))
    .await;
    let h = Harness::with_env(
        "recipe",
        serde_json::json!(["runs/{run_id}/*.csv"]),
        &[
            ("WFM_LLM_BASE_URL", &stub.base_url),
            ("WFM_LLM_MODEL", "stub"),
        ],
    )
    .await;
    h.write("runs/1/a.csv", CSV);
    h.enqueue("u1", 1).await;
    let (first, outcome) = h.collect().await;
    assert_eq!(
        outcome,
        Outcome::Completed {
            files: 1,
            records: 2
        }
    );
    let calls = stub.requests().len();
    assert!(calls >= 1);
    assert_eq!(
        first.extraction.as_ref().map(|e| e[0]["method"].clone()),
        Some("llm".into())
    );

    let mut conn = h.db.connect().await;
    let schema: MetricSchema = schemas::table
        .filter(schemas::config_id.eq(h.config.id))
        .select(MetricSchema::as_select())
        .first(&mut conn)
        .await
        .expect("the schema");
    let kept = wfm_db::recipes::parse(&schema.recipes);
    assert_eq!(kept.len(), 1, "{}", schema.recipes);
    assert_eq!(kept[0].status, wfm_db::recipes::RecipeStatus::Proposed);
    assert_eq!(kept[0].example_path.as_deref(), Some("runs/1/a.csv"));
    assert!(kept[0].fingerprint.starts_with("csv:"));

    // The next run's file has the same shape and other values: the recipe
    // reads it, and the model is not asked.
    h.write(
        "runs/2/a.csv",
        "model,batch,latency_ms,throughput\nqwen,4,22.5,140.5\n",
    );
    h.enqueue("u2", 2).await;
    let (second, outcome) = h.collect().await;
    assert_eq!(
        outcome,
        Outcome::Completed {
            files: 1,
            records: 1
        }
    );
    assert_eq!(
        stub.requests().len(),
        calls,
        "no LLM call for a known shape"
    );
    let reading = &second.extraction.expect("readings")[0];
    assert_eq!(reading["method"], "recipe", "{reading}");
    let rows = h.metric_rows(second.id).await;
    assert_eq!(
        rows[0].4,
        serde_json::json!({"latency_ms": 22.5, "throughput": 140.5})
    );
}
