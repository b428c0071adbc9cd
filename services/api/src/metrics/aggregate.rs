//! `metrics/aggregate` and `metrics/trends`: values per time bucket, group and
//! metric, and trend series with their change.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Double, Jsonb, Nullable, Text, Timestamptz};
use serde::{Deserialize, Serialize};

use super::filter::{Filter, FilterBody};
use super::params::{AggregateQuery, FilterQuery, GroupingQuery};
use super::sql::Sql;
use super::{Aggregation, Interval, metric_names};
use crate::body::Json;
use crate::error::{ApiError, ApiResult};
use crate::input::{ConfigScope, Query};
use crate::{AppState, reply};

/// Group keys a request may name.
const MAX_GROUP_BY: usize = 10;

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AggregateBody {
    #[serde(default)]
    start: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default)]
    end: Option<chrono::DateTime<chrono::Utc>>,
    /// `{"dim": "v"}` or `{"dim": ["v1", "v2"]}`.
    #[serde(default)]
    dimensions: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    run_id: Option<i64>,
    /// Metric names; default: the active schema's metric fields.
    #[serde(default)]
    metrics: Option<Vec<String>>,
    /// One metric (trends' frontend sends this); joined to `metrics`.
    #[serde(default)]
    metric: Option<String>,
    #[serde(default)]
    group_by: Vec<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "1d")]
    interval: Option<Interval>,
    #[serde(default)]
    aggregation: Option<Aggregation>,
    /// `true`: percentiles computed exactly from the records (refused past
    /// `WFM_API_SUMMARY_MAX_VALUES` values); default: estimated from the
    /// rollups' sketches within 1 % relative error.
    #[serde(default)]
    exact: Option<bool>,
    /// Dimension filters of the query-string form (already checked).
    #[serde(skip)]
    #[schema(ignore)]
    dimension_filters: Vec<(String, Vec<String>)>,
}

/// One aggregated value.
#[derive(Debug, QueryableByName, Serialize, utoipa::ToSchema)]
pub struct Point {
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub time: Option<DateTime<Utc>>,
    #[diesel(sql_type = Jsonb)]
    pub group: serde_json::Value,
    #[diesel(sql_type = Text)]
    pub metric: String,
    #[diesel(sql_type = Nullable<Double>)]
    pub value: Option<f64>,
    /// Records behind the value.
    #[diesel(sql_type = BigInt)]
    pub count: i64,
}

pub(super) struct Request {
    filter: Filter,
    pub(super) metrics: Vec<String>,
    pub(super) group_by: Vec<String>,
    pub(super) interval: Option<Interval>,
    pub(super) aggregation: Aggregation,
    exact: bool,
}

impl AggregateBody {
    /// The body a query-string form stands for.
    pub(crate) fn from_parts(
        filter: FilterQuery,
        metrics: Option<Vec<String>>,
        grouping: GroupingQuery,
        exact: Option<bool>,
    ) -> Self {
        let GroupingQuery {
            group_by,
            interval,
            aggregation,
        } = grouping;
        Self {
            start: filter.start,
            end: filter.end,
            dimensions: None,
            dimension_filters: filter.dimensions,
            run_id: filter.run_id,
            metrics,
            metric: None,
            group_by,
            interval,
            aggregation,
            exact,
        }
    }
}

/// Where a request's values come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// The records: intervals under an hour, or one run.
    Records,
    /// The records, for percentiles the sketches could estimate: asked for
    /// exact values, within `summary_max_values`.
    ExactRecords,
    /// The rollups' scalar aggregates.
    Rollups,
    /// The rollups' sketches: percentile estimates.
    Sketches,
}

impl Request {
    fn source(&self) -> Source {
        let hourly = self.interval.is_none_or(|i| i.seconds() % 3600 == 0);
        if !hourly || self.filter.run_id.is_some() {
            Source::Records
        } else if self.aggregation.quantile().is_none() {
            Source::Rollups
        } else if self.exact {
            Source::ExactRecords
        } else {
            Source::Sketches
        }
    }

