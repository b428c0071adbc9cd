//! `GET dimensions` (every dimension with its distinct values) and
//! `GET dimensions/{dimension}/values`, both time-filtered and limited.

use std::collections::BTreeMap;

use actix_web::HttpResponse;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};
use diesel_async::RunQueryDsl;
use serde::Serialize;

use super::filter::Filter;
use super::sql::Sql;
use crate::error::{ApiError, ApiResult};
use crate::input::{ConfigScope, Dimension, FromParams, Query};
use crate::params::{Params, TimeRange};
use crate::reply;

const DEFAULT_VALUES: i64 = 100;
const MAX_VALUES: i64 = 1000;

/// The time range and the number of values per dimension.
#[derive(Debug)]
pub(crate) struct ValuesQuery {
    start: Option<chrono::DateTime<chrono::Utc>>,
    end: Option<chrono::DateTime<chrono::Utc>>,
    limit: Option<i64>,
}

impl utoipa::IntoParams for ValuesQuery {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        use crate::input::doc::{integer, param, time_range};
        let mut params = time_range();
        params.push(param(
            "limit",
            utoipa::openapi::path::ParameterIn::Query,
            integer(1, Some(MAX_VALUES)),
            "values per dimension (default 100)",
        ));
        params
    }
}

impl FromParams for ValuesQuery {
    fn from_params(params: &Params) -> ApiResult<Self> {
        let limit = params.i64("limit")?;
        if let Some(limit) = limit
            && !(1..=MAX_VALUES).contains(&limit)
        {
            return Err(ApiError::bad_request(format!(
                "invalid limit: {limit} is outside 1..={MAX_VALUES}"
            )));
        }
        let range = params.time_range_or_spec()?;
        Ok(Self {
            start: range.start,
            end: range.end,
            limit,
        })
    }
}

impl ValuesQuery {
    fn filter(&self, config_id: i64) -> (Filter, i64) {
        let filter = Filter {
            config_id,
            range: TimeRange {
                start: self.start,
                end: self.end,
            },
            run_id: None,
            dimensions: Vec::new(),
        };
        (filter, self.limit.unwrap_or(DEFAULT_VALUES))
    }
}

/// Appends the series filter: series `s` of the config with a record in the range
/// (series are the distinct dimension objects the collector has stored).
fn in_range(sql: &mut Sql, filter: &Filter) {
    sql.push(" AND s.config_id = ")
        .bind::<BigInt, _>(filter.config_id)
        .push(" AND wfm_series_has_records(")
        .bind::<BigInt, _>(filter.config_id)
        .push(", s.series_key, ")
        .bind::<Nullable<Timestamptz>, _>(filter.range.start)
        .push(", ")
        .bind::<Nullable<Timestamptz>, _>(filter.range.end)
        .push(")");
}

#[derive(QueryableByName)]
struct KeyValue {
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = Text)]
    value: String,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Dimensions {
    /// Each dimension's distinct values, sorted, at most `limit`.
    dimensions: BTreeMap<String, Vec<String>>,
    /// Dimensions that have more values than `limit`.
    truncated: Vec<String>,
    limit: i64,
}

#[utoipa::path(
    get,
    path = "/configs/{id}/dimensions",
    tag = "metrics",
    params(crate::input::ConfigScope, ValuesQuery),
    responses((status = 200, description = "success", body = crate::reply::Envelope<Dimensions>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody))
)]
pub(crate) async fn all(
    scope: ConfigScope,
    Query(query): Query<ValuesQuery>,
) -> ApiResult<HttpResponse> {
    let (filter, limit) = query.filter(scope.id());
    let mut conn = scope.conn().await?;
    let mut sql = Sql::new(
        "SELECT key, value FROM (SELECT key, value, row_number() OVER (PARTITION BY key ORDER BY value) AS n \
         FROM (SELECT DISTINCT e.key, e.value FROM github_workflow_metric_series s \
         CROSS JOIN LATERAL jsonb_each_text(s.dimensions) AS e(key, value) WHERE e.value IS NOT NULL",
    );
    in_range(&mut sql, &filter);
    sql.push(") d) ranked WHERE n <= ")
        .bind::<BigInt, _>(limit + 1)
        .push(" ORDER BY key, value");
    let rows: Vec<KeyValue> = sql.into_query().load(&mut conn).await?;
    let mut dimensions: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in rows {
        dimensions.entry(row.key).or_default().push(row.value);
    }
    let mut truncated = Vec::new();
    for (key, values) in &mut dimensions {
        if values.len() as i64 > limit {
            values.truncate(limit as usize);
            truncated.push(key.clone());
        }
    }
    Ok(reply::ok(Dimensions {
        dimensions,
        truncated,
        limit,
    }))
}

/// The spec's `GET /metrics/dimensions?config_id=…`.
#[utoipa::path(
    get,
    path = "/metrics/dimensions",
    tag = "metrics",
    operation_id = "dimensions_by_query",
    params(crate::input::ConfigIdQuery, ValuesQuery),
    responses((status = 200, description = "as GET /configs/{id}/dimensions", body = crate::reply::Envelope<Dimensions>))
)]
pub(crate) async fn all_get(
    scope: ConfigScope,
    query: Query<ValuesQuery>,
) -> ApiResult<HttpResponse> {
    all(scope, query).await
}

#[derive(QueryableByName)]
struct Value {
    #[diesel(sql_type = Text)]
    value: String,
    #[diesel(sql_type = BigInt)]
    total: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Values {
    dimension: String,
    values: Vec<String>,
    /// Distinct values in all, beyond `limit` too.
    total: i64,
}

#[utoipa::path(
    get,
    path = "/configs/{id}/dimensions/{dimension}/values",
    tag = "metrics",
    params(crate::input::ConfigScope, crate::input::Dimension, ValuesQuery),
    responses((status = 200, description = "success", body = crate::reply::Envelope<Values>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody))
)]
pub(crate) async fn values(
    scope: ConfigScope,
    Dimension(dimension): Dimension,
    Query(query): Query<ValuesQuery>,
) -> ApiResult<HttpResponse> {
    let (filter, limit) = query.filter(scope.id());
    let mut conn = scope.conn().await?;
    let mut sql =
        Sql::new("SELECT value, count(*) OVER () AS total FROM (SELECT DISTINCT s.dimensions ->> ");
    sql.bind::<Text, _>(dimension.clone())
        .push(" AS value FROM github_workflow_metric_series s WHERE (s.dimensions ->> ")
        .bind::<Text, _>(dimension.clone())
        .push(") IS NOT NULL");
    in_range(&mut sql, &filter);
    sql.push(") d ORDER BY value LIMIT ")
        .bind::<BigInt, _>(limit);
    let rows: Vec<Value> = sql.into_query().load(&mut conn).await?;
    Ok(reply::ok(Values {
        total: <[Value]>::first(&rows).map_or(0, |r| r.total),
        values: rows.into_iter().map(|r| r.value).collect(),
        dimension,
    }))
}
