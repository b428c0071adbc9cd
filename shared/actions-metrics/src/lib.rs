//! GitHub Actions health as Prometheus metrics (the actions exporter's
//! features, actions-exporter.md): workflow runs and jobs by status, their
//! durations and queue times, and job cost, computed from the tables the
//! webhook processor keeps (`github_actions_runs`, `github_workflow_jobs`), so
//! every replica reports the same numbers and a restart loses nothing.

pub mod prometheus;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use wfm_env::{Env, EnvError};

pub use prometheus::{GithubMetrics, MetricsError};

/// The runner label a job is known by: its first label that is not one GitHub
/// gives every self-hosted runner (`self-hosted`, the OS, the architecture).
pub const RUNNER_LABEL_SQL: &str = "COALESCE((SELECT l FROM jsonb_array_elements_text(j.labels) AS l \
     WHERE lower(l) NOT IN ('self-hosted', 'linux', 'windows', 'macos', 'x64', 'arm64', 'arm') \
     LIMIT 1), '')";

/// Conclusions that count as failures (cancelled and skipped do not).
pub const FAILED_SQL: &str = "('failure', 'timed_out', 'startup_failure')";

/// Settings of the GitHub metrics on `/metrics`.
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `WFM_GITHUB_METRICS_CACHE` | `15s` | how long computed values are served before the tables are read again |
/// | `WFM_GITHUB_METRICS_TOP` | `50` | per label (repository, workflow, job, runner label): the most frequent values kept, the rest reported as `other` |
/// | `WFM_GITHUB_METRICS_REPOSITORIES`, `…_WORKFLOWS`, `…_JOBS`, `…_RUNNER_LABELS` | none | comma-separated allow-list of that label's values (replaces top-N for it) |
/// | `WFM_GITHUB_JOB_COST_PER_MINUTE` | none | `label=price,…` per runner label, `*` for any other label; a job's minutes round up, as GitHub bills |
/// | `WFM_GITHUB_METRICS_PREFIX` | `github_` | the start of these metrics' names (`github_job_run_total`…); letters, digits, `_` and `:`, not starting with a digit |
#[derive(Debug, Clone)]
pub struct CiConfig {
    /// Start of every GitHub metric's name (not of the `wfm_*` ones).
    pub prefix: String,
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
            prefix: Self::DEFAULT_PREFIX.to_owned(),
            cache: Duration::from_secs(15),
            top: 50,
            allow: Allow::default(),
            cost_per_minute: HashMap::new(),
        }
    }
}

impl CiConfig {
    pub const DEFAULT_PREFIX: &str = "github_";

    pub fn from_env(env: &Env) -> Result<Self, EnvError> {
        let default = Self::default();
        let prefix = env
            .var("WFM_GITHUB_METRICS_PREFIX")
            .map(|p| p.trim().to_owned())
            .unwrap_or(default.prefix);
        if !is_metric_name_prefix(&prefix) {
            return Err(EnvError::invalid(
                "WFM_GITHUB_METRICS_PREFIX",
                &prefix,
                "expected the start of a Prometheus metric name: letters, digits, _ and :, not starting with a digit",
            ));
        }
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
            prefix,
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

    /// The full name of the GitHub metric `name` (`job_run` → `github_job_run`).
    pub fn metric_name(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// The price of a minute on `label`, if configured.
    fn price(&self, label: &str) -> Option<f64> {
        self.cost_per_minute
            .get(label)
            .or_else(|| self.cost_per_minute.get("*"))
            .copied()
    }
}

/// Whether `prefix` can start a Prometheus metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`, or empty.
fn is_metric_name_prefix(prefix: &str) -> bool {
    let mut chars = prefix.chars();
    chars
        .next()
        .is_none_or(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_metric_prefix_defaults_to_github_and_is_checked() {
        let config = CiConfig::from_env(&Env::from_pairs([])).expect("defaults");
        assert_eq!(config.prefix, "github_");
        assert_eq!(config.metric_name("job_run"), "github_job_run");
        let config =
            CiConfig::from_env(&Env::from_pairs([("WFM_GITHUB_METRICS_PREFIX", "ci:gha_")]))
                .expect("a valid prefix");
        assert_eq!(config.metric_name("job_cost"), "ci:gha_job_cost");
        for bad in ["1gha_", "gha-", "gha job_", "gh\u{e4}_"] {
            let err = CiConfig::from_env(&Env::from_pairs([("WFM_GITHUB_METRICS_PREFIX", bad)]))
                .expect_err(bad)
                .to_string();
            assert!(
                err.starts_with(&format!(
                    "invalid value for WFM_GITHUB_METRICS_PREFIX: {bad:?}"
                )),
                "{err}"
            );
        }
        assert!(is_metric_name_prefix(""));
        assert!(is_metric_name_prefix("_"));
        assert!(is_metric_name_prefix(":a1"));
    }
}
