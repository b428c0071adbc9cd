//! The scanner's settings, from the environment.

use std::time::Duration;

use wfm_env::{Env, EnvError};

/// Settings of wfm-scanner (besides the common `WFM_*` of every service,
/// `WFM_CLUSTER_NAME` among them: the cluster recorded on every row).
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `WFM_SCANNER_NAMESPACES` | all | comma-separated namespaces to watch (the runner namespaces); empty watches all |
/// | `WFM_SCANNER_SCAN_INTERVAL` | 60s | the periodic scan (safety net behind the watch); `0s` turns it off |
/// | `WFM_SCANNER_SCAN_LOOKBACK` | 10m | how far before a config's `last_checked_at` the scan looks again (scanner lag, clock skew) |
/// | `WFM_SCANNER_POD_METRICS_INTERVAL` | 15s | how often the CPU and memory of running ARC runner pods are read from `metrics.k8s.io` (metrics-server) and kept as their jobs' resource samples; `0s` turns it off |
/// | `WFM_SCANNER_POD_METRICS_RETENTION` | 30d | how long those samples are kept |
/// | `KUBECONFIG` | in-cluster | the Kubernetes API, as kubectl finds it (a kubeconfig, else the pod's service account) |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannerConfig {
    /// `None`: all namespaces.
    pub namespaces: Option<Vec<String>>,
    /// `None`: no periodic scan.
    pub scan_interval: Option<Duration>,
    pub scan_lookback: Duration,
    /// `None`: runner pods are not sampled.
    pub pod_metrics_interval: Option<Duration>,
    pub pod_metrics_retention: Duration,
}

impl ScannerConfig {
    pub fn from_env(env: &Env) -> Result<Self, EnvError> {
        let namespaces = env.list("WFM_SCANNER_NAMESPACES");
        let interval = env.duration_or("WFM_SCANNER_SCAN_INTERVAL", Duration::from_secs(60))?;
        let pod_metrics =
            env.duration_or("WFM_SCANNER_POD_METRICS_INTERVAL", Duration::from_secs(15))?;
        if !pod_metrics.is_zero() && pod_metrics < Duration::from_secs(1) {
            return Err(EnvError::invalid(
                "WFM_SCANNER_POD_METRICS_INTERVAL",
                format!("{pod_metrics:?}"),
                "must be 0s (off) or at least 1s",
            ));
        }
        Ok(ScannerConfig {
            namespaces: (!namespaces.is_empty()).then_some(namespaces),
            scan_interval: (!interval.is_zero()).then_some(interval),
            scan_lookback: env
                .duration_or("WFM_SCANNER_SCAN_LOOKBACK", Duration::from_secs(600))?,
            pod_metrics_interval: Some(pod_metrics).filter(|d| !d.is_zero()),
            pod_metrics_retention: env.duration_or(
                "WFM_SCANNER_POD_METRICS_RETENTION",
                Duration::from_secs(30 * 86_400),
            )?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_watch_everything_and_scan_every_minute() {
        let cfg = ScannerConfig::from_env(&Env::from_pairs([])).unwrap();
        assert_eq!(cfg.namespaces, None);
        assert_eq!(cfg.scan_interval, Some(Duration::from_secs(60)));
        assert_eq!(cfg.scan_lookback, Duration::from_secs(600));
        assert_eq!(cfg.pod_metrics_interval, Some(Duration::from_secs(15)));
        let off = Env::from_pairs([("WFM_SCANNER_POD_METRICS_INTERVAL", "0s")]);
        assert_eq!(
            ScannerConfig::from_env(&off).unwrap().pod_metrics_interval,
            None
        );
        let fast = Env::from_pairs([("WFM_SCANNER_POD_METRICS_INTERVAL", "10ms")]);
        assert!(ScannerConfig::from_env(&fast).is_err());
    }

    #[test]
    fn namespaces_and_a_disabled_scan() {
        let env = Env::from_pairs([
            ("WFM_SCANNER_NAMESPACES", "arc-runners, gpu-runners"),
            ("WFM_SCANNER_SCAN_INTERVAL", "0s"),
        ]);
        let cfg = ScannerConfig::from_env(&env).unwrap();
        assert_eq!(
            cfg.namespaces,
            Some(vec!["arc-runners".to_owned(), "gpu-runners".to_owned()])
        );
        assert_eq!(cfg.scan_interval, None);
    }
}
