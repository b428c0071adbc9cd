//! Metric queries over `github_workflow_metrics`: raw records, aggregates,
//! trends, summary, dimensions and CSV export.

pub(crate) mod aggregate;
pub(crate) mod dimensions;
pub(crate) mod export;
mod filter;
mod params;
mod percentiles;
pub(crate) mod query;
mod sql;
pub(crate) mod summary;
pub(crate) mod trends;

use std::fmt;
use std::str::FromStr;

use actix_web::web;
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiResult};
use crate::schemas::find_active;

pub use trends::Change;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/configs/{id}/metrics/query", web::post().to(query::query))
        .route(
            "/configs/{id}/metrics/aggregate",
            web::post().to(aggregate::aggregate),
        )
        .route(
            "/configs/{id}/metrics/trends",
            web::post().to(trends::trends),
        )
        .route(
            "/configs/{id}/metrics/summary",
            web::get().to(summary::summary),
        )
        .route("/configs/{id}/dimensions", web::get().to(dimensions::all))
        .route(
            "/configs/{id}/dimensions/{dimension}/values",
            web::get().to(dimensions::values),
        )
        .route("/configs/{id}/export", web::get().to(export::export))
        // the spec's query-string forms, through the same code
        .route("/metrics", web::get().to(aggregate::aggregate_get))
        .route("/metrics/summary", web::get().to(summary::summary_get))
        .route("/metrics/dimensions", web::get().to(dimensions::all_get))
        .route("/metrics/trends", web::get().to(trends::trends_get));
}

/// The value of metric `mf.name` of row `m` when it is a number, else NULL
/// (a non-number is skipped, never a failed cast).
const NUMERIC_VALUE: &str = "CASE WHEN jsonb_typeof(m.metrics -> mf.name) = 'number' \
     THEN (m.metrics -> mf.name)::float8 END";

/// The newest `last_value` of partials `p` (ties of `last_at` to the newer row),
/// without a sort: float8 arrays compare element by element, and epoch
/// microseconds and row ids stay exact below 2^53.
const NEWEST_VALUE: &str = "(max(ARRAY[extract(epoch FROM p.last_at)::float8, \
     p.last_id::float8, p.last_value]))[3]";

/// Runs `sql` in a read-only transaction with room to sort in memory: the
/// server's default `work_mem` (4 MB) spills the sorts of a 90-day range to disk.
async fn load_sorting<T>(conn: &mut AsyncPgConnection, sql: sql::Sql) -> ApiResult<Vec<T>>
where
    T: diesel::QueryableByName<diesel::pg::Pg> + Send + 'static,
{
    use diesel_async::RunQueryDsl as _;
    let rows = conn
        .build_transaction()
        .read_only()
        .run(async |conn| {
            diesel::sql_query("SET LOCAL work_mem = '64MB'")
                .execute(conn)
                .await?;
            sql.into_query().load::<T>(conn).await
        })
        .await?;
    Ok(rows)
}

/// Metric names a request may name at once.
const MAX_METRICS: usize = 50;

/// The metrics a request is about: those it names, else the active schema's.
async fn metric_names(
    conn: &mut AsyncPgConnection,
    config_id: i64,
    requested: Option<Vec<String>>,
) -> ApiResult<Vec<String>> {
    let names = match requested.filter(|names| !names.is_empty()) {
        Some(names) => names,
        None => {
            let schema = find_active(conn, config_id).await?.ok_or_else(|| {
                ApiError::bad_request(format!(
                    "invalid metrics: none given, and config {config_id} has no active schema to take them from"
                ))
            })?;
            serde_json::from_value(schema.metric_fields).unwrap_or_default()
        }
    };
    // each name once, in the order given: a repeated name would count twice
    let mut names = names;
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.clone()));
    if names.len() > MAX_METRICS {
        return Err(ApiError::bad_request(format!(
            "invalid metrics: more than {MAX_METRICS} names"
        )));
    }
    if names.iter().any(|n| n.is_empty()) {
        return Err(ApiError::bad_request("invalid metrics: a name is empty"));
    }
    Ok(names)
}

/// A time bucket width: `<n>m`, `<n>h`, `<n>d` or `<n>w` (`5m`, `1h`, `1d`, `1w`…).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    count: u32,
    unit: char,
}

