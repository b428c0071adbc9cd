//! `POST /configs/{id}/schema/regenerate`: a draft schema version from the
//! newest collected run, for a user to review and activate.
//!
//! The api reads no result files (it may not reach the volumes the collector
//! reads): the draft is inferred from the newest run's stored records, each a
//! dimensions-and-metrics object, by the LLM when one is configured and by the
//! built-in inference otherwise. `generated_by` says which served. With an
//! LLM, the config's next collection is also asked to send every file to the
//! model, so that it writes its recipes afresh from the files themselves.

use actix_web::{HttpResponse, web};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Serialize;
use wfm_db::models::MetricSchema;
use wfm_db::schema::{
    github_workflow_configs as configs, github_workflow_metrics as metrics,
    github_workflow_runs as runs,
};
use wfm_db::{GeneratedBy, RunStatus};
use wfm_extract::llm::{LlmRequest, Method, extract_with_llm};

use crate::error::{ApiError, ApiResult};
use crate::input::ConfigScope;
use crate::schemas::{NewVersion, insert_version};
use crate::{AppState, reply};

/// Records of the run the draft is inferred from, at most.
const SAMPLE_RECORDS: i64 = 2000;

#[derive(Serialize, utoipa::ToSchema)]
struct Draft {
    #[serde(flatten)]
    schema: MetricSchema,
    /// The run whose records were read.
    source_run_id: i64,
    records_read: usize,
    /// Why the LLM did not serve, when one is configured and it did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    fallback_reason: Option<String>,
    /// With an LLM configured: the config's next collection sends every
    /// file to the model, which writes its recipes afresh (the api reads
    /// stored records, not the files a recipe must parse).
    recipes_requested: bool,
}

#[utoipa::path(
    post,
    path = "/configs/{id}/schema/regenerate",
    tag = "schemas",
    params(crate::input::ConfigScope),
    responses((status = 200, description = "an inactive draft version", body = crate::reply::Envelope<Draft>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody))
)]
pub(crate) async fn regenerate(
    state: web::Data<AppState>,
    scope: ConfigScope,
) -> ApiResult<HttpResponse> {
    let mut conn = scope.conn().await?;
    let config = scope.config;
    let id = config.id;
    let run_id: i64 = runs::table
        .filter(
            runs::config_id
                .eq(id)
                .and(runs::status.eq(RunStatus::Completed)),
        )
        .filter(runs::metrics_count.gt(0))
        .order((
            runs::collection_completed_at.desc().nulls_last(),
            runs::id.desc(),
        ))
        .select(runs::id)
        .first(&mut conn)
        .await
        .optional()?
        .ok_or_else(|| {
            ApiError::not_found(format!("config {id} has no completed run with records yet"))
        })?;
    let rows: Vec<(serde_json::Value, serde_json::Value)> = metrics::table
        .filter(metrics::run_id.eq(run_id))
        .order(metrics::id.asc())
        .limit(SAMPLE_RECORDS)
        .select((metrics::dimensions, metrics::metrics))
        .load(&mut conn)
        .await?;
    drop(conn);
    let records: Vec<serde_json::Value> = rows
        .into_iter()
        .map(|(dims, values)| {
            let mut record = dims.as_object().cloned().unwrap_or_default();
            record.extend(values.as_object().cloned().unwrap_or_default());
            serde_json::Value::Object(record)
        })
        .collect();
    let bytes = serde_json::to_vec(&records).map_err(|e| ApiError::Internal(e.into()))?;
    let outcome = extract_with_llm(
        LlmRequest {
            path: "records.json",
            bytes: &bytes,
            schema: None,
            custom_prompt: config.custom_prompt.as_deref(),
            recipes: &[],
            force: true,
        },
        &wfm_extract::Options::default(),
        state.llm.as_deref(),
    )
    .await
    .map_err(|e| {
        ApiError::Internal(
            anyhow::Error::new(e).context(format!("inferring a schema from run {run_id}")),
        )
    })?;
    let generated_by = match outcome.method {
        Method::Llm => GeneratedBy::Ai,
        Method::Builtin | Method::Recipe => GeneratedBy::Inference,
    };
    let mut conn = state.conn().await?;
    let schema = insert_version(
        &mut conn,
        NewVersion {
            config_id: id,
            name: crate::schemas::default_name(&config.name),
            schema: outcome.extraction.schema,
            timestamp_field: None,
            generated_by,
            explanation: outcome.explanation,
            activate: false,
        },
    )
    .await?;
    let recipes_requested = state.llm.is_some();
    if recipes_requested {
        diesel::update(configs::table.find(id))
            .set(configs::recipes_requested_at.eq(diesel::dsl::now))
            .execute(&mut conn)
            .await?;
    }
    tracing::info!(config = id, version = schema.version, %generated_by, "draft schema generated");
    Ok(reply::ok(Draft {
        schema,
        source_run_id: run_id,
        records_read: records.len(),
        fallback_reason: state.llm.as_ref().and(outcome.fallback_reason),
        recipes_requested,
    }))
}
