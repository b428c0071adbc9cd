//! Percentiles: estimated by merging the rollups' DDSketch bins (`wfm-sketch`,
//! 1 % relative error, any range at the cost of its buckets), or, when a
//! request asks, computed exactly from the records up to a number of values.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Integer, Jsonb, Nullable, Text, Timestamptz};
use serde::Serialize;
use wfm_sketch::Sketch;

use super::filter::Filter;
use super::sql::Sql;
use crate::error::{ApiError, ApiResult};

/// How a response's percentiles were computed.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct Method {
    /// `sketch`: estimates from the rollups' sketches; `exact`: from the records.
    method: &'static str,
    /// The bound of a sketch estimate relative to the value it estimates (the
    /// value of rank ⌊q·(n−1)⌋); 0 for exact values.
    relative_error: f64,
}

impl Method {
    pub fn new(exact: bool) -> Self {
        if exact {
            Self {
                method: "exact",
                relative_error: 0.0,
            }
        } else {
            Self {
                method: "sketch",
                relative_error: wfm_sketch::RELATIVE_ERROR,
            }
        }
    }
}

/// One sketch of a partial (a day or hour of a series, or one cut-hour
/// value), with the bucket and group it counts towards.
#[derive(QueryableByName)]
pub struct BinnedRow {
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub time: Option<DateTime<Utc>>,
    #[diesel(sql_type = Jsonb)]
    pub group: serde_json::Value,
    #[diesel(sql_type = Text)]
    pub metric: String,
    #[diesel(sql_type = Array<Integer>)]
    bins: Vec<i32>,
    #[diesel(sql_type = Array<BigInt>)]
    counts: Vec<i64>,
}

/// The merged sketch of one (time, group, metric).
pub struct Merged {
    pub time: Option<DateTime<Utc>>,
    pub group: serde_json::Value,
    pub metric: String,
    pub sketch: Sketch,
}

/// The rows' sketches merged per (time, group, metric), ordered by metric,
/// group and time. Merging here, not in Postgres: adding a few hundred
/// thousand (bin, count) pairs costs the api a millisecond, Postgres' hash
/// aggregate of them tens.
pub fn merge(rows: Vec<BinnedRow>) -> Vec<Merged> {
    // keyed by metric, the group's text and time: the output order
    let mut groups: BTreeMap<(String, String, Option<DateTime<Utc>>), Merged> = BTreeMap::new();
    for row in rows {
        let key = (row.metric.clone(), row.group.to_string(), row.time);
        groups
            .entry(key)
            .or_insert_with(|| Merged {
                time: row.time,
                group: row.group,
                metric: row.metric,
                sketch: Sketch::default(),
            })
            .sketch
            .add_bins(&row.bins, &row.counts);
    }
    groups.into_values().collect()
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The numeric values of `metrics` the filter selects, counted from the
/// rollups (exact, and as cheap as a summary).
pub async fn count_values(
    conn: &mut wfm_db::PooledConn,
    filter: &Filter,
    metrics: &[String],
) -> ApiResult<i64> {
    let mut sql = Sql::new("SELECT coalesce(sum(p.n), 0)::int8 AS n ");
    push_partials(&mut sql, "wfm_metric_partials", filter, metrics);
    let row: Count = super::load_sorting(conn, sql)
        .await?
        .into_iter()
        .next()
        .unwrap_or(Count { n: 0 });
    Ok(row.n)
}

/// Refuses exact percentiles over more than `max` values.
pub fn check_exact(values: i64, max: usize) -> ApiResult<()> {
    if usize::try_from(values).unwrap_or(usize::MAX) > max {
        return Err(ApiError::bad_request(format!(
            "invalid exact: exact percentiles over {values} values exceed the limit of {max} \
             (WFM_API_SUMMARY_MAX_VALUES); narrow the range or the filter, or drop exact for \
             sketch estimates within 1 %"
        )));
    }
    Ok(())
}

/// ` FROM <function>(config, metrics, start, end, true, all) p`, narrowed to
/// the filter's series: whole days from the rollups' days (any range of a
/// summary is read per whole day where it can be), of every series at once
/// when no dimension filter narrows them.
pub fn push_partials(sql: &mut Sql, function: &str, filter: &Filter, metrics: &[String]) {
    sql.push("FROM ")
        .push(function)
        .push("(")
        .bind::<BigInt, _>(filter.config_id)
        .push(", ")
        .bind::<Array<Text>, _>(metrics.to_vec())
        .push("::text[], ")
        .bind::<Nullable<Timestamptz>, _>(filter.range.start)
        .push(", ")
        .bind::<Nullable<Timestamptz>, _>(filter.range.end)
        .push(", true, ")
        .bind::<diesel::sql_types::Bool, _>(filter.dimensions.is_empty())
        .push(") p");
    if !filter.dimensions.is_empty() {
        sql.push(" WHERE p.series_key IN (");
        filter.write_series_keys(sql);
        sql.push(")");
    }
}
