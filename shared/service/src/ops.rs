//! `/healthz`, `/readyz` and `/metrics`, mounted on every service's HTTP listener.
//!
//! - `/healthz`: the process is up and serving (liveness). Never touches the database,
//!   so a database outage does not get every pod restarted.
//! - `/readyz`: the database answers `SELECT 1` within `WFM_READY_TIMEOUT` (readiness).
//! - `/metrics`: the Prometheus registry, with the pool's state refreshed per scrape.

use std::sync::Arc;
use std::time::Duration;

use actix_web::{HttpResponse, web};
use futures_util::future::BoxFuture;
use prometheus_client::metrics::gauge::Gauge;
use serde_json::json;
use wfm_db::DbPool;
use wfm_db::health::ping;
use wfm_telemetry::Metrics;

/// Runs before each `/metrics` answer: refreshes values a service computes
/// from the database (and caches as it sees fit).
pub type ScrapeHook = Arc<dyn Fn() -> BoxFuture<'static, ()> + Send + Sync>;

/// What the ops routes need; cheap to clone.
#[derive(Clone)]
pub struct OpsState {
    service: &'static str,
    pool: DbPool,
    metrics: Metrics,
    ready_timeout: Duration,
    pool_gauges: PoolGauges,
    scrape_hook: Option<ScrapeHook>,
}

impl std::fmt::Debug for OpsState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The pool has no Debug; its state is on /metrics.
        f.debug_struct("OpsState")
            .field("service", &self.service)
            .field("ready_timeout", &self.ready_timeout)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
struct PoolGauges {
    size: Gauge,
    available: Gauge,
    waiting: Gauge,
    max_size: Gauge,
}

impl OpsState {
    pub fn new(
        service: &'static str,
        pool: DbPool,
        metrics: Metrics,
        ready_timeout: Duration,
    ) -> Self {
        let pool_gauges = PoolGauges {
            size: metrics.gauge("db_pool_connections", "Connections the pool holds"),
            available: metrics.gauge("db_pool_idle_connections", "Idle connections in the pool"),
            waiting: metrics.gauge("db_pool_waiters", "Tasks waiting for a connection"),
            max_size: metrics.gauge("db_pool_max_connections", "The pool's size limit"),
        };
        Self {
            service,
            pool,
            metrics,
            ready_timeout,
            pool_gauges,
            scrape_hook: None,
        }
    }

    /// Sets what runs before each scrape.
    pub fn on_scrape(&mut self, hook: ScrapeHook) {
        self.scrape_hook = Some(hook);
    }

    /// Mounts the three routes, and `/health` (the actions exporter's name
    /// for `/healthz`).
    pub fn configure(&self, cfg: &mut web::ServiceConfig) {
        cfg.app_data(web::Data::new(self.clone()))
            .route("/healthz", web::get().to(healthz))
            .route("/health", web::get().to(healthz))
            .route("/readyz", web::get().to(readyz))
            .route("/metrics", web::get().to(metrics));
    }
}

async fn healthz(state: web::Data<OpsState>) -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok", "service": state.service}))
}

async fn readyz(state: web::Data<OpsState>) -> HttpResponse {
    match ping(&state.pool, state.ready_timeout).await {
        Ok(()) => HttpResponse::Ok().json(json!({"status": "ready", "service": state.service})),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            HttpResponse::ServiceUnavailable().json(json!({
                "status": "not ready",
                "service": state.service,
                "reason": e.to_string(),
            }))
        }
    }
}

async fn metrics(state: web::Data<OpsState>) -> HttpResponse {
    if let Some(hook) = &state.scrape_hook {
        hook().await;
    }
    let status = state.pool.status();
    let gauges = &state.pool_gauges;
    gauges.size.set(to_i64(status.size));
    gauges.available.set(to_i64(status.available));
    gauges.waiting.set(to_i64(status.waiting));
    gauges.max_size.set(to_i64(status.max_size));
    HttpResponse::Ok()
        .content_type(Metrics::CONTENT_TYPE)
        .body(state.metrics.encode())
}

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
