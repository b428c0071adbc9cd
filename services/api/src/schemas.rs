//! Schema versions of a config: read the active one, list versions, write a new
//! active version (PUT), activate an older one, and regenerate a draft.

use actix_web::{HttpResponse, web};
use diesel::prelude::*;
use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use wfm_db::GeneratedBy;
use wfm_db::models::{MetricSchema, NewMetricSchema};
use wfm_db::schema::{
    github_workflow_configs as configs, github_workflow_metric_schemas as schemas,
};
use wfm_extract::{Field, Schema};

use crate::body::Json;
use crate::error::{ApiError, ApiResult};
use crate::input::{ConfigScope, Query, Version};
use crate::params::Paging;
use crate::{regenerate, reply};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/configs/{id}/schema")
            .route(web::get().to(active))
            .route(web::put().to(put)),
    )
    .route(
        "/configs/{id}/schema/regenerate",
        web::post().to(regenerate::regenerate),
    )
    .route("/configs/{id}/schemas", web::get().to(list))
    .route(
        "/configs/{id}/schemas/active",
        web::get().to(active_version),
    )
    .route(
        "/configs/{id}/schemas/{version}/activate",
        web::post().to(activate),
    );
}

/// The config's active schema, or `None` (the one query, in wfm-db).
pub async fn find_active(
    conn: &mut AsyncPgConnection,
    config_id: i64,
) -> ApiResult<Option<MetricSchema>> {
    Ok(wfm_db::metric_schemas::active(conn, config_id).await?)
}

#[utoipa::path(
    get,
    path = "/configs/{id}/schema",
    operation_id = "get_active_schema",
    tag = "schemas",
    params(crate::input::ConfigScope),
    responses((status = 200, description = "the active schema; 404 when there is none", body = crate::reply::Envelope<MetricSchema>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody))
)]
pub(crate) async fn active(scope: ConfigScope) -> ApiResult<HttpResponse> {
    let mut conn = scope.conn().await?;
    let id = scope.id();
    let schema = find_active(&mut conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found("no active schema found for this config"))?;
    Ok(reply::ok(schema))
}

#[utoipa::path(
    get,
    path = "/configs/{id}/schemas/active",
    operation_id = "get_active_schema_version",
    tag = "schemas",
    params(crate::input::ConfigScope),
    responses((status = 200, description = "the active schema; 404 when there is none", body = crate::reply::Envelope<MetricSchema>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody))
)]
pub(crate) async fn active_version(scope: ConfigScope) -> ApiResult<HttpResponse> {
    active(scope).await
}

#[derive(Serialize, utoipa::ToSchema)]
struct SchemaList {
    schemas: Vec<MetricSchema>,
}

#[utoipa::path(
    get,
    path = "/configs/{id}/schemas",
    operation_id = "list_schema_versions",
    tag = "schemas",
    params(crate::input::ConfigScope, crate::params::Paging),
    responses((status = 200, description = "success", body = crate::reply::Envelope<reply::Page<SchemaList>>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody))
)]
pub(crate) async fn list(
    scope: ConfigScope,
    Query(paging): Query<Paging>,
) -> ApiResult<HttpResponse> {
    let mut conn = scope.conn().await?;
    let id = scope.id();
    let of_config = schemas::table.filter(schemas::config_id.eq(id));
    let total: i64 = of_config.count().get_result(&mut conn).await?;
    let page = of_config
        .order(schemas::version.desc())
        .offset(paging.offset)
        .limit(paging.limit)
        .select(MetricSchema::as_select())
        .load(&mut conn)
        .await?;
    Ok(reply::ok(reply::Page {
        items: SchemaList { schemas: page },
        total,
        offset: paging.offset,
        limit: paging.limit,
    }))
}

