//! Runners and runner sets as the scanner recorded them in `gpu_workloads`:
//! a config's runners (with whether each was collected), runner sets, and a
//! runner set's statistics.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use wfm_db::models::{Config, Workload};
use wfm_db::runners::escape_like;
use wfm_db::schema::{github_workflow_runs as runs, gpu_workloads as workloads};
use wfm_db::{RunStatus, WorkloadKind, WorkloadStatus};

use crate::error::{ApiError, ApiResult};
use crate::params::{Params, path_id};
use crate::{AppState, lookup, reply};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/configs/{id}/runners", web::get().to(config_runners))
        .route("/configs/{id}/runners/{uid}", web::get().to(config_runner))
        .route("/autoscaling-runner-sets", web::get().to(runner_sets))
        .route(
            "/autoscaling-runner-sets/{namespace}/{name}",
            web::get().to(runner_set),
        )
        .route(
            "/autoscaling-runner-sets/{namespace}/{name}/stats",
            web::get().to(stats),
        );
}

/// A runner with its collection by this config, if any.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Runner {
    #[serde(flatten)]
    workload: Workload,
    processed: bool,
    run_id: Option<i64>,
    run_status: Option<RunStatus>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct RunnerList {
    runners: Vec<Runner>,
}

/// The runners a config is bound to: its runner set's, or its repository's.
fn bound_runners(config: &Config) -> workloads::BoxedQuery<'static, Pg> {
    let query = workloads::table
        .filter(workloads::cluster_name.eq(config.cluster_name.clone()))
        .filter(workloads::kind.eq(WorkloadKind::EphemeralRunner))
        .into_boxed();
    match (&config.runner_set_namespace, &config.runner_set_name) {
        (Some(ns), Some(set)) => query
            .filter(workloads::namespace.eq(ns.clone()))
            .filter(workloads::runner_set_name.eq(set.clone())),
        _ => query.filter(workloads::github_repository.eq(format!(
            "{}/{}",
            config.github_owner.as_deref().unwrap_or_default(),
            config.github_repo.as_deref().unwrap_or_default()
        ))),
    }
}

#[utoipa::path(
    get,
    path = "/configs/{id}/runners",
    tag = "runners",
    params(("id" = i64, Path, description = "config id"), crate::openapi::ClusterQuery, crate::openapi::PageQuery, ("start_time" = Option<String>, Query, description = "runners created at or after (RFC 3339)"), ("end_time" = Option<String>, Query), ("status" = Option<String>, Query, description = "pending, running, completed, failed or all"), ("processed" = Option<String>, Query, description = "true, false or all"), ("workflow" = Option<String>, Query, description = "workflow file or name")),
    responses((status = 200, description = "success", body = crate::openapi::Envelope<reply::Page<RunnerList>>), (status = 400, description = "bad request: the message names the field", body = crate::openapi::ErrorBody), (status = 404, description = "not found", body = crate::openapi::ErrorBody))
)]
pub(crate) async fn config_runners(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (id, params) = (path_id(&req, "id")?, Params::from_request(&req)?);
    let paging = params.paging()?;
    let range = params.time_range("start_time", "end_time")?;
    let status = match params.str("status") {
        None | Some("all") => None,
        Some(_) => params.enum_value::<WorkloadStatus>("status")?,
    };
    let processed = match params.str("processed") {
        None | Some("all") => None,
        Some(_) => params.bool("processed")?,
    };
    let workflow = params.str("workflow").map(str::to_owned);
    let mut conn = state.conn().await?;
    let config = lookup::config(&mut conn, id, params.cluster(&state.cluster)).await?;
    let filtered = || {
        let mut query = bound_runners(&config);
        if let Some(start) = range.start {
            query = query.filter(workloads::created_at.ge(start));
        }
        if let Some(end) = range.end {
            query = query.filter(workloads::created_at.le(end));
        }
        if let Some(status) = status {
            query = query.filter(workloads::status.eq(status));
        }
        if let Some(workflow) = &workflow {
            query =
                query.filter(workloads::github_workflow_name.eq(workflow.clone()).or(
                    workloads::github_workflow_ref.like(format!("%/{}@%", escape_like(workflow))),
                ));
        }
        let collected = runs::table
            .filter(runs::config_id.eq(id))
            .select(runs::workload_uid);
        match processed {
            Some(true) => query.filter(workloads::uid.eq_any(collected)),
            Some(false) => query.filter(workloads::uid.ne_all(collected)),
            None => query,
        }
    };
    let total: i64 = filtered().count().get_result(&mut conn).await?;
    let page: Vec<Workload> = filtered()
        .order((workloads::created_at.desc(), workloads::id.desc()))
        .offset(paging.offset)
        .limit(paging.limit)
        .select(Workload::as_select())
        .load(&mut conn)
        .await?;
    let runners = with_runs(&mut conn, id, page).await?;
    Ok(reply::ok(reply::Page {
        items: RunnerList { runners },
        total,
        offset: paging.offset,
        limit: paging.limit,
    }))
}

