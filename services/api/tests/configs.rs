//! `/configs`: every route's success shape, validation errors, 4040 and 4090.

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

fn runner_set_body() -> serde_json::Value {
    json!({
        "name": "MI325 Benchmark",
        "description": "nightly",
        "runner_set_namespace": "arc",
        "runner_set_name": "mi325",
        "workflow_filter": "bench.yml",
        "file_patterns": ["results/**/*.json", "results/*.csv"],
    })
}

#[tokio::test]
async fn create_get_list() {
    let api = TestApi::start().await;
    let created = api.post("configs", runner_set_body()).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let config = created.data();
    let id = config["id"].as_i64().unwrap();
    assert_eq!(config["name"], "MI325 Benchmark");
    assert_eq!(config["enabled"], true);
    assert_eq!(config["reader"], "mounted");
    assert_eq!(config["cluster_name"], "default");
    assert_eq!(
        config["file_patterns"],
        json!(["results/**/*.json", "results/*.csv"])
    );
    assert!(
        config["created_at"].as_str().unwrap().ends_with('Z'),
        "{config}"
    );

    let got = api.get(&format!("configs/{id}")).await.data();
    assert_eq!(got, config);

    api.post(
        "configs",
        json!({"name": "repo", "github_owner": "o", "github_repo": "r", "file_patterns": ["*.md"]}),
    )
    .await
    .data();
    let list = api.get("configs").await.data();
    assert_eq!(list["total"], 2);
    assert_eq!(list["offset"], 0);
    assert_eq!(list["limit"], 20);
    assert_eq!(list["configs"][0]["id"], id);
    let page = api.get("configs?limit=1&offset=1").await.data();
    assert_eq!(page["configs"].as_array().unwrap().len(), 1);
    assert_eq!(page["configs"][0]["name"], "repo");
    let page = api.get("configs?page=2&page_size=1").await.data();
    assert_eq!(page["configs"][0]["name"], "repo");
    let other_cluster = api.get("configs?cluster=other").await.data();
    assert_eq!(other_cluster["total"], 0);
    assert_eq!(
        api.get(&format!("configs/{id}?cluster=other"))
            .await
            .error()
            .0,
        4040
    );
}

#[tokio::test]
async fn create_refuses_bad_fields_by_name() {
    let api = TestApi::start().await;
    let cases = [
        (
            json!({"name": " ", "github_owner": "o", "github_repo": "r", "file_patterns": ["a"]}),
            "invalid name: must not be empty",
        ),
        (
            json!({"name": "x", "github_owner": "o", "github_repo": "r", "file_patterns": []}),
            "invalid file_patterns: give at least one pattern",
        ),
        (
            json!({"name": "x", "github_owner": "o", "github_repo": "r", "file_patterns": ["a/[b"]}),
            "invalid file_patterns[0]: \"a/[b\" is not a glob",
        ),
        (
            json!({"name": "x", "github_owner": "o", "github_repo": "r", "file_patterns": ["ok", ""]}),
            "invalid file_patterns[1]: must not be empty",
        ),
        (
            json!({"name": "x", "file_patterns": ["a"]}),
            "invalid binding: give runner_set_namespace and runner_set_name",
        ),
        (
            json!({"name": "x", "runner_set_name": "s", "file_patterns": ["a"]}),
            "invalid runner_set_namespace/runner_set_name: give both or neither",
        ),
        (
            json!({"name": "x", "github_owner": "o", "file_patterns": ["a"]}),
            "invalid binding",
        ),
        (
            json!({"name": "x", "github_owner": "o", "github_repo": "r", "file_patterns": ["a"], "reader": "ftp"}),
            "invalid JSON body at reader: unknown variant `ftp`",
        ),
        (
            json!({"name": "x", "github_owner": "o", "github_repo": "r", "file_patterns": "a"}),
            "invalid JSON body at file_patterns: invalid type: string",
        ),
        (
            json!({"name": "x", "github_owner": "o", "github_repo": "r", "file_patterns": ["a"], "colour": 1}),
            "invalid JSON body at colour: unknown field `colour`",
        ),
        (
            json!({"github_owner": "o", "github_repo": "r", "file_patterns": ["a"]}),
            "invalid JSON body: missing field `name`",
        ),
        (
            json!({"name": "x".repeat(256), "github_owner": "o", "github_repo": "r", "file_patterns": ["a"]}),
            "invalid name: longer than 255 characters",
        ),
    ];
    for (body, expected) in cases {
        let (code, message) = api.post("configs", body.clone()).await.error();
        assert_eq!(code, 4000, "{body}");
        assert!(message.starts_with(expected), "{body}: {message}");
    }
    let raw = api
        .send(reqwest::Method::POST, "configs", Some("{not json"), None)
        .await
        .error();
    assert_eq!(raw.0, 4000);
    assert!(
        raw.1.starts_with("invalid JSON body: key must be a string"),
        "{}",
        raw.1
    );
    let big = format!("{{\"name\": \"{}\"}}", "x".repeat(1_100_000));
    let (code, message) = api
        .send(reqwest::Method::POST, "configs", Some(&big), None)
        .await
        .error();
    assert_eq!(
        (code, message.as_str()),
        (4130, "request body exceeds 1048576 bytes")
    );
    assert_eq!(
        api.get("configs").await.data()["total"],
        0,
        "nothing was stored"
    );
}

