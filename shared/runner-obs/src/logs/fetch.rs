//! A pass over the due logs: each claimed, fetched from GitHub outside any
//! transaction, and its outcome recorded under the claim.
//!
//! - stored: kept within the cap, compressed;
//! - 410: GitHub no longer has the log: unavailable at once;
//! - a rate limit: back in the queue at GitHub's reset, not counted as an
//!   attempt, and the pass ends (the token is spent for every job); so too
//!   a bucket that cannot be written (5 minutes);
//! - anything else (404 while GitHub is still writing the log, 5xx, the
//!   network, a token without `actions:read`): retried after 1, 2, 4…
//!   minutes (at most an hour), unavailable after the last attempt.

use std::time::Duration;

use wfm_db::{DbPool, PooledConn};
use wfm_github::rest::{GithubClient, RestError};

use super::capture::{Capture, Captured, compress};
use super::queue::{self, Claimed, Placed};
use super::store::LogStore;
use super::{LogError, Settings};

/// Why a log was not stored this time.
#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error(transparent)]
    Github(RestError),
    #[error(transparent)]
    Store(LogError),
}

/// What a pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pass {
    pub stored: usize,
    pub retried: usize,
    pub unavailable: usize,
    /// Set when GitHub's rate limit (or a bucket that cannot be written)
    /// ended the pass: how long to wait.
    pub rate_limited: Option<Duration>,
}

/// How long a log waits when the bucket could not be written.
const STORE_RETRY: Duration = Duration::from_secs(300);
/// The longest wait between two attempts at a log.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// The wait after failed attempt number `attempts` (1-based).
fn backoff(attempts: i32) -> Duration {
    let exponent = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(16);
    Duration::from_secs(60u64 << exponent).min(MAX_BACKOFF)
}

async fn conn(pool: &DbPool) -> Result<PooledConn, LogError> {
    pool.get().await.map_err(|e| LogError::Pool(e.to_string()))
}

/// Fetches due logs until none is due, GitHub's rate limit is reached, or
/// `max` were tried; `worker` names this process in the claims.
pub async fn fetch_due(
    pool: &DbPool,
    github: &GithubClient,
    store: &LogStore,
    worker: &str,
    settings: &Settings,
    max: usize,
) -> Result<Pass, LogError> {
    let mut pass = Pass::default();
    for n in 0..max {
        let name = format!("{worker}:{}:{n}", chrono::Utc::now().timestamp_micros());
        let Some(claimed) = queue::claim(&mut *conn(pool).await?, &name, settings.lease).await?
        else {
            break;
        };
        let attempt = claimed.attempts;
        if attempt > settings.attempts {
            // the earlier attempts died with their workers (or outlived their lease)
            pass.unavailable += 1;
            let detail = format!(
                "given up after {} attempts that did not finish",
                attempt - 1
            );
            queue::record_unavailable(&mut *conn(pool).await?, &claimed, &detail).await?;
            continue;
        }
        let outcome = keep(github, store, &claimed, settings.max_bytes).await?;
        let mut conn = conn(pool).await?;
        let recorded = match outcome {
            Ok((log, placed)) => {
                pass.stored += 1;
                queue::record_stored(&mut conn, &claimed, &log, &placed).await?
            }
            Err(Failure::Github(RestError::RateLimited { retry_after })) => {
                pass.retried += 1;
                pass.rate_limited = Some(retry_after);
                let why = "GitHub's rate limit";
                queue::record_retry(&mut conn, &claimed, retry_after, false, why).await?;
                break;
            }
            Err(Failure::Store(e)) => {
                // the bucket is down for every log: not the log's fault,
                // so not an attempt, and the pass ends
                tracing::warn!(job = claimed.github_job_id, error = %e, "a job log could not be written to the bucket");
                pass.retried += 1;
                pass.rate_limited = Some(STORE_RETRY);
                let why = "the log bucket could not be written (the collector's log says why)";
                queue::record_retry(&mut conn, &claimed, STORE_RETRY, false, why).await?;
                break;
            }
            Err(Failure::Github(RestError::Status { status: 410, .. })) => {
                pass.unavailable += 1;
                let why = "GitHub no longer has this log (410 Gone)";
                queue::record_unavailable(&mut conn, &claimed, why).await?
            }
            Err(e) if attempt >= settings.attempts => {
                pass.unavailable += 1;
                let why = format!("given up after {attempt} attempts: {e}");
                queue::record_unavailable(&mut conn, &claimed, &why).await?
            }
            Err(e) => {
                pass.retried += 1;
                let why = e.to_string();
                queue::record_retry(&mut conn, &claimed, backoff(attempt), true, &why).await?
            }
        };
        if !recorded {
            tracing::warn!(
                job = claimed.github_job_id,
                "a job log's claim ran out before it was recorded; another worker has it"
            );
        }
    }
    Ok(pass)
}

/// The claimed log fetched, capped, gzipped (off the async threads: CPU
/// work) and, with a bucket, written to it before any row names it. The
/// outer error is ours (a task that died); the inner one the log's.
async fn keep(
    github: &GithubClient,
    store: &LogStore,
    claimed: &Claimed,
    max_bytes: usize,
) -> Result<Result<(Captured, Placed), Failure>, LogError> {
    let capture = match fetch_one(github, claimed, max_bytes).await {
        Ok(capture) => capture,
        Err(e) => return Ok(Err(Failure::Github(e))),
    };
    let (log, gzip) = tokio::task::spawn_blocking(move || {
        let log = capture.finish();
        let gzip = compress(&log.text);
        (log, gzip)
    })
    .await
    .map_err(|e| LogError::Task(format!("compressing a log: {e}")))?;
    let placed = match store.key(claimed.github_job_id) {
        None => Placed::Row(gzip),
        Some(key) => {
            let bytes = gzip.len();
            if let Err(e) = store.put(&key, gzip).await {
                return Ok(Err(Failure::Store(e)));
            }
            Placed::Object { key, bytes }
        }
    };
    Ok(Ok((log, placed)))
}

/// The log, received into a capture (not yet finished: that is CPU work).
async fn fetch_one(
    github: &GithubClient,
    claimed: &Claimed,
    max_bytes: usize,
) -> Result<Capture, RestError> {
    let Some((owner, repo)) = wfm_github::split_repository(&claimed.repository) else {
        return Err(RestError::Status {
            status: 410,
            what: format!("the log of job {}", claimed.github_job_id),
            message: format!("{:?} is not a repository name", claimed.repository),
        });
    };
    let mut capture = Capture::new(max_bytes);
    github
        .job_log(owner, repo, claimed.github_job_id, |chunk| {
            capture.push(chunk)
        })
        .await?;
    Ok(capture)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_a_minute_to_an_hour() {
        let waits: Vec<u64> = (1..=8).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(waits, [60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(backoff(0).as_secs(), 60);
        assert_eq!(backoff(i32::MAX), MAX_BACKOFF);
    }
}