async fn with_runs(
    conn: &mut AsyncPgConnection,
    config_id: i64,
    page: Vec<Workload>,
) -> ApiResult<Vec<Runner>> {
    let uids: Vec<&str> = page.iter().map(|w| w.uid.as_str()).collect();
    let found: HashMap<String, (i64, RunStatus)> = runs::table
        .filter(
            runs::config_id
                .eq(config_id)
                .and(runs::workload_uid.eq_any(uids)),
        )
        .select((runs::workload_uid, runs::id, runs::status))
        .load::<(String, i64, RunStatus)>(conn)
        .await?
        .into_iter()
        .map(|(uid, id, status)| (uid, (id, status)))
        .collect();
    Ok(page
        .into_iter()
        .map(|workload| {
            let run = found.get(&workload.uid).copied();
            Runner {
                processed: run.is_some(),
                run_id: run.map(|r| r.0),
                run_status: run.map(|r| r.1),
                workload,
            }
        })
        .collect())
}

#[utoipa::path(
    get,
    path = "/configs/{id}/runners/{uid}",
    tag = "runners",
    params(("id" = i64, Path, description = "config id"), ("uid" = String, Path), crate::openapi::ClusterQuery),
    responses((status = 200, description = "success", body = crate::openapi::Envelope<Runner>), (status = 400, description = "bad request: the message names the field", body = crate::openapi::ErrorBody), (status = 404, description = "not found", body = crate::openapi::ErrorBody))
)]
pub(crate) async fn config_runner(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (id, params) = (path_id(&req, "id")?, Params::from_request(&req)?);
    let uid = req.match_info().get("uid").unwrap_or_default().to_owned();
    let mut conn = state.conn().await?;
    let config = lookup::config(&mut conn, id, params.cluster(&state.cluster)).await?;
    let workload = bound_runners(&config)
        .filter(workloads::uid.eq(uid.clone()))
        .select(Workload::as_select())
        .first(&mut conn)
        .await
        .optional()?
        .ok_or_else(|| ApiError::not_found(format!("runner {uid:?} of config {id} not found")))?;
    let mut runners = with_runs(&mut conn, id, vec![workload]).await?;
    Ok(reply::ok(runners.pop()))
}

#[derive(Serialize, utoipa::ToSchema)]
struct RunnerSetList {
    runner_sets: Vec<Workload>,
}

#[utoipa::path(
    get,
    path = "/autoscaling-runner-sets",
    tag = "runners",
    params(crate::openapi::ClusterQuery, crate::openapi::PageQuery, ("namespace" = Option<String>, Query)),
    responses((status = 200, description = "success", body = crate::openapi::Envelope<reply::Page<RunnerSetList>>), (status = 400, description = "bad request: the message names the field", body = crate::openapi::ErrorBody))
)]
pub(crate) async fn runner_sets(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let params = Params::from_request(&req)?;
    let paging = params.paging()?;
    let cluster = params.cluster(&state.cluster).to_owned();
    let namespace = params.str("namespace").map(str::to_owned);
    let filtered = || {
        let mut query = workloads::table
            .filter(workloads::cluster_name.eq(cluster.clone()))
            .filter(workloads::kind.eq(WorkloadKind::AutoscalingRunnerSet))
            .into_boxed();
        if let Some(ns) = &namespace {
            query = query.filter(workloads::namespace.eq(ns.clone()));
        }
        query
    };
    let mut conn = state.conn().await?;
    let total: i64 = filtered().count().get_result(&mut conn).await?;
    let page = filtered()
        .order((workloads::namespace.asc(), workloads::name.asc()))
        .offset(paging.offset)
        .limit(paging.limit)
        .select(Workload::as_select())
        .load(&mut conn)
        .await?;
    Ok(reply::ok(reply::Page {
        items: RunnerSetList { runner_sets: page },
        total,
        offset: paging.offset,
        limit: paging.limit,
    }))
}

