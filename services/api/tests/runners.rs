//! Runners of a config, runner sets and their statistics, from gpu_workloads.

mod common;

use common::{TestApi, WorkloadRow, at};
use serde_json::json;
use wfm_db::RunStatus;

#[tokio::test]
async fn config_runners_with_filters_and_processed() {
    let api = TestApi::start().await;
    let id = api.create_config("c", "arc", "set").await;
    api.completed_runner("r1", "2025-01-01T01:00:00Z", 60).await;
    api.completed_runner("r2", "2025-01-02T01:00:00Z", 60).await;
    api.insert_workload(WorkloadRow {
        uid: "r3".into(),
        created_at: at("2025-01-03T00:00:00Z"),
        workflow_ref: Some("o/r/.github/workflows/bench.yml@refs/heads/main".into()),
        ..WorkloadRow::default()
    })
    .await;
    api.insert_workload(WorkloadRow {
        uid: "other".into(),
        runner_set: "other",
        ..WorkloadRow::default()
    })
    .await;
    let run = api.insert_run(id, "r1", RunStatus::Completed).await;

    let all = api.get(&format!("configs/{id}/runners")).await.data();
    assert_eq!(
        all["total"], 3,
        "only the bound runner set's runners: {all}"
    );
    assert_eq!(all["runners"][0]["uid"], "r3", "newest first");
    let r1 = all["runners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["uid"] == "r1")
        .unwrap();
    assert_eq!(
        (r1["processed"].as_bool(), r1["run_id"].as_i64()),
        (Some(true), Some(run.id))
    );
    assert_eq!(r1["run_status"], "completed");
    assert_eq!(r1["kind"], "EphemeralRunner");

    let q = |query: &str| format!("configs/{id}/runners?{query}");
    assert_eq!(api.get(&q("status=completed")).await.data()["total"], 2);
    assert_eq!(api.get(&q("status=all")).await.data()["total"], 3);
    assert_eq!(api.get(&q("processed=false")).await.data()["total"], 2);
    assert_eq!(api.get(&q("processed=true")).await.data()["total"], 1);
    assert_eq!(api.get(&q("workflow=bench.yml")).await.data()["total"], 1);
    assert_eq!(
        api.get(&q("workflow=b%25")).await.data()["total"],
        0,
        "LIKE wildcards are literal"
    );
    assert_eq!(
        api.get(&q("start_time=2025-01-02T00:00:00Z")).await.data()["total"],
        2
    );
    let page = api.get(&q("page=2&page_size=2")).await.data();
    assert_eq!(
        (
            page["offset"].as_i64(),
            page["runners"].as_array().map(Vec::len)
        ),
        (Some(2), Some(1))
    );
    let (code, message) = api.get(&q("status=done")).await.error();
    assert_eq!(code, 4000);
    assert!(message.starts_with("invalid status: \"done\""), "{message}");
    assert_eq!(api.get(&q("processed=perhaps")).await.error().0, 4000);

    let one = api.get(&format!("configs/{id}/runners/r2")).await.data();
    assert_eq!(
        (one["uid"].as_str(), one["processed"].as_bool()),
        (Some("r2"), Some(false))
    );
    assert_eq!(
        api.get(&format!("configs/{id}/runners/other"))
            .await
            .error()
            .0,
        4040
    );
    assert_eq!(api.get("configs/999/runners").await.error().0, 4040);
}

#[tokio::test]
async fn runner_sets_and_stats() {
    let api = TestApi::start().await;
    api.insert_workload(WorkloadRow {
        kind: "AutoscalingRunnerSet",
        uid: "ars".into(),
        status: "running",
        ..WorkloadRow::default()
    })
    .await;
    api.insert_workload(WorkloadRow {
        kind: "AutoscalingRunnerSet",
        uid: "ars2".into(),
        namespace: "zz",
        runner_set: "b",
        ..WorkloadRow::default()
    })
    .await;
    let durations = [60, 120, 180, 600];
    for (i, seconds) in durations.iter().enumerate() {
        api.completed_runner(
            &format!("ok{i}"),
            &format!("2025-01-0{}T00:00:00Z", i + 1),
            *seconds,
        )
        .await;
    }
    api.insert_workload(WorkloadRow {
        uid: "bad".into(),
        status: "failed",
        ..WorkloadRow::default()
    })
    .await;
    api.insert_workload(WorkloadRow {
        uid: "busy".into(),
        ..WorkloadRow::default()
    })
    .await;
    let id = api.create_config("c", "arc", "set").await;
    api.insert_run(id, "ok0", RunStatus::Completed).await;
    api.insert_run(id, "ok1", RunStatus::Failed).await;

    let list = api.get("autoscaling-runner-sets").await.data();
    assert_eq!(list["total"], 2);
    assert_eq!(list["runner_sets"][0]["name"], "set");
    assert_eq!(
        api.get("autoscaling-runner-sets?namespace=zz").await.data()["total"],
        1
    );
    assert_eq!(
        api.get("autoscaling-runner-sets?cluster=x").await.data()["total"],
        0
    );
    let one = api.get("autoscaling-runner-sets/arc/set").await.data();
    assert_eq!(
        (one["kind"].as_str(), one["uid"].as_str()),
        (Some("AutoscalingRunnerSet"), Some("ars"))
    );
    let (code, message) = api.get("autoscaling-runner-sets/arc/nope").await.error();
    assert_eq!(
        (code, message.as_str()),
        (4040, "runner set arc/nope not found in cluster \"default\"")
    );

    let stats = api
        .get("autoscaling-runner-sets/arc/set/stats")
        .await
        .data();
    let mean = durations.iter().sum::<i64>() as f64 / 4.0;
    assert_eq!(stats["runners_total"], 6);
    assert_eq!(stats["runners_completed"], 4);
    assert_eq!(stats["runners_failed"], 1);
    assert_eq!(stats["runners_running"], 1);
    assert_eq!(stats["success_rate"], json!(0.8));
    assert_eq!(stats["duration_avg_seconds"], json!(mean));
    assert_eq!(
        stats["duration_p50_seconds"],
        json!(150.0),
        "between 120 and 180"
    );
    let p95 = stats["duration_p95_seconds"].as_f64().unwrap();
    assert!(
        (p95 - (180.0 + (600.0 - 180.0) * 0.85)).abs() < 1e-9,
        "{p95}"
    );
    assert_eq!(stats["runs_collected"], 1);
    assert_eq!(stats["last_completion_at"], "2025-01-04T00:00:00Z");
    assert_eq!(
        api.get("autoscaling-runner-sets/arc/nope/stats")
            .await
            .error()
            .0,
        4040
    );
}
