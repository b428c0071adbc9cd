//! The config's active schema: read it, or create version 1 from the first
//! run's files so collection never waits for a human.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use wfm_db::GeneratedBy;
use wfm_db::models::{MetricSchema, NewMetricSchema};
use wfm_db::schema::{
    github_workflow_configs as configs, github_workflow_metric_schemas as schemas,
};
use wfm_extract::Schema;
use wfm_extract::recipe::{KnownRecipe, Recipe};

/// The schema in force for a config, with its row id.
#[derive(Debug, Clone)]
pub struct ActiveSchema {
    pub id: i64,
    /// Its version number, for naming its recipes.
    pub version: i32,
    pub schema: Schema,
    pub timestamp_field: Option<String>,
    /// The recipes kept with it (entries that no longer parse are skipped).
    pub recipes: Vec<KnownRecipe>,
}

/// Why the active schema could not be read or made.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// An active schema row that cannot be used: the run fails, it is not retried.
    #[error("active schema {id} (version {version}): {what} is invalid: {reason}")]
    Invalid {
        id: i64,
        version: i32,
        what: &'static str,
        reason: serde_json::Error,
    },
    /// Another collector's first schema won the race, yet none is active
    /// (it was replaced meanwhile): worth a retry.
    #[error("schema race lost and no active schema found")]
    RaceLost,
    /// Worth a retry.
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

/// The config's active schema, if it has one; a row that does not parse as a
/// schema is [`SchemaError::Invalid`], naming it.
pub async fn active(
    conn: &mut AsyncPgConnection,
    config_id: i64,
) -> Result<Option<ActiveSchema>, SchemaError> {
    let Some(row) = wfm_db::metric_schemas::active(conn, config_id).await? else {
        return Ok(None);
    };
    let recipes = known_recipes(&row);
    Ok(Some(ActiveSchema {
        id: row.id,
        version: row.version,
        recipes,
        schema: Schema {
            fields: parse_json(&row, &row.fields, "fields")?,
            dimension_fields: parse_json(&row, &row.dimension_fields, "dimension_fields")?,
            metric_fields: parse_json(&row, &row.metric_fields, "metric_fields")?,
        },
        timestamp_field: row.timestamp_field,
    }))
}

/// The schema version's recipes that parse and validate; a bad one is
/// logged and skipped, so the files it would read go to the other readers.
fn known_recipes(row: &MetricSchema) -> Vec<KnownRecipe> {
    wfm_db::recipes::parse(&row.recipes)
        .into_iter()
        .filter_map(|stored| {
            let recipe = serde_json::from_value::<Recipe>(stored.recipe)
                .map_err(|e| e.to_string())
                .and_then(|r| r.validate().map(|()| r).map_err(|e| e.to_string()));
            match recipe {
                Ok(recipe) => Some(KnownRecipe {
                    name: format!("schema v{} {}", row.version, stored.fingerprint),
                    fingerprint: stored.fingerprint,
                    recipe,
                }),
                Err(reason) => {
                    tracing::warn!(
                        schema = row.id,
                        fingerprint = stored.fingerprint,
                        reason,
                        "stored recipe skipped"
                    );
                    None
                }
            }
        })
        .collect()
}

fn parse_json<T: serde::de::DeserializeOwned>(
    row: &MetricSchema,
    value: &serde_json::Value,
    what: &'static str,
) -> Result<T, SchemaError> {
    T::deserialize(value).map_err(|reason| SchemaError::Invalid {
        id: row.id,
        version: row.version,
        what,
        reason,
    })
}

/// Stores `schema` as the config's next version, active, and points the
/// config at it. Two collectors racing on a new config both end up with the
/// one that won (the partial unique index allows one active schema).
pub async fn create_active(
    conn: &mut AsyncPgConnection,
    config_id: i64,
    name: &str,
    schema: &Schema,
    generated_by: GeneratedBy,
    explanation: Option<String>,
) -> Result<ActiveSchema, SchemaError> {
    let inserted = conn
        .build_transaction()
        .run(async |conn| {
            let version: Option<i32> = schemas::table
                .filter(schemas::config_id.eq(config_id))
                .select(diesel::dsl::max(schemas::version))
                .first(conn)
                .await?;
            let version = version.unwrap_or(0) + 1;
            let new = NewMetricSchema {
                config_id,
                name: name.to_owned(),
                version,
                fields: serde_json::to_value(&schema.fields).unwrap_or_default(),
                dimension_fields: serde_json::to_value(&schema.dimension_fields)
                    .unwrap_or_default(),
                metric_fields: serde_json::to_value(&schema.metric_fields).unwrap_or_default(),
                timestamp_field: None,
                is_active: true,
                generated_by,
                explanation: explanation.clone(),
            };
            let id: i64 = diesel::insert_into(schemas::table)
                .values(&new)
                .returning(schemas::id)
                .get_result(conn)
                .await?;
            diesel::update(configs::table.find(config_id))
                .set(configs::metric_schema_id.eq(id))
                .execute(conn)
                .await?;
            Ok::<_, diesel::result::Error>((id, version))
        })
        .await;
    match inserted {
        Ok((id, version)) => Ok(ActiveSchema {
            id,
            version,
            schema: schema.clone(),
            timestamp_field: None,
            recipes: Vec::new(),
        }),
        // Another collector created the active schema first: use theirs.
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => active(conn, config_id).await?.ok_or(SchemaError::RaceLost),
        Err(e) => Err(e.into()),
    }
}

/// One schema for a run's files: the union of the files' schemas, a field
/// keeping the role it had where it was first seen.
pub fn union(schemas: impl IntoIterator<Item = Schema>) -> Schema {
    let mut out = Schema::default();
    for schema in schemas {
        for field in schema.fields {
            if !out.fields.iter().any(|f| f.name == field.name) {
                out.fields.push(field);
            }
        }
        for name in schema.dimension_fields {
            if !out.dimension_fields.contains(&name) && !out.metric_fields.contains(&name) {
                out.dimension_fields.push(name);
            }
        }
        for name in schema.metric_fields {
            if !out.dimension_fields.contains(&name) && !out.metric_fields.contains(&name) {
                out.metric_fields.push(name);
            }
        }
    }
    out
}
