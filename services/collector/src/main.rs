//! wfm-collector: claims pending runs from the queue, reads their result
//! files, extracts metrics and stores them. Settings: `CollectorConfig`.
//!
//! Health and metrics on `WFM_LISTEN_ADDR` (default `0.0.0.0:9101`).

use std::process::ExitCode;
use std::sync::Arc;

use wfm_collector::{Collector, CollectorConfig, CollectorMetrics, worker};
use wfm_service::ServiceInfo;

const INFO: ServiceInfo = ServiceInfo {
    name: "wfm-collector",
    version: env!("CARGO_PKG_VERSION"),
    default_port: 9101,
};

fn main() -> ExitCode {
    wfm_service::run(INFO, CollectorConfig::from_env, |service| async move {
        let metrics = CollectorMetrics::register(&service.metrics);
        let collector = Collector::new(
            service.pool.clone(),
            service.common.db.clone(),
            service.config.clone(),
            service.common.instance_id.clone(),
            metrics,
        )?;
        // The temp-pod and node-exporter readers need the Kubernetes API;
        // without one their runs are skipped with that reason.
        let collector = match kube::Client::try_default().await {
            Ok(client) => collector.with_kube(client),
            Err(e) => {
                tracing::info!(error = %e, "no Kubernetes API: temp-pod and node-exporter runs will be skipped");
                collector
            }
        };
        let work = worker::run(Arc::new(collector), service.shutdown.clone());
        let (served, worked) = tokio::join!(service.serve_ops(), work);
        served.and(worked)
    })
}
