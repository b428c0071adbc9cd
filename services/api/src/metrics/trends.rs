//! `metrics/trends`: one series per group and metric (daily by default), with
//! its change first → last and between the last two points.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::aggregate::{AggregateBody, points, prepare};
use super::params::AggregateQuery;
use super::{Aggregation, Interval};
use crate::body::Json;
use crate::error::ApiResult;
use crate::input::{ConfigScope, Query};
use crate::{AppState, reply};

/// A change between two values.
#[derive(Debug, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Change {
    pub absolute: f64,
    /// `None` when the earlier value is 0.
    pub percent: Option<f64>,
}

impl Change {
    pub fn between(from: f64, to: f64) -> Self {
        Self {
            absolute: to - from,
            percent: (from != 0.0).then(|| (to - from) / from.abs() * 100.0),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct TrendPoint {
    time: Option<DateTime<Utc>>,
    value: Option<f64>,
    count: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Series {
    group: serde_json::Value,
    metric: String,
    points: Vec<TrendPoint>,
    first: Option<f64>,
    last: Option<f64>,
    /// First point to last.
    change: Option<Change>,
    /// Second-to-last point to last.
    last_change: Option<Change>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Trends {
    #[schema(value_type = Option<String>, example = "1d")]
    interval: Option<Interval>,
    aggregation: Aggregation,
    group_by: Vec<String>,
    metrics: Vec<String>,
    /// How percentile values were computed (absent for other aggregations).
    #[serde(skip_serializing_if = "Option::is_none")]
    percentiles: Option<super::percentiles::Method>,
    series: Vec<Series>,
}

#[utoipa::path(
    post,
    path = "/configs/{id}/metrics/trends",
    tag = "metrics",
    params(crate::input::ConfigScope),
    request_body = AggregateBody,
    responses((status = 200, description = "one series per group and metric (interval default 1d)", body = crate::reply::Envelope<Trends>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody))
)]
pub(crate) async fn trends(
    state: web::Data<AppState>,
    Json(body): Json<AggregateBody>,
    scope: ConfigScope,
) -> ApiResult<HttpResponse> {
    trends_of(&state, scope, body).await
}

/// The spec's `GET /metrics/trends?config_id=…`: trends with query parameters.
#[utoipa::path(
    get,
    path = "/metrics/trends",
    tag = "metrics",
    operation_id = "trends_by_query",
    params(crate::input::ConfigIdQuery, AggregateQuery),
    responses((status = 200, description = "as POST /configs/{id}/metrics/trends", body = crate::reply::Envelope<Trends>))
)]
pub(crate) async fn trends_get(
    state: web::Data<AppState>,
    scope: ConfigScope,
    Query(AggregateQuery(body)): Query<AggregateQuery>,
) -> ApiResult<HttpResponse> {
    trends_of(&state, scope, body).await
}

async fn trends_of(
    state: &AppState,
    scope: ConfigScope,
    body: AggregateBody,
) -> ApiResult<HttpResponse> {
    let request = prepare(scope, body, Some(Interval::DAY)).await?;
    let points = points(state, &request).await?;
    // Rows arrive ordered by metric, group, time: consecutive rows form a series.
    let mut by_series: BTreeMap<(String, String), Series> = BTreeMap::new();
    for p in points {
        let key = (p.metric.clone(), p.group.to_string());
        let series = by_series.entry(key).or_insert_with(|| Series {
            group: p.group.clone(),
            metric: p.metric.clone(),
            points: Vec::new(),
            first: None,
            last: None,
            change: None,
            last_change: None,
        });
        series.points.push(TrendPoint {
            time: p.time,
            value: p.value,
            count: p.count,
        });
    }
    let series = by_series
        .into_values()
        .map(|mut s| {
            let values: Vec<f64> = s.points.iter().filter_map(|p| p.value).collect();
            s.first = <[f64]>::first(&values).copied();
            s.last = <[f64]>::last(&values).copied();
            if let [first, .., last] = values.as_slice() {
                s.change = Some(Change::between(*first, *last));
            }
            if let [.., before, last] = values.as_slice() {
                s.last_change = Some(Change::between(*before, *last));
            }
            s
        })
        .collect();
    Ok(reply::ok(Trends {
        percentiles: request.percentile_method(),
        interval: request.interval,
        aggregation: request.aggregation,
        group_by: request.group_by,
        metrics: request.metrics,
        series,
    }))
}
