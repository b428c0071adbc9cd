//! `GET metrics/summary`: per metric over a period (default: the last 7 days),
//! with the change of its average against the period of equal length before.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Datelike as _, Duration, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Double, Nullable, Text, Timestamptz};

use diesel_async::RunQueryDsl;
use futures_util::StreamExt as _;
use serde::Serialize;

use super::filter::Filter;
use super::params::{FilterQuery, MetricsQuery};
use super::sql::Sql;
use super::{Change, metric_names};
use crate::error::{ApiError, ApiResult};
use crate::input::{ConfigScope, Query};
use crate::params::TimeRange;
use crate::{AppState, reply};
use wfm_db::PooledConn;

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
    params(crate::input::ConfigScope, FilterQuery, MetricsQuery),
    responses((status = 200, description = "default period: the last 7 days", body = crate::reply::Envelope<Summary>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody))
)]
pub(crate) async fn summary(
    state: web::Data<AppState>,
    scope: ConfigScope,
    Query(filter): Query<FilterQuery>,
    Query(MetricsQuery { metrics }): Query<MetricsQuery>,
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
    let (current, previous) = tokio::join!(
        current_stats(&state, &now, &metrics),
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
    params(crate::input::ConfigIdQuery, FilterQuery, MetricsQuery),
    responses((status = 200, description = "as GET /configs/{id}/metrics/summary", body = crate::reply::Envelope<Summary>))
)]
pub(crate) async fn summary_get(
    state: web::Data<AppState>,
    scope: ConfigScope,
    filter: Query<FilterQuery>,
    metrics: Query<MetricsQuery>,
) -> ApiResult<HttpResponse> {
    summary(state, scope, filter, metrics).await
}

/// Metrics [`current_stats`] reads at once, each on its own connection.
const METRICS_AT_ONCE: usize = 2;

/// Per metric over the filter's range, exact for any range: count, min, max,
/// avg, the newest value, p50 and p95. Per metric, one pass over its
/// `wfm_metric_partials` with every value selected here (a tenth of what
/// sorting them in Postgres costs), so memory holds the values of
/// [`METRICS_AT_ONCE`] metrics; a metric with more than `summary_max_values`
/// values Postgres computes.
async fn current_stats(
    state: &AppState,
    filter: &Filter,
    metrics: &[String],
) -> ApiResult<Vec<Row>> {
    let mut rows = Vec::with_capacity(metrics.len());
    let mut too_many = Vec::new();
    let mut each = futures_util::stream::iter(metrics)
        .map(|metric| async move {
            let mut conn = state.conn().await?;
            let stats = in_memory(&mut conn, state.summary_max_values, filter, metric).await?;
            ApiResult::Ok((metric, stats))
        })
        .buffered(METRICS_AT_ONCE);
    while let Some(done) = each.next().await {
        match done? {
            (metric, Some(stats)) => rows.push(stats.into_row(metric.clone())),
            (metric, None) => too_many.push(metric.clone()),
        }
    }
    if too_many.is_empty() {
        return Ok(rows);
    }
    let (in_sql, quantiles) = tokio::join!(
        sql_stats(state, filter, &too_many),
        sql_quantiles(state, filter, &too_many)
    );
    let (mut in_sql, quantiles) = (in_sql?, quantiles?);
    for row in &mut in_sql {
        if let Some(q) = quantiles.iter().find(|q| q.metric == row.metric) {
            row.p50 = q.p50;
            row.p95 = q.p95;
        }
    }
    rows.extend(in_sql);
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
    push_partials(&mut sql, filter, metrics);
    sql.push(" GROUP BY 1");
    let mut conn = state.conn().await?;
    super::load_sorting(&mut conn, sql).await
}

/// p50 and p95 per metric, sorted in Postgres (slower, bounded memory).
async fn sql_quantiles(
    state: &AppState,
    filter: &Filter,
    metrics: &[String],
) -> ApiResult<Vec<MetricQuantiles>> {
    let mut sql = Sql::new(
        "SELECT p.metric, percentile_cont(0.5) WITHIN GROUP (ORDER BY u.v) AS p50, \
         percentile_cont(0.95) WITHIN GROUP (ORDER BY u.v) AS p95 ",
    );
    push_partials(&mut sql, filter, metrics);
    sql.push(" CROSS JOIN LATERAL unnest(p.vals) AS u(v) GROUP BY 1");
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

/// One row of `wfm_metric_partials`: an hour of a series, or an edge record.
#[derive(QueryableByName)]
struct Partial {
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = Double)]
    total: f64,
    #[diesel(sql_type = Double)]
    lo: f64,
    #[diesel(sql_type = Double)]
    hi: f64,
    #[diesel(sql_type = Double)]
    last_value: f64,
    #[diesel(sql_type = Timestamptz)]
    last_at: DateTime<Utc>,
    #[diesel(sql_type = BigInt)]
    last_id: i64,
    #[diesel(sql_type = Array<Double>)]
    vals: Vec<f64>,
}

/// One metric's statistics, folded over its partials.
#[derive(Default)]
struct Accumulator {
    count: i64,
    total: f64,
    lo: Option<f64>,
    hi: Option<f64>,
    /// (last_at, last_id, last_value): ties of last_at go to the newer row
    newest: Option<(DateTime<Utc>, i64, f64)>,
    values: Vec<f64>,
}

impl Accumulator {
    fn add(&mut self, p: Partial) {
        self.count += p.n;
        self.total += p.total;
        self.lo = Some(self.lo.map_or(p.lo, |lo| lo.min(p.lo)));
        self.hi = Some(self.hi.map_or(p.hi, |hi| hi.max(p.hi)));
        if self
            .newest
            .is_none_or(|(at, id, _)| (p.last_at, p.last_id) > (at, id))
        {
            self.newest = Some((p.last_at, p.last_id, p.last_value));
        }
        self.values.extend(p.vals);
    }

    fn into_row(mut self, metric: String) -> Row {
        Row {
            metric,
            count: self.count,
            min: self.lo,
            max: self.hi,
            avg: (self.count > 0).then(|| self.total / self.count as f64),
            p50: percentile(&mut self.values, 0.5),
            p95: percentile(&mut self.values, 0.95),
            latest: self.newest.map(|(_, _, value)| value),
            latest_at: self.newest.map(|(at, _, _)| at),
        }
    }
}

/// One metric's [`current_stats`] in one streamed pass; `None` past `max_values`.
async fn in_memory(
    conn: &mut PooledConn,
    max_values: usize,
    filter: &Filter,
    metric: &str,
) -> ApiResult<Option<Accumulator>> {
    let mut sql =
        Sql::new("SELECT p.n, p.total, p.lo, p.hi, p.last_value, p.last_at, p.last_id, p.vals ");
    push_partials(&mut sql, filter, &[metric.to_owned()]);
    let mut rows = sql.into_query().load_stream::<Partial>(conn).await?;
    let mut stats = Accumulator::default();
    while let Some(row) = rows.next().await {
        let row = row?;
        if stats.values.len() + row.vals.len() > max_values {
            return Ok(None);
        }
        stats.add(row);
    }
    Ok(Some(stats))
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
