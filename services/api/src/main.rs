//! wfm-api: the HTTP API that dashboards and users talk to. Serves on
//! `WFM_LISTEN_ADDR` (default `0.0.0.0:8080`) together with `/healthz`,
//! `/readyz` and `/metrics`. Settings: `ApiConfig`.

use std::process::ExitCode;
use std::sync::Arc;

use actix_web::web;
use wfm_actions_metrics::GithubMetrics;
use wfm_api::webhooks::Webhooks;
use wfm_api::{ApiConfig, AppState};
use wfm_change_tracking::export::SeriesExport;
use wfm_extract::llm::LlmClient;
use wfm_runner_obs::logs::store::LogStore;
use wfm_service::ServiceInfo;

const INFO: ServiceInfo = ServiceInfo {
    name: "wfm-api",
    version: env!("CARGO_PKG_VERSION"),
    default_port: 8080,
};

fn main() -> ExitCode {
    wfm_service::run(INFO, ApiConfig::from_env, |mut service| async move {
        if service.config.tokens.is_open() {
            tracing::warn!(
                "no WFM_API_READ_TOKENS or WFM_API_ADMIN_TOKENS set: the API is open to anyone who can reach it"
            );
        }
        let llm = match service.config.llm.clone() {
            Some(config) => Some(Arc::new(LlmClient::new(config)?)),
            None => None,
        };
        let log_store = LogStore::new(service.config.job_log_s3.as_ref())?;
        let webhooks = Webhooks::new(service.config.webhooks.clone(), service.pool.clone());
        service.metrics.register(
            "webhook_rejections",
            "Webhook deliveries refused before they were stored, by reason",
            webhooks.rejections.clone(),
        );
        service.metrics.register(
            "webhook_receipts",
            "Webhook deliveries answered 2xx by this process, by outcome (accepted, duplicate, ignored)",
            webhooks.receipts.clone(),
        );
        service.metrics.register(
            "webhook_payloads_handed_over",
            "Webhook events this process's processor took as the receiver parsed them",
            webhooks.handoff.handed.clone(),
        );
        service.metrics.register(
            "webhook_payloads_parsed_again",
            "Webhook payloads this process's processor read back and parsed (received by another replica)",
            webhooks.handoff.parsed.clone(),
        );
        if webhooks.config.secrets.is_empty() {
            if webhooks.config.allow_unsigned {
                tracing::warn!(
                    "WFM_WEBHOOK_ALLOW_UNSIGNED is set: unsigned webhook deliveries are accepted"
                );
            } else {
                tracing::warn!("no WFM_WEBHOOK_SECRETS set: POST /v1/webhooks/github answers 503");
            }
        }
        let github = GithubMetrics::new(service.pool.clone(), service.config.ci.clone());
        service.metrics.register_collector(github.collector());
        let series = SeriesExport::new(service.pool.clone(), service.config.export);
        service.metrics.register_collector(series.collector());
        let health = wfm_repo_health::gauges::HealthGauges::new(
            service.pool.clone(),
            service.config.export.cache,
        );
        service.metrics.register_collector(health.collector());
        service.on_scrape(Arc::new(move || {
            let github = github.clone();
            let series = series.clone();
            let health = health.clone();
            Box::pin(async move {
                github.refresh_if_stale().await;
                series.refresh_if_stale().await;
                health.refresh_if_stale().await;
            })
        }));
        let processor = webhooks.config.processor.then(|| {
            tokio::spawn(wfm_api::webhooks::process::run(
                service.pool.clone(),
                webhooks.clone(),
                service.shutdown.clone(),
            ))
        });
        let state = web::Data::new(AppState {
            pool: service.pool.clone(),
            cluster: service.common.cluster_name.clone(),
            tokens: service.config.tokens.clone(),
            llm,
            summary_max_values: service.config.summary_max_values,
            webhooks,
            log_store,
        });
        let console = wfm_console::Console::load(&service.config.console);
        let served = service
            .serve(service.config.workers, move |cfg| {
                wfm_api::configure(cfg, state.clone());
                // last: its fallback answers every other GET path
                wfm_console::configure(cfg, &console);
            })
            .await;
        // the processor stops at the same shutdown signal; let it finish its batch
        if let Some(processor) = processor {
            service.shutdown.cancel();
            if let Err(e) = processor.await {
                tracing::error!(error = %e, "the webhook processor panicked");
            }
        }
        served
    })
}
