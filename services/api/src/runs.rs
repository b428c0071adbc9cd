//! Runs: `/runs` across configs (with `config_name`) and `/configs/{id}/runs`,
//! details, and putting failed runs back in the queue.

use actix_web::{HttpRequest, HttpResponse, web};
use diesel::dsl::now;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use wfm_db::models::Run;
use wfm_db::schema::{github_workflow_configs as configs, github_workflow_runs as runs};
use wfm_db::{RunStatus, TriggerSource};

use crate::body::Json;
use crate::error::{ApiError, ApiResult};
use crate::params::{Params, path_id};
use crate::{AppState, lookup, reply};

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
struct RunFilter {
    cluster: String,
    config_id: Option<i64>,
    status: Option<RunStatus>,
    trigger_source: Option<TriggerSource>,
    start_date: Option<chrono::DateTime<chrono::Utc>>,
    end_date: Option<chrono::DateTime<chrono::Utc>>,
}

impl RunFilter {
    fn from_params(
        params: &Params,
        default_cluster: &str,
        config_id: Option<i64>,
    ) -> ApiResult<Self> {
        let range = params.time_range("start_date", "end_date")?;
        Ok(Self {
            cluster: params.cluster(default_cluster).to_owned(),
            config_id,
            status: params.enum_value("status")?,
            trigger_source: params.enum_value("trigger_source")?,
            start_date: range.start,
            end_date: range.end,
        })
    }

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
        if let Some(status) = self.status {
            query = query.filter(runs::status.eq(status));
        }
        if let Some(source) = self.trigger_source {
            query = query.filter(runs::trigger_source.eq(source));
        }
        if let Some(start) = self.start_date {
            query = query.filter(runs::created_at.ge(start));
        }
        if let Some(end) = self.end_date {
            query = query.filter(runs::created_at.le(end));
        }
        query
    }
}

#[utoipa::path(
    get,
    path = "/runs",
    tag = "runs",
    params(crate::openapi::ClusterQuery, crate::openapi::PageQuery, crate::openapi::RunQuery, ("config_id" = Option<i64>, Query)),
    responses((status = 200, description = "success", body = crate::openapi::Envelope<reply::Page<RunList>>), (status = 400, description = "bad request: the message names the field", body = crate::openapi::ErrorBody))
)]
pub(crate) async fn list_all(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let params = Params::from_request(&req)?;
    let filter = RunFilter::from_params(&params, &state.cluster, params.i64("config_id")?)?;
    list(&state, &params, filter).await
}

#[utoipa::path(
    get,
    path = "/configs/{id}/runs",
    tag = "runs",
    params(("id" = i64, Path, description = "config id"), crate::openapi::ClusterQuery, crate::openapi::PageQuery, crate::openapi::RunQuery),
    responses((status = 200, description = "success", body = crate::openapi::Envelope<reply::Page<RunList>>), (status = 400, description = "bad request: the message names the field", body = crate::openapi::ErrorBody), (status = 404, description = "not found", body = crate::openapi::ErrorBody))
)]
pub(crate) async fn list_of_config(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (id, params) = (path_id(&req, "id")?, Params::from_request(&req)?);
    let filter = RunFilter::from_params(&params, &state.cluster, Some(id))?;
    let mut conn = state.conn().await?;
    lookup::config(&mut conn, id, &filter.cluster).await?;
    list(&state, &params, filter).await
}

async fn list(state: &AppState, params: &Params, filter: RunFilter) -> ApiResult<HttpResponse> {
    let paging = params.paging()?;
    let mut conn = state.conn().await?;
    let total: i64 = filter.query().count().get_result(&mut conn).await?;
    let page: Vec<Run> = filter
        .query()
        .order(runs::id.desc())
        .offset(paging.offset)
        .limit(paging.limit)
        .select(Run::as_select())
        .load(&mut conn)
        .await?;
    let runs = with_config_names(&mut conn, page).await?;
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
    params(("run_id" = i64, Path), crate::openapi::ClusterQuery),
    responses((status = 200, description = "success", body = crate::openapi::Envelope<RunView>), (status = 400, description = "bad request: the message names the field", body = crate::openapi::ErrorBody), (status = 404, description = "not found", body = crate::openapi::ErrorBody))
)]
pub(crate) async fn get_any(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (run_id, params) = (path_id(&req, "run_id")?, Params::from_request(&req)?);
    let mut conn = state.conn().await?;
    Ok(reply::ok(
        find(&mut conn, run_id, None, params.cluster(&state.cluster)).await?,
    ))
}

