//! The collector with the `temp-pod` reader, against the fake Kubernetes
//! API and a real Postgres: a run of a runner-set config is read through a
//! reader pod (deleted afterwards) and its metrics stored; the runs that
//! cannot be read end with the reason; its typed reader options (`container`,
//! `path`; `url` refused) are read; the reaper deletes expired pods.

mod common;

use std::path::PathBuf;

use chrono::Utc;
use diesel::prelude::*;
use diesel::sql_types::{Jsonb, Text};
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};
use wfm_collector::{Collector, CollectorConfig, CollectorMetrics, Outcome};
use wfm_db::models::{Config, NewConfig, NewRun, Run};
use wfm_db::schema::{github_workflow_configs as configs, github_workflow_metrics as metrics};
use wfm_db::{ReaderKind, RunStatus, queue};
use wfm_env::Env;
use wfm_testing::arc_fixtures::load;
use wfm_testing::fake_kube::FakeKube;
use wfm_testing::{TestDb, insert_config, runner_set_config};

const NS: &str = "arc-runners";

struct Harness {
    db: TestDb,
    kube: FakeKube,
    collector: Collector,
    config: Config,
}

fn volume(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wfm-collector-pvc-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("runs/31753891150")).expect("mkdir");
    std::fs::write(
        dir.join("runs/31753891150/results.json"),
        r#"[{"model": "llama-70b", "batch": 8, "tokens_per_s": 1850.5},
            {"model": "llama-70b", "batch": 16, "tokens_per_s": 2710.0}]"#,
    )
    .expect("write");
    dir
}

impl Harness {
    async fn new(with_kube: bool, recorded: bool) -> Harness {
        let db = TestDb::new().await;
        let kube = FakeKube::start().await;
        let env = Env::from_pairs([("WFM_TEMP_POD_START_TIMEOUT", "3s")]);
        let settings = CollectorConfig::from_env(&env).expect("config");
        let registry = wfm_telemetry::Metrics::new("test", "0");
        let mut collector = Collector::new(
            db.pool().clone(),
            db.config(),
            settings,
            "test-worker".into(),
            CollectorMetrics::register(&registry),
        )
        .expect("collector");
        if with_kube {
            collector = collector.with_kube(kube.client());
        }
        let mut conn = db.connect().await;
        let config = insert_config(
            &mut conn,
            &NewConfig {
                file_patterns: Some(json!(["runs/{run_id}/*.json"])),
                reader: Some(ReaderKind::TempPod),
                ..runner_set_config(NS, "bench-runners")
            },
        )
        .await
        .expect("config");
        if recorded {
            // The runner set as wfm-scanner records it: its template's volumes and mounts.
            let ars: Value = load("autoscalingrunnerset.yaml");
            let template = &ars["spec"]["template"]["spec"];
            let spec =
                json!({"volumes": template["volumes"], "containers": template["containers"]});
            diesel::sql_query(
                "INSERT INTO gpu_workloads (kind, uid, name, namespace, spec)
                 VALUES ('AutoscalingRunnerSet', 'ars-uid', $1, $2, $3)",
            )
            .bind::<Text, _>("bench-runners")
            .bind::<Text, _>(NS)
            .bind::<Jsonb, _>(spec)
            .execute(&mut conn)
            .await
            .expect("runner set row");
        }
        Harness {
            db,
            kube,
            collector,
            config,
        }
    }

    async fn collect_one(&self) -> (Run, Outcome) {
        self.collect_runner("runner-uid").await
    }

    async fn collect_runner(&self, uid: &str) -> (Run, Outcome) {
        let mut conn = self.db.connect().await;
        let new = NewRun {
            config_id: self.config.id,
            workload_uid: uid.into(),
            github_run_id: Some(31753891150),
            workload_completed_at: Some(Utc::now()),
            ..NewRun::default()
        };
        queue::enqueue(&mut conn, &new)
            .await
            .expect("enqueue")
            .expect("new run");
        common::collect_next(&self.collector, &mut conn).await
    }
}

