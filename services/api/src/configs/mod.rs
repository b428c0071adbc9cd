//! `/configs`: create, list, read, replace, patch, delete, enable, disable, test.

mod fields;
pub(crate) mod test_run;

use actix_web::{HttpResponse, web};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::{AsyncConnection as _, RunQueryDsl};
use serde::Serialize;
use wfm_db::models::Config;
use wfm_db::schema::{
    github_workflow_configs as configs, github_workflow_metric_schemas as schemas,
    github_workflow_metrics as metrics, github_workflow_runs as runs,
};

use crate::body::Json;
use crate::error::{ApiError, ApiResult};
use crate::input::{Cluster, ConfigScope, FromParams, Query};
use crate::params::{Paging, Params};
use crate::{AppState, lookup, reply};

pub use fields::{ConfigBody, ConfigFields, ConfigPatch};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/configs")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        web::resource("/configs/{id}")
            .route(web::get().to(get))
            .route(web::put().to(replace))
            .route(web::patch().to(patch))
            .route(web::delete().to(delete)),
    )
    .route("/configs/{id}/enable", web::post().to(enable))
    .route("/configs/{id}/disable", web::post().to(disable))
    .route("/configs/{id}/test", web::post().to(test_run::test));
}

/// Filters of the config list.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// Only enabled (`true`) or disabled (`false`) configs.
    enabled: Option<bool>,
}

impl FromParams for ListQuery {
    fn from_params(params: &Params) -> ApiResult<Self> {
        Ok(Self {
            enabled: params.bool("enabled")?,
        })
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct ConfigList {
    configs: Vec<Config>,
}

#[utoipa::path(
    get,
    path = "/configs",
    operation_id = "list_configs",
    tag = "configs",
    params(crate::input::Cluster, crate::params::Paging, ListQuery),
    responses((status = 200, description = "success", body = crate::reply::Envelope<reply::Page<ConfigList>>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody))
)]
pub(crate) async fn list(
    state: web::Data<AppState>,
    Cluster(cluster): Cluster,
    Query(paging): Query<Paging>,
    Query(ListQuery { enabled }): Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    let filtered = || {
        let mut query = configs::table
            .filter(configs::cluster_name.eq(cluster.clone()))
            .into_boxed();
        if let Some(enabled) = enabled {
            query = query.filter(configs::enabled.eq(enabled));
        }
        query
    };
    let mut conn = state.conn().await?;
    let total: i64 = filtered().count().get_result(&mut conn).await?;
    let items = filtered()
        .order(configs::id.asc())
        .offset(paging.offset)
        .limit(paging.limit)
        .select(Config::as_select())
        .load(&mut conn)
        .await?;
    Ok(reply::ok(reply::Page {
        items: ConfigList { configs: items },
        total,
        offset: paging.offset,
        limit: paging.limit,
    }))
}

#[utoipa::path(
    post,
    path = "/configs",
    operation_id = "create_config",
    tag = "configs",
    params(crate::input::Cluster),
    request_body = ConfigBody,
    responses((status = 201, description = "created", body = crate::reply::Envelope<Config>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 409, description = "conflict", body = crate::error::ErrorBody))
)]
pub(crate) async fn create(
    state: web::Data<AppState>,
    Json(body): Json<ConfigBody>,
    Cluster(cluster): Cluster,
) -> ApiResult<HttpResponse> {
    let cluster = cluster.as_str();
    let fields = body.into_fields()?;
    let mut conn = state.conn().await?;
    let created = diesel::insert_into(configs::table)
        .values((&fields, configs::cluster_name.eq(cluster)))
        .returning(Config::as_returning())
        .get_result(&mut conn)
        .await
        .map_err(|e| binding_conflict(e, &fields, cluster))?;
    tracing::info!(config = created.id, name = %created.name, "config created");
    Ok(reply::created(created))
}

#[utoipa::path(
    get,
    path = "/configs/{id}",
    operation_id = "get_config",
    tag = "configs",
    params(crate::input::ConfigScope),
    responses((status = 200, description = "success", body = crate::reply::Envelope<Config>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody))
)]
pub(crate) async fn get(scope: ConfigScope) -> ApiResult<HttpResponse> {
    Ok(reply::ok(scope.config))
}

#[utoipa::path(
    put,
    path = "/configs/{id}",
    operation_id = "replace_config",
    tag = "configs",
    params(crate::input::ConfigScope),
    request_body = ConfigBody,
    responses((status = 200, description = "success", body = crate::reply::Envelope<Config>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody), (status = 409, description = "conflict", body = crate::error::ErrorBody))
)]
pub(crate) async fn replace(
    Json(body): Json<ConfigBody>,
    scope: ConfigScope,
) -> ApiResult<HttpResponse> {
    let fields = body.into_fields()?;
    update(scope, move |_| Ok(fields)).await
}

#[utoipa::path(
    patch,
    path = "/configs/{id}",
    operation_id = "patch_config",
    tag = "configs",
    params(crate::input::ConfigScope),
    request_body = ConfigPatch,
    responses((status = 200, description = "success", body = crate::reply::Envelope<Config>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody), (status = 409, description = "conflict", body = crate::error::ErrorBody))
)]
pub(crate) async fn patch(
    Json(body): Json<ConfigPatch>,
    scope: ConfigScope,
) -> ApiResult<HttpResponse> {
    update(scope, move |current| body.apply(current)).await
}

