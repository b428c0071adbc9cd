//! `GET metrics/summary`: per metric over a period (default: the last 7 days),
//! with the change of its average against the period of equal length before.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Duration, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Double, Nullable, Text, Timestamptz};
use diesel_async::RunQueryDsl;
use serde::Serialize;

use super::filter::Filter;
use super::sql::Sql;
use super::{Change, metric_names};
use crate::error::{ApiError, ApiResult};
use crate::params::{Params, TimeRange, path_id};
use crate::{AppState, lookup, reply};

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
    metrics: Vec<MetricSummary>,
}

#[utoipa::path(
    get,
    path = "/configs/{id}/metrics/summary",
    tag = "metrics",
    params(("id" = i64, Path, description = "config id"), crate::openapi::ClusterQuery, crate::openapi::RangeQuery, ("metrics" = Option<String>, Query, description = "comma-separated; default: the schema's"), ("dimensions" = Option<String>, Query, description = "JSON object of dimension filters")),
    responses((status = 200, description = "default period: the last 7 days", body = crate::openapi::Envelope<Summary>), (status = 400, description = "bad request: the message names the field", body = crate::openapi::ErrorBody), (status = 404, description = "not found", body = crate::openapi::ErrorBody))
)]
pub(crate) async fn summary(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (id, params) = (path_id(&req, "id")?, Params::from_request(&req)?);
    let range = params.time_range("start", "end")?;
    let end = range.end.unwrap_or_else(Utc::now);
    let start = range
        .start
        .unwrap_or(end - Duration::days(DEFAULT_PERIOD_DAYS));
    if start > end {
        return Err(ApiError::bad_request("invalid start: it is after end"));
    }
    let previous_start = start - (end - start);
    let requested = params
        .str("metrics")
        .map(|list| list.split(',').map(|m| m.trim().to_owned()).collect());
    let dimensions = params
        .str("dimensions")
        .map(Filter::parse_dimensions)
        .transpose()?
        .unwrap_or_default();
    let mut conn = state.conn().await?;
    lookup::config(&mut conn, id, params.cluster(&state.cluster)).await?;
    let metrics = metric_names(&mut conn, id, requested).await?;
    let period = |start, end| Filter {
        config_id: id,
        range: TimeRange {
            start: Some(start),
            end: Some(end),
        },
        run_id: None,
        dimensions: dimensions.clone(),
    };
    drop(conn);
    let current = stats(&state, &period(start, end), &metrics, true).await?;
    // The previous period ends just before this one starts.
    let previous_end = start - Duration::microseconds(1);
    let previous = stats(
        &state,
        &period(previous_start, previous_end),
        &metrics,
        false,
    )
    .await?;
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
        start,
        end,
        previous_start,
        previous_end,
        metrics,
    }))
}

/// Per metric over the filter's range, from `wfm_metric_partials` (exact for
/// any range): count, min, max, avg and the newest value, and, when asked,
/// p50/p95 over the partials' values.
async fn stats(
    state: &AppState,
    filter: &Filter,
    metrics: &[String],
    with_percentiles: bool,
) -> ApiResult<Vec<Row>> {
    let mut sql = Sql::new("WITH p AS MATERIALIZED (SELECT p.* FROM wfm_metric_partials(");
    sql.bind::<BigInt, _>(filter.config_id)
        .push(", ")
        .bind::<Array<Text>, _>(metrics.to_vec())
        .push("::text[], ")
        .bind::<Nullable<Timestamptz>, _>(filter.range.start)
        .push(", ")
        .bind::<Nullable<Timestamptz>, _>(filter.range.end)
        .push(") p");
    if !filter.dimensions.is_empty() {
        sql.push(" WHERE p.series_id IN (SELECT s.id FROM github_workflow_metric_series s WHERE s.config_id = ")
            .bind::<BigInt, _>(filter.config_id);
        filter.write_dimension_filters(&mut sql, "s");
        sql.push(")");
    }
    sql.push(
        "), latest AS (SELECT DISTINCT ON (metric) metric, last_value, last_at FROM p \
         ORDER BY metric, last_at DESC, last_id DESC), ",
    );
    sql.push(if with_percentiles {
        "stats AS (SELECT p.metric, count(*)::int8 AS count, min(u.v) AS min, max(u.v) AS max, \
         avg(u.v) AS avg, percentile_cont(0.5) WITHIN GROUP (ORDER BY u.v) AS p50, \
         percentile_cont(0.95) WITHIN GROUP (ORDER BY u.v) AS p95 \
         FROM p CROSS JOIN LATERAL unnest(p.vals) AS u(v) GROUP BY 1)"
    } else {
        "stats AS (SELECT p.metric, sum(p.n)::int8 AS count, min(p.lo) AS min, max(p.hi) AS max, \
         sum(p.total) / sum(p.n) AS avg, NULL::float8 AS p50, NULL::float8 AS p95 FROM p GROUP BY 1)"
    });
    sql.push(
        " SELECT stats.*, latest.last_value AS latest, latest.last_at AS latest_at \
         FROM stats JOIN latest USING (metric)",
    );
    let mut conn = state.conn().await?;
    Ok(sql.into_query().load(&mut conn).await?)
}
