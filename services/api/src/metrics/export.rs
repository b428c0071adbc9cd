//! `GET export`: the filtered records as CSV, streamed in chunks as Postgres
//! returns rows, so memory stays flat however many rows there are. Columns:
//! the active schema's fields in schema order (dimensions and metrics), then
//! `collected_at,source_file,run_id`.

use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, SecondsFormat, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::StreamExt as _;
use tokio::sync::mpsc;
use wfm_db::DbPool;

use super::filter::Filter;
use super::params::FilterQuery;
use super::sql::Sql;
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::input::{ConfigScope, FromParams, Query};
use crate::params::Params;
use crate::schemas::find_active;

const DEFAULT_ROWS: i64 = 10_000;
const MAX_ROWS: i64 = 10_000_000;
/// Bytes gathered before a chunk is sent.
const CHUNK_BYTES: usize = 64 * 1024;

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Array<Nullable<Text>>)]
    cells: Vec<Option<String>>,
    #[diesel(sql_type = Timestamptz)]
    timestamp: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    source_file: String,
    #[diesel(sql_type = BigInt)]
    run_id: i64,
}

/// Where a column's value lives.
enum Column {
    Dimension(String),
    Metric(String),
}

/// What an export writes.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ExportQuery {
    /// Metric columns, comma-separated; default: the schema's.
    #[param(value_type = Option<String>)]
    metric_fields: Option<Vec<String>>,
    /// Rows at most, default 10000.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 10000000)]
    limit: i64,
}

impl FromParams for ExportQuery {
    fn from_params(params: &Params) -> ApiResult<Self> {
        let limit = params.i64("limit")?.unwrap_or(DEFAULT_ROWS);
        if !(1..=MAX_ROWS).contains(&limit) {
            return Err(ApiError::bad_request(format!(
                "invalid limit: {limit} is outside 1..={MAX_ROWS}"
            )));
        }
        Ok(Self {
            metric_fields: params.list("metric_fields"),
            limit,
        })
    }
}

#[utoipa::path(
    get,
    path = "/configs/{id}/export",
    tag = "metrics",
    params(crate::input::ConfigScope, FilterQuery, ExportQuery),
    responses((status = 200, description = "CSV: schema fields, then collected_at,source_file,run_id", body = String, content_type = "text/csv"), (status = 400, description = "bad request: the message names the field", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody))
)]
pub(crate) async fn export(
    state: web::Data<AppState>,
    scope: ConfigScope,
    Query(filter): Query<FilterQuery>,
    Query(ExportQuery {
        metric_fields: wanted,
        limit,
    }): Query<ExportQuery>,
) -> ApiResult<HttpResponse> {
    let mut conn = scope.conn().await?;
    let id = scope.id();
    let filter = filter.into_filter(id);
    let columns = columns(&mut conn, &filter, wanted.as_deref()).await?;
    drop(conn);

    let mut header = csv_line(
        columns
            .iter()
            .map(|c| match c {
                Column::Dimension(n) | Column::Metric(n) => n.as_str(),
            })
            .chain(["collected_at", "source_file", "run_id"]),
    )?;
    let mut sql = Sql::new("SELECT ARRAY[");
    for (i, column) in columns.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        let (source, name) = match column {
            Column::Dimension(n) => ("m.dimensions ->> ", n),
            Column::Metric(n) => ("m.metrics ->> ", n),
        };
        sql.push(source).bind::<Text, _>(name.clone());
    }
    sql.push("]::text[] AS cells, m.\"timestamp\", m.source_file, m.run_id FROM github_workflow_metrics m");
    filter.write_where(&mut sql);
    sql.push(" ORDER BY m.\"timestamp\", m.id LIMIT ")
        .bind::<BigInt, _>(limit);

    let (tx, rx) = mpsc::channel::<Result<Bytes, ApiError>>(4);
    header.reserve(CHUNK_BYTES);
    tokio::spawn(stream_rows(state.pool.clone(), sql, header, tx));
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let file_name = format!("metrics-config-{id}-{}.csv", Utc::now().format("%Y%m%d"));
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(file_name)],
        })
        .streaming(body))
}

