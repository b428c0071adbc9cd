//! wfm-api: the HTTP API dashboards and users talk to, under
//! `/v1/github-workflow-metrics`. Every answer is an envelope (`reply`, `error`);
//! every handler error is an [`ApiError`].

mod actions;
pub mod auth;
mod backfill;
pub mod body;
mod changes;
pub mod ci;
mod configs;
pub mod error;
mod input;
mod lookup;
mod metrics;
pub mod openapi;
pub mod params;
mod recipes;
mod regenerate;
pub mod reply;
mod repositories;
mod runners;
mod runs;
mod schemas;
pub mod webhooks;

use std::sync::Arc;

use actix_web::ResponseError as _;
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers, from_fn};
use actix_web::web;
use wfm_db::{DbPool, PooledConn};
use wfm_env::{Env, EnvError};
use wfm_extract::llm::{LlmClient, LlmConfig};

pub use auth::Tokens;
pub use error::{ApiError, ApiResult};

/// The base path of every API route.
pub const BASE_PATH: &str = "/v1/github-workflow-metrics";

/// wfm-api's own settings (the common ones are in `wfm_service::CommonConfig`).
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `WFM_API_READ_TOKENS` | none | comma-separated bearer tokens allowed to read (GET and the metric query POSTs) |
/// | `WFM_RUNNER_METRICS_TOKENS` | none | comma-separated bearer tokens allowed only to post runner resource samples (`POST /actions/runner-metrics`, from workflow jobs) |
/// | `WFM_API_ADMIN_TOKENS` | none | comma-separated bearer tokens allowed to read and write |
/// | `WFM_API_WORKERS` | one per core | HTTP worker threads |
/// | `WFM_API_EXPORT_MAX_SERIES` | 1000 | series × metrics of configs with `export_series` on `/metrics` (`wfm_benchmark_latest_value`, `wfm_benchmark_regression_active`); 0: none |
/// | `WFM_API_EXPORT_CACHE` | 30s | how long those values are served before being read again |
/// | `WFM_API_SUMMARY_MAX_VALUES` | 4000000 | metric values a request asking for exact percentiles (`exact=true`) may cover; past it the request is refused (sketch estimates have no limit) |
///
/// With neither token list set the API is open (a warning is logged at start).
#[derive(Debug, Clone)]
pub struct ApiConfig {
    pub tokens: Tokens,
    pub workers: usize,
    /// The LLM that drafts schemas (`WFM_LLM_*`, as the collector's); none: built-in inference.
    pub llm: Option<LlmConfig>,
    pub summary_max_values: usize,
    pub webhooks: webhooks::WebhookConfig,
    pub ci: ci::CiConfig,
    /// The web console served at `/` (`WFM_CONSOLE_DIR`, see `wfm_console`).
    pub console: wfm_console::ConsoleConfig,
    /// Benchmark series of opted-in configs on `/metrics` (`WFM_API_EXPORT_*`).
    pub export: wfm_change_tracking::export::ExportConfig,
    /// The bucket job logs are kept in, if not Postgres (`WFM_JOB_LOG_S3_*`).
    pub job_log_s3: Option<wfm_runner_obs::logs::store::S3Settings>,
}

/// `WFM_API_SUMMARY_MAX_VALUES` unset: exact percentiles over at most 4M values.
pub const DEFAULT_SUMMARY_MAX_VALUES: usize = 4_000_000;

