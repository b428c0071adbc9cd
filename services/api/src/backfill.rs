//! Backfill requests: file one (or preview it with `dry_run`), read its
//! status computed from its runs, cancel it. wfm-backfill does the enqueueing.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use diesel::dsl::now;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use wfm_db::models::{Backfill, Workload};
use wfm_db::runners::Selection;
use wfm_db::schema::{
    github_workflow_backfills as backfills, github_workflow_runs as runs,
    gpu_workloads as workloads,
};
use wfm_db::{BackfillState, RunStatus};

use crate::body::Json;
use crate::error::{ApiError, ApiResult};
use crate::input::{ConfigScope, FromParams, Query};
use crate::params::{Paging, Params};
use crate::reply;

/// Explicit workloads one request may name.
const MAX_UIDS: usize = 10_000;
const ACTIVE: [BackfillState; 2] = [BackfillState::Pending, BackfillState::InProgress];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/configs/{id}/backfill", web::post().to(request))
        .route("/configs/{id}/backfill/status", web::get().to(status))
        .route("/configs/{id}/backfill/cancel", web::post().to(cancel));
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BackfillBody {
    #[serde(default)]
    start_time: Option<DateTime<Utc>>,
    #[serde(default)]
    end_time: Option<DateTime<Utc>>,
    /// Only these runners (still subject to the config's filters).
    #[serde(default)]
    workload_uids: Option<Vec<String>>,
    /// Answer with what would be enqueued; write nothing.
    #[serde(default)]
    dry_run: bool,
    /// Runs this backfill may enqueue per minute; default: the backfill service's.
    #[serde(default)]
    rate_limit_per_minute: Option<i32>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct DryRun {
    dry_run: bool,
    /// Runners that would be enqueued.
    total: i64,
    /// The first of them, oldest first.
    workloads: Vec<Workload>,
}

#[utoipa::path(
    post,
    path = "/configs/{id}/backfill",
    tag = "backfill",
    params(crate::input::ConfigScope),
    request_body = BackfillBody,
    responses((status = 201, description = "filed", body = crate::reply::Envelope<Progress>), (status = 200, description = "a dry run: what would be enqueued; nothing written", body = crate::reply::Envelope<DryRun>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody), (status = 409, description = "conflict", body = crate::error::ErrorBody))
)]
pub(crate) async fn request(
    Json(body): Json<BackfillBody>,
    scope: ConfigScope,
) -> ApiResult<HttpResponse> {
    let mut conn = scope.conn().await?;
    let config = scope.config;
    let id = config.id;
    if let (Some(start), Some(end)) = (body.start_time, body.end_time)
        && start > end
    {
        return Err(ApiError::bad_request(
            "invalid start_time: it is after end_time",
        ));
    }
    if body
        .workload_uids
        .as_ref()
        .is_some_and(|uids| uids.is_empty() || uids.len() > MAX_UIDS)
    {
        return Err(ApiError::bad_request(format!(
            "invalid workload_uids: give 1 to {MAX_UIDS} runner uids, or leave it out"
        )));
    }
    if body.rate_limit_per_minute.is_some_and(|r| r < 1) {
        return Err(ApiError::bad_request(
            "invalid rate_limit_per_minute: must be at least 1",
        ));
    }
    let mut selection = Selection::of(&config).ok_or_else(|| {
        ApiError::bad_request(format!(
            "config {id} is bound to a repository, not a runner set: backfill reads the runner history of a runner set"
        ))
    })?;
    selection.start = body.start_time;
    selection.end = body.end_time;
    selection.uids = body.workload_uids.clone();
    let total: i64 = selection
        .not_collected()
        .count()
        .get_result(&mut conn)
        .await?;
    if body.dry_run {
        let workloads = selection
            .not_collected()
            .order((workloads::completed_at.asc(), workloads::uid.asc()))
            .limit(Paging::DEFAULT_LIMIT)
            .select(Workload::as_select())
            .load(&mut conn)
            .await?;
        return Ok(reply::ok(DryRun {
            dry_run: true,
            total,
            workloads,
        }));
    }
    let filed = diesel::insert_into(backfills::table)
        .values((
            backfills::config_id.eq(id),
            backfills::start_time.eq(body.start_time),
            backfills::end_time.eq(body.end_time),
            backfills::workload_uids.eq(body.workload_uids.map(serde_json::Value::from)),
            backfills::rate_limit_per_minute.eq(body.rate_limit_per_minute),
            backfills::total_workloads.eq(i32::try_from(total).unwrap_or(i32::MAX)),
        ))
        .returning(Backfill::as_returning())
        .get_result(&mut conn)
        .await;
    let backfill = match filed {
        Ok(row) => row,
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
            let active = active_backfill(&mut conn, id).await?.map(|b| b.id);
            return Err(ApiError::conflict(format!(
                "config {id} already has an active backfill{}; cancel it or wait for it to finish",
                active.map(|b| format!(" ({b})")).unwrap_or_default()
            )));
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(
        config = id,
        backfill = backfill.id,
        workloads = total,
        "backfill requested"
    );
    Ok(reply::created(progress(&mut conn, backfill).await?))
}

async fn active_backfill(
    conn: &mut AsyncPgConnection,
    config_id: i64,
) -> ApiResult<Option<Backfill>> {
    Ok(backfills::table
        .filter(
            backfills::config_id
                .eq(config_id)
                .and(backfills::state.eq_any(ACTIVE)),
        )
        .select(Backfill::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// A backfill with its progress, counted from its runs.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Progress {
    #[serde(flatten)]
    backfill: Backfill,
    /// The spec's name for `state` (the same value).
    status: BackfillState,
    total: i64,
    enqueued: i64,
    /// completed + failed + skipped
    processed: i64,
    completed: i64,
    failed: i64,
    skipped: i64,
    pending: i64,
    /// collecting or extracting now
    in_flight: i64,
    /// Seconds left at the rate observed since the backfill started.
    eta_seconds: Option<i64>,
}

async fn progress(conn: &mut AsyncPgConnection, backfill: Backfill) -> ApiResult<Progress> {
    let counts: Vec<(RunStatus, i64)> = runs::table
        .filter(runs::backfill_id.eq(backfill.id))
        .group_by(runs::status)
        .select((runs::status, diesel::dsl::count_star()))
        .load(conn)
        .await?;
    let count = |wanted: &[RunStatus]| -> i64 {
        counts
            .iter()
            .filter(|(s, _)| wanted.contains(s))
            .map(|(_, n)| n)
            .sum()
    };
    let completed = count(&[RunStatus::Completed]);
    let failed = count(&[RunStatus::Failed]);
    let skipped = count(&[RunStatus::Skipped]);
    let processed = completed + failed + skipped;
    let enqueued = counts.iter().map(|(_, n)| n).sum();
    let mut backfill = backfill;
    // wfm-backfill marks a request completed when it has enqueued everything;
    // it is done when its runs are: until then it is still in progress, and
    // it finished when its last run did.
    if backfill.state == BackfillState::Completed {
        if processed < enqueued {
            backfill.state = BackfillState::InProgress;
            backfill.finished_at = None;
        } else if enqueued > 0 {
            let last: Option<DateTime<Utc>> = runs::table
                .filter(runs::backfill_id.eq(backfill.id))
                .select(diesel::dsl::max(runs::collection_completed_at))
                .get_result(conn)
                .await?;
            backfill.finished_at = last.max(backfill.finished_at);
        }
    }
    let total = i64::from(backfill.total_workloads).max(enqueued);
    let eta_seconds = match (backfill.started_at, ACTIVE.contains(&backfill.state)) {
        (Some(started), true) if processed > 0 => {
            let elapsed = (Utc::now() - started).num_milliseconds().max(1) as f64 / 1000.0;
            let rate = processed as f64 / elapsed;
            Some(((total - processed).max(0) as f64 / rate).ceil() as i64)
        }
        _ => None,
    };
    Ok(Progress {
        total,
        enqueued,
        processed,
        completed,
        failed,
        skipped,
        pending: count(&[RunStatus::Pending]),
        in_flight: count(&[RunStatus::Collecting, RunStatus::Extracting]),
        eta_seconds,
        status: backfill.state,
        backfill,
    })
}

/// The config's newest backfill (or backfill `id` of the config when given).
async fn find(
    conn: &mut AsyncPgConnection,
    config_id: i64,
    id: Option<i64>,
) -> ApiResult<Backfill> {
    let mut query = backfills::table
        .filter(backfills::config_id.eq(config_id))
        .select(Backfill::as_select())
        .order(backfills::id.desc())
        .into_boxed();
    if let Some(id) = id {
        query = query.filter(backfills::id.eq(id));
    }
    query.first(conn).await.optional()?.ok_or_else(|| {
        ApiError::not_found(match id {
            Some(b) => format!("config {config_id} has no backfill {b}"),
            None => format!("config {config_id} has no backfill"),
        })
    })
}

/// Which backfill of the config.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct StatusQuery {
    /// Default: the newest.
    #[param(minimum = 1)]
    backfill_id: Option<i64>,
}

impl FromParams for StatusQuery {
    fn from_params(params: &Params) -> ApiResult<Self> {
        let backfill_id = params.id("backfill_id")?;
        Ok(Self { backfill_id })
    }
}

#[utoipa::path(
    get,
    path = "/configs/{id}/backfill/status",
    tag = "backfill",
    params(crate::input::ConfigScope, StatusQuery),
    responses((status = 200, description = "success", body = crate::reply::Envelope<Progress>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody))
)]
pub(crate) async fn status(
    scope: ConfigScope,
    Query(StatusQuery { backfill_id }): Query<StatusQuery>,
) -> ApiResult<HttpResponse> {
    let mut conn = scope.conn().await?;
    let id = scope.id();
    let backfill = find(&mut conn, id, backfill_id).await?;
    Ok(reply::ok(progress(&mut conn, backfill).await?))
}

