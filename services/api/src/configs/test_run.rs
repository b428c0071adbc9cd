//! `POST /configs/{id}/test`: collect one runner now, as a `manual` run.

use actix_web::HttpResponse;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Deserialize;
use wfm_db::models::{Config, NewRun, Run, Workload};
use wfm_db::queue;
use wfm_db::schema::gpu_workloads as workloads;
use wfm_db::{WorkloadKind, WorkloadStatus};

use crate::body::Json;
use crate::error::{ApiError, ApiResult};
use crate::input::ConfigScope;
use crate::reply;

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
    operation_id = "test_config",
    tag = "configs",
    params(crate::input::ConfigScope),
    request_body = Option<TestBody>,
    responses((status = 200, description = "success", body = crate::reply::Envelope<Run>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody), (status = 409, description = "conflict", body = crate::error::ErrorBody))
)]
pub(crate) async fn test(
    Json(body): Json<TestBody>,
    scope: ConfigScope,
) -> ApiResult<HttpResponse> {
    let mut conn = scope.conn().await?;
    let config = scope.config;
    let id = config.id;
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

/// The manual run of `w`: queued, or its finished run put back to pending;
/// `None` while it is being collected.
async fn enqueue_manual(
    conn: &mut diesel_async::AsyncPgConnection,
    config: &Config,
    w: &Workload,
) -> ApiResult<Option<Run>> {
    let run = NewRun {
        config_id: config.id,
        workload_uid: w.uid.clone(),
        workload_name: Some(w.name.clone()),
        workload_namespace: Some(w.namespace.clone()),
        github_run_id: w.github_run_id,
        head_sha: w.github_head_sha.clone(),
        head_branch: w.github_head_branch.clone(),
        workload_started_at: w.started_at,
        workload_completed_at: w.completed_at,
        ..NewRun::default()
    };
    Ok(queue::enqueue_manual(conn, &run).await?)
}
