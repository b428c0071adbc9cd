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
use wfm_runner_obs::resources::{Sample, store_kubernetes};

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
/// (`None`: all); the samples stored.
pub async fn sample_once(
    scanner: &Scanner,
    client: &Client,
    namespaces: &[Option<String>],
) -> anyhow::Result<usize> {
    let mut samples = Vec::new();
    for ns in namespaces {
        let usage = runner_pod_usage(client, ns.as_deref()).await?;
        samples.extend(usage.iter().map(|u| (u.runner_name.clone(), sample_of(u))));
    }
    let mut conn = scanner.pool.get().await?;
    Ok(store_kubernetes(&mut conn, &samples).await?)
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
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = ticks.tick() => {}
        }
        match sample_once(&scanner, &client, &namespaces).await {
            Ok(n) => {
                scanner.metrics.pod_samples.inc_by(n as u64);
                warned = false;
            }
            Err(e) => {
                scanner.metrics.pod_metrics_errors.inc();
                let error = format!("{e:#}");
                if warned {
                    tracing::debug!(error, "runner pod metrics not read");
                } else {
                    tracing::warn!(
                        error,
                        "runner pod metrics not read (is metrics-server installed, and may the scanner list pods and pods.metrics.k8s.io?)"
                    );
                    warned = true;
                }
            }
        }
    }
}
