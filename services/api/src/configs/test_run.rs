//! `POST /configs/{id}/test`: collect one runner now, as a `manual` run.

use actix_web::{HttpRequest, HttpResponse, web};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};
use diesel_async::RunQueryDsl;
use serde::Deserialize;
use wfm_db::models::{Config, Run, Workload};
use wfm_db::schema::gpu_workloads as workloads;
use wfm_db::{WorkloadKind, WorkloadStatus};

use crate::body::Json;
use crate::error::{ApiError, ApiResult};
use crate::params::{Params, path_id};
use crate::{AppState, lookup, reply};

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestBody {
    /// The runner to collect; default: the runner set's newest completed runner.
    #[serde(default)]
    workload_uid: Option<String>,
}

#[utoipa::path(
    post,
    path = "/configs/{id}/test",
    tag = "configs",
    params(("id" = i64, Path, description = "config id"), crate::openapi::ClusterQuery),
    request_body = Option<TestBody>,
    responses((status = 200, description = "success", body = crate::openapi::Envelope<Run>), (status = 400, description = "bad request: the message names the field", body = crate::openapi::ErrorBody), (status = 404, description = "not found", body = crate::openapi::ErrorBody), (status = 409, description = "conflict", body = crate::openapi::ErrorBody))
)]
pub(crate) async fn test(
    req: HttpRequest,
    state: web::Data<AppState>,
    Json(body): Json<TestBody>,
) -> ApiResult<HttpResponse> {
    let (id, params) = (path_id(&req, "id")?, Params::from_request(&req)?);
    let cluster = params.cluster(&state.cluster);
    let mut conn = state.conn().await?;
    let config = lookup::config(&mut conn, id, cluster).await?;
    let workload = pick_workload(&mut conn, &config, body.workload_uid.as_deref()).await?;
    let run = enqueue_manual(&mut conn, &config, &workload)
        .await?
        .ok_or_else(|| {
            ApiError::conflict(format!(
                "the run of workload {} is being collected now; try again when it ends",
                workload.uid
            ))
        })?;
    tracing::info!(config = id, run = run.id, workload = %workload.uid, "manual run queued");
    Ok(reply::ok(run))
}

async fn pick_workload(
    conn: &mut diesel_async::AsyncPgConnection,
    config: &Config,
    uid: Option<&str>,
) -> ApiResult<Workload> {
    let runners = workloads::table
        .filter(workloads::cluster_name.eq(&config.cluster_name))
        .filter(workloads::kind.eq(WorkloadKind::EphemeralRunner))
        .select(Workload::as_select());
    if let Some(uid) = uid {
        return runners
            .filter(workloads::uid.eq(uid))
            .first(conn)
            .await
            .optional()?
            .ok_or_else(|| {
                ApiError::not_found(format!(
                    "runner {uid:?} not found in cluster {:?}",
                    config.cluster_name
                ))
            });
    }
    let (Some(namespace), Some(set)) = (&config.runner_set_namespace, &config.runner_set_name)
    else {
        return Err(ApiError::bad_request(format!(
            "invalid workload_uid: config {} is bound to a repository, not a runner set; name the runner to collect",
            config.id
        )));
    };
    runners
        .filter(workloads::namespace.eq(namespace))
        .filter(workloads::runner_set_name.eq(set))
        .filter(workloads::status.eq(WorkloadStatus::Completed))
        .order((
            workloads::completed_at.desc().nulls_last(),
            workloads::id.desc(),
        ))
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "runner set {namespace}/{set} has no completed runner yet"
            ))
        })
}

/// Inserts the run, or puts an existing one back to pending as `manual`;
/// `None` when that run is in flight.
async fn enqueue_manual(
    conn: &mut diesel_async::AsyncPgConnection,
    config: &Config,
    w: &Workload,
) -> ApiResult<Option<Run>> {
    let run = diesel::sql_query(
        "INSERT INTO github_workflow_runs AS r
             (config_id, workload_uid, workload_name, workload_namespace, github_run_id,
              head_sha, head_branch, trigger_source, workload_started_at, workload_completed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'manual', $8, $9)
         ON CONFLICT (config_id, workload_uid) DO UPDATE
            SET status = 'pending', trigger_source = 'manual', retry_count = 0,
                error_message = NULL, next_attempt_at = now(), claimed_by = NULL,
                lease_expires_at = NULL
            WHERE r.status NOT IN ('collecting', 'extracting')
         RETURNING r.*",
    )
    .bind::<BigInt, _>(config.id)
    .bind::<Text, _>(&w.uid)
    .bind::<Text, _>(&w.name)
    .bind::<Text, _>(&w.namespace)
    .bind::<Nullable<BigInt>, _>(w.github_run_id)
    .bind::<Nullable<Text>, _>(&w.github_head_sha)
    .bind::<Nullable<Text>, _>(&w.github_head_branch)
    .bind::<Nullable<Timestamptz>, _>(w.started_at)
    .bind::<Nullable<Timestamptz>, _>(w.completed_at)
    .get_result::<Run>(conn)
    .await
    .optional()?;
    Ok(run)
}
