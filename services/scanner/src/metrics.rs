//! The scanner's Prometheus metrics (`wfm_scanner_*` on /metrics).

use prometheus_client::metrics::counter::Counter;
use wfm_telemetry::Metrics;

#[derive(Debug, Clone, Default)]
pub struct ScannerMetrics {
    pub events: Counter,
    pub enqueued: Counter,
    pub vanished: Counter,
    pub scans: Counter,
    pub watch_errors: Counter,
    pub db_errors: Counter,
    pub events_dropped: Counter,
    pub pod_samples: Counter,
    pub pod_metrics_errors: Counter,
}

impl ScannerMetrics {
    pub fn register(metrics: &Metrics) -> Self {
        let m = ScannerMetrics::default();
        let counters = [
            (
                "scanner_events",
                "Watch and list objects recorded",
                &m.events,
            ),
            (
                "scanner_runs_enqueued",
                "Pending runs filed (watch, relist and periodic scan)",
                &m.enqueued,
            ),
            (
                "scanner_vanished",
                "Workloads ended by a relist (deleted while no watch saw it; completion time approximate)",
                &m.vanished,
            ),
            ("scanner_scans", "Periodic scans done", &m.scans),
            (
                "scanner_watch_errors",
                "Watch errors (the watcher relists with backoff)",
                &m.watch_errors,
            ),
            (
                "scanner_db_errors",
                "Database writes that failed and were tried again",
                &m.db_errors,
            ),
            (
                "scanner_pod_samples",
                "Resource samples of runner pods stored (metrics.k8s.io)",
                &m.pod_samples,
            ),
            (
                "scanner_pod_metrics_errors",
                "Reads of runner pods' metrics that failed (no metrics-server, no permission…)",
                &m.pod_metrics_errors,
            ),
            (
                "scanner_events_dropped",
                "Events dropped after the database refused their write three times",
                &m.events_dropped,
            ),
        ];
        for (name, help, counter) in counters {
            metrics.register(name, help, counter.clone());
        }
        m
    }
}
