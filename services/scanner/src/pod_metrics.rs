//! Runner resource samples with no agent on the runner (issue
//! [runner-obs]): every interval, the CPU and memory of the running ARC
//! runner pods are read from `metrics.k8s.io` and stored as samples of
//! their runner; a job's samples are its runner's taken while it ran
//! (`wfm_runner_obs::resources::of_job`). Every replica may sample: a
//! sample is kept once.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use kube::Client;
use tokio_util::sync::CancellationToken;
use wfm_kube::pod_metrics::{RunnerPodUsage, runner_pod_usage};
use wfm_runner_obs::resources::{Sample, expire_kubernetes, store_kubernetes};

use crate::Scanner;

/// A runner pod's usage as a sample: CPU as a share of the pod's CPU limit
/// (when it has one; the cores are kept either way), memory against its
/// memory limit.
pub fn sample_of(usage: &RunnerPodUsage) -> Sample {
    let mut extra = BTreeMap::new();
    extra.insert("cpu_cores".to_owned(), usage.cpu_cores);
    if let Some(limit) = usage.cpu_limit_cores {
        extra.insert("cpu_limit_cores".to_owned(), limit);
    }
    Sample {
        t: usage.t,
        cpu_percent: usage
            .cpu_limit_cores
            .map(|limit| (usage.cpu_cores / limit * 100.0).clamp(0.0, 100.0)),
        memory_used_bytes: Some(usage.memory_bytes),
        memory_total_bytes: usage.memory_limit_bytes,
        extra,
    }
}

/// Reads and stores the runner pods' usage once, in each of `namespaces`
/// (`None`: all): the samples stored, and what failed (a namespace that
/// fails does not keep the others' samples out).
pub async fn sample_once(
    scanner: &Scanner,
    client: &Client,
    namespaces: &[Option<String>],
) -> (usize, Vec<anyhow::Error>) {
    let mut samples = Vec::new();
    let mut failed = Vec::new();
    for ns in namespaces {
        match runner_pod_usage(client, ns.as_deref()).await {
            Ok(usage) => {
                samples.extend(usage.iter().map(|u| (u.runner_name.clone(), sample_of(u))))
            }
            Err(e) => failed.push(
                anyhow::Error::from(e)
                    .context(format!("namespace {}", ns.as_deref().unwrap_or("(all)"))),
            ),
        }
    }
    let stored = async {
        let mut conn = scanner.pool.get().await?;
        anyhow::Ok(store_kubernetes(&mut conn, &samples).await?)
    };
    match stored.await {
        Ok(n) => (n, failed),
        Err(e) => {
            failed.push(e);
            (0, failed)
        }
    }
}

/// How often samples past their retention are deleted, and how many at a time.
const SWEEP_EVERY: Duration = Duration::from_secs(3600);
const SWEEP_BATCH: i64 = 10_000;

async fn sweep(scanner: &Scanner) {
    let retention = scanner.config.pod_metrics_retention;
    loop {
        let deleted = match scanner.pool.get().await {
            Ok(mut conn) => expire_kubernetes(&mut conn, retention, SWEEP_BATCH)
                .await
                .map_err(anyhow::Error::from),
            Err(e) => Err(e.into()),
        };
        match deleted {
            Ok(n) if n < SWEEP_BATCH as usize => return,
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(
                    error = format!("{e:#}"),
                    "runner pod samples past their retention were not deleted"
                );
                return;
            }
        }
    }
}

/// Samples every `interval` until `shutdown`. A cluster without
/// metrics-server (or a role without the permission) is said once at warn,
/// then at debug, and tried again each interval.
pub async fn sample_loop(
    scanner: Arc<Scanner>,
    client: Client,
    namespaces: Vec<Option<String>>,
    interval: Duration,
    shutdown: CancellationToken,
) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut warned = false;
    let mut swept_at: Option<tokio::time::Instant> = None;
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = ticks.tick() => {}
        }
        if swept_at.is_none_or(|at| at.elapsed() >= SWEEP_EVERY) {
            swept_at = Some(tokio::time::Instant::now());
            sweep(&scanner).await;
        }
        let (stored, failed) = sample_once(&scanner, &client, &namespaces).await;
        scanner.metrics.pod_samples.inc_by(stored as u64);
        if failed.is_empty() {
            warned = false;
        }
        for e in failed {
            scanner.metrics.pod_metrics_errors.inc();
            let error = format!("{e:#}");
            if warned {
                tracing::debug!(error, "runner pod metrics not read");
            } else {
                tracing::warn!(
                    error,
                    "runner pod metrics not read (is metrics-server installed, and may the scanner list pods.metrics.k8s.io?)"
                );
                warned = true;
            }
        }
    }
}
