//! The backfill service's settings, from the environment.

use std::time::Duration;

use wfm_env::{Env, EnvError};

/// Settings of wfm-backfill (besides the common `WFM_*` of every service).
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `WFM_BACKFILL_BATCH_SIZE` | 500 | runs enqueued per batch (one transaction, progress committed with it) |
/// | `WFM_BACKFILL_RATE_PER_MINUTE` | 600 | runs per minute per backfill, unless the request names its own `rate_limit_per_minute` |
/// | `WFM_BACKFILL_PRIORITY` | 100 | queue priority of backfill runs (real-time runs are 0; smaller is claimed first) |
/// | `WFM_BACKFILL_POLL_INTERVAL` | 30s | looking for work without a NOTIFY (the fallback) |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackfillConfig {
    pub batch_size: i64,
    pub rate_per_minute: i64,
    pub priority: i16,
    pub poll_interval: Duration,
}

impl BackfillConfig {
    pub fn from_env(env: &Env) -> Result<Self, EnvError> {
        let batch_size: i64 = env.var_or("WFM_BACKFILL_BATCH_SIZE", 500)?;
        if !(1..=10_000).contains(&batch_size) {
            return Err(EnvError::invalid(
                "WFM_BACKFILL_BATCH_SIZE",
                batch_size,
                "must be 1 to 10000",
            ));
        }
        let rate_per_minute: i64 = env.var_or("WFM_BACKFILL_RATE_PER_MINUTE", 600)?;
        if rate_per_minute < 1 {
            return Err(EnvError::invalid(
                "WFM_BACKFILL_RATE_PER_MINUTE",
                rate_per_minute,
                "must be at least 1",
            ));
        }
        let priority: i16 = env.var_or("WFM_BACKFILL_PRIORITY", 100)?;
        if priority <= 0 {
            return Err(EnvError::invalid(
                "WFM_BACKFILL_PRIORITY",
                priority,
                "must be above 0, the real-time runs' priority, or backfills would starve them",
            ));
        }
        Ok(BackfillConfig {
            batch_size,
            rate_per_minute,
            priority,
            poll_interval: env
                .duration_or("WFM_BACKFILL_POLL_INTERVAL", Duration::from_secs(30))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_refusals() {
        let cfg = BackfillConfig::from_env(&Env::from_pairs([])).unwrap();
        assert_eq!(
            (cfg.batch_size, cfg.rate_per_minute, cfg.priority),
            (500, 600, 100)
        );
        let err = BackfillConfig::from_env(&Env::from_pairs([("WFM_BACKFILL_PRIORITY", "0")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("would starve them"), "{err}");
        assert!(
            BackfillConfig::from_env(&Env::from_pairs([("WFM_BACKFILL_BATCH_SIZE", "0")])).is_err()
        );
    }
}
