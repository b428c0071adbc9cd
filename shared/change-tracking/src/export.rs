//! Benchmark series on the api's `/metrics`, for configs that opt in
//! (`export_series`): per series and metric of the last 30 days,
//!
//! - `wfm_benchmark_latest_value{config_id,config,metric,series,series_key}`:
//!   the newest value;
//! - `wfm_benchmark_regression_active{…}`: 1 while a
//!   regression filed on the series is `new` or `acknowledged`, else 0;
//! - `wfm_benchmark_series_truncated`: 1 when more series than the cap
//!   (`WFM_API_EXPORT_MAX_SERIES`) were there to export.
//!
//! `series` is the dimensions as `k=v,k=v` (at most 200 characters): one
//! label, whatever the dimensions, so the label set stays bounded; the cap
//! bounds the series. Values come from the rollups (the newest hour's last
//! value), read at most once per cache period.

use std::sync::Arc;
use std::time::Duration;

use diesel::sql_types::{BigInt, Bool, Double, Text};
use diesel_async::RunQueryDsl as _;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric as _};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::gauge::ConstGauge;
use wfm_db::DbPool;
use wfm_env::{Env, EnvError};
use wfm_telemetry::Cached;

/// How much is exported and how fresh.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExportConfig {
    /// Series × metrics exported at most.
    pub max_series: usize,
    /// Values are read again after this long.
    pub cache: Duration,
}

impl ExportConfig {
    /// | variable | default | meaning |
    /// |---|---|---|
    /// | `WFM_API_EXPORT_MAX_SERIES` | 1000 | series × metrics of opted-in configs on `/metrics` (0 turns the export off) |
    /// | `WFM_API_EXPORT_CACHE` | 30s | how long exported values are served before being read again |
    pub fn from_env(env: &Env) -> Result<Self, EnvError> {
        let max_series: usize = env.var_or("WFM_API_EXPORT_MAX_SERIES", 1000)?;
        if max_series > 100_000 {
            return Err(EnvError::invalid(
                "WFM_API_EXPORT_MAX_SERIES",
                max_series,
                "must be at most 100000",
            ));
        }
        Ok(Self {
            max_series,
            cache: env.duration_or("WFM_API_EXPORT_CACHE", Duration::from_secs(30))?,
        })
    }
}

type Labels = Vec<(&'static str, String)>;

#[derive(Debug, Default)]
struct Snapshot {
    latest: Vec<(Labels, f64)>,
    regression: Vec<(Labels, i64)>,
    truncated: bool,
}

#[derive(diesel::QueryableByName)]
struct Exported {
    #[diesel(sql_type = BigInt)]
    config_id: i64,
    #[diesel(sql_type = Text)]
    config: String,
    #[diesel(sql_type = BigInt)]
    series_key: i64,
    #[diesel(sql_type = Text)]
    metric: String,
    #[diesel(sql_type = Text)]
    dimensions: String,
    #[diesel(sql_type = Double)]
    value: f64,
    #[diesel(sql_type = Bool)]
    regressed: bool,
}

/// The exported series of this process's `/metrics`.
pub struct SeriesExport {
    pool: DbPool,
    config: ExportConfig,
    current: Cached<Snapshot>,
}

impl std::fmt::Debug for SeriesExport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeriesExport")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl SeriesExport {
    pub fn new(pool: DbPool, config: ExportConfig) -> Arc<Self> {
        Arc::new(Self {
            pool,
            config,
            current: Cached::new(config.cache),
        })
    }

    /// Reads the values again unless younger than the cache period; one
    /// reader at a time; a failed read keeps the last values.
    pub async fn refresh_if_stale(&self) {
        if self.config.max_series == 0 {
            return;
        }
        if let Err(e) = self.current.refresh_if_stale(|| self.read()).await {
            tracing::warn!(error = %e, "reading the exported benchmark series failed");
        }
    }

    async fn read(&self) -> Result<Snapshot, ExportError> {
        let mut conn = self.pool.get().await.map_err(ExportError::Pool)?;
        let limit = i64::try_from(self.config.max_series).unwrap_or(i64::MAX - 1) + 1;
        let mut rows: Vec<Exported> = diesel::sql_query(
            "SELECT c.id AS config_id, c.name AS config, r.series_key, r.metric, s.dimensions::text AS dimensions, r.last_value AS value, \
                 EXISTS (SELECT 1 FROM github_workflow_metric_changes ch \
                     WHERE ch.config_id = c.id AND ch.series_key = r.series_key AND ch.metric = r.metric \
                       AND ch.direction = 'regression' AND ch.status IN ('new', 'acknowledged')) AS regressed \
             FROM github_workflow_configs c \
             CROSS JOIN LATERAL ( \
                 SELECT DISTINCT ON (series_key, metric) series_key, metric, last_value \
                 FROM github_workflow_metric_rollups \
                 WHERE config_id = c.id AND grain = 'h' AND bucket >= now() - interval '30 days' \
                 ORDER BY series_key, metric, bucket DESC) r \
             JOIN github_workflow_metric_series s ON s.config_id = c.id AND s.series_key = r.series_key \
             WHERE c.export_series \
             ORDER BY c.id, r.metric, s.dimensions::text \
             LIMIT $1",
        )
        .bind::<BigInt, _>(limit)
        .load(&mut conn)
        .await
        .map_err(ExportError::Query)?;
        let truncated = rows.len() > self.config.max_series;
        rows.truncate(self.config.max_series);
        let mut snapshot = Snapshot {
            truncated,
            ..Snapshot::default()
        };
        for row in rows {
            // config names and cut labels need not be unique: the ids are
            let labels: Labels = vec![
                ("config_id", row.config_id.to_string()),
                ("config", row.config),
                ("metric", row.metric),
                ("series", series_label(&row.dimensions)),
                ("series_key", row.series_key.to_string()),
            ];
            snapshot
                .regression
                .push((labels.clone(), i64::from(row.regressed)));
            snapshot.latest.push((labels, row.value));
        }
        Ok(snapshot)
    }

    /// A collector for a registry, encoding the latest values.
    pub fn collector(self: &Arc<Self>) -> Box<dyn Collector> {
        Box::new(Exposed(self.clone()))
    }
}

