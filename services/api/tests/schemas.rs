//! Schema versions: PUT validates and activates, versions list, activate,
//! active/404, regenerate drafts from the newest run's records.

mod common;

use common::TestApi;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::json;
use wfm_db::RunStatus;
use wfm_db::schema::{
    github_workflow_configs as configs, github_workflow_metrics as metrics,
    github_workflow_runs as runs,
};

fn schema_body() -> serde_json::Value {
    json!({
        "name": "MI325_Benchmark_Schema",
        "fields": [
            {"name": "Op", "type": "string", "description": "Operation type"},
            {"name": "throughput", "type": "float", "unit": "TFLOPS", "description": "Performance"}
        ],
        "dimension_fields": ["Op"],
        "metric_fields": ["throughput"]
    })
}

#[tokio::test]
async fn put_creates_active_versions() {
    let api = TestApi::start().await;
    let id = api.create_config("MI325", "arc", "mi325").await;
    let (code, message) = api
        .get(&format!("configs/{id}/schemas/active"))
        .await
        .error();
    assert_eq!(
        (code, message.as_str()),
        (4040, "no active schema found for this config")
    );
    assert_eq!(
        api.get(&format!("configs/{id}/schema")).await.error().0,
        4040
    );

    let v1 = api
        .put(&format!("configs/{id}/schema"), schema_body())
        .await
        .data();
    assert_eq!(v1["version"], 1);
    assert_eq!(v1["is_active"], true);
    assert_eq!(v1["generated_by"], "user");
    assert_eq!(v1["name"], "MI325_Benchmark_Schema");
    assert_eq!(v1["fields"][1]["unit"], "TFLOPS");
    assert_eq!(v1["dimension_fields"], json!(["Op"]));

    let mut body = schema_body();
    body["name"] = json!(null);
    body["fields"][1]["name"] = json!("tflops");
    body["metric_fields"] = json!(["tflops"]);
    // which way is better, as the issue words it: read as the field's direction
    body["fields"][1]["better"] = json!("higher");
    let v2 = api.put(&format!("configs/{id}/schema"), body).await.data();
    assert_eq!(v2["fields"][1]["direction"], "higher_is_better");
    assert_eq!(
        (v2["version"].as_i64(), v2["is_active"].as_bool()),
        (Some(2), Some(true))
    );
    assert_eq!(v2["name"], "MI325 schema");
    let active = api
        .get(&format!("configs/{id}/schemas/active"))
        .await
        .data();
    assert_eq!(active["id"], v2["id"]);
    assert_eq!(
        api.get(&format!("configs/{id}/schema")).await.data(),
        active
    );
    let config = api.get(&format!("configs/{id}")).await.data();
    assert_eq!(config["metric_schema_id"], v2["id"]);

    let list = api.get(&format!("configs/{id}/schemas")).await.data();
    assert_eq!(list["total"], 2);
    assert_eq!(list["schemas"][0]["version"], 2, "newest first");
    assert_eq!(list["schemas"][1]["is_active"], false);

    let back = api
        .post(&format!("configs/{id}/schemas/1/activate"), json!({}))
        .await
        .data();
    assert_eq!(
        (back["version"].as_i64(), back["is_active"].as_bool()),
        (Some(1), Some(true))
    );
    let active = api
        .get(&format!("configs/{id}/schemas/active"))
        .await
        .data();
    assert_eq!(active["version"], 1);
    let mut conn = api.conn().await;
    let pointer: Option<i64> = configs::table
        .find(id)
        .select(configs::metric_schema_id)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(pointer, v1["id"].as_i64());
    let (code, message) = api
        .post(&format!("configs/{id}/schemas/9/activate"), json!({}))
        .await
        .error();
    assert_eq!(
        (code, message.as_str()),
        (4040, &*format!("config {id} has no schema version 9"))
    );
    assert_eq!(
        api.post(&format!("configs/{id}/schemas/x/activate"), json!({}))
            .await
            .error()
            .0,
        4000
    );
    assert_eq!(
        api.put("configs/999/schema", schema_body()).await.error().0,
        4040
    );
    assert_eq!(api.get("configs/999/schemas").await.error().0, 4040);
}