    /// How this request's percentiles are computed; `None` when it has none.
    pub(super) fn percentile_method(&self) -> Option<super::percentiles::Method> {
        self.aggregation.quantile()?;
        Some(super::percentiles::Method::new(
            self.source() != Source::Sketches,
        ))
    }
}

pub(super) async fn prepare(
    scope: ConfigScope,
    body: AggregateBody,
    default_interval: Option<Interval>,
) -> ApiResult<Request> {
    let mut conn = scope.conn().await?;
    let id = scope.id();
    if body.group_by.len() > MAX_GROUP_BY {
        return Err(ApiError::bad_request(format!(
            "invalid group_by: more than {MAX_GROUP_BY} dimensions"
        )));
    }
    let requested = match (body.metrics, body.metric) {
        (Some(mut list), Some(one)) => {
            list.push(one);
            Some(list)
        }
        (list, one) => list.or(one.map(|m| vec![m])),
    };
    let metrics = metric_names(&mut conn, id, requested).await?;
    let mut filter = Filter::new(
        id,
        FilterBody {
            start: body.start,
            end: body.end,
            dimensions: body.dimensions,
            run_id: body.run_id,
        },
    )?;
    filter.dimensions.extend(body.dimension_filters);
    let interval = body.interval.or(default_interval);
    if let Some(interval) = interval {
        // an open bound is where the config's records begin or end
        let (start, end) = match (filter.range.start, filter.range.end) {
            (Some(start), Some(end)) => (Some(start), Some(end)),
            (start, end) => {
                let span = data_span(&mut conn, id).await?;
                (start.or(span.first), end.or(span.last))
            }
        };
        if let (Some(start), Some(end)) = (start, end) {
            interval.check_buckets(start, end)?;
        }
    }
    Ok(Request {
        filter,
        metrics,
        group_by: body.group_by,
        interval,
        aggregation: body.aggregation.unwrap_or(Aggregation::Avg),
        exact: body.exact.unwrap_or(false),
    })
}

#[derive(QueryableByName)]
struct Span {
    #[diesel(sql_type = Nullable<Timestamptz>)]
    first: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    last: Option<DateTime<Utc>>,
}

/// The times of a config's first and last records (two index probes).
async fn data_span(conn: &mut diesel_async::AsyncPgConnection, config_id: i64) -> ApiResult<Span> {
    use diesel_async::RunQueryDsl as _;
    Ok(diesel::sql_query(
        "SELECT min(\"timestamp\") AS first, max(\"timestamp\") AS last \
         FROM github_workflow_metrics WHERE config_id = $1",
    )
    .bind::<BigInt, _>(config_id)
    .get_result(conn)
    .await?)
}

/// Runs the aggregation: from the rollups when the interval allows it
/// (percentiles as sketch estimates), else, or when asked for exact values,
/// over the records.
pub(super) async fn points(state: &AppState, request: &Request) -> ApiResult<Vec<Point>> {
    let mut conn = state.conn().await?;
    match request.source() {
        Source::Rollups => super::load_sorting(&mut conn, from_rollups(request)).await,
        Source::Sketches => from_sketches(&mut conn, request).await,
        Source::Records => super::load_sorting(&mut conn, from_rows(request)).await,
        Source::ExactRecords => {
            let values =
                super::percentiles::count_values(&mut conn, &request.filter, &request.metrics)
                    .await?;
            super::percentiles::check_exact(values, state.summary_max_values)?;
            super::load_sorting(&mut conn, from_rows(request)).await
        }
    }
}

/// Whether the rollups' days may stand for whole days: the buckets are whole days.
fn use_days(interval: Option<Interval>) -> bool {
    interval.is_none_or(|i| i.seconds() % 86_400 == 0)
}

