//! wfm-backfill: executes backfill requests, enqueueing historical runs at
//! low priority, paced per request. Settings: `BackfillConfig`.
//!
//! Health and metrics on `WFM_LISTEN_ADDR` (default `0.0.0.0:9103`).

use std::process::ExitCode;
use std::sync::Arc;

use wfm_backfill::{BackfillConfig, BackfillMetrics, Backfiller, worker};
use wfm_service::ServiceInfo;

const INFO: ServiceInfo = ServiceInfo {
    name: "wfm-backfill",
    version: env!("CARGO_PKG_VERSION"),
    default_port: 9103,
};

fn main() -> ExitCode {
    wfm_service::run(INFO, BackfillConfig::from_env, |service| async move {
        let backfiller = Arc::new(Backfiller {
            pool: service.pool.clone(),
            db: service.common.db.clone(),
            config: service.config.clone(),
            worker: service.common.instance_id.clone(),
            metrics: BackfillMetrics::register(&service.metrics),
        });
        let work = worker::run(backfiller, service.shutdown.clone());
        let (served, worked) = tokio::join!(service.serve_ops(), work);
        served.and(worked)
    })
}