impl ApiConfig {
    pub fn from_env(env: &Env) -> Result<Self, EnvError> {
        let default_workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        let workers: usize = env.var_or("WFM_API_WORKERS", default_workers)?;
        if workers == 0 {
            return Err(EnvError::invalid(
                "WFM_API_WORKERS",
                0,
                "must be at least 1",
            ));
        }
        Ok(Self {
            tokens: Tokens::new(
                env.list("WFM_API_READ_TOKENS"),
                env.list("WFM_API_ADMIN_TOKENS"),
            )
            .with_samples(env.list("WFM_RUNNER_METRICS_TOKENS")),
            workers,
            llm: LlmConfig::from_env(env)?,
            summary_max_values: env
                .var_or("WFM_API_SUMMARY_MAX_VALUES", DEFAULT_SUMMARY_MAX_VALUES)?,
            webhooks: webhooks::WebhookConfig::from_env(env)?,
            ci: ci::CiConfig::from_env(env)?,
            console: wfm_console::ConsoleConfig::from_env(env)?,
            export: wfm_change_tracking::export::ExportConfig::from_env(env)?,
            job_log_s3: wfm_runner_obs::logs::store::S3Settings::from_env(env)?,
        })
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    /// The cluster a request is about when it names none.
    pub cluster: String,
    pub tokens: Tokens,
    pub llm: Option<Arc<LlmClient>>,
    /// See [`ApiConfig::summary_max_values`].
    pub summary_max_values: usize,
    pub webhooks: Arc<webhooks::Webhooks>,
    /// Where job logs are kept (the collector's `WFM_JOB_LOG_S3_*`).
    pub log_store: wfm_runner_obs::logs::store::LogStore,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("cluster", &self.cluster)
            .field("tokens", &self.tokens)
            .field("llm", &self.llm.is_some())
            .field("summary_max_values", &self.summary_max_values)
            .finish_non_exhaustive()
    }
}

impl AppState {
    pub async fn conn(&self) -> ApiResult<PooledConn> {
        Ok(self.pool.get().await?)
    }
}

/// Mounts the API under [`BASE_PATH`].
pub fn configure(cfg: &mut web::ServiceConfig, state: web::Data<AppState>) {
    cfg.app_data(state)
        .route("/v1/openapi.json", web::get().to(openapi::document))
        // before the scope, whose middleware would refuse a missing token
        .route(
            &format!("{BASE_PATH}/session"),
            web::get().to(auth::session),
        )
        .route(
            webhooks::WEBHOOK_PATH,
            web::post().to(webhooks::receive::receive),
        )
        // the actions exporter's path for the same receiver
        .route(
            webhooks::WEBHOOK_ALIAS,
            web::post().to(webhooks::receive::receive),
        )
        .service(
            web::scope(BASE_PATH)
                .wrap(
                    ErrorHandlers::new()
                        .handler(StatusCode::METHOD_NOT_ALLOWED, method_not_allowed),
                )
                .wrap(from_fn(auth::check))
                .wrap(from_fn(guard_request))
                .configure(configs::routes)
                .configure(runs::routes)
                .configure(changes::routes)
                .configure(repositories::routes)
                .configure(actions::routes)
                .configure(schemas::routes)
                .configure(recipes::routes)
                .configure(metrics::routes)
                .configure(runners::routes)
                .configure(backfill::routes)
                .configure(ci::routes)
                .default_service(web::to(not_found)),
        );
}

/// Refuses a body declared over the limit on every route of the scope
/// (4130), whether or not the route reads it. (A NUL in a path segment is
/// refused by the segment's extractor, which names it.)
async fn guard_request(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    body::check_declared_length(req.request())?;
    next.call(req).await
}

/// The scope's default service, which actix also calls for a known path
/// asked with a method it has no route for: that is a 405, anything else a 404.
async fn not_found(req: actix_web::HttpRequest) -> ApiResult<actix_web::HttpResponse> {
    let (method, path) = (req.method(), req.path());
    if req.match_pattern().is_some_and(|p| p != BASE_PATH) {
        return Err(ApiError::MethodNotAllowed(format!(
            "{method} is not allowed on {path}"
        )));
    }
    Err(ApiError::not_found(format!("no route for {method} {path}")))
}

/// actix answers a known path with a wrong method 405 and no body: give it the envelope.
fn method_not_allowed<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let message = format!(
        "{} is not allowed on {}",
        res.request().method(),
        res.request().path()
    );
    let (req, _) = res.into_parts();
    let response = ApiError::MethodNotAllowed(message).error_response();
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, response).map_into_right_body::<B>(),
    ))
}
