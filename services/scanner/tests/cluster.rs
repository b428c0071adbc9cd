//! Against a real cluster with ARC installed: ignored by default (no cluster
//! runs here). See services/scanner/README.md, "Testing against a cluster":
//!
//! ```sh
//! KUBECONFIG=~/.kube/config WFM_TEST_ARC_NAMESPACE=arc-runners \
//!   cargo test -p wfm-scanner --test cluster -- --ignored --nocapture
//! ```
//!
//! The scanner watches the namespace for 20 s (run a workflow on the scale
//! set meanwhile to see a runner go through its lifecycle), then every
//! AutoscalingRunnerSet the API lists must be recorded with its template.

use std::sync::Arc;
use std::time::Duration;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use kube::api::ListParams;
use tokio_util::sync::CancellationToken;
use wfm_db::schema::gpu_workloads as workloads;
use wfm_kube::arc::AutoscalingRunnerSet;
use wfm_scanner::{Scanner, ScannerConfig, ScannerMetrics};
use wfm_testing::TestDb;

#[tokio::test]
#[ignore = "needs a Kubernetes cluster with ARC (KUBECONFIG, WFM_TEST_ARC_NAMESPACE)"]
async fn records_the_clusters_runner_sets_and_runners() {
    let namespace =
        std::env::var("WFM_TEST_ARC_NAMESPACE").unwrap_or_else(|_| "arc-runners".into());
    let client = kube::Client::try_default()
        .await
        .expect("a cluster from KUBECONFIG");
    let db = TestDb::new().await;
    let scanner = Arc::new(Scanner {
        pool: db.pool().clone(),
        cluster: "default".into(),
        config: ScannerConfig {
            namespaces: Some(vec![namespace.clone()]),
            scan_interval: None,
            scan_lookback: Duration::from_secs(600),
            pod_metrics_interval: None,
            pod_metrics_retention: Duration::from_secs(86_400),
        },
        metrics: ScannerMetrics::default(),
    });
    let stop = CancellationToken::new();
    let task = tokio::spawn(wfm_scanner::run(
        scanner,
        Some(client.clone()),
        stop.clone(),
    ));
    tokio::time::sleep(Duration::from_secs(20)).await;
    stop.cancel();
    task.await.expect("test setup");

    let sets = kube::Api::<AutoscalingRunnerSet>::namespaced(client, &namespace)
        .list(&ListParams::default())
        .await
        .expect("test setup");
    let recorded: Vec<(String, String, Option<serde_json::Value>)> = workloads::table
        .select((workloads::kind, workloads::name, workloads::spec))
        .load(&mut db.connect().await)
        .await
        .expect("test setup");
    for set in &sets.items {
        let name = set.metadata.name.clone().expect("test setup");
        let row = recorded
            .iter()
            .find(|(kind, n, _)| kind == "AutoscalingRunnerSet" && *n == name)
            .unwrap_or_else(|| panic!("runner set {name} not recorded"));
        assert!(row.2.as_ref().is_some_and(|s| s["containers"].is_array()));
    }
    for (kind, name, _) in &recorded {
        println!("recorded {kind} {name}");
    }
}
