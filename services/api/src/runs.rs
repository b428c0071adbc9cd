//! Runs: `/runs` across configs (with `config_name`) and `/configs/{id}/runs`,
//! details, and putting failed runs back in the queue.

use actix_web::{HttpResponse, web};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use wfm_db::models::Run;
use wfm_db::schema::{github_workflow_configs as configs, github_workflow_runs as runs};
use wfm_db::{RunStatus, TriggerSource, queue};

use crate::body::Json;
use crate::error::{ApiError, ApiResult};
use crate::input::{Cluster, ConfigScope, FromParams, Query, RunId};
use crate::params::{Paging, Params};
use crate::{AppState, reply};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/runs", web::get().to(list_all))
        .route("/runs/{run_id}", web::get().to(get_any))
        .route("/runs/{run_id}/retry", web::post().to(retry_any))
        .route("/configs/{id}/runs", web::get().to(list_of_config))
        .route(
            "/configs/{id}/runs/batch-retry",
            web::post().to(batch_retry),
        )
        .route("/configs/{id}/runs/{run_id}", web::get().to(get_of_config))
        .route(
            "/configs/{id}/runs/{run_id}/retry",
            web::post().to(retry_of_config),
        );
}

/// A run with the name of its config.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct RunView {
    #[serde(flatten)]
    run: Run,
    config_name: String,
}

#[derive(Serialize, utoipa::ToSchema)]
struct RunList {
    runs: Vec<RunView>,
}

/// The filters both lists take.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct RunQuery {
    status: Option<RunStatus>,
    trigger_source: Option<TriggerSource>,
    /// Runs created at or after (RFC 3339).
    start_date: Option<chrono::DateTime<chrono::Utc>>,
    /// Runs created at or before (RFC 3339).
    end_date: Option<chrono::DateTime<chrono::Utc>>,
}

impl FromParams for RunQuery {
    fn from_params(params: &Params) -> ApiResult<Self> {
        let range = params.time_range("start_date", "end_date")?;
        Ok(Self {
            status: params.enum_value("status")?,
            trigger_source: params.enum_value("trigger_source")?,
            start_date: range.start,
            end_date: range.end,
        })
    }
}

/// `GET /runs` names a config in the query string.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ConfigFilter {
    /// Only this config's runs.
    #[param(minimum = 1)]
    pub(crate) config_id: Option<i64>,
}

impl FromParams for ConfigFilter {
    fn from_params(params: &Params) -> ApiResult<Self> {
        let config_id = params.id("config_id")?;
        Ok(Self { config_id })
    }
}

struct RunFilter {
    cluster: String,
    config_id: Option<i64>,
    runs: RunQuery,
}

impl RunFilter {
    fn query(&self) -> runs::BoxedQuery<'_, diesel::pg::Pg> {
        let in_cluster = configs::table
            .filter(configs::cluster_name.eq(&self.cluster))
            .select(configs::id);
        let mut query = runs::table
            .filter(runs::config_id.eq_any(in_cluster))
            .into_boxed();
        if let Some(id) = self.config_id {
            query = query.filter(runs::config_id.eq(id));
        }
        let filters = &self.runs;
        if let Some(status) = filters.status {
            query = query.filter(runs::status.eq(status));
        }
        if let Some(source) = filters.trigger_source {
            query = query.filter(runs::trigger_source.eq(source));
        }
        if let Some(start) = filters.start_date {
            query = query.filter(runs::created_at.ge(start));
        }
        if let Some(end) = filters.end_date {
            query = query.filter(runs::created_at.le(end));
        }
        query
    }
}

#[utoipa::path(
    get,
    path = "/runs",
    tag = "runs",
    params(crate::input::Cluster, crate::params::Paging, RunQuery, ConfigFilter),
    responses((status = 200, description = "success", body = crate::reply::Envelope<reply::Page<RunList>>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody))
)]
pub(crate) async fn list_all(
    state: web::Data<AppState>,
    Cluster(cluster): Cluster,
    Query(paging): Query<Paging>,
    Query(runs): Query<RunQuery>,
    Query(ConfigFilter { config_id }): Query<ConfigFilter>,
) -> ApiResult<HttpResponse> {
    let filter = RunFilter {
        cluster,
        config_id,
        runs,
    };
    let mut conn = state.conn().await?;
    list(&mut conn, paging, filter).await
}

