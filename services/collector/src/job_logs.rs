//! Completed jobs' logs (issue [runner-obs]) are fetched by every collector
//! replica: the collector holds the GitHub token or App and scales out, and
//! the queue rows make each log fetched once however many replicas run.
//! Webhook intake only adds a row, so a slow or rate-limited GitHub never
//! holds a delivery up.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use wfm_runner_obs::logs::{fetch, queue};

use crate::Collector;

/// Logs tried per pass before the loop looks at the time again.
const PASS: usize = 100;
/// Logs expired per statement of the retention sweep.
const EXPIRE_BATCH: i64 = 1000;
/// How often the retention sweep runs.
const SWEEP_EVERY: Duration = Duration::from_secs(3600);

/// Fetches due logs every poll interval, and drops old ones hourly, until `stop`.
pub async fn fetch_loop(collector: Arc<Collector>, stop: CancellationToken) {
    let settings = &collector.config.job_logs;
    if !settings.enabled {
        return;
    }
    let worker = format!("{}:job-logs", collector.worker);
    let mut swept_at: Option<tokio::time::Instant> = None;
    loop {
        if swept_at.is_none_or(|at| at.elapsed() >= SWEEP_EVERY) {
            swept_at = Some(tokio::time::Instant::now());
            sweep(&collector).await;
        }
        let mut idle = settings.poll_interval;
        let store = &collector.log_store;
        match fetch::fetch_due(
            &collector.pool,
            &collector.github,
            store,
            &worker,
            settings,
            PASS,
        )
        .await
        {
            Ok(pass) => {
                let m = &collector.metrics;
                m.job_logs_stored.inc_by(pass.stored as u64);
                m.job_logs_retried.inc_by(pass.retried as u64);
                m.job_logs_unavailable.inc_by(pass.unavailable as u64);
                // a spent token is spent for every job: wait for its reset
                idle = idle.max(pass.rate_limited.unwrap_or_default());
                if pass.rate_limited.is_none()
                    && pass.stored + pass.retried + pass.unavailable == PASS
                {
                    idle = Duration::ZERO; // more may be due
                }
            }
            Err(e) => tracing::warn!(error = %e, "job log pass failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(idle) => {}
            () = stop.cancelled() => return,
        }
    }
}

async fn sweep(collector: &Collector) {
    let retention = collector.config.job_logs.retention;
    loop {
        let expired = match collector.pool.get().await {
            Ok(mut conn) => queue::expire(&mut conn, retention, EXPIRE_BATCH)
                .await
                .map_err(anyhow::Error::from),
            Err(e) => Err(e.into()),
        };
        match expired {
            Ok(swept) => {
                collector.metrics.job_logs_expired.inc_by(swept.rows as u64);
                // a bucket object left behind is said, not retried: a
                // lifecycle rule on the bucket is the backstop
                let keys: Vec<String> = swept
                    .jobs
                    .iter()
                    .filter_map(|job| collector.log_store.key(*job))
                    .collect();
                if let Err(e) = collector.log_store.delete(&keys).await {
                    tracing::warn!(error = %e, "expired job logs could not all be deleted from the bucket");
                }
                if swept.rows < EXPIRE_BATCH as usize {
                    return;
                }
            }
            Err(e) => {
                tracing::warn!(error = format!("{e:#}"), "job log retention sweep failed");
                return;
            }
        }
    }
}
