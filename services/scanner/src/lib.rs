//! wfm-scanner: records ARC's runner sets and runners in `gpu_workloads` and
//! files pending runs when a runner's job finishes.
//!
//! - `lifecycle`: what an observed object means (pure, fed with fixtures in tests);
//! - `record`: the idempotent writes (a row, a finished job's runs, a relist's leftovers);
//! - `watch`: kube-runtime watchers, one per kind and namespace;
//! - `scan`: the periodic scan, the safety net behind the watch;
//! - `pod_metrics`: running runner pods' CPU and memory, kept as their jobs'
//!   resource samples.

pub mod config;
pub mod lifecycle;
pub mod metrics;
pub mod pod_metrics;
pub mod record;
pub mod scan;
pub mod watch;

use std::sync::Arc;
use std::time::Duration;

use kube::{Api, Client};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use wfm_db::{DbPool, WorkloadKind};
use wfm_kube::arc::{AutoscalingRunnerSet, EphemeralRunner, EphemeralRunnerSet};

pub use config::ScannerConfig;
pub use metrics::ScannerMetrics;

/// What the watches and the scan share.
pub struct Scanner {
    pub pool: DbPool,
    pub cluster: String,
    pub config: ScannerConfig,
    pub metrics: ScannerMetrics,
}

impl std::fmt::Debug for Scanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scanner")
            .field("cluster", &self.cluster)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Watches every kind in every configured namespace (nothing without a
/// client), and runs the periodic scan, until `shutdown`.
pub async fn run(scanner: Arc<Scanner>, client: Option<Client>, shutdown: CancellationToken) {
    let mut tasks = JoinSet::new();
    let namespaces: Vec<Option<String>> = match &scanner.config.namespaces {
        Some(list) => list.iter().cloned().map(Some).collect(),
        None => vec![None],
    };
    let watched = client
        .iter()
        .flat_map(|client| namespaces.iter().map(move |ns| (client, ns.clone())));
    for (client, ns) in watched {
        let api = |client: &Client| -> (Api<_>, Api<_>, Api<_>) {
            match &ns {
                Some(ns) => (
                    Api::namespaced(client.clone(), ns),
                    Api::namespaced(client.clone(), ns),
                    Api::namespaced(client.clone(), ns),
                ),
                None => (
                    Api::all(client.clone()),
                    Api::all(client.clone()),
                    Api::all(client.clone()),
                ),
            }
        };
        let (sets, runner_sets, runners): (
            Api<AutoscalingRunnerSet>,
            Api<EphemeralRunnerSet>,
            Api<EphemeralRunner>,
        ) = api(client);
        tasks.spawn(watch::watch(
            scanner.clone(),
            sets,
            WorkloadKind::AutoscalingRunnerSet,
            ns.clone(),
            lifecycle::autoscaling_runner_set,
            shutdown.clone(),
        ));
        tasks.spawn(watch::watch(
            scanner.clone(),
            runner_sets,
            WorkloadKind::EphemeralRunnerSet,
            ns.clone(),
            lifecycle::ephemeral_runner_set,
            shutdown.clone(),
        ));
        tasks.spawn(watch::watch(
            scanner.clone(),
            runners,
            WorkloadKind::EphemeralRunner,
            ns.clone(),
            lifecycle::runner,
            shutdown.clone(),
        ));
    }
    if let Some(interval) = scanner.config.scan_interval {
        tasks.spawn(periodic_scan(scanner.clone(), interval, shutdown.clone()));
    }
    if let (Some(client), Some(interval)) = (&client, scanner.config.pod_metrics_interval) {
        tasks.spawn(pod_metrics::sample_loop(
            scanner.clone(),
            client.clone(),
            namespaces.clone(),
            interval,
            shutdown.clone(),
        ));
    }
    while tasks.join_next().await.is_some() {}
}

/// The periodic scan every `interval`, starting after one interval (the
/// watch's first relist covers start-up).
async fn periodic_scan(scanner: Arc<Scanner>, interval: Duration, shutdown: CancellationToken) {
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = ticks.tick() => {}
        }
        let result = async {
            let mut conn = scanner.pool.get().await?;
            let report = scan::scan_due(
                &mut conn,
                &scanner.cluster,
                interval,
                scanner.config.scan_lookback,
            )
            .await?;
            anyhow::Ok(report)
        }
        .await;
        match result {
            Ok(report) => {
                scanner.metrics.scans.inc();
                scanner.metrics.enqueued.inc_by(report.filed as u64);
                if report.filed > 0 {
                    tracing::info!(
                        configs = report.configs,
                        runs = report.filed,
                        "periodic scan filed runs the watch missed"
                    );
                }
            }
            Err(e) => {
                scanner.metrics.db_errors.inc();
                tracing::warn!(error = %format!("{e:#}"), "periodic scan failed; next one in {interval:?}");
            }
        }
    }
}