/// The body of PUT: a whole schema.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SchemaBody {
    #[serde(default)]
    name: Option<String>,
    /// `{name, type (string|int|float|bool), unit?, description?}`
    #[schema(value_type = Vec<Object>)]
    fields: Vec<Field>,
    #[serde(default)]
    dimension_fields: Vec<String>,
    metric_fields: Vec<String>,
    #[serde(default)]
    timestamp_field: Option<String>,
}

impl SchemaBody {
    fn checked(self) -> ApiResult<(Option<String>, Schema, Option<String>)> {
        let schema = Schema {
            fields: self.fields,
            dimension_fields: self.dimension_fields,
            metric_fields: self.metric_fields,
        };
        schema
            .validate()
            .map_err(|e| ApiError::bad_request(format!("invalid schema: {e}")))?;
        for (list, names) in [
            ("dimension_fields", &schema.dimension_fields),
            ("metric_fields", &schema.metric_fields),
        ] {
            if let Some(missing) = names
                .iter()
                .find(|n| !schema.fields.iter().any(|f| &f.name == *n))
            {
                return Err(ApiError::bad_request(format!(
                    "invalid {list}: {missing:?} is not one of fields"
                )));
            }
        }
        let timestamp_field = self.timestamp_field.filter(|t| !t.trim().is_empty());
        if let Some(t) = &timestamp_field
            && !schema.fields.iter().any(|f| &f.name == t)
        {
            return Err(ApiError::bad_request(format!(
                "invalid timestamp_field: {t:?} is not one of fields"
            )));
        }
        let name = self
            .name
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty());
        for (field, value) in [("name", &name), ("timestamp_field", &timestamp_field)] {
            if value.as_ref().is_some_and(|v| v.chars().count() > 255) {
                return Err(ApiError::bad_request(format!(
                    "invalid {field}: longer than 255 characters"
                )));
            }
        }
        Ok((name, schema, timestamp_field))
    }
}

/// A schema version to store.
pub struct NewVersion {
    pub config_id: i64,
    pub name: String,
    pub schema: Schema,
    pub timestamp_field: Option<String>,
    pub generated_by: GeneratedBy,
    /// What the LLM said of a version it drafted.
    pub explanation: Option<String>,
    /// Make it the active version (the previous active one is kept, inactive).
    pub activate: bool,
}

/// Stores the config's next version; the config row is locked meanwhile so
/// versions and the active flag never race.
pub async fn insert_version(
    conn: &mut AsyncPgConnection,
    new: NewVersion,
) -> ApiResult<MetricSchema> {
    let config_id = new.config_id;
    let row = conn
        .transaction::<_, diesel::result::Error, _>(async |conn| {
            configs::table
                .find(new.config_id)
                .select(configs::id)
                .for_update()
                .first::<i64>(conn)
                .await?;
            let latest: Option<i32> = schemas::table
                .filter(schemas::config_id.eq(new.config_id))
                .select(diesel::dsl::max(schemas::version))
                .first(conn)
                .await?;
            if new.activate {
                deactivate(conn, new.config_id).await?;
            }
            let row = diesel::insert_into(schemas::table)
                .values(&NewMetricSchema {
                    config_id: new.config_id,
                    name: new.name,
                    version: latest.unwrap_or(0) + 1,
                    fields: serde_json::to_value(&new.schema.fields).unwrap_or_default(),
                    dimension_fields: serde_json::to_value(&new.schema.dimension_fields)
                        .unwrap_or_default(),
                    metric_fields: serde_json::to_value(&new.schema.metric_fields)
                        .unwrap_or_default(),
                    timestamp_field: new.timestamp_field,
                    is_active: new.activate,
                    generated_by: new.generated_by,
                    explanation: new.explanation,
                })
                .returning(MetricSchema::as_returning())
                .get_result(conn)
                .await?;
            if new.activate {
                point_config_at(conn, new.config_id, row.id).await?;
            }
            Ok(row)
        })
        .await;
    row.map_err(|e| version_error(e, config_id))
}