impl Interval {
    pub const DAY: Self = Self {
        count: 1,
        unit: 'd',
    };
    /// Buckets one request may ask for.
    const MAX_BUCKETS: i64 = 10_000;

    pub fn seconds(self) -> i64 {
        let unit = match self.unit {
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => 604_800,
        };
        i64::from(self.count) * unit
    }

    fn check_buckets(self, start: DateTime<Utc>, end: DateTime<Utc>) -> ApiResult<()> {
        let buckets = (end - start).num_seconds() / self.seconds();
        if buckets > Self::MAX_BUCKETS {
            return Err(ApiError::bad_request(format!(
                "invalid interval: {self} makes {buckets} buckets between start and end; at most {}",
                Self::MAX_BUCKETS
            )));
        }
        Ok(())
    }
}

impl FromStr for Interval {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let unit = s
            .chars()
            .last()
            .filter(|c| matches!(c, 'm' | 'h' | 'd' | 'w'));
        let count = s
            .get(..s.len().saturating_sub(1))
            .and_then(|n| n.parse::<u32>().ok())
            .filter(|n| (1..=1000).contains(n));
        match (count, unit) {
            (Some(count), Some(unit)) => Ok(Self { count, unit }),
            _ => Err(format!(
                "{s:?} is not an interval like 5m, 1h, 1d or 1w (1 to 1000 minutes, hours, days or weeks)"
            )),
        }
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.count, self.unit)
    }
}

impl Serialize for Interval {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Interval {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

/// How the values of one bucket become one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Aggregation {
    Avg,
    Min,
    Max,
    Sum,
    Count,
    P50,
    P90,
    P95,
    P99,
    /// The value of the newest record.
    Last,
}

impl Aggregation {
    /// How partials (`wfm_metric_partials`: n, total, lo, hi, last_*)
    /// combine into this aggregation; percentiles read sketches instead.
    fn combine_partials(self) -> &'static str {
        match self {
            Self::Avg => "sum(p.total) / sum(p.n)",
            Self::Min => "min(p.lo)",
            Self::Max => "max(p.hi)",
            Self::Sum => "sum(p.total)",
            Self::Count => "sum(p.n)::float8",
            Self::Last => NEWEST_VALUE,
            Self::P50 | Self::P90 | Self::P95 | Self::P99 => "NULL::float8",
        }
    }

    /// The quantile of a percentile aggregation.
    fn quantile(self) -> Option<f64> {
        match self {
            Self::P50 => Some(0.5),
            Self::P90 => Some(0.9),
            Self::P95 => Some(0.95),
            Self::P99 => Some(0.99),
            _ => None,
        }
    }

    /// The SQL aggregate over `value` (an expression of ours, never a request's).
    fn sql(self, value: &str) -> String {
        let percentile = |p: &str| format!("percentile_cont({p}) WITHIN GROUP (ORDER BY {value})");
        match self {
            Self::Avg => format!("avg({value})"),
            Self::Min => format!("min({value})"),
            Self::Max => format!("max({value})"),
            Self::Sum => format!("sum({value})"),
            Self::Count => format!("count({value})::float8"),
            Self::P50 => percentile("0.5"),
            Self::P90 => percentile("0.9"),
            Self::P95 => percentile("0.95"),
            Self::P99 => percentile("0.99"),
            Self::Last => {
                format!("(array_agg({value} ORDER BY m.\"timestamp\" DESC, m.id DESC))[1]")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals() {
        assert_eq!("5m".parse::<Interval>().unwrap().seconds(), 300);
        assert_eq!("1w".parse::<Interval>().unwrap().seconds(), 604_800);
        assert_eq!("12h".parse::<Interval>().unwrap().to_string(), "12h");
        for bad in ["", "d", "0d", "1y", "-1h", "1.5h", "99999d"] {
            assert!(bad.parse::<Interval>().is_err(), "{bad}");
        }
    }

    #[test]
    fn change_percent() {
        assert_eq!(
            Change::between(100.0, 110.0),
            Change {
                absolute: 10.0,
                percent: Some(10.0)
            }
        );
        assert_eq!(Change::between(0.0, 5.0).percent, None);
        assert_eq!(Change::between(-10.0, -5.0).percent, Some(50.0));
    }
}
