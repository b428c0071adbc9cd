//! Which metric rows a request is about: config, time range, run, dimensions.

use chrono::{DateTime, Utc};
use diesel::sql_types::{Array, BigInt, Text, Timestamptz};
use serde_json::Value;

use super::sql::Sql;
use crate::error::{ApiError, ApiResult};
use crate::params::TimeRange;

/// Values a dimension filter may hold per key; more is refused.
const MAX_VALUES_PER_KEY: usize = 1000;
/// Dimension keys one filter may name.
const MAX_KEYS: usize = 50;

/// The filter fields of a request body (each body declares them itself:
/// `serde(flatten)` would lose the field paths of errors).
#[derive(Debug, Default)]
pub struct FilterBody {
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    /// `{"dim": "v"}` or `{"dim": ["v1", "v2"]}`; numbers and booleans match their text.
    pub dimensions: Option<serde_json::Map<String, Value>>,
    pub run_id: Option<i64>,
}

/// A checked filter.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub config_id: i64,
    pub range: TimeRange,
    pub run_id: Option<i64>,
    /// Each key must have one of its values.
    pub dimensions: Vec<(String, Vec<String>)>,
}

impl Filter {
    pub fn new(config_id: i64, body: FilterBody) -> ApiResult<Self> {
        let range = TimeRange {
            start: body.start,
            end: body.end,
        };
        range.check("start", "end")?;
        Ok(Self {
            config_id,
            range,
            run_id: body.run_id,
            dimensions: dimension_filters(body.dimensions.unwrap_or_default())?,
        })
    }

    /// Appends ` WHERE …` over the rows aliased `m`.
    pub fn write_where(&self, sql: &mut Sql) {
        sql.push(" WHERE m.config_id = ")
            .bind::<BigInt, _>(self.config_id);
        self.range.write_bounds(sql);
        if let Some(run_id) = self.run_id {
            sql.push(" AND m.run_id = ").bind::<BigInt, _>(run_id);
        }
        if !self.dimensions.is_empty() {
            sql.push(" AND m.series_key IN (");
            self.write_series_keys(sql);
            sql.push(")");
        }
    }

    /// Appends `SELECT s.series_key …`: the config's series the dimension
    /// filters match (series are the distinct dimension objects, so a filter
    /// reads the series table, never the records' JSONB).
    pub fn write_series_keys(&self, sql: &mut Sql) {
        sql.push("SELECT s.series_key FROM github_workflow_metric_series s WHERE s.config_id = ")
            .bind::<BigInt, _>(self.config_id);
        self.write_dimension_filters(sql, "s");
    }

    /// Appends ` AND (<alias>.dimensions ->> $k) = ANY($v)` per dimension filter.
    pub fn write_dimension_filters(&self, sql: &mut Sql, alias: &str) {
        for (key, values) in &self.dimensions {
            sql.push(" AND (")
                .push(alias)
                .push(".dimensions ->> ")
                .bind::<Text, _>(key.clone())
                .push(") = ANY(")
                .bind::<Array<Text>, _>(values.clone())
                .push(")");
        }
    }
}

impl TimeRange {
    /// Appends ` AND m."timestamp" >= start AND … <= end` for the bounds given.
    pub(crate) fn write_bounds(&self, sql: &mut Sql) {
        if let Some(start) = self.start {
            sql.push(" AND m.\"timestamp\" >= ")
                .bind::<Timestamptz, _>(start);
        }
        if let Some(end) = self.end {
            sql.push(" AND m.\"timestamp\" <= ")
                .bind::<Timestamptz, _>(end);
        }
    }
}

pub(crate) fn dimension_filters(
    map: serde_json::Map<String, Value>,
) -> ApiResult<Vec<(String, Vec<String>)>> {
    if map.len() > MAX_KEYS {
        return Err(ApiError::bad_request(format!(
            "invalid dimensions: more than {MAX_KEYS} keys"
        )));
    }
    map.into_iter()
        .map(|(key, value)| {
            let values = match value {
                Value::Array(items) => items
                    .into_iter()
                    .map(|item| scalar_text(&key, item))
                    .collect::<ApiResult<Vec<_>>>()?,
                other => vec![scalar_text(&key, other)?],
            };
            if values.is_empty() {
                return Err(ApiError::bad_request(format!(
                    "invalid dimensions.{key}: give at least one value"
                )));
            }
            if values.len() > MAX_VALUES_PER_KEY {
                return Err(ApiError::bad_request(format!(
                    "invalid dimensions.{key}: more than {MAX_VALUES_PER_KEY} values"
                )));
            }
            Ok((key, values))
        })
        .collect()
}

/// A filter value as the text `->>` yields for it.
fn scalar_text(key: &str, value: Value) -> ApiResult<String> {
    match value {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(ApiError::bad_request(format!(
            "invalid dimensions.{key}: values are strings, numbers or booleans"
        ))),
    }
}
