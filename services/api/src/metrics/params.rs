//! The query-string forms of the metric routes: the filter every GET takes,
//! and the spec's GET forms of aggregate and trends (`GET /metrics?config_id=1
//! &metrics=throughput&group_by=model_name&interval=1d&start_time=…
//! &dimensions[Op]=GEMM`), parsed into the same requests as the POST bodies.

use chrono::{DateTime, Utc};
use utoipa::IntoParams;
use utoipa::openapi::path::{Parameter, ParameterIn};

use super::aggregate::AggregateBody;
use super::filter::{Filter, dimension_filters};
use super::{Aggregation, Interval};
use crate::error::{ApiError, ApiResult};
use crate::input::FromParams;
use crate::params::{Params, TimeRange};

/// Which records a GET is about.
#[derive(Debug, Default, Clone)]
pub(crate) struct FilterQuery {
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub run_id: Option<i64>,
    pub dimensions: Vec<(String, Vec<String>)>,
}

impl IntoParams for FilterQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        use crate::input::doc::{deep_object, integer, param, time_range};
        let mut params = time_range();
        params.extend([
            param(
                "run_id",
                ParameterIn::Query,
                integer(1, None),
                "only the records of this run",
            ),
            deep_object(
                "dimensions",
                "dimension filters, one `dimensions[Op]=GEMM` per value (a JSON object, \
                 `dimensions={\"Op\":[\"GEMM\"]}`, is taken too)",
            ),
        ]);
        params
    }
}

impl FromParams for FilterQuery {
    fn from_params(params: &Params) -> ApiResult<Self> {
        let range = params.time_range_or_spec()?;
        let run_id = params.id("run_id")?;
        Ok(Self {
            start: range.start,
            end: range.end,
            run_id,
            dimensions: dimensions(params)?,
        })
    }
}

impl FilterQuery {
    pub fn into_filter(self, config_id: i64) -> Filter {
        Filter {
            config_id,
            range: TimeRange {
                start: self.start,
                end: self.end,
            },
            run_id: self.run_id,
            dimensions: self.dimensions,
        }
    }
}

/// `dimensions={…}` (JSON) and `dimensions[key]=value` pairs, merged.
fn dimensions(params: &Params) -> ApiResult<Vec<(String, Vec<String>)>> {
    let mut map = match params.str("dimensions") {
        Some(raw) => serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(raw)
            .map_err(|e| {
                ApiError::bad_request(format!(
                    "invalid dimensions: not a JSON object of dimension filters ({e})"
                ))
            })?,
        None => serde_json::Map::new(),
    };
    for (name, value) in params.pairs() {
        let Some(key) = name
            .strip_prefix("dimensions[")
            .and_then(|rest| rest.strip_suffix(']'))
        else {
            continue;
        };
        if key.is_empty() {
            return Err(ApiError::bad_request(
                "invalid dimensions[]: name the dimension, as dimensions[Op]=GEMM",
            ));
        }
        let entry = map
            .entry(key.to_owned())
            .or_insert_with(|| serde_json::Value::Array(Vec::new()));
        match entry {
            serde_json::Value::Array(values) => values.push(value.into()),
            other => *other = serde_json::Value::Array(vec![other.take(), value.into()]),
        }
    }
    dimension_filters(map)
}

/// Metric names, comma-separated or repeated.
#[derive(Debug, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct MetricsQuery {
    /// Metric names, comma-separated; default: the active schema's.
    #[param(value_type = Option<String>)]
    pub metrics: Option<Vec<String>>,
}

impl FromParams for MetricsQuery {
    fn from_params(params: &Params) -> ApiResult<Self> {
        Ok(Self {
            metrics: params.list("metrics"),
        })
    }
}

/// Whether percentiles are computed exactly from the records instead of
/// estimated from the rollups' sketches.
#[derive(Debug, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ExactQuery {
    /// `true`: exact percentiles from the records (refused past
    /// `WFM_API_SUMMARY_MAX_VALUES` values); default: sketch estimates
    /// within 1 % relative error.
    pub exact: Option<bool>,
}

impl FromParams for ExactQuery {
    fn from_params(params: &Params) -> ApiResult<Self> {
        Ok(Self {
            exact: params.bool("exact")?,
        })
    }
}

/// How a GET form groups and buckets: the aggregate part of [`AggregateQuery`].
#[derive(Debug, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct GroupingQuery {
    /// Dimensions to group by, comma-separated.
    #[param(value_type = Option<String>)]
    pub group_by: Vec<String>,
    /// Bucket width: `5m`, `1h`, `1d`, `1w`, any `<n>m/h/d/w`.
    #[param(value_type = Option<String>, example = "1d")]
    pub interval: Option<Interval>,
    pub aggregation: Option<Aggregation>,
}

impl FromParams for GroupingQuery {
    fn from_params(params: &Params) -> ApiResult<Self> {
        let interval = params
            .str("interval")
            .map(|raw| {
                raw.parse::<Interval>()
                    .map_err(|e| ApiError::bad_request(format!("invalid interval: {e}")))
            })
            .transpose()?;
        let aggregation = params
            .str("aggregation")
            .map(|raw| {
                serde_json::from_value::<Aggregation>(raw.into()).map_err(|_| {
                    ApiError::bad_request(format!(
                        "invalid aggregation: {raw:?}; expected one of: avg, min, max, sum, count, p50, p90, p95, p99, last"
                    ))
                })
            })
            .transpose()?;
        Ok(Self {
            group_by: params.list("group_by").unwrap_or_default(),
            interval,
            aggregation,
        })
    }
}

/// The spec's GET form of aggregate and trends: everything the POST body
/// takes, as query parameters, parsed into the body.
#[derive(Debug)]
pub(crate) struct AggregateQuery(pub AggregateBody);

impl FromParams for AggregateQuery {
    fn from_params(params: &Params) -> ApiResult<Self> {
        let filter = FilterQuery::from_params(params)?;
        let metrics = MetricsQuery::from_params(params)?;
        let grouping = GroupingQuery::from_params(params)?;
        let exact = ExactQuery::from_params(params)?;
        Ok(Self(AggregateBody::from_parts(
            filter,
            metrics.metrics,
            grouping,
            exact.exact,
        )))
    }
}

impl IntoParams for AggregateQuery {
    fn into_params(place: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let mut params = FilterQuery::into_params(&place);
        params.extend(MetricsQuery::into_params(&place));
        params.extend(GroupingQuery::into_params(&place));
        params.extend(ExactQuery::into_params(&place));
        params
    }
}
