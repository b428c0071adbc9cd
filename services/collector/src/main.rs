//! wfm-collector: claims pending runs from the queue, reads their result files, extracts and stores metrics. The queue worker lands with the [collector] issue; until then the binary serves its health and metrics endpoints.
//!
//! Health and metrics on `WFM_LISTEN_ADDR` (default `0.0.0.0:9101`).

use std::process::ExitCode;

use wfm_service::ServiceInfo;

const INFO: ServiceInfo = ServiceInfo {
    name: "wfm-collector",
    version: env!("CARGO_PKG_VERSION"),
    default_port: 9101,
};

fn main() -> ExitCode {
    wfm_service::run(
        INFO,
        |_env| Ok(()),
        |service| async move { service.serve_ops().await },
    )
}
