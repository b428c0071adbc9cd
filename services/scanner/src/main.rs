//! wfm-scanner: records ARC runners from Kubernetes in gpu_workloads and enqueues runs for finished ones. The watcher lands with the [kube] issue; until then the binary serves its health and metrics endpoints.
//!
//! Health and metrics on `WFM_LISTEN_ADDR` (default `0.0.0.0:9102`).

use std::process::ExitCode;

use wfm_service::ServiceInfo;

const INFO: ServiceInfo = ServiceInfo {
    name: "wfm-scanner",
    version: env!("CARGO_PKG_VERSION"),
    default_port: 9102,
};

fn main() -> ExitCode {
    wfm_service::run(
        INFO,
        |_env| Ok(()),
        |service| async move { service.serve_ops().await },
    )
}
