//! The OpenAPI 3 document, generated from the handlers' `#[utoipa::path]`
//! attributes and the types they take and return; served at `/v1/openapi.json`.

use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};
use wfm_db::{RunStatus, TriggerSource};

use crate::{backfill, ci, configs, metrics, regenerate, runners, runs, schemas, webhooks};

/// Every success: `{"meta":{"code":2000},"data":…}`.
#[derive(Debug, ToSchema, Serialize)]
pub struct Envelope<T> {
    meta: Meta,
    data: T,
}

#[derive(Debug, ToSchema, Serialize)]
pub struct Meta {
    /// 2000 on success; on errors the HTTP status times ten (4000, 4010, 4030, 4040, 4090, 5000).
    code: u32,
}

/// Every error: `{"meta":{"code":N},"message":"…"}`.
#[derive(Debug, ToSchema, Serialize)]
pub struct ErrorBody {
    meta: Meta,
    /// What went wrong; a bad field is named.
    message: String,
}

/// Accepted by every route.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ClusterQuery {
    /// The cluster (default: the service's `WFM_CLUSTER_NAME`).
    cluster: Option<String>,
}

/// Paging of lists: `offset`/`limit` or `page`/`page_size`; at most 100 per page.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct PageQuery {
    /// Default 0.
    offset: Option<i64>,
    /// Default 20, at most 100.
    limit: Option<i64>,
    /// 1-based page, with `page_size`.
    page: Option<i64>,
    page_size: Option<i64>,
}

/// Filters of run lists.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct RunQuery {
    status: Option<RunStatus>,
    trigger_source: Option<TriggerSource>,
    /// Runs created at or after (RFC 3339).
    start_date: Option<DateTime<Utc>>,
    /// Runs created at or before (RFC 3339).
    end_date: Option<DateTime<Utc>>,
}

/// A time range in query parameters (RFC 3339).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct RangeQuery {
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
}

/// The webhook route lives at `/v1/webhooks/github`, outside the base path,
/// and GitHub signs its deliveries instead of sending a bearer token.
struct WebhookRoute;

impl Modify for WebhookRoute {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(item) = openapi.paths.paths.get_mut("/webhooks/github") {
            item.servers = Some(vec![utoipa::openapi::server::Server::new("/v1")]);
            if let Some(post) = item.post.as_mut() {
                post.security = Some(Vec::new());
            }
        }
    }
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "wfm: GitHub Workflow Metrics Collector",
        description = "Configs, runners, runs, schemas and metric queries. Every answer is an \
            envelope: `{\"meta\":{\"code\":2000},\"data\":…}` or `{\"meta\":{\"code\":N},\"message\":\"…\"}`. \
            With tokens configured, send `Authorization: Bearer <token>`: a read token for GETs and \
            the metric query POSTs, an admin token for everything else."
    ),
    servers((url = "/v1/github-workflow-metrics")),
    security(("bearer" = [])),
    modifiers(&BearerAuth, &WebhookRoute),
    paths(
        configs::list, configs::create, configs::get, configs::replace, configs::patch,
        configs::delete, configs::enable, configs::disable, configs::test_run::test,
        runners::config_runners, runners::config_runner, runners::runner_sets,
        runners::runner_set, runners::stats,
        backfill::request, backfill::status, backfill::cancel,
        runs::list_all, runs::get_any, runs::retry_any, runs::list_of_config,
        runs::get_of_config, runs::retry_of_config, runs::batch_retry,
        schemas::active, schemas::put, schemas::list, schemas::active_version,
        schemas::activate, regenerate::regenerate,
        metrics::query::query, metrics::aggregate::aggregate, metrics::aggregate::trends,
        metrics::summary::summary, metrics::dimensions::all, metrics::dimensions::values,
        metrics::export::export,
        webhooks::receive::receive, ci::stats::ci_stats,
    ),
    components(schemas(ErrorBody)),
    tags(
        (name = "configs", description = "What to collect"),
        (name = "runners", description = "Runners and runner sets recorded by wfm-scanner"),
        (name = "runs", description = "Collections, and the queue"),
        (name = "schemas", description = "Which fields are dimensions and which are metrics"),
        (name = "metrics", description = "Queries over the collected records"),
        (name = "backfill", description = "Collecting history"),
        (name = "ci", description = "CI health from the GitHub webhooks"),
        (name = "webhooks", description = "GitHub webhook deliveries (signed with a webhook secret, not a bearer token)"),
    )
)]
#[derive(Debug)]
pub struct ApiDoc;

/// `GET /v1/openapi.json`.
pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
