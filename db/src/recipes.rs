//! The recipes kept with a schema version (`github_workflow_metric_schemas.
//! recipes`): one entry per file shape, written by the collector when the
//! LLM proposes a recipe that reproduces its own records, and by the api
//! when a user writes, edits, confirms or deletes one. The recipe itself is
//! opaque JSON here; wfm-extract parses and checks it.

use chrono::{DateTime, Utc};
use diesel::QueryResult;
use diesel::sql_types::{BigInt, Jsonb, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One stored recipe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StoredRecipe {
    /// The shape of the files it reads (`wfm extract --explain` prints a
    /// file's).
    pub fingerprint: String,
    #[schema(value_type = Object)]
    pub recipe: serde_json::Value,
    pub status: RecipeStatus,
    pub source: RecipeSource,
    /// A file it was made from or checked on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example_path: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// Whether a person has looked at the recipe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RecipeStatus {
    /// Written by the LLM and checked against its own records; in use.
    Proposed,
    /// Confirmed or written by a user.
    Confirmed,
}

/// Who wrote the recipe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RecipeSource {
    Llm,
    User,
}

/// The stored recipes of a schema version's `recipes` column; entries that
/// do not parse are skipped (the column is only written through here).
pub fn parse(column: &serde_json::Value) -> Vec<StoredRecipe> {
    column
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| StoredRecipe::deserialize(e).ok())
        .collect()
}

/// SQL for `recipes` without the entry whose shape is bind parameter
/// `param` (`$3`): what each of the three writes starts from.
fn without_shape(param: &str) -> String {
    format!(
        "COALESCE((SELECT jsonb_agg(e) FROM jsonb_array_elements(recipes) e \
         WHERE e->>'fingerprint' <> {param}), '[]'::jsonb)"
    )
}

/// Keeps an LLM's recipe for its shape, replacing an earlier proposal;
/// `false` when the shape has a confirmed one (a person's recipe is never
/// overwritten by the model).
pub async fn add_proposed(
    conn: &mut AsyncPgConnection,
    schema_id: i64,
    recipe: &StoredRecipe,
) -> QueryResult<bool> {
    let entry = serde_json::to_value(recipe).unwrap_or_default();
    let changed = diesel::sql_query(format!(
        "UPDATE github_workflow_metric_schemas SET recipes = {} \
             || jsonb_build_array($2::jsonb) \
         WHERE id = $1 AND NOT EXISTS \
             (SELECT 1 FROM jsonb_array_elements(recipes) e \
              WHERE e->>'fingerprint' = $3 AND e->>'status' = 'confirmed')",
        without_shape("$3")
    ))
    .bind::<BigInt, _>(schema_id)
    .bind::<Jsonb, _>(entry)
    .bind::<Text, _>(&recipe.fingerprint)
    .execute(conn)
    .await?;
    Ok(changed == 1)
}

/// Sets the recipe of `recipe.fingerprint`, replacing any; `false` when the
/// schema version does not exist.
pub async fn put(
    conn: &mut AsyncPgConnection,
    schema_id: i64,
    recipe: &StoredRecipe,
) -> QueryResult<bool> {
    let entry = serde_json::to_value(recipe).unwrap_or_default();
    let changed = diesel::sql_query(format!(
        "UPDATE github_workflow_metric_schemas SET recipes = {} \
             || jsonb_build_array($2::jsonb) \
         WHERE id = $1",
        without_shape("$3")
    ))
    .bind::<BigInt, _>(schema_id)
    .bind::<Jsonb, _>(entry)
    .bind::<Text, _>(&recipe.fingerprint)
    .execute(conn)
    .await?;
    Ok(changed == 1)
}

/// Removes the recipe of `fingerprint`; `false` when there was none.
pub async fn remove(
    conn: &mut AsyncPgConnection,
    schema_id: i64,
    fingerprint: &str,
) -> QueryResult<bool> {
    let changed = diesel::sql_query(format!(
        "UPDATE github_workflow_metric_schemas SET recipes = {} \
         WHERE id = $1 AND EXISTS \
             (SELECT 1 FROM jsonb_array_elements(recipes) e WHERE e->>'fingerprint' = $2)",
        without_shape("$2")
    ))
    .bind::<BigInt, _>(schema_id)
    .bind::<Text, _>(fingerprint)
    .execute(conn)
    .await?;
    Ok(changed == 1)
}
