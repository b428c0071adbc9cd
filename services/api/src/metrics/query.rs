//! `POST metrics/query`: raw records, filtered, newest first by default.

use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Jsonb, Text, Timestamptz};
use diesel_async::RunQueryDsl;
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
}

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

    let mut count = Sql::new("SELECT count(*) AS total FROM github_workflow_metrics m");
    filter.write_where(&mut count);
    let total = count
        .into_query()
        .get_result::<Count>(&mut conn)
        .await?
        .total;

    let mut page = Sql::new(
        "SELECT m.id, m.run_id, m.\"timestamp\", m.source_file, m.dimensions, m.metrics \
         FROM github_workflow_metrics m",
    );
    filter.write_where(&mut page);
    page.push(match body.order {
        Order::Asc => " ORDER BY m.\"timestamp\" ASC, m.id ASC",
        Order::Desc => " ORDER BY m.\"timestamp\" DESC, m.id DESC",
    })
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
        items: Records { records },
        total,
        offset: paging.offset,
        limit: paging.limit,
    }))
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
