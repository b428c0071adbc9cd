//! CI health from the webhook tables: the `ci-stats` endpoint ([`stats`]);
//! the Prometheus metrics of workflow runs and jobs are wfm-actions-metrics'.
//! Everything is computed from Postgres, so every api replica reports the
//! same numbers and a restart loses nothing.

pub(crate) mod stats;

use actix_web::web;

pub use wfm_actions_metrics::{CiConfig, GithubMetrics};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/ci-stats", web::get().to(stats::ci_stats));
}
