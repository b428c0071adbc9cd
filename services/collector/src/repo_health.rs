//! The periodic repository health collector (issue [repo-health]) runs in
//! every collector replica: the collector already talks to GitHub's REST API
//! with the deployment's token or App, and scales out; the claim rows make
//! each repository collected once per period however many replicas run.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use wfm_repo_health::CommitCache;
use wfm_repo_health::collect::collect_due;

use crate::Collector;

/// Adds the settings' repositories, then collects what is due every poll
/// interval until `stop`.
pub async fn collect_loop(collector: Arc<Collector>, stop: CancellationToken) {
    let settings = &collector.config.repo_health;
    if !settings.enabled {
        return;
    }
    let worker = format!("{}:repo-health", collector.worker);
    if !settings.repositories.is_empty() {
        let added = match collector.pool.get().await {
            Ok(mut conn) => wfm_repo_health::store::ensure(
                &mut conn,
                &settings.repositories,
                settings.interval_seconds,
            )
            .await
            .map_err(anyhow::Error::from),
            Err(e) => Err(e.into()),
        };
        match added {
            Ok(n) => tracing::info!(added = n, "repositories from the settings are watched"),
            Err(e) => tracing::warn!(
                error = format!("{e:#}"),
                "cannot add the settings' repositories"
            ),
        }
    }
    let mut cache = CommitCache::default();
    loop {
        let pass = collect_due(
            &collector.pool,
            &collector.github,
            &worker,
            settings,
            &mut cache,
            collector.pusher.as_ref(),
            None,
        )
        .await;
        // a spent token is spent for every repository: wait for its reset
        let mut idle = settings.poll_interval;
        match pass {
            Ok(pass) => {
                idle = idle.max(pass.rate_limited.unwrap_or_default());
                let m = &collector.metrics;
                m.repo_health_collected.inc_by(pass.collected as u64);
                m.repo_health_deferred.inc_by(pass.deferred as u64);
                m.repo_health_failed.inc_by(pass.failed as u64);
                m.repo_health_push_failures
                    .inc_by(pass.push_failures as u64);
            }
            Err(e) => tracing::warn!(error = %e, "repository health pass failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(idle) => {}
            () = stop.cancelled() => return,
        }
    }
}
