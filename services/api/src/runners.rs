//! Runners and runner sets as the scanner recorded them in `gpu_workloads`:
//! a config's runners (with whether each was collected), runner sets, and a
//! runner set's statistics.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use wfm_db::models::{Config, Workload};
use wfm_db::runners::workflow_matches;
use wfm_db::schema::{github_workflow_runs as runs, gpu_workloads as workloads};
use wfm_db::{RunStatus, WorkloadKind, WorkloadStatus};

use crate::error::{ApiError, ApiResult};
use crate::input::{Cluster, ConfigScope, FromParams, Name, Namespace, Query, Uid};
use crate::params::{Paging, Params};
use crate::{AppState, reply};

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

/// Filters of a config's runners.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct RunnerQuery {
    /// Runners created at or after (RFC 3339).
    start_time: Option<DateTime<Utc>>,
    /// Runners created at or before (RFC 3339).
    end_time: Option<DateTime<Utc>>,
    /// A runner status, or `all` (the default).
    #[param(value_type = Option<String>, example = "completed")]
    status: Option<WorkloadStatus>,
    /// `true` (collected by this config), `false`, or `all` (the default).
    #[param(value_type = Option<String>, example = "false")]
    processed: Option<bool>,
    /// The workflow's file or name.
    workflow: Option<String>,
}

impl FromParams for RunnerQuery {
    fn from_params(params: &Params) -> ApiResult<Self> {
        let range = params.time_range("start_time", "end_time")?;
        Ok(Self {
            start_time: range.start,
            end_time: range.end,
            status: match params.str("status") {
                None | Some("all") => None,
                Some(_) => params.enum_value::<WorkloadStatus>("status")?,
            },
            processed: match params.str("processed") {
                None | Some("all") => None,
                Some(_) => params.bool("processed")?,
            },
            workflow: params.str("workflow").map(str::to_owned),
        })
    }
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
    params(crate::input::ConfigScope, crate::params::Paging, RunnerQuery),
    responses((status = 200, description = "success", body = crate::reply::Envelope<reply::Page<RunnerList>>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody))
)]
pub(crate) async fn config_runners(
    scope: ConfigScope,
    Query(paging): Query<Paging>,
    Query(filters): Query<RunnerQuery>,
) -> ApiResult<HttpResponse> {
    let mut conn = scope.conn().await?;
    let config = scope.config;
    let id = config.id;
    let RunnerQuery {
        start_time,
        end_time,
        status,
        processed,
        workflow,
    } = filters;
    let filtered = || {
        let mut query = bound_runners(&config);
        if let Some(start) = start_time {
            query = query.filter(workloads::created_at.ge(start));
        }
        if let Some(end) = end_time {
            query = query.filter(workloads::created_at.le(end));
        }
        if let Some(status) = status {
            query = query.filter(workloads::status.eq(status));
        }
        if let Some(workflow) = &workflow {
            query = query.filter(workflow_matches(workflow));
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
    params(crate::input::ConfigScope, crate::input::Uid),
    responses((status = 200, description = "success", body = crate::reply::Envelope<Runner>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody))
)]
pub(crate) async fn config_runner(scope: ConfigScope, Uid(uid): Uid) -> ApiResult<HttpResponse> {
    let mut conn = scope.conn().await?;
    let config = scope.config;
    let id = config.id;
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

/// Filters of the runner-set list.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SetQuery {
    /// Only this namespace's runner sets.
    namespace: Option<String>,
}

impl FromParams for SetQuery {
    fn from_params(params: &Params) -> ApiResult<Self> {
        Ok(Self {
            namespace: params.str("namespace").map(str::to_owned),
        })
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct RunnerSetList {
    runner_sets: Vec<Workload>,
}

#[utoipa::path(
    get,
    path = "/autoscaling-runner-sets",
    tag = "runners",
    params(crate::input::Cluster, crate::params::Paging, SetQuery),
    responses((status = 200, description = "success", body = crate::reply::Envelope<reply::Page<RunnerSetList>>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody))
)]
pub(crate) async fn runner_sets(
    state: web::Data<AppState>,
    Cluster(cluster): Cluster,
    Query(paging): Query<Paging>,
    Query(SetQuery { namespace }): Query<SetQuery>,
) -> ApiResult<HttpResponse> {
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

async fn find_runner_set(
    conn: &mut AsyncPgConnection,
    ns: &str,
    name: &str,
    cluster: &str,
) -> ApiResult<Workload> {
    let set = workloads::table
        .filter(workloads::cluster_name.eq(cluster))
        .filter(workloads::kind.eq(WorkloadKind::AutoscalingRunnerSet))
        .filter(workloads::namespace.eq(ns).and(workloads::name.eq(name)))
        .select(Workload::as_select())
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "runner set {ns}/{name} not found in cluster {cluster:?}"
            ))
        })?;
    Ok(set)
}

#[utoipa::path(
    get,
    path = "/autoscaling-runner-sets/{namespace}/{name}",
    tag = "runners",
    params(crate::input::Namespace, crate::input::Name, crate::input::Cluster),
    responses((status = 200, description = "success", body = crate::reply::Envelope<Workload>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody))
)]
pub(crate) async fn runner_set(
    state: web::Data<AppState>,
    Namespace(ns): Namespace,
    Name(name): Name,
    Cluster(cluster): Cluster,
) -> ApiResult<HttpResponse> {
    let mut conn = state.conn().await?;
    Ok(reply::ok(
        find_runner_set(&mut conn, &ns, &name, &cluster).await?,
    ))
}

/// The window of runner-set statistics (runners created in it).
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct StatsQuery {
    /// RFC 3339.
    start_time: Option<DateTime<Utc>>,
    /// RFC 3339.
    end_time: Option<DateTime<Utc>>,
}

impl FromParams for StatsQuery {
    fn from_params(params: &Params) -> ApiResult<Self> {
        let range = params.time_range("start_time", "end_time")?;
        Ok(Self {
            start_time: range.start,
            end_time: range.end,
        })
    }
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
    params(crate::input::Namespace, crate::input::Name, crate::input::Cluster, StatsQuery),
    responses((status = 200, description = "success", body = crate::reply::Envelope<Stats>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody))
)]
pub(crate) async fn stats(
    state: web::Data<AppState>,
    Namespace(ns): Namespace,
    Name(name): Name,
    Cluster(cluster): Cluster,
    Query(range): Query<StatsQuery>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let set = find_runner_set(&mut conn, &ns, &name, &cluster).await?;
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
    .bind::<Nullable<Timestamptz>, _>(range.start_time)
    .bind::<Nullable<Timestamptz>, _>(range.end_time)
    .get_result(&mut conn)
    .await?;
    Ok(reply::ok(stats))
}