/// The export's columns: the active schema's dimension and metric fields in
/// `fields` order (then any listed only in the role lists); without a schema,
/// the keys found in the rows. `wanted` narrows the metrics.
async fn columns(
    conn: &mut AsyncPgConnection,
    filter: &Filter,
    wanted: Option<&[String]>,
) -> ApiResult<Vec<Column>> {
    let (dims, metrics): (Vec<String>, Vec<String>) =
        match find_active(conn, filter.config_id).await? {
            Some(schema) => {
                let order: Vec<String> = schema
                    .fields
                    .as_array()
                    .map(|fields| {
                        fields
                            .iter()
                            .filter_map(|f| f["name"].as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                let in_order = |list: serde_json::Value| {
                    let mut names: Vec<String> = serde_json::from_value(list).unwrap_or_default();
                    names.sort_by_key(|n| order.iter().position(|o| o == n).unwrap_or(usize::MAX));
                    names
                };
                (
                    in_order(schema.dimension_fields),
                    in_order(schema.metric_fields),
                )
            }
            None => (
                keys(conn, filter, "dimensions").await?,
                keys(conn, filter, "metrics").await?,
            ),
        };
    let metrics = match wanted {
        Some(wanted) => {
            if let Some(unknown) = wanted.iter().find(|w| !metrics.contains(w)) {
                return Err(ApiError::bad_request(format!(
                    "invalid metric_fields: {unknown:?} is not a metric of this config"
                )));
            }
            wanted.to_vec()
        }
        None => metrics,
    };
    Ok(dims
        .into_iter()
        .map(Column::Dimension)
        .chain(metrics.into_iter().map(Column::Metric))
        .collect())
}

#[derive(QueryableByName)]
struct Key {
    #[diesel(sql_type = Text)]
    key: String,
}

async fn keys(
    conn: &mut AsyncPgConnection,
    filter: &Filter,
    column: &str,
) -> ApiResult<Vec<String>> {
    let source = if column == "dimensions" {
        "m.dimensions"
    } else {
        "m.metrics"
    };
    let mut sql = Sql::new("SELECT DISTINCT jsonb_object_keys(");
    sql.push(source)
        .push(") AS key FROM github_workflow_metrics m");
    filter.write_where(&mut sql);
    sql.push(" ORDER BY 1");
    let rows: Vec<Key> = sql.into_query().load(conn).await?;
    Ok(rows.into_iter().map(|k| k.key).collect())
}

fn csv_line<'a>(cells: impl IntoIterator<Item = &'a str>) -> ApiResult<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(cells)
        .map_err(|e| ApiError::Internal(e.into()))?;
    writer
        .into_inner()
        .map_err(|e| ApiError::Internal(e.into_error().into()))
}

/// Runs the query and sends CSV chunks until the rows or the receiver end. A
/// failure mid-stream ends the body with an error, which aborts the response:
/// the client sees a broken transfer, never a silently short file.
async fn stream_rows(
    pool: DbPool,
    sql: Sql,
    mut buffer: Vec<u8>,
    tx: mpsc::Sender<Result<Bytes, ApiError>>,
) {
    let result = async {
        let mut conn = pool.get().await?;
        let mut rows = sql.into_query().load_stream::<Row>(&mut conn).await?;
        let mut writer = csv::Writer::from_writer(std::mem::take(&mut buffer));
        let mut count = 0usize;
        while let Some(row) = rows.next().await {
            let row = row?;
            let time = row.timestamp.to_rfc3339_opts(SecondsFormat::AutoSi, true);
            let run_id = row.run_id.to_string();
            let cells = row.cells.iter().map(|c| c.as_deref().unwrap_or(""));
            writer
                .write_record(cells.chain([
                    time.as_str(),
                    row.source_file.as_str(),
                    run_id.as_str(),
                ]))
                .map_err(|e| ApiError::Internal(e.into()))?;
            count += 1;
            if writer.get_ref().len() >= CHUNK_BYTES {
                let full = std::mem::replace(
                    &mut writer,
                    csv::Writer::from_writer(Vec::with_capacity(CHUNK_BYTES + 8192)),
                );
                let chunk = full
                    .into_inner()
                    .map_err(|e| ApiError::Internal(e.into_error().into()))?;
                if tx.send(Ok(Bytes::from(chunk))).await.is_err() {
                    tracing::info!(rows = count, "export stopped: the client went away");
                    return Ok(());
                }
            }
        }
        let rest = writer
            .into_inner()
            .map_err(|e| ApiError::Internal(e.into_error().into()))?;
        if !rest.is_empty() {
            let _ = tx.send(Ok(Bytes::from(rest))).await;
        }
        tracing::info!(rows = count, "export finished");
        Ok::<_, ApiError>(())
    }
    .await;
    if let Err(e) = result {
        tracing::error!(error = %e, cause = ?e, "export failed mid-stream");
        let _ = tx.send(Err(e)).await;
    }
}
