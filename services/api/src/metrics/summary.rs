//! `GET metrics/summary`: per metric over a period (default: the last 7 days),
//! with the change of its average against the period of equal length before.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Datelike as _, Duration, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Double, Nullable, Text, Timestamptz};

use serde::Serialize;

use super::filter::Filter;
use super::params::{ExactQuery, FilterQuery, MetricsQuery};
use super::percentiles;
use super::sql::Sql;
use super::{Change, metric_names};
use crate::error::{ApiError, ApiResult};
use crate::input::{ConfigScope, Query};
use crate::params::TimeRange;
use crate::{AppState, reply};

/// The period when a request gives no start.
const DEFAULT_PERIOD_DAYS: i64 = 7;

#[derive(Debug, QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    metric: String,
    #[diesel(sql_type = BigInt)]
    count: i64,
    #[diesel(sql_type = Nullable<Double>)]
    min: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    max: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    avg: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    p50: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    p95: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    latest: Option<f64>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    latest_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct MetricSummary {
    name: String,
    count: i64,
    min: Option<f64>,
    max: Option<f64>,
    avg: Option<f64>,
    p50: Option<f64>,
    p95: Option<f64>,
    latest: Option<f64>,
    latest_at: Option<DateTime<Utc>>,
    previous_count: i64,
    previous_avg: Option<f64>,
    /// Average of this period against the previous one.
    change: Option<Change>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Summary {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    previous_start: DateTime<Utc>,
    previous_end: DateTime<Utc>,
    /// How p50 and p95 were computed; the other numbers are exact.
    percentiles: percentiles::Method,
    metrics: Vec<MetricSummary>,
}

#[utoipa::path(
    get,
    path = "/configs/{id}/metrics/summary",
    tag = "metrics",
    params(crate::input::ConfigScope, FilterQuery, MetricsQuery, ExactQuery),
    responses((status = 200, description = "default period: the last 7 days", body = crate::reply::Envelope<Summary>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody))
)]
pub(crate) async fn summary(
    state: web::Data<AppState>,
    scope: ConfigScope,
    Query(filter): Query<FilterQuery>,
    Query(MetricsQuery { metrics }): Query<MetricsQuery>,
    Query(ExactQuery { exact }): Query<ExactQuery>,
) -> ApiResult<HttpResponse> {
    let mut conn = scope.conn().await?;
    let id = scope.id();
    let end = filter.end.unwrap_or_else(Utc::now);
    let start = filter
        .start
        .unwrap_or(end - Duration::days(DEFAULT_PERIOD_DAYS));
    if start > end {
        return Err(ApiError::bad_request("invalid start: it is after end"));
    }
    let previous_start = start - (end - start);
    if previous_start.year() < 1 {
        return Err(ApiError::bad_request(
            "invalid start: the previous period of equal length would begin before year 1",
        ));
    }
    let metrics = metric_names(&mut conn, id, metrics).await?;
    let period = |start, end| Filter {
        config_id: id,
        range: TimeRange {
            start: Some(start),
            end: Some(end),
        },
        run_id: filter.run_id,
        dimensions: filter.dimensions.clone(),
    };
    drop(conn);
    // The previous period ends just before this one starts.
    let previous_end = start - Duration::microseconds(1);
    // both periods at once, each on its own connection
    let (now, before) = (period(start, end), period(previous_start, previous_end));
    let exact = exact.unwrap_or(false);
    let (current, previous) = tokio::join!(
        current_stats(&state, &now, &metrics, exact),
        sql_stats(&state, &before, &metrics),
    );
    let (current, previous) = (current?, previous?);
    let metrics = metrics
        .into_iter()
        .map(|name| {
            let now = current.iter().find(|r| r.metric == name);
            let before = previous.iter().find(|r| r.metric == name);
            let previous_avg = before.and_then(|r| r.avg);
            MetricSummary {
                count: now.map_or(0, |r| r.count),
                min: now.and_then(|r| r.min),
                max: now.and_then(|r| r.max),
                avg: now.and_then(|r| r.avg),
                p50: now.and_then(|r| r.p50),
                p95: now.and_then(|r| r.p95),
                latest: now.and_then(|r| r.latest),
                latest_at: now.and_then(|r| r.latest_at),
                previous_count: before.map_or(0, |r| r.count),
                change: previous_avg
                    .zip(now.and_then(|r| r.avg))
                    .map(|(from, to)| Change::between(from, to)),
                previous_avg,
                name,
            }
        })
        .collect();
    Ok(reply::ok(Summary {
        percentiles: percentiles::Method::new(exact),
        start,
        end,
        previous_start,
        previous_end,
        metrics,
    }))
}

