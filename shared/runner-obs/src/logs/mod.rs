//! Workflow job logs: fetched from GitHub when a job completes, kept
//! within a size cap, compressed, served by step, byte range and search,
//! and dropped after a retention period.
//!
//! - `queue`: the `github_job_logs` rows: the webhooks add one, pending, per
//!   completed job; a collector claims it, and records what came of it;
//! - `fetch`: a pass over the due rows through GitHub's REST API, rate
//!   limits deferring the rest of the pass;
//! - `capture`: a log kept within the cap as it streams in, and gzip;
//! - `text`: a stored log split by step, sliced and searched;
//! - `store`: where the gzip lives (the row, or an S3-compatible bucket);
//! - `read`: what `GET /actions/jobs/{id}/logs` answers;
//! - `excerpt`: the parts of a log an LLM is shown.

pub mod capture;
pub mod excerpt;
pub mod fetch;
pub mod queue;
pub mod read;
pub mod store;
pub mod text;

use std::time::Duration;

use diesel_async::AsyncPgConnection;
use wfm_env::{Env, EnvError};

/// Why a log could not be stored or read.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
    #[error("no database connection: {0}")]
    Pool(String),
    #[error("a background task failed: {0}")]
    Task(String),
    #[error("the log store: {0}")]
    Storage(String),
    /// The row names an object the bucket no longer has.
    #[error("the log's object {0} is no longer in the bucket")]
    Missing(String),
    #[error("job {job} has no step {step}")]
    NoStep { job: i64, step: i64 },
    #[error("the stored log of job {job} cannot be read: {message}")]
    Unreadable { job: i64, message: String },
}

/// How logs are fetched and kept (`WFM_JOB_LOG_*`).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Whether this collector fetches logs.
    pub enabled: bool,
    /// Bytes of a log kept at most (its head and tail past it).
    pub max_bytes: usize,
    /// How long a log is kept after its job completed.
    pub retention: Duration,
    /// Attempts before a log GitHub keeps refusing is given up.
    pub attempts: i32,
    pub poll_interval: Duration,
    /// How long a claimed log is this worker's before another may take it.
    pub lease: Duration,
    /// An S3-compatible bucket for the logs; `None`: Postgres.
    pub s3: Option<store::S3Settings>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            enabled: true,
            max_bytes: 16 << 20,
            retention: Duration::from_secs(90 * 86_400),
            attempts: 6,
            poll_interval: Duration::from_secs(10),
            lease: Duration::from_secs(900),
            s3: None,
        }
    }
}

/// A log smaller than this cap would be little but its marker line.
const MIN_MAX_BYTES: usize = 64 << 10;
/// Past this, a log is better kept as an artifact than read here (the API
/// reads a stored log whole to serve a part of it).
const MAX_MAX_BYTES: usize = 128 << 20;

impl Settings {
    pub fn from_env(env: &Env) -> Result<Self, EnvError> {
        let d = Self::default();
        let max_bytes: usize = env.var_or("WFM_JOB_LOG_MAX_BYTES", d.max_bytes)?;
        if !(MIN_MAX_BYTES..=MAX_MAX_BYTES).contains(&max_bytes) {
            return Err(EnvError::invalid(
                "WFM_JOB_LOG_MAX_BYTES",
                max_bytes,
                format!("must be {MIN_MAX_BYTES} to {MAX_MAX_BYTES}"),
            ));
        }
        let days: u32 = env.var_or("WFM_JOB_LOG_RETENTION_DAYS", 90)?;
        if !(1..=3650).contains(&days) {
            return Err(EnvError::invalid(
                "WFM_JOB_LOG_RETENTION_DAYS",
                days,
                "must be 1 to 3650",
            ));
        }
        let attempts: i32 = env.var_or("WFM_JOB_LOG_ATTEMPTS", d.attempts)?;
        if !(1..=100).contains(&attempts) {
            return Err(EnvError::invalid(
                "WFM_JOB_LOG_ATTEMPTS",
                attempts,
                "must be 1 to 100",
            ));
        }
        let poll_interval = env.duration_or("WFM_JOB_LOG_POLL_INTERVAL", d.poll_interval)?;
        if poll_interval < Duration::from_secs(1) {
            return Err(EnvError::invalid(
                "WFM_JOB_LOG_POLL_INTERVAL",
                format!("{poll_interval:?}"),
                "must be at least 1s",
            ));
        }
        // a fetch may take as long as a download may (10 minutes)
        let lease = env.duration_or("WFM_JOB_LOG_LEASE", d.lease)?;
        if lease < Duration::from_secs(660) {
            return Err(EnvError::invalid(
                "WFM_JOB_LOG_LEASE",
                format!("{lease:?}"),
                "must be at least 11m (a download may take 10m)",
            ));
        }
        Ok(Self {
            enabled: env.bool_or("WFM_JOB_LOGS_ENABLED", d.enabled)?,
            max_bytes,
            retention: Duration::from_secs(u64::from(days) * 86_400),
            attempts,
            poll_interval,
            lease,
            s3: store::S3Settings::from_env(env)?,
        })
    }
}

