//! `GET metrics/summary`: per metric over a period (default: the last 7 days),
//! with the change of its average against the period of equal length before.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Datelike as _, Duration, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Double, Nullable, Text, Timestamptz};
use std::collections::HashMap;

use diesel_async::RunQueryDsl;
use futures_util::StreamExt as _;
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
    if previous_start.year() < 1 {
        return Err(ApiError::bad_request(
            "invalid start: the previous period of equal length would begin before year 1",
        ));
    }
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
/// any range): count, min, max, avg and the newest value; with percentiles,
/// p50/p95 over every value, read as float8 arrays and selected here (a tenth
/// of what sorting them in Postgres costs).
async fn stats(
    state: &AppState,
    filter: &Filter,
    metrics: &[String],
    with_percentiles: bool,
) -> ApiResult<Vec<Row>> {
    let mut sql = Sql::new(
        "SELECT p.metric, sum(p.n)::int8 AS count, min(p.lo) AS min, max(p.hi) AS max, \
         sum(p.total) / sum(p.n) AS avg, NULL::float8 AS p50, NULL::float8 AS p95, ",
    );
    sql.push(super::NEWEST_VALUE)
        .push(" AS latest, max(p.last_at) AS latest_at ");
    push_partials(&mut sql, filter, metrics);
    sql.push(" GROUP BY 1");
    if !with_percentiles {
        let mut conn = state.conn().await?;
        return super::load_sorting(&mut conn, sql).await;
    }
    let (rows, values) = tokio::join!(
        async {
            let mut conn = state.conn().await?;
            super::load_sorting::<Row>(&mut conn, sql).await
        },
        values(state, filter, metrics)
    );
    let mut rows = rows?;
    match values? {
        Some(mut values) => {
            for row in &mut rows {
                if let Some(values) = values.get_mut(&row.metric) {
                    row.p50 = percentile(values, 0.5);
                    row.p95 = percentile(values, 0.95);
                }
            }
        }
        None => {
            // too many values to hold here: Postgres sorts them (slower, bounded memory)
            let mut sql = Sql::new(
                "SELECT p.metric, percentile_cont(0.5) WITHIN GROUP (ORDER BY u.v) AS p50, \
                 percentile_cont(0.95) WITHIN GROUP (ORDER BY u.v) AS p95 ",
            );
            push_partials(&mut sql, filter, metrics);
            sql.push(" CROSS JOIN LATERAL unnest(p.vals) AS u(v) GROUP BY 1");
            let mut conn = state.conn().await?;
            let quantiles: Vec<MetricQuantiles> = super::load_sorting(&mut conn, sql).await?;
            for row in &mut rows {
                if let Some(q) = quantiles.iter().find(|q| q.metric == row.metric) {
                    row.p50 = q.p50;
                    row.p95 = q.p95;
                }
            }
        }
    }
    Ok(rows)
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

/// Values the api selects percentiles over itself (32 MB); beyond, Postgres does.
const MAX_VALUES_IN_MEMORY: usize = 4_000_000;

/// ` FROM wfm_metric_partials(…) p`, narrowed to the filter's series.
fn push_partials(sql: &mut Sql, filter: &Filter, metrics: &[String]) {
    sql.push("FROM wfm_metric_partials(")
        .bind::<BigInt, _>(filter.config_id)
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
        filter.write_dimension_filters(sql, "s");
        sql.push(")");
    }
}

#[derive(QueryableByName)]
struct Values {
    #[diesel(sql_type = Text)]
    metric: String,
    #[diesel(sql_type = Array<Double>)]
    vals: Vec<f64>,
}

/// Every value of each metric in the range; `None` beyond [`MAX_VALUES_IN_MEMORY`].
async fn values(
    state: &AppState,
    filter: &Filter,
    metrics: &[String],
) -> ApiResult<Option<HashMap<String, Vec<f64>>>> {
    let mut sql = Sql::new("SELECT p.metric, p.vals ");
    push_partials(&mut sql, filter, metrics);
    let mut conn = state.conn().await?;
    let mut rows = sql.into_query().load_stream::<Values>(&mut conn).await?;
    let mut out: HashMap<String, Vec<f64>> = HashMap::new();
    let mut held = 0;
    while let Some(row) = rows.next().await {
        let row = row?;
        held += row.vals.len();
        if held > MAX_VALUES_IN_MEMORY {
            return Ok(None);
        }
        out.entry(row.metric).or_default().extend(row.vals);
    }
    Ok(Some(out))
}

/// `percentile_cont(q)`: linear between the two closest ranks, as Postgres does.
fn percentile(values: &mut [f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let rank = q * (values.len() - 1) as f64;
    let lo = rank.floor() as usize;
    let (_, low, above) = values.select_nth_unstable_by(lo, f64::total_cmp);
    let low = *low;
    let high = if rank > lo as f64 {
        above.iter().copied().min_by(f64::total_cmp).unwrap_or(low)
    } else {
        low
    };
    Some(low + (high - low) * (rank - lo as f64))
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn percentiles_interpolate_like_postgres() {
        let mut v = vec![40.0, 10.0, 30.0, 20.0];
        assert_eq!(percentile(&mut v, 0.5), Some(25.0));
        assert_eq!(percentile(&mut v, 0.95), Some(38.5));
        assert_eq!(percentile(&mut v, 0.0), Some(10.0));
        assert_eq!(percentile(&mut v, 1.0), Some(40.0));
        assert_eq!(percentile(&mut [7.0], 0.95), Some(7.0));
        assert_eq!(percentile(&mut [], 0.5), None);
    }
}