/// The refusals of a version write: the config went away (4040), or a
/// collector wrote its first version at the same moment (4090).
fn version_error(e: diesel::result::Error, config_id: i64) -> ApiError {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::NotFound => ApiError::not_found(format!("config {config_id} was deleted")),
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => ApiError::conflict(
            "another schema version of this config was written at the same moment; try again",
        ),
        other => other.into(),
    }
}

/// `"<config name> schema"`, within the column's 255 characters.
pub fn default_name(config_name: &str) -> String {
    let mut name: String = config_name.chars().take(248).collect();
    name.push_str(" schema");
    name
}

async fn deactivate(conn: &mut AsyncPgConnection, config_id: i64) -> QueryResult<usize> {
    diesel::update(schemas::table)
        .filter(
            schemas::config_id
                .eq(config_id)
                .and(schemas::is_active.eq(true)),
        )
        .set(schemas::is_active.eq(false))
        .execute(conn)
        .await
}

async fn point_config_at(
    conn: &mut AsyncPgConnection,
    config_id: i64,
    schema_id: i64,
) -> QueryResult<usize> {
    diesel::update(configs::table.find(config_id))
        .set(configs::metric_schema_id.eq(schema_id))
        .execute(conn)
        .await
}

#[utoipa::path(
    put,
    path = "/configs/{id}/schema",
    operation_id = "put_schema",
    tag = "schemas",
    params(crate::input::ConfigScope),
    request_body = SchemaBody,
    responses((status = 200, description = "the new active version", body = crate::reply::Envelope<MetricSchema>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody))
)]
pub(crate) async fn put(
    Json(body): Json<SchemaBody>,
    scope: ConfigScope,
) -> ApiResult<HttpResponse> {
    let (name, schema, timestamp_field) = body.checked()?;
    let mut conn = scope.conn().await?;
    let config = scope.config;
    let id = config.id;
    let row = insert_version(
        &mut conn,
        NewVersion {
            config_id: id,
            name: name.unwrap_or_else(|| default_name(&config.name)),
            schema,
            timestamp_field,
            generated_by: GeneratedBy::User,
            explanation: None,
            activate: true,
        },
    )
    .await?;
    tracing::info!(config = id, version = row.version, "schema version written");
    Ok(reply::ok(row))
}

#[utoipa::path(
    post,
    path = "/configs/{id}/schemas/{version}/activate",
    tag = "schemas",
    params(crate::input::ConfigScope, crate::input::Version),
    responses((status = 200, description = "success", body = crate::reply::Envelope<MetricSchema>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody))
)]
pub(crate) async fn activate(
    scope: ConfigScope,
    Version(version): Version,
) -> ApiResult<HttpResponse> {
    let version = i32::try_from(version)
        .map_err(|_| ApiError::bad_request(format!("invalid version: {version} is too large")))?;
    let mut conn = scope.conn().await?;
    let id = scope.id();
    let activated = conn
        .transaction::<_, ApiError, _>(async |conn| {
            configs::table
                .find(id)
                .select(configs::id)
                .for_update()
                .first::<i64>(conn)
                .await
                .map_err(|e| version_error(e, id))?;
            let target: MetricSchema = schemas::table
                .filter(schemas::config_id.eq(id).and(schemas::version.eq(version)))
                .select(MetricSchema::as_select())
                .first(conn)
                .await
                .optional()?
                .ok_or_else(|| {
                    ApiError::not_found(format!("config {id} has no schema version {version}"))
                })?;
            deactivate(conn, id).await?;
            let row = diesel::update(schemas::table.find(target.id))
                .set(schemas::is_active.eq(true))
                .returning(MetricSchema::as_returning())
                .get_result(conn)
                .await?;
            point_config_at(conn, id, row.id).await?;
            Ok(row)
        })
        .await?;
    tracing::info!(config = id, version, "schema version activated");
    Ok(reply::ok(activated))
}