#[utoipa::path(
    get,
    path = "/configs/{id}/runs/{run_id}",
    tag = "runs",
    params(("id" = i64, Path, description = "config id"), ("run_id" = i64, Path), crate::openapi::ClusterQuery),
    responses((status = 200, description = "success", body = crate::openapi::Envelope<RunView>), (status = 400, description = "bad request: the message names the field", body = crate::openapi::ErrorBody), (status = 404, description = "not found", body = crate::openapi::ErrorBody))
)]
pub(crate) async fn get_of_config(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (id, run_id) = (path_id(&req, "id")?, path_id(&req, "run_id")?);
    let params = Params::from_request(&req)?;
    let cluster = params.cluster(&state.cluster);
    let mut conn = state.conn().await?;
    lookup::config(&mut conn, id, cluster).await?;
    Ok(reply::ok(find(&mut conn, run_id, Some(id), cluster).await?))
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
    params(("run_id" = i64, Path), crate::openapi::ClusterQuery),
    responses((status = 200, description = "success", body = crate::openapi::Envelope<Retried>), (status = 400, description = "bad request: the message names the field", body = crate::openapi::ErrorBody), (status = 404, description = "not found", body = crate::openapi::ErrorBody))
)]
pub(crate) async fn retry_any(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    retry_one(&req, &state, None).await
}

#[utoipa::path(
    post,
    path = "/configs/{id}/runs/{run_id}/retry",
    tag = "runs",
    params(("id" = i64, Path, description = "config id"), ("run_id" = i64, Path), crate::openapi::ClusterQuery),
    responses((status = 200, description = "success", body = crate::openapi::Envelope<Retried>), (status = 400, description = "bad request: the message names the field", body = crate::openapi::ErrorBody), (status = 404, description = "not found", body = crate::openapi::ErrorBody))
)]
pub(crate) async fn retry_of_config(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&req, "id")?;
    retry_one(&req, &state, Some(id)).await
}

async fn retry_one(
    req: &HttpRequest,
    state: &AppState,
    config_id: Option<i64>,
) -> ApiResult<HttpResponse> {
    let (run_id, params) = (path_id(req, "run_id")?, Params::from_request(req)?);
    let cluster = params.cluster(&state.cluster);
    let mut conn = state.conn().await?;
    if let Some(id) = config_id {
        lookup::config(&mut conn, id, cluster).await?;
    }
    let found = find(&mut conn, run_id, config_id, cluster).await?;
    if found.run.status != RunStatus::Failed {
        return Err(ApiError::bad_request("only failed runs can be retried"));
    }
    let reset = requeue_failed(&mut conn, found.run.config_id, Some(&[run_id])).await?;
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
    params(("id" = i64, Path, description = "config id"), crate::openapi::ClusterQuery),
    request_body = Option<BatchRetryBody>,
    responses((status = 200, description = "success", body = crate::openapi::Envelope<BatchRetried>), (status = 400, description = "bad request: the message names the field", body = crate::openapi::ErrorBody), (status = 404, description = "not found", body = crate::openapi::ErrorBody))
)]
pub(crate) async fn batch_retry(
    req: HttpRequest,
    state: web::Data<AppState>,
    Json(body): Json<BatchRetryBody>,
) -> ApiResult<HttpResponse> {
    let (id, params) = (path_id(&req, "id")?, Params::from_request(&req)?);
    let mut conn = state.conn().await?;
    lookup::config(&mut conn, id, params.cluster(&state.cluster)).await?;
    if body.run_ids.as_ref().is_some_and(|ids| ids.len() > 10_000) {
        return Err(ApiError::bad_request(
            "invalid run_ids: more than 10000 ids",
        ));
    }
    let run_ids = requeue_failed(&mut conn, id, body.run_ids.as_deref()).await?;
    tracing::info!(config = id, runs = run_ids.len(), "failed runs retried");
    Ok(reply::ok(BatchRetried {
        retried: run_ids.len(),
        run_ids,
    }))
}

/// Failed runs of `config_id` (only `ids` when given) back to pending with fresh retries.
async fn requeue_failed(
    conn: &mut AsyncPgConnection,
    config_id: i64,
    ids: Option<&[i64]>,
) -> ApiResult<Vec<i64>> {
    let mut target = runs::table
        .filter(
            runs::config_id
                .eq(config_id)
                .and(runs::status.eq(RunStatus::Failed)),
        )
        .into_boxed();
    if let Some(ids) = ids {
        target = target.filter(runs::id.eq_any(ids));
    }
    let target_ids = target.select(runs::id);
    let mut ids: Vec<i64> = diesel::update(runs::table)
        .filter(runs::id.eq_any(target_ids))
        .filter(runs::status.eq(RunStatus::Failed))
        .set((
            runs::status.eq(RunStatus::Pending),
            runs::error_message.eq(None::<String>),
            runs::retry_count.eq(0),
            runs::next_attempt_at.eq(now),
            runs::claimed_by.eq(None::<String>),
            runs::lease_expires_at.eq(None::<chrono::DateTime<chrono::Utc>>),
            runs::collection_completed_at.eq(None::<chrono::DateTime<chrono::Utc>>),
        ))
        .returning(runs::id)
        .get_results(conn)
        .await?;
    ids.sort_unstable();
    Ok(ids)
}
