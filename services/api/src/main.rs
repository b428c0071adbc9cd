//! wfm-api: the HTTP API that dashboards and users talk to. Serves on
//! `WFM_LISTEN_ADDR` (default `0.0.0.0:8080`) together with `/healthz`,
//! `/readyz` and `/metrics`. Settings: `ApiConfig`.

use std::process::ExitCode;
use std::sync::Arc;

use actix_web::web;
use wfm_api::{ApiConfig, AppState};
use wfm_extract::llm::LlmClient;
use wfm_service::ServiceInfo;

const INFO: ServiceInfo = ServiceInfo {
    name: "wfm-api",
    version: env!("CARGO_PKG_VERSION"),
    default_port: 8080,
};

fn main() -> ExitCode {
    wfm_service::run(INFO, ApiConfig::from_env, |service| async move {
        if service.config.tokens.is_open() {
            tracing::warn!(
                "no WFM_API_READ_TOKENS or WFM_API_ADMIN_TOKENS set: the API is open to anyone who can reach it"
            );
        }
        let llm = match service.config.llm.clone() {
            Some(config) => Some(Arc::new(LlmClient::new(config)?)),
            None => None,
        };
        let state = web::Data::new(AppState {
            pool: service.pool.clone(),
            cluster: service.common.cluster_name.clone(),
            tokens: service.config.tokens.clone(),
            llm,
            summary_max_values: service.config.summary_max_values,
        });
        service
            .serve(service.config.workers, move |cfg| {
                wfm_api::configure(cfg, state.clone())
            })
            .await
    })
}
