//! Runs: global and per-config lists, details, retry, batch retry, and the
//! manual `test` run.

mod common;

use common::{TestApi, at};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::json;
use wfm_db::RunStatus;
use wfm_db::schema::{github_workflow_runs as runs, gpu_workloads as workloads};

#[tokio::test]
async fn lists_filter_and_name_the_config() {
    let api = TestApi::start().await;
    let a = api.create_config("A", "arc", "a").await;
    let b = api.create_config("B", "arc", "b").await;
    let failed = api.insert_run(a, "w1", RunStatus::Failed).await;
    api.insert_run(a, "w2", RunStatus::Completed).await;
    api.insert_run(b, "w3", RunStatus::Pending).await;

    let all = api.get("runs").await.data();
    assert_eq!(all["total"], 3);
    assert_eq!(all["limit"], 20);
    let first = &all["runs"][0];
    assert_eq!(first["config_name"], "B", "newest first: {all}");
    assert_eq!(first["status"], "pending");
    assert_eq!(first["trigger_source"], "realtime");

    let of_a = api.get(&format!("runs?config_id={a}")).await.data();
    assert_eq!(of_a["total"], 2);
    let failed_only = api.get("runs?status=failed").await.data();
    assert_eq!(failed_only["total"], 1);
    assert_eq!(failed_only["runs"][0]["id"], failed.id);
    assert_eq!(failed_only["runs"][0]["config_name"], "A");
    assert_eq!(
        api.get("runs?trigger_source=backfill").await.data()["total"],
        0
    );
    assert_eq!(api.get("runs?cluster=elsewhere").await.data()["total"], 0);

    let per_config = api
        .get(&format!("configs/{a}/runs?status=completed"))
        .await
        .data();
    assert_eq!(per_config["total"], 1);
    assert_eq!(per_config["runs"][0]["workload_uid"], "w2");

    // dates filter on when the run was created
    let mut conn = api.conn().await;
    diesel::update(runs::table.find(failed.id))
        .set(runs::created_at.eq(at("2025-01-01T00:00:00Z")))
        .execute(&mut conn)
        .await
        .unwrap();
    let old = api.get("runs?end_date=2025-06-01T00:00:00Z").await.data();
    assert_eq!(old["total"], 1);
    let new = api.get("runs?start_date=2025-06-01T00:00:00Z").await.data();
    assert_eq!(new["total"], 2);

    for (query, expected) in [
        (
            "runs?status=done",
            "invalid status: \"done\"; expected one of: pending, collecting",
        ),
        (
            "runs?trigger_source=cron",
            "invalid trigger_source: \"cron\"",
        ),
        (
            "runs?start_date=2025-13-01",
            "invalid start_date: \"2025-13-01\" is not an RFC 3339 time",
        ),
        ("runs?limit=500", "invalid limit: 500 is outside 1..=100"),
        (
            "runs?config_id=x",
            "invalid config_id: \"x\" is not a positive whole number",
        ),
    ] {
        let (code, message) = api.get(query).await.error();
        assert_eq!(code, 4000);
        assert!(message.starts_with(expected), "{query}: {message}");
    }
    assert_eq!(api.get("configs/999/runs").await.error().0, 4040);
}

#[tokio::test]
async fn details_and_retry() {
    let api = TestApi::start().await;
    let a = api.create_config("A", "arc", "a").await;
    let b = api.create_config("B", "arc", "b").await;
    let failed = api.insert_run(a, "w1", RunStatus::Failed).await;
    let done = api.insert_run(a, "w2", RunStatus::Completed).await;

    let got = api.get(&format!("runs/{}", failed.id)).await.data();
    assert_eq!(got["config_name"], "A");
    assert_eq!(got["status"], "failed");
    assert_eq!(got["extraction"], json!(null), "not extracted yet");

    // How a completed run's files were read, and its lowest confidence.
    let readings = json!([{"path": "r.log", "format": "text", "records": 3,
        "method": "generic", "confidence": 0.4, "reasons": ["3 fields have no name (column_N)"],
        "warnings": []}]);
    diesel::update(runs::table.find(done.id))
        .set((
            runs::extraction.eq(&readings),
            runs::extraction_confidence.eq(0.4_f32),
        ))
        .execute(&mut api.conn().await)
        .await
        .expect("update");
    let got = api.get(&format!("runs/{}", done.id)).await.data();
    assert_eq!(got["extraction"], readings);
    assert!(
        (got["extraction_confidence"].as_f64().unwrap() - 0.4).abs() < 1e-6,
        "{got}"
    );
    let scoped = api
        .get(&format!("configs/{a}/runs/{}", failed.id))
        .await
        .data();
    assert_eq!(scoped["id"], failed.id);
    let (code, message) = api
        .get(&format!("configs/{b}/runs/{}", failed.id))
        .await
        .error();
    assert_eq!(code, 4040, "{message}");
    assert_eq!(api.get("runs/999").await.error().0, 4040);

    let (code, message) = api
        .post(&format!("runs/{}/retry", done.id), json!({}))
        .await
        .error();
    assert_eq!(
        (code, message.as_str()),
        (4000, "only failed runs can be retried")
    );

    let mut conn = api.conn().await;
    diesel::update(runs::table.find(failed.id))
        .set((runs::retry_count.eq(5), runs::error_message.eq("no files")))
        .execute(&mut conn)
        .await
        .unwrap();
    let retried = api
        .post(&format!("runs/{}/retry", failed.id), json!({}))
        .await
        .data();
    assert_eq!(
        retried,
        json!({"message": "Run reset to pending", "run_id": failed.id,
               "previous_status": "failed", "new_status": "pending"})
    );
    let now = api.get(&format!("runs/{}", failed.id)).await.data();
    assert_eq!(now["status"], "pending");
    assert_eq!(now["retry_count"], 0);
    assert_eq!(now["error_message"], serde_json::Value::Null);
    // once pending it is no longer retryable
    let again = api
        .post(&format!("configs/{a}/runs/{}/retry", failed.id), json!({}))
        .await;
    assert_eq!(again.error().0, 4000);
    assert_eq!(api.post("runs/999/retry", json!({})).await.error().0, 4040);
}