/// `WITH series AS MATERIALIZED (…)`: the filter's series and each one's group
/// object, built once per series, not once per row.
fn push_series(sql: &mut Sql, request: &Request) {
    sql.push(
        "WITH series AS MATERIALIZED (SELECT s.series_key, (SELECT coalesce(jsonb_object_agg(g.key, s.dimensions -> g.key), '{}'::jsonb) FROM unnest(",
    )
    .bind::<Array<Text>, _>(request.group_by.clone())
    .push("::text[]) AS g(key)) AS grp FROM github_workflow_metric_series s WHERE s.config_id = ")
    .bind::<BigInt, _>(request.filter.config_id);
    request.filter.write_dimension_filters(sql, "s");
    sql.push(") ");
}

/// Over `wfm_metric_partials` (whole days and hours from the rollups, cut
/// hours from the records), per series first, then per group.
fn from_rollups(request: &Request) -> Sql {
    let mut sql = Sql::new("");
    push_series(&mut sql, request);
    let combine = request.aggregation.combine_partials();
    sql.push("SELECT p.time, series.grp AS \"group\", p.metric, ")
        .push(combine)
        .push(" AS value, sum(p.n)::int8 AS count FROM (SELECT ");
    push_time(&mut sql, request.interval, "p.bucket");
    sql.push(
        ", p.series_key, p.metric, sum(p.n) AS n, sum(p.total) AS total, \
         min(p.lo) AS lo, max(p.hi) AS hi, ",
    );
    if request.aggregation == Aggregation::Last {
        // the newest of the series' buckets, its time and row id with it
        sql.push("(max(ARRAY[extract(epoch FROM p.last_at)::float8, p.last_id::float8, p.last_value]))[3] AS last_value, \
                  max(p.last_at) AS last_at, \
                  (max(ARRAY[extract(epoch FROM p.last_at)::float8, p.last_id::float8]))[2]::int8 AS last_id");
    } else {
        sql.push("NULL::float8 AS last_value, NULL::timestamptz AS last_at, NULL::int8 AS last_id");
    }
    push_partials(&mut sql, "wfm_metric_partials", request);
    sql.push(
        " WHERE p.series_key IN (SELECT series_key FROM series) GROUP BY 1, 2, 3) p \
         JOIN series ON series.series_key = p.series_key GROUP BY 1, 2, 3 ORDER BY 3, 2, 1",
    );
    sql
}

/// A percentile per bucket, group and metric from the sketches of
/// `wfm_metric_sketch_partials`, merged in the api.
async fn from_sketches(conn: &mut wfm_db::PooledConn, request: &Request) -> ApiResult<Vec<Point>> {
    let mut sql = Sql::new("");
    push_series(&mut sql, request);
    sql.push("SELECT ");
    push_time(&mut sql, request.interval, "p.bucket");
    sql.push(", series.grp AS \"group\", p.metric, p.bins, p.counts");
    push_partials(&mut sql, "wfm_metric_sketch_partials", request);
    sql.push(" JOIN series ON series.series_key = p.series_key");
    let q = request.aggregation.quantile().unwrap_or(0.5);
    let rows: Vec<super::percentiles::BinnedRow> = super::load_sorting(conn, sql).await?;
    Ok(super::percentiles::merge(rows)
        .into_iter()
        .map(|merged| Point {
            value: merged.sketch.quantile(q),
            count: i64::try_from(merged.sketch.count()).unwrap_or(i64::MAX),
            time: merged.time,
            group: merged.group,
            metric: merged.metric,
        })
        .collect())
}

/// ` FROM <function>(config, metrics, start, end, days) p`
fn push_partials(sql: &mut Sql, function: &str, request: &Request) {
    sql.push(" FROM ")
        .push(function)
        .push("(")
        .bind::<BigInt, _>(request.filter.config_id)
        .push(", ")
        .bind::<Array<Text>, _>(request.metrics.clone())
        .push("::text[], ")
        .bind::<Nullable<Timestamptz>, _>(request.filter.range.start)
        .push(", ")
        .bind::<Nullable<Timestamptz>, _>(request.filter.range.end)
        .push(", ")
        .bind::<diesel::sql_types::Bool, _>(use_days(request.interval))
        .push(") p");
}

