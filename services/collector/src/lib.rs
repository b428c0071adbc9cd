//! wfm-collector: claims pending runs from the queue, reads their result
//! files, extracts metrics and stores them, exactly once per run.
//!
//! - `worker`: the claim loop, bounded concurrency, leases, shutdown;
//! - `pipeline`: one run from `collecting` to its final status, and the
//!   outcome recorded (`Collector::process`, `Collector::settle`: the
//!   collector's only methods besides its constructor);
//! - `files`: the run's reader, from the config's typed `reader_options`,
//!   and its files listed and read; `pods`: the readers through Kubernetes
//!   and the reaper of their pods;
//! - `extract`: the files extracted, or a first schema inferred from them;
//! - `schema`, `store`: the active schema and the metric rows;
//! - `repo_health`: the periodic repository health collector;
//! - `job_logs`: completed jobs' logs fetched and kept for their retention.

pub mod config;
mod extract;
mod files;
pub mod job_logs;
pub mod metrics;
pub mod pipeline;
pub mod pods;
pub mod repo_health;
pub mod schema;
pub mod store;
pub mod worker;

use wfm_db::models::Run;
use wfm_db::{DbConfig, DbPool};
use wfm_extract::llm::LlmClient;
use wfm_github::rest::GithubClient;

pub use config::CollectorConfig;
pub use metrics::CollectorMetrics;
pub use pipeline::Outcome;

/// The claim token a run was claimed under (`<worker>:<random>`): every
/// write for the run is guarded by it, so a task whose claim was lost — even
/// to its own process — writes nothing.
pub fn claim_of(run: &Run) -> &str {
    run.claimed_by.as_deref().unwrap_or("")
}

/// Everything a run's processing needs; shared by the worker's tasks.
pub struct Collector {
    pub pool: DbPool,
    pub db: DbConfig,
    pub config: CollectorConfig,
    /// This process's name in `claimed_by`.
    pub worker: String,
    pub metrics: CollectorMetrics,
    pub llm: Option<LlmClient>,
    /// GitHub's REST API (the `github-artifacts` reader); clones share its tokens.
    pub github: GithubClient,
    /// The Kubernetes API (the `temp-pod` and `node-exporter` readers), when there is one.
    pub kube: Option<kube::Client>,
    /// Plain HTTP (the `node-exporter` reader).
    pub http: reqwest::Client,
    /// Delivers what filed changes owe, when any target is configured.
    pub notifier: Option<wfm_change_tracking::notify::Notifier>,
    /// Sends repository health where it is configured to go.
    pub pusher: Option<wfm_repo_health::export::Pusher>,
    /// Where fetched job logs are kept.
    pub log_store: wfm_runner_obs::logs::store::LogStore,
}

impl std::fmt::Debug for Collector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The pool has no Debug; its state is on /metrics.
        f.debug_struct("Collector")
            .field("worker", &self.worker)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