#[tokio::test]
async fn put_refuses_unusable_schemas() {
    let api = TestApi::start().await;
    let id = api.create_config("c", "arc", "s").await;
    let path = format!("configs/{id}/schema");
    let mut no_metrics = schema_body();
    no_metrics["metric_fields"] = json!([]);
    let mut string_metric = schema_body();
    string_metric["metric_fields"] = json!(["Op"]);
    string_metric["dimension_fields"] = json!([]);
    let mut both = schema_body();
    both["dimension_fields"] = json!(["Op", "throughput"]);
    let mut undescribed = schema_body();
    undescribed["dimension_fields"] = json!(["GPU"]);
    let mut bad_type = schema_body();
    bad_type["fields"][0]["type"] = json!("text");
    let mut bad_time = schema_body();
    bad_time["timestamp_field"] = json!("when");
    let mut long_name = schema_body();
    long_name["name"] = json!("n".repeat(256));
    for (body, expected) in [
        (no_metrics, "invalid schema: schema has no metric_fields"),
        (
            string_metric,
            "invalid schema: metric field `Op` has type String",
        ),
        (both, "invalid schema: field `throughput` is listed both"),
        (
            undescribed,
            "invalid dimension_fields: \"GPU\" is not one of fields",
        ),
        (
            bad_type,
            "invalid JSON body at fields[0].type: unknown variant `text`",
        ),
        (
            bad_time,
            "invalid timestamp_field: \"when\" is not one of fields",
        ),
    ] {
        let (code, message) = api.put(&path, body).await.error();
        assert_eq!(code, 4000);
        assert!(message.starts_with(expected), "{message}");
    }
    assert_eq!(
        api.get(&format!("configs/{id}/schemas")).await.data()["total"],
        0
    );
}

