//! Backfill requests: dry run writes nothing, one active per config, status
//! counted from runs, cancel skips pending runs.

mod common;

use common::{TestApi, WorkloadRow, at};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::json;
use wfm_db::RunStatus;
use wfm_db::schema::{github_workflow_backfills as backfills, github_workflow_runs as runs};

async fn history(api: &TestApi) -> i64 {
    let id = api
        .post(
            "configs",
            json!({"name": "c", "runner_set_namespace": "arc", "runner_set_name": "set",
                   "workflow_filter": "bench.yml", "file_patterns": ["*.csv"]}),
        )
        .await
        .data()["id"]
        .as_i64()
        .expect("config id");
    for day in 1..=5 {
        let completed = at(&format!("2025-01-0{day}T00:00:00Z"));
        let workflow = if day == 5 { "other.yml" } else { "bench.yml" };
        api.insert_workload(WorkloadRow {
            uid: format!("w{day}"),
            status: "completed",
            created_at: completed,
            completed_at: Some(completed),
            workflow_ref: Some(format!("o/r/.github/workflows/{workflow}@refs/heads/main")),
            ..WorkloadRow::default()
        })
        .await;
    }
    api.insert_run(id, "w1", RunStatus::Completed).await;
    id
}

async fn count_backfills(api: &TestApi) -> i64 {
    let mut conn = api.conn().await;
    backfills::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("counting backfills")
}

#[tokio::test]
async fn dry_run_previews_and_writes_nothing() {
    let api = TestApi::start().await;
    let id = history(&api).await;
    let path = format!("configs/{id}/backfill");
    let dry = api.post(&path, json!({"dry_run": true})).await.data();
    // w1 has a run already; w5 is another workflow
    assert_eq!(dry["total"], 3, "{dry}");
    let uids: Vec<&str> = dry["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["uid"].as_str().unwrap())
        .collect();
    assert_eq!(uids, ["w2", "w3", "w4"], "oldest first");
    let ranged = api
        .post(&path, json!({"dry_run": true, "start_time": "2025-01-03T00:00:00Z", "end_time": "2025-01-03T12:00:00Z"}))
        .await
        .data();
    assert_eq!(ranged["total"], 1);
    let listed = api
        .post(
            &path,
            json!({"dry_run": true, "workload_uids": ["w1", "w4", "w5", "ghost"]}),
        )
        .await
        .data();
    assert_eq!(listed["total"], 1);
    assert_eq!(count_backfills(&api).await, 0);

    for (body, expected) in [
        (
            json!({"start_time": "2025-02-01T00:00:00Z", "end_time": "2025-01-01T00:00:00Z"}),
            "invalid start_time: it is after end_time",
        ),
        (json!({"workload_uids": []}), "invalid workload_uids"),
        (
            json!({"rate_limit_per_minute": 0}),
            "invalid rate_limit_per_minute: must be at least 1",
        ),
        (
            json!({"start_time": "last week"}),
            "invalid JSON body at start_time",
        ),
        (json!({"dry_run": "yes"}), "invalid JSON body at dry_run"),
    ] {
        let (code, message) = api.post(&path, body.clone()).await.error();
        assert_eq!(code, 4000, "{body}");
        assert!(message.starts_with(expected), "{body}: {message}");
    }
    let repo = api
        .post(
            "configs",
            json!({"name": "r", "github_owner": "o", "github_repo": "r", "file_patterns": ["a"]}),
        )
        .await
        .data();
    let (code, message) = api
        .post(&format!("configs/{}/backfill", repo["id"]), json!({}))
        .await
        .error();
    assert_eq!(code, 4000);
    assert!(message.contains("bound to a repository"), "{message}");
}

#[tokio::test]
async fn one_active_backfill_status_and_cancel() {
    let api = TestApi::start().await;
    let id = history(&api).await;
    let path = format!("configs/{id}/backfill");
    assert_eq!(api.get(&format!("{path}/status")).await.error().0, 4040);
    let (code, _) = api.post(&format!("{path}/cancel"), json!({})).await.error();
    assert_eq!(code, 4040);

    let filed = api.post(&path, json!({"rate_limit_per_minute": 60})).await;
    assert_eq!(filed.status, 201);
    let filed = filed.data();
    let backfill = filed["id"].as_i64().unwrap();
    assert_eq!(filed["state"], "pending");
    assert_eq!(filed["total"], 3);
    assert_eq!(filed["enqueued"], 0);
    assert_eq!(filed["rate_limit_per_minute"], 60);
    let (code, message) = api.post(&path, json!({})).await.error();
    assert_eq!(code, 4090);
    assert!(
        message.contains(&format!("already has an active backfill ({backfill})")),
        "{message}"
    );

    // what wfm-backfill would have done: runs for the three, one each of done, failed, pending
    let mut conn = api.conn().await;
    for (uid, status) in [("w2", "completed"), ("w3", "failed"), ("w4", "pending")] {
        let run = api.insert_run(id, uid, RunStatus::Pending).await;
        diesel::update(runs::table.find(run.id))
            .set((
                runs::backfill_id.eq(backfill),
                runs::status.eq(status),
                runs::trigger_source.eq("backfill"),
            ))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    diesel::update(backfills::table.find(backfill))
        .set((
            backfills::state.eq("in_progress"),
            backfills::started_at.eq(chrono::Utc::now() - chrono::Duration::seconds(10)),
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    let status = api.get(&format!("{path}/status")).await.data();
    assert_eq!(status["state"], "in_progress");
    // the spec's body: {"total","processed","failed","status"}
    assert_eq!(
        (
            &status["total"],
            &status["processed"],
            &status["failed"],
            &status["status"]
        ),
        (&json!(3), &json!(2), &json!(1), &json!("in_progress"))
    );
    assert_eq!(
        (
            status["total"].as_i64(),
            status["enqueued"].as_i64(),
            status["processed"].as_i64()
        ),
        (Some(3), Some(3), Some(2))
    );
    assert_eq!(
        (
            status["completed"].as_i64(),
            status["failed"].as_i64(),
            status["pending"].as_i64()
        ),
        (Some(1), Some(1), Some(1))
    );
    // 2 processed in ~10 s: 1 left takes ~5 s
    let eta = status["eta_seconds"].as_i64().unwrap();
    assert!((4..=7).contains(&eta), "{eta}");

    let cancelled = api.post(&format!("{path}/cancel"), json!({})).await.data();
    assert_eq!(cancelled["state"], "cancelled");
    assert_eq!(
        (cancelled["skipped"].as_i64(), cancelled["pending"].as_i64()),
        (Some(1), Some(0))
    );
    assert!(cancelled["finished_at"].is_string());
    assert_eq!(cancelled["eta_seconds"], serde_json::Value::Null);
    let w4: (String, Option<String>) = runs::table
        .filter(runs::workload_uid.eq("w4"))
        .select((runs::status, runs::error_message))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(w4, ("skipped".to_owned(), Some("cancelled".to_owned())));
    let (code, message) = api.post(&format!("{path}/cancel"), json!({})).await.error();
    assert_eq!(
        (code, message),
        (
            4000,
            format!("backfill {backfill} is already cancelled; there is nothing to cancel")
        )
    );
    // a new one may be filed now; status shows the newest, or the one asked for
    let second = api.post(&path, json!({})).await.data()["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        api.get(&format!("{path}/status")).await.data()["id"],
        second
    );
    assert_eq!(
        api.get(&format!("{path}/status?backfill_id={backfill}"))
            .await
            .data()["id"],
        backfill
    );
}