/// The spec's `GET /metrics/summary?config_id=…`.
#[utoipa::path(
    get,
    path = "/metrics/summary",
    tag = "metrics",
    operation_id = "summary_by_query",
    params(crate::input::ConfigIdQuery, FilterQuery, MetricsQuery, ExactQuery),
    responses((status = 200, description = "as GET /configs/{id}/metrics/summary", body = crate::reply::Envelope<Summary>))
)]
pub(crate) async fn summary_get(
    state: web::Data<AppState>,
    scope: ConfigScope,
    filter: Query<FilterQuery>,
    metrics: Query<MetricsQuery>,
    exact: Query<ExactQuery>,
) -> ApiResult<HttpResponse> {
    summary(state, scope, filter, metrics, exact).await
}

/// Per metric over the filter's range: count, min, max, avg and the newest
/// value (exact, from the rollups), p50 and p95 (sketch estimates, or exact
/// from the records when asked and within `summary_max_values` values).
async fn current_stats(
    state: &AppState,
    filter: &Filter,
    metrics: &[String],
    exact: bool,
) -> ApiResult<Vec<Row>> {
    let (mut rows, quantiles) = if exact {
        let rows = sql_stats(state, filter, metrics).await?;
        let values = rows.iter().map(|r| r.count).sum();
        percentiles::check_exact(values, state.summary_max_values)?;
        (rows, exact_quantiles(state, filter, metrics).await?)
    } else {
        // each on its own connection: two statements of ~20 ms at once
        let (rows, quantiles) = tokio::join!(
            sql_stats(state, filter, metrics),
            sketch_quantiles(state, filter, metrics)
        );
        (rows?, quantiles?)
    };
    for row in &mut rows {
        if let Some(q) = quantiles.iter().find(|q| q.metric == row.metric) {
            row.p50 = q.p50;
            row.p95 = q.p95;
        }
    }
    Ok(rows)
}

/// Count, min, max, avg and the newest value per metric, aggregated in Postgres.
async fn sql_stats(state: &AppState, filter: &Filter, metrics: &[String]) -> ApiResult<Vec<Row>> {
    let mut sql = Sql::new(
        "SELECT p.metric, sum(p.n)::int8 AS count, min(p.lo) AS min, max(p.hi) AS max, \
         sum(p.total) / sum(p.n) AS avg, NULL::float8 AS p50, NULL::float8 AS p95, ",
    );
    sql.push(super::NEWEST_VALUE)
        .push(" AS latest, max(p.last_at) AS latest_at ");
    percentiles::push_partials(&mut sql, "wfm_metric_partials", filter, metrics);
    sql.push(" GROUP BY 1");
    let mut conn = state.conn().await?;
    super::load_sorting(&mut conn, sql).await
}

/// p50 and p95 per metric from the merged sketch bins of the range.
async fn sketch_quantiles(
    state: &AppState,
    filter: &Filter,
    metrics: &[String],
) -> ApiResult<Vec<MetricQuantiles>> {
    let mut sql = Sql::new(
        "SELECT NULL::timestamptz AS time, '{}'::jsonb AS \"group\", p.metric, p.bins, p.counts ",
    );
    percentiles::push_partials(&mut sql, "wfm_metric_sketch_partials", filter, metrics);
    let mut conn = state.conn().await?;
    let rows: Vec<percentiles::BinnedRow> = super::load_sorting(&mut conn, sql).await?;
    Ok(percentiles::merge(rows)
        .into_iter()
        .map(|merged| MetricQuantiles {
            p50: merged.sketch.quantile(0.5),
            p95: merged.sketch.quantile(0.95),
            metric: merged.metric,
        })
        .collect())
}

/// p50 and p95 per metric, `percentile_cont` over the records.
async fn exact_quantiles(
    state: &AppState,
    filter: &Filter,
    metrics: &[String],
) -> ApiResult<Vec<MetricQuantiles>> {
    let mut sql = Sql::new(
        "SELECT mf.name AS metric, percentile_cont(0.5) WITHIN GROUP (ORDER BY v.value) AS p50, \
         percentile_cont(0.95) WITHIN GROUP (ORDER BY v.value) AS p95 \
         FROM github_workflow_metrics m CROSS JOIN LATERAL unnest(",
    );
    sql.bind::<Array<Text>, _>(metrics.to_vec())
        .push("::text[]) AS mf(name) CROSS JOIN LATERAL (SELECT ")
        .push(super::NUMERIC_VALUE)
        .push(" AS value) v");
    filter.write_where(&mut sql);
    sql.push(" AND v.value IS NOT NULL GROUP BY 1");
    let mut conn = state.conn().await?;
    super::load_sorting(&mut conn, sql).await
}

#[derive(QueryableByName)]
struct MetricQuantiles {
    #[diesel(sql_type = Text)]
    metric: String,
    #[diesel(sql_type = Nullable<Double>)]
    p50: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    p95: Option<f64>,
}
