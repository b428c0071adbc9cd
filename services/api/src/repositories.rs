//! Repository health: the watched repositories (added, changed, removed,
//! collected now) and their metrics over time. The work is
//! `wfm_repo_health`'s; the collector collects, these handlers read the
//! request and shape the answer.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use wfm_repo_health::history::{self, HealthSeries, Interval};
use wfm_repo_health::store::{self, NewRepository, RepositoryPatch, StoreError, Watched};

use crate::body::Json;
use crate::error::{ApiError, ApiResult};
use crate::input::{FromParams, Query, RepositoryId};
use crate::params::Params;
use crate::{AppState, reply};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/repositories", web::get().to(list))
        .route("/repositories", web::post().to(add))
        .route("/repositories/{repository_id}", web::get().to(get))
        .route("/repositories/{repository_id}", web::patch().to(update))
        .route("/repositories/{repository_id}", web::delete().to(remove))
        .route(
            "/repositories/{repository_id}/collect",
            web::post().to(collect),
        )
        .route(
            "/repositories/{repository_id}/health",
            web::get().to(health),
        );
}

fn store_error(e: StoreError) -> ApiError {
    match e {
        StoreError::BadName(_) | StoreError::BadInterval(_) => ApiError::bad_request(e.to_string()),
        StoreError::Duplicate(_) => ApiError::conflict(e.to_string()),
        StoreError::Db(e) => e.into(),
    }
}

fn not_found(id: i64) -> ApiError {
    ApiError::not_found(format!("repository {id} not found"))
}

/// Repository `id` with its collection, or the 404 every route answers.
async fn watched(conn: &mut diesel_async::AsyncPgConnection, id: i64) -> ApiResult<Watched> {
    store::get(conn, id)
        .await
        .map_err(store_error)?
        .ok_or_else(|| not_found(id))
}

#[derive(Serialize, utoipa::ToSchema)]
struct RepositoryList {
    repositories: Vec<Watched>,
}

/// The watched repositories with where their collection stands.
#[utoipa::path(
    get,
    path = "/repositories",
    operation_id = "list_repositories",
    tag = "repository health",
    responses((status = 200, description = "success", body = crate::reply::Envelope<RepositoryList>))
)]
pub(crate) async fn list(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let repositories = store::list(&mut conn).await.map_err(store_error)?;
    Ok(reply::ok(RepositoryList { repositories }))
}

/// Watches a repository: its health is collected every `interval_seconds`
/// (default 900), the first time at once.
#[utoipa::path(
    post,
    path = "/repositories",
    operation_id = "add_repository",
    tag = "repository health",
    request_body = NewRepository,
    responses(
        (status = 201, description = "watched", body = crate::reply::Envelope<Watched>),
        (status = 409, description = "already watched", body = crate::error::ErrorBody),
    )
)]
pub(crate) async fn add(
    state: web::Data<AppState>,
    Json(body): Json<NewRepository>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let added = store::add(&mut conn, &body).await.map_err(store_error)?;
    Ok(reply::created(watched(&mut conn, added.id).await?))
}

/// One watched repository.
#[utoipa::path(
    get,
    path = "/repositories/{repository_id}",
    operation_id = "get_repository",
    tag = "repository health",
    params(crate::input::RepositoryId),
    responses((status = 200, description = "success", body = crate::reply::Envelope<Watched>))
)]
pub(crate) async fn get(
    state: web::Data<AppState>,
    RepositoryId(id): RepositoryId,
) -> ApiResult<HttpResponse> {
    let mut conn = state.conn().await?;
    Ok(reply::ok(watched(&mut conn, id).await?))
}

/// Changes whether and how often a repository is collected.
#[utoipa::path(
    patch,
    path = "/repositories/{repository_id}",
    operation_id = "update_repository",
    tag = "repository health",
    params(crate::input::RepositoryId),
    request_body = RepositoryPatch,
    responses((status = 200, description = "as changed", body = crate::reply::Envelope<Watched>))
)]
pub(crate) async fn update(
    state: web::Data<AppState>,
    RepositoryId(id): RepositoryId,
    Json(body): Json<RepositoryPatch>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let watched = store::update(&mut conn, id, &body)
        .await
        .map_err(store_error)?;
    Ok(reply::ok(watched.ok_or_else(|| not_found(id))?))
}

