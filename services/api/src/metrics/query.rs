//! `POST metrics/query`: raw records, filtered, newest first by default.

use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Jsonb, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};

use super::filter::{Filter, FilterBody};
use super::sql::Sql;
use crate::body::Json;
use crate::error::{ApiError, ApiResult};
use crate::input::ConfigScope;
use crate::params::Paging;
use crate::reply;

#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
enum Order {
    Asc,
    #[default]
    Desc,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueryBody {
    #[serde(default)]
    start: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default)]
    end: Option<chrono::DateTime<chrono::Utc>>,
    /// `{"dim": "v"}` or `{"dim": ["v1", "v2"]}`.
    #[serde(default)]
    dimensions: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    run_id: Option<i64>,
    /// Metric names to return; default: all.
    #[serde(default)]
    metrics: Option<Vec<String>>,
    /// By time: `desc` (default) or `asc`.
    #[serde(default)]
    order: Order,
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    offset: Option<i64>,
    /// `true`: count every matching record for `total`; default: count up to
    /// 10,000 (`total_capped` says when there are more).
    #[serde(default)]
    exact_total: bool,
}

#[derive(Debug, QueryableByName, Serialize, utoipa::ToSchema)]
struct Record {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    run_id: i64,
    #[diesel(sql_type = Timestamptz)]
    timestamp: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    source_file: String,
    #[diesel(sql_type = Jsonb)]
    dimensions: serde_json::Value,
    #[diesel(sql_type = Jsonb)]
    metrics: serde_json::Value,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    total: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Records {
    records: Vec<Record>,
    /// `total` stopped counting at 10,000 matching records.
    total_capped: bool,
}

/// Records `total` counts unless a request asks for the exact number.
const TOTAL_CAP: i64 = 10_000;
/// Up to this many matching series, a page is read per series, newest first
/// along each one's (series_key, timestamp) index; past it, along the
/// config's time index (many series mean the matches are common).
const PER_SERIES_MAX: i64 = 1_000;

#[utoipa::path(
    post,
    path = "/configs/{id}/metrics/query",
    tag = "metrics",
    params(crate::input::ConfigScope),
    request_body = QueryBody,
    responses((status = 200, description = "success", body = crate::reply::Envelope<reply::Page<Records>>), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody))
)]
pub(crate) async fn query(
    Json(body): Json<QueryBody>,
    scope: ConfigScope,
) -> ApiResult<HttpResponse> {
    let mut conn = scope.conn().await?;
    let id = scope.id();
    let paging = paging(body.limit, body.offset)?;
    let filter = Filter::new(
        id,
        FilterBody {
            start: body.start,
            end: body.end,
            dimensions: body.dimensions,
            run_id: body.run_id,
        },
    )?;

    let per_series = filter.run_id.is_none()
        && !filter.dimensions.is_empty()
        && series_count(&mut conn, &filter).await? <= PER_SERIES_MAX;
    let cap = (!body.exact_total).then_some(TOTAL_CAP + 1);
    let mut count = Sql::new("SELECT count(*) AS total FROM (SELECT 1");
    push_matching(&mut count, &filter, per_series, "", cap);
    if let Some(cap) = cap {
        count.push(" LIMIT ").bind::<BigInt, _>(cap);
    }
    count.push(") c");
    let counted = count
        .into_query()
        .get_result::<Count>(&mut conn)
        .await?
        .total;
    let total_capped = !body.exact_total && counted > TOTAL_CAP;
    let total = if total_capped { TOTAL_CAP } else { counted };

    let order = match body.order {
        Order::Asc => " ORDER BY m.\"timestamp\" ASC, m.id ASC",
        Order::Desc => " ORDER BY m.\"timestamp\" DESC, m.id DESC",
    };
    let mut page =
        Sql::new("SELECT m.id, m.run_id, m.\"timestamp\", m.source_file, m.dimensions, m.metrics");
    // per series: each one's first offset + limit, then the page of their union
    let first = paging.offset.saturating_add(paging.limit);
    push_matching(&mut page, &filter, per_series, order, Some(first));
    page.push(order)
        .push(" LIMIT ")
        .bind::<BigInt, _>(paging.limit)
        .push(" OFFSET ")
        .bind::<BigInt, _>(paging.offset);
    let mut records: Vec<Record> = page.into_query().load(&mut conn).await?;
    if let Some(wanted) = body.metrics.filter(|w| !w.is_empty()) {
        for record in &mut records {
            if let Some(values) = record.metrics.as_object_mut() {
                values.retain(|name, _| wanted.contains(name));
            }
        }
    }
    Ok(reply::ok(reply::Page {
        items: Records {
            records,
            total_capped,
        },
        total,
        offset: paging.offset,
        limit: paging.limit,
    }))
}

/// ` FROM … m`: the filter's records. Per series: each matching series'
/// records along its (series_key, timestamp) index, at most `per_series_limit`
/// of them in `order` (a LIMIT in each, so a scan stops early instead of
/// gathering a whole series); else the records filtered in one scan.
fn push_matching(
    sql: &mut Sql,
    filter: &Filter,
    per_series: bool,
    order: &str,
    per_series_limit: Option<i64>,
) {
    if !per_series {
        sql.push(" FROM github_workflow_metrics m");
        filter.write_where(sql);
        return;
    }
    sql.push(" FROM (");
    filter.write_series_keys(sql);
    sql.push(") k CROSS JOIN LATERAL (SELECT m.* FROM github_workflow_metrics m WHERE m.series_key = k.series_key AND m.config_id = ")
        .bind::<BigInt, _>(filter.config_id);
    filter.range.write_bounds(sql);
    sql.push(order);
    if let Some(limit) = per_series_limit {
        sql.push(" LIMIT ").bind::<BigInt, _>(limit);
    }
    sql.push(") m");
}

/// How many series the filter's dimension values match.
async fn series_count(conn: &mut AsyncPgConnection, filter: &Filter) -> ApiResult<i64> {
    let mut sql = Sql::new("SELECT count(*) AS total FROM (");
    filter.write_series_keys(&mut sql);
    sql.push(") k");
    Ok(sql.into_query().get_result::<Count>(conn).await?.total)
}

fn paging(limit: Option<i64>, offset: Option<i64>) -> ApiResult<Paging> {
    let limit = limit.unwrap_or(Paging::DEFAULT_LIMIT);
    if !(1..=Paging::MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "invalid limit: {limit} is outside 1..={}",
            Paging::MAX_LIMIT
        )));
    }
    let offset = offset.unwrap_or(0);
    if offset < 0 {
        return Err(ApiError::bad_request(format!(
            "invalid offset: {offset} is negative"
        )));
    }
    Ok(Paging { offset, limit })
}
