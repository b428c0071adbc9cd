//! wfm-backfill: executes backfill requests, enqueueing historical runs at low priority. The executor lands with the [backfill] issue; until then the binary serves its health and metrics endpoints.
//!
//! Health and metrics on `WFM_LISTEN_ADDR` (default `0.0.0.0:9103`).

use std::process::ExitCode;

use wfm_service::ServiceInfo;

const INFO: ServiceInfo = ServiceInfo {
    name: "wfm-backfill",
    version: env!("CARGO_PKG_VERSION"),
    default_port: 9103,
};

fn main() -> ExitCode {
    wfm_service::run(
        INFO,
        |_env| Ok(()),
        |service| async move { service.serve_ops().await },
    )
}
