//! wfm-api: the HTTP API that dashboards and users talk to, and the GitHub
//! webhook receiver. Serves on `WFM_LISTEN_ADDR` (default `0.0.0.0:8080`)
//! together with `/healthz`, `/readyz` and `/metrics`.

use std::process::ExitCode;

use wfm_service::ServiceInfo;

const INFO: ServiceInfo = ServiceInfo {
    name: "wfm-api",
    version: env!("CARGO_PKG_VERSION"),
    default_port: 8080,
};

/// HTTP worker threads: one per core, as actix-web does by default.
fn http_workers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

fn main() -> ExitCode {
    wfm_service::run(
        INFO,
        |_env| Ok(()),
        |service| async move { service.serve(http_workers(), |_routes| {}).await },
    )
}
