//! `GET dimensions` (every dimension with its distinct values) and
//! `GET dimensions/{dimension}/values`, both time-filtered and limited.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, web};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};
use diesel_async::RunQueryDsl;
use serde::Serialize;

use super::filter::Filter;
use super::sql::Sql;
use crate::error::{ApiError, ApiResult};
use crate::params::{Params, path_id};
use crate::{AppState, lookup, reply};

const DEFAULT_VALUES: i64 = 100;
const MAX_VALUES: i64 = 1000;

fn request_filter(req: &HttpRequest, params: &Params) -> ApiResult<(Filter, i64)> {
    let id = path_id(req, "id")?;
    let limit = params.i64("limit")?.unwrap_or(DEFAULT_VALUES);
    if !(1..=MAX_VALUES).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "invalid limit: {limit} is outside 1..={MAX_VALUES}"
        )));
    }
    let filter = Filter {
        config_id: id,
        range: params.time_range("start", "end")?,
        run_id: None,
        dimensions: Vec::new(),
    };
    Ok((filter, limit))
}

/// Appends the series filter: series `s` of the config with a record in the range
/// (series are the distinct dimension objects the collector has stored).
fn in_range(sql: &mut Sql, filter: &Filter) {
    sql.push(" AND s.config_id = ")
        .bind::<BigInt, _>(filter.config_id)
        .push(" AND wfm_series_has_records(")
        .bind::<BigInt, _>(filter.config_id)
        .push(", s.id, s.dimensions, ")
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
    params(("id" = i64, Path, description = "config id"), crate::openapi::ClusterQuery, crate::openapi::RangeQuery, ("limit" = Option<i64>, Query, description = "values per dimension, default 100, at most 1000")),
    responses((status = 200, description = "success", body = crate::openapi::Envelope<Dimensions>), (status = 400, description = "bad request: the message names the field", body = crate::openapi::ErrorBody), (status = 404, description = "not found", body = crate::openapi::ErrorBody))
)]
pub(crate) async fn all(req: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let params = Params::from_request(&req)?;
    let (filter, limit) = request_filter(&req, &params)?;
    let mut conn = state.conn().await?;
    lookup::config(&mut conn, filter.config_id, params.cluster(&state.cluster)).await?;
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
    params(("id" = i64, Path, description = "config id"), ("dimension" = String, Path), crate::openapi::ClusterQuery, crate::openapi::RangeQuery, ("limit" = Option<i64>, Query)),
    responses((status = 200, description = "success", body = crate::openapi::Envelope<Values>), (status = 400, description = "bad request: the message names the field", body = crate::openapi::ErrorBody), (status = 404, description = "not found", body = crate::openapi::ErrorBody))
)]
pub(crate) async fn values(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let params = Params::from_request(&req)?;
    let (filter, limit) = request_filter(&req, &params)?;
    let dimension = req
        .match_info()
        .get("dimension")
        .unwrap_or_default()
        .to_owned();
    let mut conn = state.conn().await?;
    lookup::config(&mut conn, filter.config_id, params.cluster(&state.cluster)).await?;
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