#[tokio::test]
async fn duplicate_bindings_conflict() {
    let api = TestApi::start().await;
    api.post("configs", runner_set_body()).await.data();
    let (code, message) = api.post("configs", runner_set_body()).await.error();
    assert_eq!(code, 4090);
    assert_eq!(
        message,
        "a config bound to runner set arc/mi325 already exists in cluster \"default\""
    );
    // the same runner set in another cluster is another binding
    let other = api.post("configs?cluster=c2", runner_set_body()).await;
    assert_eq!(other.data()["cluster_name"], "c2");

    let repo =
        json!({"name": "r", "github_owner": "o", "github_repo": "r", "file_patterns": ["a"]});
    api.post("configs", repo.clone()).await.data();
    let (code, message) = api.post("configs", repo).await.error();
    assert_eq!(code, 4090);
    assert_eq!(
        message,
        "a config bound to repository o/r already exists in cluster \"default\""
    );

    // moving a config onto a taken binding through PATCH is a conflict too
    let id = api.create_config("third", "arc", "other").await;
    let (code, _) = api
        .patch(
            &format!("configs/{id}"),
            json!({"runner_set_name": "mi325"}),
        )
        .await
        .error();
    assert_eq!(code, 4090);
}

#[tokio::test]
async fn put_replaces_and_patch_changes_only_what_is_sent() {
    let api = TestApi::start().await;
    let created = api.post("configs", runner_set_body()).await.data();
    let id = created["id"].as_i64().unwrap();

    let patched = api
        .patch(
            &format!("configs/{id}"),
            json!({"enabled": false, "branch_filter": "main"}),
        )
        .await
        .data();
    assert_eq!(patched["enabled"], false);
    assert_eq!(patched["branch_filter"], "main");
    for unchanged in [
        "name",
        "description",
        "workflow_filter",
        "file_patterns",
        "runner_set_name",
    ] {
        assert_eq!(patched[unchanged], created[unchanged], "{unchanged}");
    }
    // null clears an optional field
    let cleared = api
        .patch(&format!("configs/{id}"), json!({"workflow_filter": null}))
        .await
        .data();
    assert_eq!(cleared["workflow_filter"], serde_json::Value::Null);
    assert_eq!(cleared["branch_filter"], "main");
    // exporting the series on /metrics is opt-in
    assert_eq!(created["export_series"], false);
    let exported = api
        .patch(&format!("configs/{id}"), json!({"export_series": true}))
        .await
        .data();
    assert_eq!(exported["export_series"], true);
    assert_eq!(exported["branch_filter"], "main");
    // a patch that breaks the config is refused and changes nothing
    let (code, message) = api
        .patch(
            &format!("configs/{id}"),
            json!({"file_patterns": [], "name": "new"}),
        )
        .await
        .error();
    assert_eq!(
        (code, message.as_str()),
        (4000, "invalid file_patterns: give at least one pattern")
    );
    assert_eq!(
        api.get(&format!("configs/{id}")).await.data()["name"],
        "MI325 Benchmark"
    );

    // PUT: a whole config; the echoed read-only fields of a GET are accepted
    let mut whole = api.get(&format!("configs/{id}")).await.data();
    whole["name"] = json!("renamed");
    whole["description"] = json!("");
    whole["branch_filter"] = json!(null);
    let replaced = api.put(&format!("configs/{id}"), whole).await.data();
    assert_eq!(replaced["name"], "renamed");
    assert_eq!(replaced["branch_filter"], serde_json::Value::Null);
    assert_eq!(replaced["id"], id);
    let (code, _) = api
        .put(&format!("configs/{id}"), json!({"name": "only a name"}))
        .await
        .error();
    assert_eq!(code, 4000);
    assert_eq!(
        api.patch("configs/999", json!({"enabled": true}))
            .await
            .error()
            .0,
        4040
    );
    assert_eq!(
        api.put("configs/999", runner_set_body()).await.error().0,
        4040
    );
}