#[utoipa::path(
    get,
    path = "/configs/{id}/runs",
    tag = "runs",
    params(crate::input::ConfigScope, crate::params::Paging, RunQuery),
    responses((status = 200, description = "success", body = crate::reply::Envelope<reply::Page<RunList>>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody))
)]
pub(crate) async fn list_of_config(
    scope: ConfigScope,
    Query(paging): Query<Paging>,
    Query(runs): Query<RunQuery>,
) -> ApiResult<HttpResponse> {
    let mut conn = scope.conn().await?;
    let filter = RunFilter {
        config_id: Some(scope.id()),
        cluster: scope.cluster,
        runs,
    };
    list(&mut conn, paging, filter).await
}

async fn list(
    conn: &mut AsyncPgConnection,
    paging: Paging,
    filter: RunFilter,
) -> ApiResult<HttpResponse> {
    let total: i64 = filter.query().count().get_result(conn).await?;
    let page: Vec<Run> = filter
        .query()
        .order(runs::id.desc())
        .offset(paging.offset)
        .limit(paging.limit)
        .select(Run::as_select())
        .load(conn)
        .await?;
    let runs = with_config_names(conn, page).await?;
    Ok(reply::ok(reply::Page {
        items: RunList { runs },
        total,
        offset: paging.offset,
        limit: paging.limit,
    }))
}

async fn with_config_names(
    conn: &mut AsyncPgConnection,
    page: Vec<Run>,
) -> ApiResult<Vec<RunView>> {
    let ids: Vec<i64> = page.iter().map(|r| r.config_id).collect();
    let names: std::collections::HashMap<i64, String> = configs::table
        .filter(configs::id.eq_any(ids))
        .select((configs::id, configs::name))
        .load::<(i64, String)>(conn)
        .await?
        .into_iter()
        .collect();
    Ok(page
        .into_iter()
        .map(|run| RunView {
            config_name: names.get(&run.config_id).cloned().unwrap_or_default(),
            run,
        })
        .collect())
}

/// Run `run_id` in `cluster` (and of config `config_id` when given), or a 4040.
async fn find(
    conn: &mut AsyncPgConnection,
    run_id: i64,
    config_id: Option<i64>,
    cluster: &str,
) -> ApiResult<RunView> {
    let mut query = runs::table
        .inner_join(configs::table)
        .filter(runs::id.eq(run_id).and(configs::cluster_name.eq(cluster)))
        .select((Run::as_select(), configs::name))
        .into_boxed();
    if let Some(config_id) = config_id {
        query = query.filter(runs::config_id.eq(config_id));
    }
    let (run, config_name) = query.first(conn).await.optional()?.ok_or_else(|| {
        ApiError::not_found(match config_id {
            Some(c) => format!("run {run_id} of config {c} not found in cluster {cluster:?}"),
            None => format!("run {run_id} not found in cluster {cluster:?}"),
        })
    })?;
    Ok(RunView { run, config_name })
}

#[utoipa::path(
    get,
    path = "/runs/{run_id}",
    tag = "runs",
    params(crate::input::RunId, crate::input::Cluster),
    responses((status = 200, description = "success", body = crate::reply::Envelope<RunView>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody))
)]
pub(crate) async fn get_any(
    state: web::Data<AppState>,
    RunId(run_id): RunId,
    Cluster(cluster): Cluster,
) -> ApiResult<HttpResponse> {
    let mut conn = state.conn().await?;
    Ok(reply::ok(find(&mut conn, run_id, None, &cluster).await?))
}