#[utoipa::path(
    post,
    path = "/configs/{id}/enable",
    tag = "configs",
    params(crate::input::ConfigScope),
    responses((status = 200, description = "success", body = crate::reply::Envelope<Config>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody))
)]
pub(crate) async fn enable(scope: ConfigScope) -> ApiResult<HttpResponse> {
    set_enabled(scope, true).await
}

#[utoipa::path(
    post,
    path = "/configs/{id}/disable",
    tag = "configs",
    params(crate::input::ConfigScope),
    responses((status = 200, description = "success", body = crate::reply::Envelope<Config>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody))
)]
pub(crate) async fn disable(scope: ConfigScope) -> ApiResult<HttpResponse> {
    set_enabled(scope, false).await
}

async fn set_enabled(scope: ConfigScope, enabled: bool) -> ApiResult<HttpResponse> {
    let mut conn = scope.conn().await?;
    let (id, cluster) = (scope.id(), scope.cluster);
    let updated = diesel::update(configs::table)
        .filter(configs::id.eq(id).and(configs::cluster_name.eq(&cluster)))
        .set(configs::enabled.eq(enabled))
        .returning(Config::as_returning())
        .get_result(&mut conn)
        .await
        .optional()?
        .ok_or_else(|| lookup::config_not_found(id, &cluster))?;
    tracing::info!(config = id, enabled, "config switched");
    Ok(reply::ok(updated))
}

/// Reads the config under a row lock, lets `change` compute the new fields, writes them.
async fn update<F>(scope: ConfigScope, change: F) -> ApiResult<HttpResponse>
where
    F: FnOnce(&Config) -> ApiResult<ConfigFields> + Send,
{
    let mut conn = scope.conn().await?;
    let (id, cluster) = (scope.id(), scope.cluster);
    let updated = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let current = configs::table
                .filter(configs::id.eq(id).and(configs::cluster_name.eq(&cluster)))
                .select(Config::as_select())
                .for_update()
                .first(conn)
                .await
                .optional()?
                .ok_or_else(|| lookup::config_not_found(id, &cluster))?;
            let fields = change(&current)?;
            diesel::update(configs::table.find(id))
                .set(&fields)
                .returning(Config::as_returning())
                .get_result(conn)
                .await
                .map_err(|e| binding_conflict(e, &fields, &cluster))
        })
        .await?;
    Ok(reply::ok(updated))
}

#[derive(Serialize, utoipa::ToSchema)]
struct Deleted {
    id: i64,
    runs_deleted: usize,
    metrics_deleted: usize,
    schemas_deleted: usize,
}

/// Removes the config with its metrics, runs and schemas, all or nothing.
#[utoipa::path(
    delete,
    path = "/configs/{id}",
    operation_id = "delete_config",
    tag = "configs",
    params(crate::input::ConfigScope),
    responses((status = 200, description = "success", body = crate::reply::Envelope<Deleted>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody))
)]
pub(crate) async fn delete(scope: ConfigScope) -> ApiResult<HttpResponse> {
    let mut conn = scope.conn().await?;
    let (id, cluster) = (scope.id(), scope.cluster);
    let deleted = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let locked: Option<i64> = configs::table
                .filter(configs::id.eq(id).and(configs::cluster_name.eq(&cluster)))
                .select(configs::id)
                .for_update()
                .first(conn)
                .await
                .optional()?;
            if locked.is_none() {
                return Err(lookup::config_not_found(id, &cluster));
            }
            let metrics_deleted = diesel::delete(metrics::table.filter(metrics::config_id.eq(id)))
                .execute(conn)
                .await?;
            let runs_deleted = diesel::delete(runs::table.filter(runs::config_id.eq(id)))
                .execute(conn)
                .await?;
            diesel::update(configs::table.find(id))
                .set(configs::metric_schema_id.eq(None::<i64>))
                .execute(conn)
                .await?;
            let schemas_deleted = diesel::delete(schemas::table.filter(schemas::config_id.eq(id)))
                .execute(conn)
                .await?;
            diesel::delete(configs::table.find(id))
                .execute(conn)
                .await?;
            Ok(Deleted {
                id,
                runs_deleted,
                metrics_deleted,
                schemas_deleted,
            })
        })
        .await?;
    tracing::info!(
        config = id,
        runs = deleted.runs_deleted,
        metrics = deleted.metrics_deleted,
        "config deleted"
    );
    Ok(reply::ok(deleted))
}

/// A unique-key refusal is a 4090 naming the binding; anything else is internal.
fn binding_conflict(e: DieselError, fields: &ConfigFields, cluster: &str) -> ApiError {
    match &e {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
            let binding = match (&fields.runner_set_namespace, &fields.runner_set_name) {
                (Some(ns), Some(name)) => format!("runner set {ns}/{name}"),
                _ => format!(
                    "repository {}/{}",
                    fields.github_owner.as_deref().unwrap_or_default(),
                    fields.github_repo.as_deref().unwrap_or_default()
                ),
            };
            ApiError::conflict(format!(
                "a config bound to {binding} already exists in cluster {cluster:?}"
            ))
        }
        _ => e.into(),
    }
}