#[tokio::test]
async fn regenerate_drafts_from_the_newest_run() {
    let api = TestApi::start().await;
    let id = api.create_config("c", "arc", "s").await;
    let (code, _) = api
        .post(&format!("configs/{id}/schema/regenerate"), json!({}))
        .await
        .error();
    assert_eq!(code, 4040, "nothing collected yet");

    let v1 = api
        .put(&format!("configs/{id}/schema"), schema_body())
        .await
        .data();
    let run = api.insert_run(id, "w1", RunStatus::Completed).await;
    let mut conn = api.conn().await;
    diesel::update(runs::table.find(run.id))
        .set(runs::metrics_count.eq(2))
        .execute(&mut conn)
        .await
        .unwrap();
    for (model, batch, latency) in [("llama", 1, 12.5), ("llama", 8, 40.25)] {
        diesel::insert_into(metrics::table)
            .values((
                metrics::config_id.eq(id),
                metrics::run_id.eq(run.id),
                metrics::timestamp.eq(chrono::Utc::now()),
                metrics::dimensions.eq(json!({"model": model, "batch_size": batch})),
                metrics::metrics.eq(json!({"latency_ms": latency})),
            ))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let draft = api
        .post(&format!("configs/{id}/schema/regenerate"), json!({}))
        .await
        .data();
    assert_eq!(draft["version"], 2);
    assert_eq!(draft["is_active"], false, "a draft waits for a user");
    assert_eq!(draft["generated_by"], "inference");
    assert_eq!(
        draft["recipes_requested"], false,
        "no LLM: nobody to write recipes"
    );
    assert_eq!(draft["source_run_id"], run.id);
    assert_eq!(draft["records_read"], 2);
    assert_eq!(draft["metric_fields"], json!(["latency_ms"]));
    let dims = draft["dimension_fields"].as_array().unwrap();
    assert!(
        dims.contains(&json!("model")) && dims.contains(&json!("batch_size")),
        "{draft}"
    );
    let active = api
        .get(&format!("configs/{id}/schemas/active"))
        .await
        .data();
    assert_eq!(active["id"], v1["id"], "the active schema is unchanged");
}

#[tokio::test]
async fn regenerate_sends_the_configs_prompt_and_keeps_the_explanation() {
    let stub = wfm_testing::llm_stub::LlmStub::answering(json!({
        "schema": {"fields": [
            {"name": "model", "type": "string"},
            {"name": "latency_ms", "type": "float", "unit": "ms"}
        ], "dimension_fields": ["model"], "metric_fields": ["latency_ms"]},
        "records": [{"dimensions": {"model": "llama"}, "metrics": {"latency_ms": 12.5}}],
        "explanation": "latency per model"
    }))
    .await;
    let llm = wfm_extract::llm::LlmConfig {
        base_url: stub.base_url.clone(),
        model: "stub".into(),
        api_key: None,
        timeout: std::time::Duration::from_secs(10),
        max_input_bytes: 65_536,
    };
    let api = TestApi::with_state(|state| {
        state.llm = Some(std::sync::Arc::new(
            wfm_extract::llm::LlmClient::new(llm).expect("client"),
        ));
    })
    .await;
    let id = api.create_config("c", "arc", "s").await;
    api.patch(
        &format!("configs/{id}"),
        json!({"custom_prompt": "latency is per token"}),
    )
    .await
    .data();
    let run = api.insert_run(id, "w1", RunStatus::Completed).await;
    let mut conn = api.conn().await;
    diesel::update(runs::table.find(run.id))
        .set(runs::metrics_count.eq(1))
        .execute(&mut conn)
        .await
        .unwrap();
    diesel::insert_into(metrics::table)
        .values((
            metrics::config_id.eq(id),
            metrics::run_id.eq(run.id),
            metrics::timestamp.eq(chrono::Utc::now()),
            metrics::dimensions.eq(json!({"model": "llama"})),
            metrics::metrics.eq(json!({"latency_ms": 12.5})),
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    let draft = api
        .post(&format!("configs/{id}/schema/regenerate"), json!({}))
        .await
        .data();
    assert_eq!(draft["generated_by"], "ai", "{draft}");
    assert_eq!(draft["explanation"], "latency per model");
    assert_eq!(
        draft["recipes_requested"], true,
        "the next collection writes recipes"
    );
    let config = api.get(&format!("configs/{id}")).await.data();
    assert!(config["recipes_requested_at"].is_string(), "{config}");
    let sent = stub.requests();
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].to_string().contains("latency is per token"),
        "{}",
        sent[0]
    );
    // kept with the version
    let versions = api.get(&format!("configs/{id}/schemas")).await.data();
    assert_eq!(
        versions["schemas"][0]["explanation"], "latency per model",
        "{versions}"
    );
}

#[tokio::test]
async fn recipes_are_written_by_hand_confirmed_listed_and_deleted() {
    let api = TestApi::start().await;
    let id = api.create_config("Recipes", "arc", "recipes").await;
    let base = format!("configs/{id}/schema/recipes");
    let recipe = json!({"select": {"kind": "table"}, "fields": [
        {"name": "Op", "from": "Op", "role": "dimension"},
        {"name": "throughput", "from": "TFLOPS", "role": "metric", "unit": "TFLOPS"}]});
    let body = json!({"recipe": recipe, "example_path": "out/summary.csv"});
    assert_eq!(
        api.put(&format!("{base}/csv:00ab"), body.clone())
            .await
            .error()
            .0,
        4040,
        "no active schema yet"
    );
    let v1 = api
        .put(&format!("configs/{id}/schema"), schema_body())
        .await
        .data();
    assert_eq!(v1["recipes"], json!([]));

    // A recipe that cannot work is refused, naming what is wrong.
    for (bad, says) in [
        (
            json!({"select": {"kind": "table"}, "fields": []}),
            "recipe has no metric field",
        ),
        (
            json!({"select": {"kind": "lines", "pattern": "(?P<x"}, "fields": [
            {"name": "x", "from": "x", "role": "metric"}]}),
            "not a valid regular expression",
        ),
        (
            json!({"select": {"kind": "xpath"}, "fields": []}),
            "unknown variant `xpath`",
        ),
    ] {
        let (code, message) = api
            .put(&format!("{base}/csv:00ab"), json!({"recipe": bad}))
            .await
            .error();
        assert_eq!(code, 4000, "{message}");
        assert!(message.contains(says), "{message}");
    }

    let stored = api.put(&format!("{base}/csv:00ab"), body).await.data();
    assert_eq!(stored["status"], "confirmed");
    assert_eq!(stored["source"], "user");
    assert_eq!(stored["recipe"]["fields"][1]["from"], "TFLOPS");

    // One the LLM proposed (as the collector stores it), then confirmed.
    let mut conn = api.conn().await;
    let proposed = wfm_db::recipes::StoredRecipe {
        fingerprint: "json:77".into(),
        recipe: recipe.clone(),
        status: wfm_db::recipes::RecipeStatus::Proposed,
        source: wfm_db::recipes::RecipeSource::Llm,
        example_path: None,
        updated_at: chrono::Utc::now(),
    };
    let schema_id = v1["id"].as_i64().unwrap();
    assert!(
        wfm_db::recipes::add_proposed(&mut conn, schema_id, &proposed)
            .await
            .unwrap()
    );
    assert!(
        wfm_db::recipes::add_proposed(&mut conn, schema_id, &proposed)
            .await
            .unwrap(),
        "a newer proposal replaces a proposal"
    );
    let mine = wfm_db::recipes::StoredRecipe {
        fingerprint: "csv:00ab".into(),
        ..proposed.clone()
    };
    assert!(
        !wfm_db::recipes::add_proposed(&mut conn, schema_id, &mine)
            .await
            .unwrap(),
        "the model never overwrites a confirmed recipe"
    );
    let listed = api.get(&base).await.data();
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");
    assert_eq!(listed[1]["status"], "proposed");
    let confirmed = api
        .post(&format!("{base}/json:77/confirm"), json!({}))
        .await
        .data();
    assert_eq!(confirmed["status"], "confirmed");
    assert_eq!(confirmed["source"], "llm");
    assert_eq!(
        api.post(&format!("{base}/json:99/confirm"), json!({}))
            .await
            .error()
            .0,
        4040
    );

    assert_eq!(
        api.delete(&format!("{base}/csv:00ab")).await.data()["deleted"],
        "csv:00ab"
    );
    assert_eq!(
        api.delete(&format!("{base}/csv:00ab")).await.error().0,
        4040
    );
    let listed = api.get(&base).await.data();
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["fingerprint"], "json:77");
    assert_eq!(
        api.get(&format!("configs/{id}/schema")).await.data()["recipes"][0]["status"],
        "confirmed",
        "the schema shows its recipes"
    );
}