#[utoipa::path(
    get,
    path = "/configs/{id}/runs/{run_id}",
    tag = "runs",
    params(crate::input::ConfigScope, crate::input::RunId),
    responses((status = 200, description = "success", body = crate::reply::Envelope<RunView>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody))
)]
pub(crate) async fn get_of_config(
    scope: ConfigScope,
    RunId(run_id): RunId,
) -> ApiResult<HttpResponse> {
    let mut conn = scope.conn().await?;
    let id = scope.id();
    Ok(reply::ok(
        find(&mut conn, run_id, Some(id), &scope.cluster).await?,
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
struct Retried {
    message: &'static str,
    run_id: i64,
    previous_status: RunStatus,
    new_status: RunStatus,
}

#[utoipa::path(
    post,
    path = "/runs/{run_id}/retry",
    tag = "runs",
    params(crate::input::RunId, crate::input::Cluster),
    responses((status = 200, description = "success", body = crate::reply::Envelope<Retried>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody))
)]
pub(crate) async fn retry_any(
    state: web::Data<AppState>,
    RunId(run_id): RunId,
    Cluster(cluster): Cluster,
) -> ApiResult<HttpResponse> {
    let mut conn = state.conn().await?;
    retry_one(&mut conn, run_id, None, &cluster).await
}

#[utoipa::path(
    post,
    path = "/configs/{id}/runs/{run_id}/retry",
    tag = "runs",
    params(crate::input::ConfigScope, crate::input::RunId),
    responses((status = 200, description = "success", body = crate::reply::Envelope<Retried>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody))
)]
pub(crate) async fn retry_of_config(
    scope: ConfigScope,
    RunId(run_id): RunId,
) -> ApiResult<HttpResponse> {
    let mut conn = scope.conn().await?;
    let id = scope.id();
    retry_one(&mut conn, run_id, Some(id), &scope.cluster).await
}

async fn retry_one(
    conn: &mut AsyncPgConnection,
    run_id: i64,
    config_id: Option<i64>,
    cluster: &str,
) -> ApiResult<HttpResponse> {
    let found = find(conn, run_id, config_id, cluster).await?;
    if found.run.status != RunStatus::Failed {
        return Err(ApiError::bad_request("only failed runs can be retried"));
    }
    let reset = queue::requeue_runs(
        conn,
        RunStatus::Failed,
        Some(found.run.config_id),
        Some(&[run_id]),
    )
    .await?;
    if reset.is_empty() {
        // It changed under us (another retry won).
        return Err(ApiError::bad_request("only failed runs can be retried"));
    }
    tracing::info!(run = run_id, "run retried");
    Ok(reply::ok(Retried {
        message: "Run reset to pending",
        run_id,
        previous_status: RunStatus::Failed,
        new_status: RunStatus::Pending,
    }))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BatchRetryBody {
    /// Only these runs; default: every failed run of the config.
    #[serde(default)]
    run_ids: Option<Vec<i64>>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct BatchRetried {
    retried: usize,
    run_ids: Vec<i64>,
}

#[utoipa::path(
    post,
    path = "/configs/{id}/runs/batch-retry",
    tag = "runs",
    params(crate::input::ConfigScope),
    request_body = Option<BatchRetryBody>,
    responses((status = 200, description = "success", body = crate::reply::Envelope<BatchRetried>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody))
)]
pub(crate) async fn batch_retry(
    Json(body): Json<BatchRetryBody>,
    scope: ConfigScope,
) -> ApiResult<HttpResponse> {
    let mut conn = scope.conn().await?;
    let id = scope.id();
    if body.run_ids.as_ref().is_some_and(|ids| ids.len() > 10_000) {
        return Err(ApiError::bad_request(
            "invalid run_ids: more than 10000 ids",
        ));
    }
    let run_ids = queue::requeue_runs(
        &mut conn,
        RunStatus::Failed,
        Some(id),
        body.run_ids.as_deref(),
    )
    .await?;
    tracing::info!(config = id, runs = run_ids.len(), "failed runs retried");
    Ok(reply::ok(BatchRetried {
        retried: run_ids.len(),
        run_ids,
    }))
}