/// `time` of a point: its bucket of `interval` (weeks start on Monday), or NULL.
fn push_time(sql: &mut Sql, interval: Option<Interval>, column: &str) {
    match interval {
        Some(interval) => {
            sql.push("date_bin(make_interval(secs => ")
                .bind::<Double, _>(interval.seconds() as f64)
                .push("), ")
                .push(column)
                .push(", TIMESTAMPTZ '2000-01-03 00:00:00+00') AS time");
        }
        None => {
            sql.push("NULL::timestamptz AS time");
        }
    }
}

/// Over the raw rows: percentiles, intervals shorter than an hour, one run.
fn from_rows(request: &Request) -> Sql {
    let mut sql = Sql::new("SELECT ");
    push_time(&mut sql, request.interval, "m.\"timestamp\"");
    sql.push(", (SELECT coalesce(jsonb_object_agg(g.key, m.dimensions -> g.key), '{}'::jsonb) FROM unnest(")
        .bind::<Array<Text>, _>(request.group_by.clone())
        .push("::text[]) AS g(key)) AS \"group\", mf.name AS metric, ")
        .push(&request.aggregation.sql("v.value"))
        .push(" AS value, count(*) AS count FROM github_workflow_metrics m CROSS JOIN LATERAL unnest(")
        .bind::<Array<Text>, _>(request.metrics.clone())
        .push("::text[]) AS mf(name) CROSS JOIN LATERAL (SELECT ")
        .push(super::NUMERIC_VALUE)
        .push(" AS value) v");
    request.filter.write_where(&mut sql);
    sql.push(" AND v.value IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 3, 2, 1");
    sql
}

#[derive(Serialize, utoipa::ToSchema)]
struct Aggregated {
    #[schema(value_type = Option<String>, example = "1d")]
    interval: Option<Interval>,
    aggregation: Aggregation,
    group_by: Vec<String>,
    metrics: Vec<String>,
    /// How percentile values were computed (absent for other aggregations).
    #[serde(skip_serializing_if = "Option::is_none")]
    percentiles: Option<super::percentiles::Method>,
    points: Vec<Point>,
}

#[utoipa::path(
    post,
    path = "/configs/{id}/metrics/aggregate",
    tag = "metrics",
    params(crate::input::ConfigScope),
    request_body = AggregateBody,
    responses((status = 200, description = "success", body = crate::reply::Envelope<Aggregated>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody))
)]
pub(crate) async fn aggregate(
    state: web::Data<AppState>,
    Json(body): Json<AggregateBody>,
    scope: ConfigScope,
) -> ApiResult<HttpResponse> {
    aggregate_of(&state, scope, body).await
}

/// The spec's `GET /metrics?config_id=…`: aggregate with query parameters.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "metrics",
    operation_id = "aggregate_by_query",
    params(crate::input::ConfigIdQuery, AggregateQuery),
    responses((status = 200, description = "as POST /configs/{id}/metrics/aggregate", body = crate::reply::Envelope<Aggregated>))
)]
pub(crate) async fn aggregate_get(
    state: web::Data<AppState>,
    scope: ConfigScope,
    Query(AggregateQuery(body)): Query<AggregateQuery>,
) -> ApiResult<HttpResponse> {
    aggregate_of(&state, scope, body).await
}

async fn aggregate_of(
    state: &AppState,
    scope: ConfigScope,
    body: AggregateBody,
) -> ApiResult<HttpResponse> {
    let request = prepare(scope, body, None).await?;
    let points = points(state, &request).await?;
    Ok(reply::ok(Aggregated {
        percentiles: request.percentile_method(),
        interval: request.interval,
        aggregation: request.aggregation,
        group_by: request.group_by,
        metrics: request.metrics,
        points,
    }))
}
