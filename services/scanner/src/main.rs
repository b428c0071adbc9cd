//! wfm-scanner: watches ARC's runner sets and runners, records them in
//! `gpu_workloads` and enqueues runs for finished jobs. Settings:
//! `ScannerConfig`; the Kubernetes API is found as kubectl finds it
//! (`KUBECONFIG`, else the pod's service account).
//!
//! Health and metrics on `WFM_LISTEN_ADDR` (default `0.0.0.0:9102`).

use std::process::ExitCode;
use std::sync::Arc;

use wfm_scanner::{Scanner, ScannerConfig, ScannerMetrics};
use wfm_service::ServiceInfo;

const INFO: ServiceInfo = ServiceInfo {
    name: "wfm-scanner",
    version: env!("CARGO_PKG_VERSION"),
    default_port: 9102,
};

fn main() -> ExitCode {
    wfm_service::run(INFO, ScannerConfig::from_env, |service| async move {
        // Without a Kubernetes API (a laptop, the demo) the scanner still
        // serves and runs the periodic scan; it says loudly that it watches nothing.
        let client = match kube::Client::try_default().await {
            Ok(client) => Some(client),
            Err(e) => {
                tracing::warn!(error = %e, "no Kubernetes API (set KUBECONFIG or run in a pod with a service account): watching nothing");
                None
            }
        };
        let scanner = Arc::new(Scanner {
            pool: service.pool.clone(),
            cluster: service.common.cluster_name.clone(),
            config: service.config.clone(),
            metrics: ScannerMetrics::register(&service.metrics),
        });
        tracing::info!(?scanner, "watching ARC runners");
        let work = wfm_scanner::run(scanner, client, service.shutdown.clone());
        let (served, ()) = tokio::join!(service.serve_ops(), work);
        served
    })
}
