//! The process's Prometheus registry.
//!
//! Components register their metrics at start-up; `/metrics` encodes the
//! registry in the Prometheus/OpenMetrics text format.

use std::sync::{Arc, RwLock};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::{Metric, Registry};

/// A shared registry; cheap to clone.
#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Arc<RwLock<Registry>>,
}

impl Metrics {
    /// Content type of [`Metrics::encode`]'s output.
    pub const CONTENT_TYPE: &'static str =
        "application/openmetrics-text; version=1.0.0; charset=utf-8";

    /// A registry holding `wfm_build_info`. The service's own metrics are named
    /// `wfm_*`; collectors of other systems' metrics (GitHub's) keep their names.
    pub fn new(service: &str, version: &str) -> Self {
        let mut registry = Registry::default();
        registry.register(
            "wfm_build",
            "The running binary",
            Info::new(vec![
                ("service".to_owned(), service.to_owned()),
                ("version".to_owned(), version.to_owned()),
            ]),
        );
        Self {
            registry: Arc::new(RwLock::new(registry)),
        }
    }

    /// Registers `metric` as `wfm_<name>`.
    pub fn register(&self, name: &str, help: &str, metric: impl Metric) {
        let mut registry = self.registry.write().unwrap_or_else(|e| e.into_inner());
        registry.register(format!("wfm_{name}"), help, metric);
    }

    /// Registers a collector that names its own metrics (no `wfm_` prefix).
    pub fn register_collector(&self, collector: Box<dyn Collector>) {
        let mut registry = self.registry.write().unwrap_or_else(|e| e.into_inner());
        registry.register_collector(collector);
    }

    /// Registers and returns a gauge, for values set at scrape time.
    pub fn gauge(&self, name: &str, help: &str) -> Gauge {
        let gauge = Gauge::default();
        self.register(name, help, gauge.clone());
        gauge
    }

    /// The registry in text exposition format.
    pub fn encode(&self) -> String {
        let registry = self.registry.read().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_build_info_and_registered_gauges() {
        let metrics = Metrics::new("wfm-test", "1.2.3");
        metrics.gauge("db_pool_size", "Connections open").set(4);
        let text = metrics.encode();
        assert!(
            text.contains(r#"wfm_build_info{service="wfm-test",version="1.2.3"} 1"#),
            "{text}"
        );
        assert!(text.contains("wfm_db_pool_size 4"), "{text}");
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
