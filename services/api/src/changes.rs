//! Benchmark changes: the list (across configs and per config), one change
//! and its triage, a series with its changes (for charts), and compare.
//! The work is `wfm_change_tracking`'s; these handlers read the request
//! and shape the answer.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use wfm_change_tracking::compare::{self, CompareOptions, Comparison, Side};
use wfm_change_tracking::series::{self, SeriesSelector, SeriesView};
use wfm_change_tracking::{Change, ChangeFilter, TrackingError, Triage, changes};
use wfm_db::{ChangeDirection, ChangeStatus};

use crate::body::Json;
use crate::error::{ApiError, ApiResult};
use crate::input::{ChangeId, Cluster, ConfigScope, FromParams, Query};
use crate::params::{Paging, Params};
use crate::{AppState, reply};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/changes", web::get().to(list_all))
        .route("/changes/{change_id}", web::get().to(get))
        .route("/changes/{change_id}", web::patch().to(triage))
        .route("/configs/{id}/changes", web::get().to(list_of_config))
        .route("/configs/{id}/series", web::get().to(series_of_config))
        .route("/configs/{id}/compare", web::get().to(compare_of_config));
}

fn tracking(e: TrackingError) -> ApiError {
    match e {
        TrackingError::NoSuchChange(id) => ApiError::not_found(format!("change {id} not found")),
        TrackingError::Database(e) => e.into(),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct ChangeList {
    changes: Vec<Change>,
}

/// The filters both lists take.
#[derive(Debug, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ChangeQuery {
    status: Option<ChangeStatus>,
    direction: Option<ChangeDirection>,
    /// Only this metric.
    metric: Option<String>,
    /// Only this branch; given empty (`branch=`), runs without one.
    branch: Option<String>,
    /// Only changes of at least this many percent, either way.
    #[param(minimum = 0)]
    min_change_percent: Option<f64>,
    /// Steps whose first point after is at or after (RFC 3339).
    since: Option<chrono::DateTime<chrono::Utc>>,
    /// Steps whose first point after is at or before (RFC 3339).
    until: Option<chrono::DateTime<chrono::Utc>>,
}

impl FromParams for ChangeQuery {
    fn from_params(params: &Params) -> ApiResult<Self> {
        let range = params.time_range("since", "until")?;
        let min = params.parsed::<f64>("min_change_percent", "a number")?;
        if min.is_some_and(|m| !(m.is_finite() && m >= 0.0)) {
            return Err(ApiError::bad_request(
                "invalid min_change_percent: must be a number of 0 or more",
            ));
        }
        Ok(Self {
            status: params.enum_value("status")?,
            direction: params.enum_value("direction")?,
            metric: params.str("metric").map(str::to_owned),
            branch: params.given("branch").map(str::to_owned),
            min_change_percent: min,
            since: range.start,
            until: range.end,
        })
    }
}

impl ChangeQuery {
    fn filter(self, cluster: String, config_id: Option<i64>) -> ChangeFilter {
        ChangeFilter {
            cluster: Some(cluster),
            config_id,
            status: self.status,
            direction: self.direction,
            metric: self.metric,
            branch: self.branch,
            min_change_percent: self.min_change_percent,
            since: self.since,
            until: self.until,
        }
    }
}

async fn list(state: &AppState, filter: ChangeFilter, paging: Paging) -> ApiResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let (changes, total) = changes::list(&mut conn, &filter, paging.offset, paging.limit)
        .await
        .map_err(tracking)?;
    Ok(reply::ok(reply::Page {
        items: ChangeList { changes },
        total,
        offset: paging.offset,
        limit: paging.limit,
    }))
}

/// Changes filed by the detector across configs, newest step first.
#[utoipa::path(
    get,
    path = "/changes",
    operation_id = "list_changes",
    tag = "changes",
    params(crate::input::Cluster, crate::params::Paging, ChangeQuery, crate::runs::ConfigFilter),
    responses((status = 200, description = "success", body = crate::reply::Envelope<reply::Page<ChangeList>>))
)]
pub(crate) async fn list_all(
    state: web::Data<AppState>,
    Cluster(cluster): Cluster,
    Query(paging): Query<Paging>,
    Query(query): Query<ChangeQuery>,
    Query(config): Query<crate::runs::ConfigFilter>,
) -> ApiResult<HttpResponse> {
    list(&state, query.filter(cluster, config.config_id), paging).await
}

