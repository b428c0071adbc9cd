//! wfm-backfill: executes the backfill requests the api files. Each request
//! is worked through in keyset-paged batches (`batch`), paced by its
//! runs-per-minute cap, its runs enqueued at a lower priority than
//! real-time runs, progress committed with every batch (`worker` loops).

pub mod batch;
pub mod config;
pub mod worker;

use prometheus_client::metrics::counter::Counter;
use wfm_db::{DbConfig, DbPool};
use wfm_telemetry::Metrics;

pub use config::BackfillConfig;

/// What the loop needs.
pub struct Backfiller {
    pub pool: DbPool,
    pub db: DbConfig,
    pub config: BackfillConfig,
    /// This process's name (`claimed_by` of the backfills it works on).
    pub worker: String,
    pub metrics: BackfillMetrics,
}

impl std::fmt::Debug for Backfiller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backfiller")
            .field("worker", &self.worker)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// `wfm_backfill_*` on /metrics.
#[derive(Debug, Clone, Default)]
pub struct BackfillMetrics {
    pub batches: Counter,
    pub enqueued: Counter,
    pub completed: Counter,
    pub failed: Counter,
}

impl BackfillMetrics {
    pub fn register(metrics: &Metrics) -> Self {
        let m = BackfillMetrics::default();
        for (name, help, counter) in [
            (
                "backfill_batches",
                "Batches done (each one transaction)",
                &m.batches,
            ),
            (
                "backfill_runs_enqueued",
                "Historical runs enqueued",
                &m.enqueued,
            ),
            (
                "backfill_requests_completed",
                "Backfills that enqueued everything",
                &m.completed,
            ),
            (
                "backfill_requests_failed",
                "Backfills that could not go on (config disabled or unbound)",
                &m.failed,
            ),
        ] {
            metrics.register(name, help, counter.clone());
        }
        m
    }
}
