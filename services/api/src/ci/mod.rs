//! CI health from the webhook tables: Prometheus metrics of workflow runs and
//! jobs ([`prometheus`]) and the `ci-stats` endpoint ([`stats`]). Everything
//! is computed from Postgres, so every api replica reports the same numbers
//! and a restart loses nothing.

pub mod prometheus;
pub(crate) mod stats;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use actix_web::web;
use wfm_env::{Env, EnvError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/ci-stats", web::get().to(stats::ci_stats));
}

/// The runner label a job is known by: its first label that is not one GitHub
/// gives every self-hosted runner (`self-hosted`, the OS, the architecture).
const RUNNER_LABEL_SQL: &str = "COALESCE((SELECT l FROM jsonb_array_elements_text(j.labels) AS l \
     WHERE lower(l) NOT IN ('self-hosted', 'linux', 'windows', 'macos', 'x64', 'arm64', 'arm') \
     LIMIT 1), '')";

/// Conclusions that count as failures (cancelled and skipped do not).
const FAILED_SQL: &str = "('failure', 'timed_out', 'startup_failure')";

/// Settings of the GitHub metrics on `/metrics`.
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `WFM_GITHUB_METRICS_CACHE` | `15s` | how long computed values are served before the tables are read again |
/// | `WFM_GITHUB_METRICS_TOP` | `50` | per label (repository, workflow, job, runner label): the most frequent values kept, the rest reported as `other` |
/// | `WFM_GITHUB_METRICS_REPOSITORIES`, `…_WORKFLOWS`, `…_JOBS`, `…_RUNNER_LABELS` | none | comma-separated allow-list of that label's values (replaces top-N for it) |
/// | `WFM_GITHUB_JOB_COST_PER_MINUTE` | none | `label=price,…` per runner label, `*` for any other label; a job's minutes round up, as GitHub bills |
#[derive(Debug, Clone)]
pub struct CiConfig {
    pub cache: Duration,
    pub top: usize,
    pub allow: Allow,
    pub cost_per_minute: HashMap<String, f64>,
}

/// Allow-lists per label; `None`: the top values.
#[derive(Debug, Clone, Default)]
pub struct Allow {
    pub repositories: Option<HashSet<String>>,
    pub workflows: Option<HashSet<String>>,
    pub jobs: Option<HashSet<String>>,
    pub runner_labels: Option<HashSet<String>>,
}

impl Default for CiConfig {
    fn default() -> Self {
        Self {
            cache: Duration::from_secs(15),
            top: 50,
            allow: Allow::default(),
            cost_per_minute: HashMap::new(),
        }
    }
}

impl CiConfig {
    pub fn from_env(env: &Env) -> Result<Self, EnvError> {
        let default = Self::default();
        let set = |name: &str| {
            let values = env.list(name);
            (!values.is_empty()).then(|| values.into_iter().collect::<HashSet<_>>())
        };
        let mut cost_per_minute = HashMap::new();
        for pair in env.list("WFM_GITHUB_JOB_COST_PER_MINUTE") {
            let parsed = pair
                .split_once('=')
                .and_then(|(label, price)| {
                    Some((label.trim().to_owned(), price.trim().parse::<f64>().ok()?))
                })
                .filter(|(label, price)| !label.is_empty() && price.is_finite() && *price >= 0.0);
            let (label, price) = parsed.ok_or_else(|| {
                EnvError::invalid(
                    "WFM_GITHUB_JOB_COST_PER_MINUTE",
                    &pair,
                    "expected label=price with a price of 0 or more",
                )
            })?;
            cost_per_minute.insert(label, price);
        }
        Ok(Self {
            cache: env.duration_or("WFM_GITHUB_METRICS_CACHE", default.cache)?,
            top: env.var_or("WFM_GITHUB_METRICS_TOP", default.top)?,
            allow: Allow {
                repositories: set("WFM_GITHUB_METRICS_REPOSITORIES"),
                workflows: set("WFM_GITHUB_METRICS_WORKFLOWS"),
                jobs: set("WFM_GITHUB_METRICS_JOBS"),
                runner_labels: set("WFM_GITHUB_METRICS_RUNNER_LABELS"),
            },
            cost_per_minute,
        })
    }

    /// The price of a minute on `label`, if configured.
    fn price(&self, label: &str) -> Option<f64> {
        self.cost_per_minute
            .get(label)
            .or_else(|| self.cost_per_minute.get("*"))
            .copied()
    }
}