#[tokio::test]
async fn a_runner_sets_pvc_is_read_through_a_reader_pod_and_the_metrics_stored() {
    let h = Harness::new(true, true).await;
    h.kube.add_claim(NS, "bench-results", &volume("reads"));
    let (run, outcome) = h.collect_one().await;
    assert_eq!(
        outcome,
        Outcome::Completed {
            files: 1,
            records: 2
        },
        "{:?}",
        run.error_message
    );
    assert_eq!(run.status, RunStatus::Completed);
    let stored: Vec<Value> = metrics::table
        .filter(metrics::run_id.eq(run.id))
        .select(metrics::metrics)
        .load(&mut h.db.connect().await)
        .await
        .unwrap();
    assert_eq!(stored.len(), 2);
    assert!(
        stored.iter().any(|m| m["tokens_per_s"] == json!(2710.0)),
        "{stored:?}"
    );
    let name = format!("wfm-pvc-reader-{}-{}", h.config.id, run.id);
    assert_eq!(h.kube.created().len(), 1);
    assert_eq!(h.kube.created()[0]["metadata"]["name"], json!(name));
    assert!(
        h.kube.get("pods", NS, &name).is_none(),
        "the reader pod is deleted"
    );
}

#[tokio::test]
async fn runs_that_cannot_be_read_end_with_the_reason() {
    // The PVC is gone.
    let h = Harness::new(true, true).await;
    let (run, _) = h.collect_one().await;
    assert_eq!(run.status, RunStatus::Skipped);
    let reason = run.error_message.unwrap();
    assert!(
        reason.contains("PVC arc-runners/bench-results does not exist"),
        "{reason}"
    );

    // The scanner has not recorded the runner set (yet): retried.
    let h = Harness::new(true, false).await;
    let (run, _) = h.collect_one().await;
    assert_eq!(run.status, RunStatus::Pending);
    assert!(
        run.error_message
            .unwrap()
            .contains("has not been recorded by wfm-scanner")
    );

    // No Kubernetes API.
    let h = Harness::new(false, true).await;
    let (run, _) = h.collect_one().await;
    assert_eq!(run.status, RunStatus::Skipped);
    assert!(
        run.error_message
            .unwrap()
            .contains("needs the Kubernetes API")
    );

    // The pod never runs: retried later, the pod deleted.
    let h = Harness::new(true, true).await;
    h.kube.add_claim(NS, "bench-results", &volume("stuck"));
    h.kube.set_pod_phase("Pending");
    let (run, outcome) = h.collect_one().await;
    assert!(
        matches!(outcome, Outcome::Retry(ref m) if m.contains("was not Running after 3s")),
        "{outcome:?}"
    );
    assert_eq!(run.status, RunStatus::Pending);
    assert_eq!(run.retry_count, 1);
    assert!(h.kube.list("pods", NS).is_empty());
}

#[tokio::test]
async fn the_pod_readers_options_are_read_typed() {
    let h = Harness::new(true, true).await;
    h.kube.add_claim(NS, "bench-results", &volume("options"));
    let failed_with = async |uid: &str, options: Value| {
        let mut conn = h.db.connect().await;
        diesel::update(configs::table.find(h.config.id))
            .set(configs::reader_options.eq(options))
            .execute(&mut conn)
            .await
            .expect("reader_options");
        let (run, outcome) = h.collect_runner(uid).await;
        assert_eq!(run.status, RunStatus::Failed, "{outcome:?}");
        run.error_message.unwrap_or_default()
    };
    let reason = failed_with("container", json!({"container": "sidecar"})).await;
    assert!(
        reason.contains("the runner template has no container \"sidecar\""),
        "{reason}"
    );
    let reason = failed_with("path", json!({"path": "/elsewhere"})).await;
    assert!(
        reason.starts_with("reader_options.path \"/elsewhere\" must be an absolute path under one of the runner's PVC mounts"),
        "{reason}"
    );
    // `url` is the node-exporter reader's
    let reason = failed_with("url", json!({"url": "http://agent:8989"})).await;
    assert!(
        reason.starts_with("reader_options.url: unknown option for the temp-pod reader"),
        "{reason}"
    );
    assert!(h.kube.created().is_empty(), "no reader pod was made");
}

#[tokio::test]
async fn the_collectors_reaper_deletes_expired_reader_pods_in_config_namespaces() {
    let h = Harness::new(true, true).await;
    let expired = (Utc::now() - chrono::Duration::seconds(5)).to_rfc3339();
    h.kube.apply(json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "wfm-pvc-reader-1-1", "namespace": NS,
                     "labels": {"wfm.io/temp-pvc-reader": "true"},
                     "annotations": {"wfm.io/expires-at": expired}},
        "spec": {"containers": [{"name": "reader"}]}}));
    let client = h.kube.client();
    let reaped = wfm_collector::pods::reap_once(&h.collector, &client)
        .await
        .expect("reap");
    assert_eq!(reaped, 1);
    assert!(h.kube.get("pods", NS, "wfm-pvc-reader-1-1").is_none());
}