/// The changes of one config, newest step first.
#[utoipa::path(
    get,
    path = "/configs/{id}/changes",
    operation_id = "list_config_changes",
    tag = "changes",
    params(crate::input::ConfigScope, crate::params::Paging, ChangeQuery),
    responses((status = 200, description = "success", body = crate::reply::Envelope<reply::Page<ChangeList>>))
)]
pub(crate) async fn list_of_config(
    state: web::Data<AppState>,
    scope: ConfigScope,
    Query(paging): Query<Paging>,
    Query(query): Query<ChangeQuery>,
) -> ApiResult<HttpResponse> {
    let filter = query.filter(scope.cluster.clone(), Some(scope.id()));
    list(&state, filter, paging).await
}

/// One change.
#[utoipa::path(
    get,
    path = "/changes/{change_id}",
    operation_id = "get_change",
    tag = "changes",
    params(crate::input::ChangeId, crate::input::Cluster),
    responses((status = 200, description = "success", body = crate::reply::Envelope<Change>))
)]
pub(crate) async fn get(
    state: web::Data<AppState>,
    ChangeId(id): ChangeId,
    Cluster(cluster): Cluster,
) -> ApiResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let change = changes::get(&mut conn, id, Some(&cluster))
        .await
        .map_err(tracking)?;
    Ok(reply::ok(change))
}

/// A triage decision on a change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TriageBody {
    status: ChangeStatus,
    /// Replaces the change's note (at most 4000 characters); left out, the
    /// note stays.
    note: Option<String>,
    /// Who decided (at most 255 characters).
    by: Option<String>,
}

/// Triages a change: `acknowledged`, `ignored`, `fixed` (or back to `new`),
/// with a note; records who and when.
#[utoipa::path(
    patch,
    path = "/changes/{change_id}",
    operation_id = "triage_change",
    tag = "changes",
    params(crate::input::ChangeId, crate::input::Cluster),
    request_body = TriageBody,
    responses((status = 200, description = "the change as triaged", body = crate::reply::Envelope<Change>))
)]
pub(crate) async fn triage(
    state: web::Data<AppState>,
    ChangeId(id): ChangeId,
    Cluster(cluster): Cluster,
    Json(body): Json<TriageBody>,
) -> ApiResult<HttpResponse> {
    if body.note.as_ref().is_some_and(|n| n.chars().count() > 4000) {
        return Err(ApiError::bad_request(
            "invalid note: longer than 4000 characters",
        ));
    }
    if body.by.as_ref().is_some_and(|b| b.chars().count() > 255) {
        return Err(ApiError::bad_request(
            "invalid by: longer than 255 characters",
        ));
    }
    let mut conn = state.conn().await?;
    let decision = Triage {
        status: body.status,
        note: body.note,
        by: body.by,
    };
    let change = changes::triage(&mut conn, id, Some(&cluster), &decision)
        .await
        .map_err(tracking)?;
    Ok(reply::ok(change))
}

/// Which series a chart asks for.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SeriesQuery {
    /// The metric.
    metric: String,
    /// The series' key (`series_key` of a change); or give `dimensions`.
    series_key: Option<i64>,
    /// The series' dimensions as a JSON object, e.g. `{"model":"llama"}`.
    #[param(value_type = Option<String>)]
    dimensions: Option<serde_json::Value>,
    /// The runs' branch (given empty: runs without one); default: the
    /// branch of the series' newest run.
    branch: Option<String>,
    /// Points (runs), newest; default 200.
    #[param(minimum = 1, maximum = 5000)]
    limit: Option<i64>,
}

impl FromParams for SeriesQuery {
    fn from_params(params: &Params) -> ApiResult<Self> {
        let metric = params
            .str("metric")
            .ok_or_else(|| ApiError::bad_request("invalid metric: it is required"))?
            .to_owned();
        let dimensions = params
            .str("dimensions")
            .map(|raw| match serde_json::from_str::<serde_json::Value>(raw) {
                Ok(v @ serde_json::Value::Object(_))
                    if crate::body::nul_path(&v, String::new()).is_some() =>
                {
                    Err(crate::params::nul_in("dimensions"))
                }
                Ok(v @ serde_json::Value::Object(_)) => Ok(v),
                _ => Err(ApiError::bad_request(
                    "invalid dimensions: must be a JSON object, e.g. {\"model\":\"llama\"}",
                )),
            })
            .transpose()?;
        let series_key = params.i64("series_key")?;
        if series_key.is_some() == dimensions.is_some() {
            return Err(ApiError::bad_request(
                "invalid series_key: give either series_key or dimensions",
            ));
        }
        let limit = params.i64("limit")?;
        if limit.is_some_and(|l| !(1..=5000).contains(&l)) {
            return Err(ApiError::bad_request("invalid limit: must be 1 to 5000"));
        }
        Ok(Self {
            metric,
            series_key,
            dimensions,
            branch: params.given("branch").map(str::to_owned),
            limit,
        })
    }
}