#[tokio::test]
async fn enable_disable() {
    let api = TestApi::start().await;
    let id = api.create_config("c", "arc", "set").await;
    let off = api
        .post(&format!("configs/{id}/disable"), json!({}))
        .await
        .data();
    assert_eq!(off["enabled"], false);
    assert_eq!(api.get("configs?enabled=false").await.data()["total"], 1);
    assert_eq!(api.get("configs?enabled=true").await.data()["total"], 0);
    let on = api
        .post(&format!("configs/{id}/enable"), json!({}))
        .await
        .data();
    assert_eq!(on["enabled"], true);
    assert_eq!(
        api.post("configs/999/enable", json!({})).await.error().0,
        4040
    );
    let (code, message) = api.get("configs?enabled=maybe").await.error();
    assert_eq!(
        (code, message.as_str()),
        (4000, "invalid enabled: \"maybe\" is not true or false")
    );
}

#[tokio::test]
async fn delete_removes_runs_metrics_and_schemas() {
    let api = TestApi::start().await;
    let id = api.create_config("c", "arc", "set").await;
    let keep = api.create_config("keep", "arc", "other").await;
    let run = api.insert_run(id, "w1", RunStatus::Completed).await;
    let kept_run = api.insert_run(keep, "w1", RunStatus::Completed).await;
    let mut conn = api.conn().await;
    for (config, run) in [(id, run.id), (keep, kept_run.id)] {
        diesel::insert_into(metrics::table)
            .values((
                metrics::config_id.eq(config),
                metrics::run_id.eq(run),
                metrics::timestamp.eq(chrono::Utc::now()),
                metrics::metrics.eq(json!({"x": 1.0})),
            ))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    api.put(
        &format!("configs/{id}/schema"),
        json!({"fields": [{"name": "x", "type": "float"}], "metric_fields": ["x"]}),
    )
    .await
    .data();
    let deleted = api.delete(&format!("configs/{id}")).await.data();
    assert_eq!(deleted["id"], id);
    assert_eq!(deleted["runs_deleted"], 1);
    assert_eq!(deleted["metrics_deleted"], 1);
    assert_eq!(deleted["schemas_deleted"], 1);
    assert_eq!(api.get(&format!("configs/{id}")).await.error().0, 4040);
    assert_eq!(api.delete(&format!("configs/{id}")).await.error().0, 4040);
    let left_runs: i64 = runs::table.count().get_result(&mut conn).await.unwrap();
    let left_metrics: i64 = metrics::table.count().get_result(&mut conn).await.unwrap();
    let left_configs: i64 = configs::table.count().get_result(&mut conn).await.unwrap();
    assert_eq!(
        (left_runs, left_metrics, left_configs),
        (1, 1, 1),
        "the other config is untouched"
    );
}

#[tokio::test]
async fn bad_ids_and_unknown_routes() {
    let api = TestApi::start().await;
    let (code, message) = api.get("configs/abc").await.error();
    assert_eq!(
        (code, message.as_str()),
        (4000, "invalid id: \"abc\" is not a positive whole number")
    );
    let (code, message) = api.get("configs/0").await.error();
    assert_eq!(code, 4000, "{message}");
    let (code, message) = api.get("nothing-here").await.error();
    assert_eq!(code, 4040);
    assert_eq!(
        message,
        "no route for GET /v1/github-workflow-metrics/nothing-here"
    );
}

#[tokio::test]
async fn the_specs_example_config_is_accepted_with_file_types_and_a_prompt() {
    let api = TestApi::start().await;
    // collector-design.md, "Complete Workflow", step 2, as written
    let reply = api
        .post(
            "configs",
            json!({
                "name": "LLM Benchmark Metrics",
                "runner_set_namespace": "actions-runner",
                "runner_set_name": "benchmark-runners",
                "github_owner": "AMD-AGI",
                "github_repo": "Primus-SaFE",
                "workflow_filter": "benchmark.yml",
                "file_patterns": ["Bench/results/**/*.json", "Bench/results/**/*.csv"],
                "file_types": ["json", "csv"]
            }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let created = reply.data();
    assert_eq!(created["file_types"], json!(["json", "csv"]));
    assert_eq!(created["custom_prompt"], serde_json::Value::Null);
    let id = created["id"].as_i64().unwrap();

    // names are canonical and each once; the prompt is kept
    let patched = api
        .patch(
            &format!("configs/{id}"),
            json!({"file_types": ["MD", "markdown", "txt"], "custom_prompt": "TFLOPS is higher-better"}),
        )
        .await
        .data();
    assert_eq!(patched["file_types"], json!(["markdown", "text"]));
    assert_eq!(patched["custom_prompt"], "TFLOPS is higher-better");
    // GET → PUT round trip keeps both
    let mut whole = api.get(&format!("configs/{id}")).await.data();
    whole["name"] = json!("renamed");
    let replaced = api.put(&format!("configs/{id}"), whole).await.data();
    assert_eq!(replaced["file_types"], json!(["markdown", "text"]));
    assert_eq!(replaced["custom_prompt"], "TFLOPS is higher-better");
    // null clears the prompt, [] takes every file again
    let cleared = api
        .patch(
            &format!("configs/{id}"),
            json!({"file_types": [], "custom_prompt": null}),
        )
        .await
        .data();
    assert_eq!(
        (&cleared["file_types"], &cleared["custom_prompt"]),
        (&json!([]), &serde_json::Value::Null)
    );

    let (code, message) = api
        .patch(
            &format!("configs/{id}"),
            json!({"file_types": ["json", "yaml"]}),
        )
        .await
        .error();
    assert_eq!(code, 4000);
    assert_eq!(
        message,
        "invalid file_types[1]: \"yaml\" is not one of json, jsonl, csv, tsv, markdown, text, xml"
    );
    let (code, message) = api
        .patch(
            &format!("configs/{id}"),
            json!({"custom_prompt": "x".repeat(10_001)}),
        )
        .await
        .error();
    assert_eq!(
        (code, message.as_str()),
        (4000, "invalid custom_prompt: longer than 10000 characters")
    );
}

#[tokio::test]
async fn reader_options_are_checked_when_written() {
    let api = TestApi::start().await;
    let body = |options: serde_json::Value| {
        json!({"name": "c", "github_owner": "o", "github_repo": "r",
               "file_patterns": ["*.json"], "reader": "mounted", "reader_options": options})
    };
    let (code, message) = api
        .post("configs", body(json!({"pth": "results"})))
        .await
        .error();
    assert_eq!(code, 4000);
    assert!(
        message.starts_with("invalid reader_options.pth: unknown option for the mounted reader"),
        "{message}"
    );
    let (code, message) = api
        .post("configs", body(json!({"mtime_window": "yes"})))
        .await
        .error();
    assert_eq!(code, 4000);
    assert!(
        message.starts_with("invalid reader_options.mtime_window"),
        "{message}"
    );
    let created = api
        .post(
            "configs",
            body(json!({"path": "results", "mtime_window": true})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.data()["id"].as_i64().unwrap();
    // a PATCH to another reader checks the options against that reader
    let (code, message) = api
        .patch(
            &format!("configs/{id}"),
            json!({"reader": "github-artifacts"}),
        )
        .await
        .error();
    assert_eq!(code, 4000);
    assert!(message.contains("github-artifacts"), "{message}");
}