async fn find_runner_set(req: &HttpRequest, state: &AppState) -> ApiResult<(Workload, Params)> {
    let params = Params::from_request(req)?;
    let ns = req
        .match_info()
        .get("namespace")
        .unwrap_or_default()
        .to_owned();
    let name = req.match_info().get("name").unwrap_or_default().to_owned();
    let cluster = params.cluster(&state.cluster).to_owned();
    let mut conn = state.conn().await?;
    let set = workloads::table
        .filter(workloads::cluster_name.eq(&cluster))
        .filter(workloads::kind.eq(WorkloadKind::AutoscalingRunnerSet))
        .filter(workloads::namespace.eq(&ns).and(workloads::name.eq(&name)))
        .select(Workload::as_select())
        .first(&mut conn)
        .await
        .optional()?
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "runner set {ns}/{name} not found in cluster {cluster:?}"
            ))
        })?;
    Ok((set, params))
}

#[utoipa::path(
    get,
    path = "/autoscaling-runner-sets/{namespace}/{name}",
    tag = "runners",
    params(("namespace" = String, Path), ("name" = String, Path), crate::openapi::ClusterQuery),
    responses((status = 200, description = "success", body = crate::openapi::Envelope<Workload>), (status = 400, description = "bad request: the message names the field", body = crate::openapi::ErrorBody), (status = 404, description = "not found", body = crate::openapi::ErrorBody))
)]
pub(crate) async fn runner_set(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    Ok(reply::ok(find_runner_set(&req, &state).await?.0))
}

#[derive(Debug, QueryableByName, Serialize, utoipa::ToSchema)]
struct Stats {
    #[diesel(sql_type = BigInt)]
    runners_total: i64,
    #[diesel(sql_type = BigInt)]
    runners_completed: i64,
    #[diesel(sql_type = BigInt)]
    runners_failed: i64,
    #[diesel(sql_type = BigInt)]
    runners_running: i64,
    /// completed / (completed + failed); null before any finished.
    #[diesel(sql_type = Nullable<Double>)]
    success_rate: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    duration_avg_seconds: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    duration_p50_seconds: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    duration_p95_seconds: Option<f64>,
    /// Runs of configs bound to this set that completed.
    #[diesel(sql_type = BigInt)]
    runs_collected: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    last_completion_at: Option<DateTime<Utc>>,
}

#[utoipa::path(
    get,
    path = "/autoscaling-runner-sets/{namespace}/{name}/stats",
    tag = "runners",
    params(("namespace" = String, Path), ("name" = String, Path), crate::openapi::ClusterQuery, ("start_time" = Option<String>, Query), ("end_time" = Option<String>, Query)),
    responses((status = 200, description = "success", body = crate::openapi::Envelope<Stats>), (status = 400, description = "bad request: the message names the field", body = crate::openapi::ErrorBody), (status = 404, description = "not found", body = crate::openapi::ErrorBody))
)]
pub(crate) async fn stats(req: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let (set, params) = find_runner_set(&req, &state).await?;
    let range = params.time_range("start_time", "end_time")?;
    let mut conn = state.conn().await?;
    let stats: Stats = diesel::sql_query(
        "WITH r AS (
             SELECT status, started_at, completed_at,
                    extract(epoch FROM completed_at - started_at)::float8 AS seconds
             FROM gpu_workloads
             WHERE cluster_name = $1 AND kind = 'EphemeralRunner' AND namespace = $2
               AND runner_set_name = $3
               AND ($4::timestamptz IS NULL OR created_at >= $4)
               AND ($5::timestamptz IS NULL OR created_at <= $5))
         SELECT count(*) AS runners_total,
                count(*) FILTER (WHERE status = 'completed') AS runners_completed,
                count(*) FILTER (WHERE status = 'failed') AS runners_failed,
                count(*) FILTER (WHERE status = 'running') AS runners_running,
                (count(*) FILTER (WHERE status = 'completed'))::float8
                    / NULLIF(count(*) FILTER (WHERE status IN ('completed', 'failed')), 0) AS success_rate,
                avg(seconds) FILTER (WHERE status = 'completed') AS duration_avg_seconds,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds)
                    FILTER (WHERE status = 'completed') AS duration_p50_seconds,
                percentile_cont(0.95) WITHIN GROUP (ORDER BY seconds)
                    FILTER (WHERE status = 'completed') AS duration_p95_seconds,
                (SELECT count(*) FROM github_workflow_runs x
                   JOIN github_workflow_configs c ON c.id = x.config_id
                  WHERE c.cluster_name = $1 AND c.runner_set_namespace = $2
                    AND c.runner_set_name = $3 AND x.status = 'completed') AS runs_collected,
                max(completed_at) AS last_completion_at
         FROM r",
    )
    .bind::<Text, _>(&set.cluster_name)
    .bind::<Text, _>(&set.namespace)
    .bind::<Text, _>(&set.name)
    .bind::<Nullable<Timestamptz>, _>(range.start)
    .bind::<Nullable<Timestamptz>, _>(range.end)
    .get_result(&mut conn)
    .await?;
    Ok(reply::ok(stats))
}