/// Why the export could not be read (the last values stay).
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("no database connection: {0}")]
    Pool(#[from] diesel_async::pooled_connection::deadpool::PoolError),
    #[error("reading the exported series: {0}")]
    Query(#[from] diesel::result::Error),
}

/// `{"model":"a","batch":8}` as `batch=8,model=a`, at most 200 characters.
fn series_label(dimensions: &str) -> String {
    let label = match serde_json::from_str::<serde_json::Value>(dimensions) {
        Ok(serde_json::Value::Object(map)) if !map.is_empty() => map
            .iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => format!("{k}={s}"),
                other => format!("{k}={other}"),
            })
            .collect::<Vec<_>>()
            .join(","),
        _ => "all".to_owned(),
    };
    label.chars().take(200).collect()
}

#[derive(Debug)]
struct Exposed(Arc<SeriesExport>);

impl Collector for Exposed {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let Some(snapshot) = self.0.current.get() else {
            return Ok(());
        };
        let mut latest = encoder.encode_descriptor(
            "wfm_benchmark_latest_value",
            "The newest value of each exported benchmark series and metric",
            None,
            MetricType::Gauge,
        )?;
        for (labels, value) in &snapshot.latest {
            ConstGauge::new(*value).encode(latest.encode_family(labels)?)?;
        }
        let mut regression = encoder.encode_descriptor(
            "wfm_benchmark_regression_active",
            "1 while a regression filed on the series is new or acknowledged",
            None,
            MetricType::Gauge,
        )?;
        for (labels, value) in &snapshot.regression {
            ConstGauge::new(*value).encode(regression.encode_family(labels)?)?;
        }
        let truncated = encoder.encode_descriptor(
            "wfm_benchmark_series_truncated",
            "1 when more series than WFM_API_EXPORT_MAX_SERIES were there to export",
            None,
            MetricType::Gauge,
        )?;
        ConstGauge::new(i64::from(snapshot.truncated)).encode(truncated)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_labels_are_bounded() {
        assert_eq!(
            series_label(r#"{"model":"a","batch":8}"#),
            "batch=8,model=a"
        );
        assert_eq!(series_label("{}"), "all");
        assert_eq!(
            series_label(&format!(r#"{{"k":"{}"}}"#, "x".repeat(500)))
                .chars()
                .count(),
            200
        );
    }
}