/// Stores `log` as job `job_id`'s (of `repository`), within the default
/// cap, replacing what was stored: for logs obtained some other way (an
/// import, a test's seed).
pub async fn store_text(
    conn: &mut AsyncPgConnection,
    job_id: i64,
    repository: &str,
    log: &[u8],
) -> Result<(), LogError> {
    let mut capture = capture::Capture::new(Settings::default().max_bytes);
    capture.push(log);
    queue::put(conn, job_id, repository, &capture.finish()).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked() {
        let env =
            |pairs: &[(&str, &str)]| Settings::from_env(&Env::from_pairs(pairs.iter().copied()));
        assert_eq!(env(&[]).unwrap(), Settings::default());
        let set = env(&[
            ("WFM_JOB_LOG_MAX_BYTES", "1048576"),
            ("WFM_JOB_LOG_RETENTION_DAYS", "7"),
            ("WFM_JOB_LOGS_ENABLED", "false"),
        ])
        .unwrap();
        assert_eq!(set.max_bytes, 1 << 20);
        assert_eq!(set.retention, Duration::from_secs(7 * 86_400));
        assert!(!set.enabled);
        assert_eq!(set.s3, None);
        let s3 = env(&[
            ("WFM_JOB_LOG_S3_BUCKET", "logs"),
            ("WFM_JOB_LOG_S3_ENDPOINT", "http://minio:9000"),
            ("WFM_JOB_LOG_S3_ACCESS_KEY_ID", "id"),
            ("WFM_JOB_LOG_S3_SECRET_ACCESS_KEY", "secret"),
        ])
        .unwrap()
        .s3
        .expect("a bucket");
        assert_eq!(
            (s3.bucket.as_str(), s3.region.as_str(), s3.prefix.as_str()),
            ("logs", "us-east-1", "job-logs/")
        );
        assert!(!format!("{s3:?}").contains("secret"));
        for bad in [
            [
                ("WFM_JOB_LOG_S3_BUCKET", "logs"),
                ("WFM_JOB_LOG_S3_ENDPOINT", "minio:9000"),
            ],
            [
                ("WFM_JOB_LOG_S3_BUCKET", "logs"),
                ("WFM_JOB_LOG_S3_ACCESS_KEY_ID", "only-the-id"),
            ],
        ] {
            assert!(env(&bad).is_err(), "{bad:?}");
        }
        for bad in [
            ("WFM_JOB_LOG_MAX_BYTES", "100"),
            ("WFM_JOB_LOG_MAX_BYTES", "lots"),
            ("WFM_JOB_LOG_RETENTION_DAYS", "0"),
            ("WFM_JOB_LOG_ATTEMPTS", "0"),
            ("WFM_JOB_LOG_POLL_INTERVAL", "0s"),
            ("WFM_JOB_LOG_LEASE", "1m"),
        ] {
            let err = env(&[bad]).unwrap_err().to_string();
            assert!(err.contains(bad.0), "{err}");
        }
    }
}