#[utoipa::path(
    post,
    path = "/configs/{id}/backfill/cancel",
    tag = "backfill",
    params(crate::input::ConfigScope),
    responses((status = 200, description = "success", body = crate::reply::Envelope<Progress>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody))
)]
pub(crate) async fn cancel(scope: ConfigScope) -> ApiResult<HttpResponse> {
    let mut conn = scope.conn().await?;
    let id = scope.id();
    let cancelled = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let Some(active) = backfills::table
                .filter(
                    backfills::config_id
                        .eq(id)
                        .and(backfills::state.eq_any(ACTIVE)),
                )
                .select(Backfill::as_select())
                .for_update()
                .first(conn)
                .await
                .optional()?
            else {
                let latest = find(conn, id, None).await?;
                return Err(ApiError::bad_request(format!(
                    "backfill {} is already {}; there is nothing to cancel",
                    latest.id, latest.state
                )));
            };
            let skipped =
                wfm_db::queue::skip_pending_of_backfill(conn, active.id, "cancelled").await?;
            let row = diesel::update(backfills::table.find(active.id))
                .set((
                    backfills::state.eq(BackfillState::Cancelled),
                    backfills::finished_at.eq(now),
                    backfills::claimed_by.eq(None::<String>),
                    backfills::lease_expires_at.eq(None::<DateTime<Utc>>),
                ))
                .returning(Backfill::as_returning())
                .get_result(conn)
                .await?;
            tracing::info!(
                config = id,
                backfill = row.id,
                skipped,
                "backfill cancelled"
            );
            Ok(row)
        })
        .await?;
    Ok(reply::ok(progress(&mut conn, cancelled).await?))
}