#[tokio::test]
async fn batch_retry_takes_failed_runs_only() {
    let api = TestApi::start().await;
    let a = api.create_config("A", "arc", "a").await;
    let b = api.create_config("B", "arc", "b").await;
    let f1 = api.insert_run(a, "w1", RunStatus::Failed).await;
    let f2 = api.insert_run(a, "w2", RunStatus::Failed).await;
    let f3 = api.insert_run(a, "w3", RunStatus::Failed).await;
    let other = api.insert_run(b, "w1", RunStatus::Failed).await;
    let done = api.insert_run(a, "w4", RunStatus::Completed).await;

    let some = api
        .post(
            &format!("configs/{a}/runs/batch-retry"),
            json!({"run_ids": [f1.id, done.id, other.id]}),
        )
        .await
        .data();
    assert_eq!(some, json!({"retried": 1, "run_ids": [f1.id]}));
    let rest = api
        .post(&format!("configs/{a}/runs/batch-retry"), json!({}))
        .await
        .data();
    assert_eq!(rest, json!({"retried": 2, "run_ids": [f2.id, f3.id]}));
    let other_now = api.get(&format!("runs/{}", other.id)).await.data();
    assert_eq!(
        other_now["status"], "failed",
        "another config's run is untouched"
    );
    let (code, message) = api
        .post(
            &format!("configs/{a}/runs/batch-retry"),
            json!({"run_ids": ["x"]}),
        )
        .await
        .error();
    assert_eq!(code, 4000);
    assert!(
        message.starts_with("invalid JSON body at run_ids[0]"),
        "{message}"
    );
}

async fn insert_runner(api: &TestApi, uid: &str, set: &str, completed: Option<&str>) {
    let mut conn = api.conn().await;
    diesel::insert_into(workloads::table)
        .values((
            workloads::kind.eq("EphemeralRunner"),
            workloads::uid.eq(uid),
            workloads::name.eq(format!("{set}-{uid}")),
            workloads::namespace.eq("arc"),
            workloads::runner_set_name.eq(set),
            workloads::status.eq(if completed.is_some() {
                "completed"
            } else {
                "running"
            }),
            workloads::completed_at.eq(completed.map(at)),
            workloads::github_head_branch.eq("main"),
        ))
        .execute(&mut conn)
        .await
        .expect("inserting a runner");
}

#[tokio::test]
async fn test_queues_a_manual_run_of_the_newest_runner() {
    let api = TestApi::start().await;
    let id = api.create_config("A", "arc", "set").await;
    let (code, message) = api
        .post(&format!("configs/{id}/test"), json!({}))
        .await
        .error();
    assert_eq!(
        (code, message.as_str()),
        (4040, "runner set arc/set has no completed runner yet")
    );

    insert_runner(&api, "old", "set", Some("2025-01-01T00:00:00Z")).await;
    insert_runner(&api, "new", "set", Some("2025-01-02T00:00:00Z")).await;
    insert_runner(&api, "busy", "set", None).await;
    insert_runner(&api, "elsewhere", "other", Some("2025-01-03T00:00:00Z")).await;

    let run = api
        .post(&format!("configs/{id}/test"), json!({}))
        .await
        .data();
    assert_eq!(run["workload_uid"], "new");
    assert_eq!(run["trigger_source"], "manual");
    assert_eq!(run["status"], "pending");
    assert_eq!(run["head_branch"], "main");
    assert_eq!(run["workload_completed_at"], "2025-01-02T00:00:00Z");

    let chosen = api
        .post(
            &format!("configs/{id}/test"),
            json!({"workload_uid": "old"}),
        )
        .await
        .data();
    assert_eq!(chosen["workload_uid"], "old");

    // testing the same runner again puts its run back to pending…
    let mut conn = api.conn().await;
    let run_id = run["id"].as_i64().unwrap();
    diesel::update(runs::table.find(run_id))
        .set(runs::status.eq("completed"))
        .execute(&mut conn)
        .await
        .unwrap();
    let again = api
        .post(&format!("configs/{id}/test"), json!({}))
        .await
        .data();
    assert_eq!(
        (again["id"].as_i64(), again["status"].as_str()),
        (Some(run_id), Some("pending"))
    );
    // …but not while it is being collected
    diesel::update(runs::table.find(run_id))
        .set(runs::status.eq("collecting"))
        .execute(&mut conn)
        .await
        .unwrap();
    let (code, _) = api
        .post(&format!("configs/{id}/test"), json!({}))
        .await
        .error();
    assert_eq!(code, 4090);

    let (code, message) = api
        .post(
            &format!("configs/{id}/test"),
            json!({"workload_uid": "ghost"}),
        )
        .await
        .error();
    assert_eq!(
        (code, message.as_str()),
        (4040, "runner \"ghost\" not found in cluster \"default\"")
    );
    let repo = api
        .post(
            "configs",
            json!({"name": "r", "github_owner": "o", "github_repo": "r", "file_patterns": ["a"]}),
        )
        .await
        .data();
    let (code, message) = api
        .post(&format!("configs/{}/test", repo["id"]), json!({}))
        .await
        .error();
    assert_eq!(code, 4000);
    assert!(message.contains("bound to a repository"), "{message}");
    assert_eq!(
        api.post("configs/999/test", json!({})).await.error().0,
        4040
    );
}
