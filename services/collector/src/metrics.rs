//! The collector's Prometheus metrics (`wfm_collector_*` on /metrics).

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use wfm_telemetry::Metrics;

#[derive(Debug, Clone)]
pub struct CollectorMetrics {
    pub claimed: Counter,
    pub completed: Counter,
    pub failed: Counter,
    pub skipped: Counter,
    pub retried: Counter,
    pub deferred: Counter,
    pub released: Counter,
    pub reaped: Counter,
    pub reader_pods_reaped: Counter,
    pub files_read: Counter,
    pub bytes_read: Counter,
    pub records_stored: Counter,
    pub repo_health_collected: Counter,
    pub repo_health_deferred: Counter,
    pub repo_health_failed: Counter,
    pub repo_health_push_failures: Counter,
    pub job_logs_stored: Counter,
    pub job_logs_retried: Counter,
    pub job_logs_unavailable: Counter,
    pub job_logs_expired: Counter,
    /// Parsing and extraction of one run's files.
    pub extraction_seconds: Histogram,
    /// Claim to final status.
    pub run_seconds: Histogram,
    /// Claim time minus the run's creation.
    pub queue_lag_seconds: Histogram,
}

impl CollectorMetrics {
    pub fn register(metrics: &Metrics) -> Self {
        let seconds = || Histogram::new(exponential_buckets(0.005, 2.5, 14));
        let m = CollectorMetrics {
            claimed: Counter::default(),
            completed: Counter::default(),
            failed: Counter::default(),
            skipped: Counter::default(),
            retried: Counter::default(),
            deferred: Counter::default(),
            released: Counter::default(),
            reaped: Counter::default(),
            reader_pods_reaped: Counter::default(),
            files_read: Counter::default(),
            bytes_read: Counter::default(),
            records_stored: Counter::default(),
            repo_health_collected: Counter::default(),
            repo_health_deferred: Counter::default(),
            repo_health_failed: Counter::default(),
            repo_health_push_failures: Counter::default(),
            job_logs_stored: Counter::default(),
            job_logs_retried: Counter::default(),
            job_logs_unavailable: Counter::default(),
            job_logs_expired: Counter::default(),
            extraction_seconds: seconds(),
            run_seconds: seconds(),
            queue_lag_seconds: seconds(),
        };
        let counters = [
            ("collector_runs_claimed", "Runs claimed", &m.claimed),
            ("collector_runs_completed", "Runs completed", &m.completed),
            ("collector_runs_failed", "Runs ended failed", &m.failed),
            ("collector_runs_skipped", "Runs ended skipped", &m.skipped),
            (
                "collector_runs_retried",
                "Runs put back for a retry after a transient error",
                &m.retried,
            ),
            (
                "collector_runs_deferred",
                "Runs put back to wait out a rate limit (no retry counted)",
                &m.deferred,
            ),
            (
                "collector_runs_released",
                "Runs handed back at shutdown",
                &m.released,
            ),
            (
                "collector_runs_reaped",
                "Runs whose expired lease this collector reaped",
                &m.reaped,
            ),
            (
                "collector_reader_pods_reaped",
                "Expired temp-pod reader pods this collector deleted",
                &m.reader_pods_reaped,
            ),
            ("collector_files_read", "Result files read", &m.files_read),
            (
                "collector_bytes_read",
                "Bytes of result files read",
                &m.bytes_read,
            ),
            (
                "collector_records_stored",
                "Metric records stored",
                &m.records_stored,
            ),
            (
                "collector_repo_health_collected",
                "Repository health collections recorded",
                &m.repo_health_collected,
            ),
            (
                "collector_repo_health_deferred",
                "Repository health collections put off by a GitHub rate limit",
                &m.repo_health_deferred,
            ),
            (
                "collector_repo_health_failed",
                "Repository health collections that failed (retried with backoff)",
                &m.repo_health_failed,
            ),
            (
                "collector_repo_health_push_failures",
                "Pushes of repository health (OTLP, Datadog) that did not go through",
                &m.repo_health_push_failures,
            ),
            (
                "collector_job_logs_stored",
                "Workflow job logs fetched from GitHub and stored",
                &m.job_logs_stored,
            ),
            (
                "collector_job_logs_retried",
                "Workflow job log fetches put back in the queue (rate limits included)",
                &m.job_logs_retried,
            ),
            (
                "collector_job_logs_unavailable",
                "Workflow job logs given up (410, or refused past the last attempt)",
                &m.job_logs_unavailable,
            ),
            (
                "collector_job_logs_expired",
                "Workflow job logs dropped after the retention period",
                &m.job_logs_expired,
            ),
        ];
        for (name, help, counter) in counters {
            metrics.register(name, help, counter.clone());
        }
        metrics.register(
            "collector_extraction_seconds",
            "Extraction time of a run's files",
            m.extraction_seconds.clone(),
        );
        metrics.register(
            "collector_run_seconds",
            "Claim to final status of a run",
            m.run_seconds.clone(),
        );
        metrics.register(
            "collector_queue_lag_seconds",
            "Claim time minus run creation",
            m.queue_lag_seconds.clone(),
        );
        m
    }
}
