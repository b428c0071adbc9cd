//! The OpenAPI 3 document, generated from the handlers' `#[utoipa::path]`
//! attributes and the types they take and return; served at `/v1/openapi.json`.

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::error::ErrorBody;
use crate::{
    actions, auth, backfill, changes, ci, configs, metrics, recipes, regenerate, repositories,
    runners, runs, schemas, webhooks,
};

/// The routes that need no bearer token: the webhook, which lives at
/// `/v1/webhooks/github`, outside the base path, and which GitHub signs
/// instead; and `/session`, which says what a token may do.
struct TokenlessRoutes;

impl Modify for TokenlessRoutes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(item) = openapi.paths.paths.get_mut("/webhooks/github") {
            item.servers = Some(vec![utoipa::openapi::server::Server::new("/v1")]);
            if let Some(post) = item.post.as_mut() {
                post.security = Some(Vec::new());
            }
        }
        if let Some(get) = openapi
            .paths
            .paths
            .get_mut("/session")
            .and_then(|item| item.get.as_mut())
        {
            get.security = Some(Vec::new());
        }
    }
}

/// The answers every route may give, documented once: 400 (a bad field,
/// named), 401 and 403 (tokens), 404 (a route with an id), 405 (a wrong
/// method), 413 and 415 (a body), 500. A route's own list wins.
struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let webhook = path == "/webhooks/github";
            // needs no token, so never answers 401 or 403
            let open = webhook || path == "/session";
            let operations = [
                item.get.as_mut(),
                item.put.as_mut(),
                item.post.as_mut(),
                item.delete.as_mut(),
                item.patch.as_mut(),
            ];
            for op in operations.into_iter().flatten() {
                let mut add = |status: &str, description: &str| {
                    op.responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| error_response(description));
                };
                add("400", "bad request: the message names the field");
                if !open {
                    add(
                        "401",
                        "missing or invalid bearer token (when tokens are configured)",
                    );
                    add("403", "a read token on a write");
                }
                if path.contains('{') || path.starts_with("/metrics") {
                    add("404", "not found (in this cluster)");
                }
                add("405", "this method is not served on this path");
                if op.request_body.is_some() || webhook {
                    add("413", "the body is over the limit");
                    add(
                        "415",
                        "the body is not JSON (Content-Type: application/json)",
                    );
                }
                add(
                    "500",
                    "a failure of ours: logged, answered without its cause",
                );
            }
        }
    }
}

fn error_response(description: &str) -> RefOr<Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build(),
    )
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
    modifiers(&BearerAuth, &TokenlessRoutes, &CommonResponses),
    paths(
        configs::list, configs::create, configs::get, configs::replace, configs::patch,
        configs::delete, configs::enable, configs::disable, configs::test_run::test,
        runners::config_runners, runners::config_runner, runners::runner_sets,
        runners::runner_set, runners::stats,
        backfill::request, backfill::status, backfill::cancel,
        runs::list_all, runs::get_any, runs::retry_any, runs::list_of_config,
        runs::get_of_config, runs::retry_of_config, runs::batch_retry,
        changes::list_all, changes::get, changes::triage, changes::list_of_config,
        changes::series_of_config, changes::compare_of_config,
        repositories::list, repositories::add, repositories::get, repositories::update,
        repositories::remove, repositories::collect, repositories::health,
        actions::installations, actions::organizations, actions::repositories, actions::runs, actions::jobs, actions::job,
        actions::logs, actions::resources, actions::post_samples, actions::analyze, actions::analyses,
        schemas::active, schemas::put, schemas::list, schemas::active_version,
        schemas::activate, regenerate::regenerate,
        recipes::list, recipes::put, recipes::confirm, recipes::delete,
        metrics::query::query, metrics::aggregate::aggregate, metrics::trends::trends,
        metrics::summary::summary, metrics::dimensions::all, metrics::dimensions::values,
        metrics::export::export,
        metrics::aggregate::aggregate_get, metrics::summary::summary_get,
        metrics::dimensions::all_get, metrics::trends::trends_get,
        webhooks::receive::receive, ci::stats::ci_stats, auth::session,
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
        (name = "actions", description = "Organizations, repositories, workflow runs and jobs (with steps) as the GitHub webhooks recorded them"),
        (name = "repository health", description = "Repositories whose health (pull requests, commits, code, CI) is collected from GitHub every interval, and its history"),
        (name = "webhooks", description = "GitHub webhook deliveries (signed with a webhook secret, not a bearer token)"),
    )
)]
#[derive(Debug)]
pub struct ApiDoc;

/// `GET /v1/openapi.json`.
pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