impl SeriesQuery {
    fn selector(&self) -> SeriesSelector {
        match (&self.dimensions, self.series_key) {
            (Some(d), _) => SeriesSelector::Dimensions(d.clone()),
            (None, key) => SeriesSelector::Key(key.unwrap_or_default()),
        }
    }
}

/// One series of one metric with its changes: one point per run (the
/// median of its records), as the detector sees it.
#[utoipa::path(
    get,
    path = "/configs/{id}/series",
    operation_id = "get_series",
    tag = "changes",
    params(crate::input::ConfigScope, SeriesQuery),
    responses((status = 200, description = "success", body = crate::reply::Envelope<SeriesView>))
)]
pub(crate) async fn series_of_config(
    scope: ConfigScope,
    Query(ask): Query<SeriesQuery>,
) -> ApiResult<HttpResponse> {
    let mut conn = scope.conn().await?;
    let lookback = usize::try_from(ask.limit.unwrap_or(200)).unwrap_or(200);
    let found = series::view(
        &mut conn,
        scope.id(),
        &ask.selector(),
        &ask.metric,
        ask.branch.as_deref(),
        lookback,
    )
    .await?;
    let view = found
        .ok_or_else(|| ApiError::not_found(format!("config {} has no such series", scope.id())))?;
    Ok(reply::ok(view))
}

/// The two sides of a comparison.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct CompareQuery {
    /// `run:ID` (or a bare run id), `commit:SHA` (every completed run of the
    /// commit; 7+ hex digits) or `branch:NAME` (its newest runs).
    #[param(value_type = String)]
    base: Side,
    /// The same forms as `base`.
    #[param(value_type = String)]
    head: Side,
    /// Runs of a `branch:` side: its newest this many (default 5).
    #[param(minimum = 1, maximum = 100)]
    branch_runs: Option<i64>,
    /// A change of the medians below this many percent is `unchanged` (default 5).
    #[param(minimum = 0)]
    threshold_percent: Option<f64>,
}

impl FromParams for CompareQuery {
    fn from_params(params: &Params) -> ApiResult<Self> {
        let side = |name: &str| -> ApiResult<Side> {
            let raw = params
                .str(name)
                .ok_or_else(|| ApiError::bad_request(format!("invalid {name}: it is required")))?;
            raw.parse()
                .map_err(|e| ApiError::bad_request(format!("invalid {name}: {e}")))
        };
        let branch_runs = params.i64("branch_runs")?;
        if branch_runs.is_some_and(|n| !(1..=100).contains(&n)) {
            return Err(ApiError::bad_request(
                "invalid branch_runs: must be 1 to 100",
            ));
        }
        let threshold_percent = params.parsed::<f64>("threshold_percent", "a number")?;
        if threshold_percent.is_some_and(|t| !(t.is_finite() && t >= 0.0)) {
            return Err(ApiError::bad_request(
                "invalid threshold_percent: must be a number of 0 or more",
            ));
        }
        Ok(Self {
            base: side("base")?,
            head: side("head")?,
            branch_runs,
            threshold_percent,
        })
    }
}

impl CompareQuery {
    fn options(&self) -> CompareOptions {
        let defaults = CompareOptions::default();
        CompareOptions {
            branch_runs: self.branch_runs.unwrap_or(defaults.branch_runs),
            threshold_percent: self.threshold_percent.unwrap_or(defaults.threshold_percent),
            ..defaults
        }
    }
}

/// Two runs, commits or branches of a config side by side: per series and
/// metric the medians, the change in percent, a rank test's p-value when
/// each side holds 3 or more values, and a verdict (`regression`,
/// `improvement`, `changed`, `unchanged`, `missing`); regressions first.
#[utoipa::path(
    get,
    path = "/configs/{id}/compare",
    operation_id = "compare",
    tag = "changes",
    params(crate::input::ConfigScope, CompareQuery),
    responses((status = 200, description = "success", body = crate::reply::Envelope<Comparison>))
)]
pub(crate) async fn compare_of_config(
    scope: ConfigScope,
    Query(ask): Query<CompareQuery>,
) -> ApiResult<HttpResponse> {
    let mut conn = scope.conn().await?;
    let options = ask.options();
    match compare::compare(&mut conn, scope.id(), &ask.base, &ask.head, &options).await? {
        Ok(comparison) => Ok(reply::ok(comparison)),
        Err(side) => Err(ApiError::not_found(format!(
            "{side} names no completed run of config {}",
            scope.id()
        ))),
    }
}
