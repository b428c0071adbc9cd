//! Recipes of a config's active schema: list them, write or edit one by
//! hand (the spec's "custom parser"), confirm one the LLM proposed, delete
//! one. A recipe is checked by wfm-extract before it is stored; the storing
//! is wfm-db's.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;
use wfm_db::recipes::{RecipeSource, RecipeStatus, StoredRecipe};
use wfm_extract::recipe::Recipe;

use crate::body::Json;
use crate::error::{ApiError, ApiResult};
use crate::input::{ConfigScope, Fingerprint};
use crate::reply;
use crate::schemas::find_active;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/configs/{id}/schema/recipes", web::get().to(list))
        .service(
            web::resource("/configs/{id}/schema/recipes/{fingerprint}")
                .route(web::put().to(put))
                .route(web::delete().to(delete)),
        )
        .route(
            "/configs/{id}/schema/recipes/{fingerprint}/confirm",
            web::post().to(confirm),
        );
}

/// A recipe written by hand.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecipeBody {
    /// `{select: {kind: json|table|lines, …}, fields: [{name, from, role,
    /// unit?, direction?}]}` (see the extraction README).
    #[schema(value_type = Object)]
    recipe: serde_json::Value,
    /// A file it reads, for the record.
    #[serde(default)]
    example_path: Option<String>,
}

/// The active schema's id and recipes; 404 when the config has none.
async fn active(
    conn: &mut diesel_async::AsyncPgConnection,
    scope: &ConfigScope,
) -> ApiResult<(i64, Vec<StoredRecipe>)> {
    let id = scope.id();
    let schema = find_active(conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("config {id} has no active schema")))?;
    Ok((schema.id, wfm_db::recipes::parse(&schema.recipes)))
}

fn not_found(scope: &ConfigScope, fingerprint: &str) -> ApiError {
    ApiError::not_found(format!(
        "config {} has no recipe for shape {fingerprint}",
        scope.id()
    ))
}

#[utoipa::path(
    get,
    path = "/configs/{id}/schema/recipes",
    operation_id = "list_recipes",
    tag = "schemas",
    params(ConfigScope),
    responses((status = 200, description = "the active schema's recipes, one per file shape", body = crate::reply::Envelope<Vec<StoredRecipe>>))
)]
pub(crate) async fn list(scope: ConfigScope) -> ApiResult<HttpResponse> {
    let mut conn = scope.conn().await?;
    let (_, recipes) = active(&mut conn, &scope).await?;
    Ok(reply::ok(recipes))
}

#[utoipa::path(
    put,
    path = "/configs/{id}/schema/recipes/{fingerprint}",
    operation_id = "put_recipe",
    tag = "schemas",
    params(ConfigScope, Fingerprint),
    request_body = RecipeBody,
    responses((status = 200, description = "the stored recipe, confirmed: files of this shape are read with it", body = crate::reply::Envelope<StoredRecipe>))
)]
pub(crate) async fn put(
    Json(body): Json<RecipeBody>,
    scope: ConfigScope,
    Fingerprint(fingerprint): Fingerprint,
) -> ApiResult<HttpResponse> {
    let recipe: Recipe = serde_json::from_value(body.recipe)
        .map_err(|e| ApiError::bad_request(format!("invalid recipe: {e}")))?;
    recipe
        .validate()
        .map_err(|e| ApiError::bad_request(format!("invalid recipe: {e}")))?;
    let stored = StoredRecipe {
        fingerprint,
        recipe: serde_json::to_value(&recipe).map_err(|e| ApiError::Internal(e.into()))?,
        status: RecipeStatus::Confirmed,
        source: RecipeSource::User,
        example_path: body.example_path,
        updated_at: Utc::now(),
    };
    let mut conn = scope.conn().await?;
    let (schema_id, _) = active(&mut conn, &scope).await?;
    wfm_db::recipes::put(&mut conn, schema_id, &stored).await?;
    tracing::info!(
        config = scope.id(),
        fingerprint = stored.fingerprint,
        "recipe written"
    );
    Ok(reply::ok(stored))
}

#[utoipa::path(
    post,
    path = "/configs/{id}/schema/recipes/{fingerprint}/confirm",
    operation_id = "confirm_recipe",
    tag = "schemas",
    params(ConfigScope, Fingerprint),
    responses((status = 200, description = "the recipe, now confirmed", body = crate::reply::Envelope<StoredRecipe>))
)]
pub(crate) async fn confirm(
    scope: ConfigScope,
    Fingerprint(fingerprint): Fingerprint,
) -> ApiResult<HttpResponse> {
    let mut conn = scope.conn().await?;
    let (schema_id, recipes) = active(&mut conn, &scope).await?;
    let mut stored = recipes
        .into_iter()
        .find(|r| r.fingerprint == fingerprint)
        .ok_or_else(|| not_found(&scope, &fingerprint))?;
    stored.status = RecipeStatus::Confirmed;
    stored.updated_at = Utc::now();
    wfm_db::recipes::put(&mut conn, schema_id, &stored).await?;
    Ok(reply::ok(stored))
}

#[utoipa::path(
    delete,
    path = "/configs/{id}/schema/recipes/{fingerprint}",
    operation_id = "delete_recipe",
    tag = "schemas",
    params(ConfigScope, Fingerprint),
    responses((status = 200, description = "deleted: files of this shape go to the built-in readers (and the LLM) again", body = crate::reply::Envelope<RecipeDeleted>))
)]
pub(crate) async fn delete(
    scope: ConfigScope,
    Fingerprint(fingerprint): Fingerprint,
) -> ApiResult<HttpResponse> {
    let mut conn = scope.conn().await?;
    let (schema_id, _) = active(&mut conn, &scope).await?;
    if !wfm_db::recipes::remove(&mut conn, schema_id, &fingerprint).await? {
        return Err(not_found(&scope, &fingerprint));
    }
    Ok(reply::ok(RecipeDeleted {
        deleted: fingerprint,
    }))
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct RecipeDeleted {
    /// The shape whose recipe was deleted.
    deleted: String,
}
