//! The newest repository health on a Prometheus `/metrics`: a gauge
//! `github_repo_<metric>` (dots as underscores) per metric, a series per
//! watched repository (`repository="owner/name"`). Read from Postgres at
//! most once per cache period, whichever replica is scraped.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::gauge::ConstGauge;
use wfm_db::DbPool;
use wfm_telemetry::Cached;

use crate::export::prometheus_name;
use crate::history::{Latest, latest};

/// The gauges of this process's `/metrics`.
pub struct HealthGauges {
    pool: DbPool,
    current: Cached<Vec<Latest>>,
}

impl std::fmt::Debug for HealthGauges {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HealthGauges").finish_non_exhaustive()
    }
}

impl HealthGauges {
    /// Values are read again when older than `cache`.
    pub fn new(pool: DbPool, cache: Duration) -> Arc<Self> {
        Arc::new(Self {
            pool,
            current: Cached::new(cache),
        })
    }

    /// Reads the newest values unless fresh; a failed read keeps the last.
    pub async fn refresh_if_stale(&self) {
        let read = self
            .current
            .refresh_if_stale(|| async {
                let mut conn = self.pool.get().await.map_err(|e| e.to_string())?;
                latest(&mut conn).await.map_err(|e| e.to_string())
            })
            .await;
        if let Err(e) = read {
            tracing::warn!(error = %e, "reading repository health for /metrics failed");
        }
    }

    pub fn collector(self: &Arc<Self>) -> Box<dyn Collector> {
        Box::new(Exposed(self.clone()))
    }
}

#[derive(Debug)]
struct Exposed(Arc<HealthGauges>);

impl Collector for Exposed {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let Some(values) = self.0.current.get() else {
            return Ok(());
        };
        let mut by_metric: BTreeMap<&str, Vec<&Latest>> = BTreeMap::new();
        for v in values.iter() {
            by_metric.entry(&v.metric).or_default().push(v);
        }
        for (metric, rows) in by_metric {
            let help = format!("Repository health: {metric}, at the newest collection");
            let name = prometheus_name(metric);
            let mut family = encoder.encode_descriptor(&name, &help, None, MetricType::Gauge)?;
            for row in rows {
                let labels = [("repository", row.repository.as_str())];
                ConstGauge::new(row.value).encode(family.encode_family(&labels)?)?;
            }
        }
        Ok(())
    }
}