#[derive(Serialize, utoipa::ToSchema)]
struct Removed {
    id: i64,
    removed: bool,
}

/// Stops watching a repository; its history is deleted with it.
#[utoipa::path(
    delete,
    path = "/repositories/{repository_id}",
    operation_id = "remove_repository",
    tag = "repository health",
    params(crate::input::RepositoryId),
    responses((status = 200, description = "removed", body = crate::reply::Envelope<Removed>))
)]
pub(crate) async fn remove(
    state: web::Data<AppState>,
    RepositoryId(id): RepositoryId,
) -> ApiResult<HttpResponse> {
    let mut conn = state.conn().await?;
    if !store::remove(&mut conn, id).await.map_err(store_error)? {
        return Err(not_found(id));
    }
    Ok(reply::ok(Removed { id, removed: true }))
}

/// Makes a repository's collection due now (a collector takes it at its
/// next poll).
#[utoipa::path(
    post,
    path = "/repositories/{repository_id}/collect",
    operation_id = "collect_repository",
    tag = "repository health",
    params(crate::input::RepositoryId),
    responses((status = 200, description = "due now", body = crate::reply::Envelope<Watched>))
)]
pub(crate) async fn collect(
    state: web::Data<AppState>,
    RepositoryId(id): RepositoryId,
) -> ApiResult<HttpResponse> {
    let mut conn = state.conn().await?;
    if !store::collect_now(&mut conn, id)
        .await
        .map_err(store_error)?
    {
        return Err(not_found(id));
    }
    Ok(reply::ok(watched(&mut conn, id).await?))
}

/// Which metrics, when, and how put together.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct HealthQuery {
    /// Metric names, comma-separated (`prs.open,ci.failed_workflows_7d`);
    /// default all.
    metric: Option<String>,
    /// From (RFC 3339); default 30 days before `to`.
    from: Option<DateTime<Utc>>,
    /// To (RFC 3339); default now.
    to: Option<DateTime<Utc>>,
    /// `raw` (every collection), `hour` or `day` (means).
    interval: Option<Interval>,
}

impl FromParams for HealthQuery {
    fn from_params(params: &Params) -> ApiResult<Self> {
        let range = params.time_range("from", "to")?;
        let metric = params.str("metric").map(str::to_owned);
        if let Some(names) = &metric {
            for name in names.split(',').map(str::trim) {
                if !wfm_repo_health::METRICS.contains(&name) {
                    return Err(ApiError::bad_request(format!(
                        "invalid metric: {name} is not a repository health metric (one of {})",
                        wfm_repo_health::METRICS.join(", ")
                    )));
                }
            }
        }
        Ok(Self {
            metric,
            from: range.start,
            to: range.end,
            interval: match params.str("interval") {
                None => None,
                Some("raw") => Some(Interval::Raw),
                Some("hour") => Some(Interval::Hour),
                Some("day") => Some(Interval::Day),
                Some(other) => {
                    return Err(ApiError::bad_request(format!(
                        "invalid interval: {other:?}; expected one of: raw, hour, day"
                    )));
                }
            },
        })
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct Health {
    repository_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    interval: Interval,
    series: Vec<HealthSeries>,
}

/// A repository's health metrics over time, a series per metric, with the
/// source that served each point (`rest` or `webhooks`).
#[utoipa::path(
    get,
    path = "/repositories/{repository_id}/health",
    operation_id = "repository_health",
    tag = "repository health",
    params(crate::input::RepositoryId, HealthQuery),
    responses((status = 200, description = "success", body = crate::reply::Envelope<Health>))
)]
pub(crate) async fn health(
    state: web::Data<AppState>,
    RepositoryId(id): RepositoryId,
    Query(query): Query<HealthQuery>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.conn().await?;
    watched(&mut conn, id).await?;
    let to = query.to.unwrap_or_else(Utc::now);
    let from = query.from.unwrap_or(to - Duration::days(30));
    let metrics: Vec<String> = query
        .metric
        .map(|m| m.split(',').map(|s| s.trim().to_owned()).collect())
        .unwrap_or_default();
    let interval = query.interval.unwrap_or_default();
    let series = history::series(&mut conn, id, &metrics, from, to, interval).await?;
    Ok(reply::ok(Health {
        repository_id: id,
        from,
        to,
        interval,
        series,
    }))
}
