//! The readers that go through Kubernetes (`temp-pod`, `node-exporter`):
//! building one for a run from the runner set the scanner recorded, and
//! the reaper of expired reader pods.

use std::time::Duration;

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use k8s_openapi::api::core::v1::Pod;
use tokio_util::sync::CancellationToken;
use wfm_db::models::{Config, Run};
use wfm_db::schema::{github_workflow_configs as configs, gpu_workloads as workloads};
use wfm_db::{ReaderKind, WorkloadKind};
use wfm_kube::volumes::{result_mounts, result_root};
use wfm_kube::{Channel, PodTarget, TempPodReader};
use wfm_reader::{FileReader, NodeExporterOptions, TempPodOptions};

use crate::{Collector, Outcome};

/// What a reader pod reads, from the `temp-pod` or `node-exporter` options.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PodOptions<'a> {
    /// `reader_options.path`.
    pub path: Option<&'a str>,
    /// `reader_options.container`.
    pub container: &'a str,
    pub via: Via<'a>,
}

/// How the reader pod's files travel.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Via<'a> {
    /// `pods/exec` (the `temp-pod` reader).
    Exec,
    /// A node agent (the `node-exporter` reader), at `reader_options.url`
    /// or else `WFM_NODE_EXPORTER_URL`.
    NodeExporter { url: Option<&'a str> },
}

impl<'a> PodOptions<'a> {
    pub fn temp_pod(options: &'a TempPodOptions) -> Self {
        PodOptions {
            path: options.path.as_deref(),
            container: &options.container,
            via: Via::Exec,
        }
    }

    pub fn node_exporter(options: &'a NodeExporterOptions) -> Self {
        PodOptions {
            path: options.path.as_deref(),
            container: &options.container,
            via: Via::NodeExporter {
                url: options.url.as_deref(),
            },
        }
    }
}

/// A reader pod reader for `run`, or the outcome that ends the run.
pub(crate) async fn pod_reader(
    collector: &Collector,
    conn: &mut AsyncPgConnection,
    config: &Config,
    options: PodOptions<'_>,
    run: &Run,
) -> anyhow::Result<Result<Box<dyn FileReader>, Outcome>> {
    let Some(client) = collector.kube.clone() else {
        return Ok(Err(Outcome::Skipped(format!(
            "reader `{}` needs the Kubernetes API, and this collector has none (KUBECONFIG or an in-cluster service account)",
            config.reader
        ))));
    };
    let (Some(namespace), Some(set)) = (&config.runner_set_namespace, &config.runner_set_name)
    else {
        return Ok(Err(Outcome::Failed(format!(
            "reader `{}` reads a runner set's volumes; the config is bound to a repository, not a runner set",
            config.reader
        ))));
    };
    let template: Option<Option<serde_json::Value>> = workloads::table
        .filter(workloads::cluster_name.eq(&config.cluster_name))
        .filter(workloads::kind.eq(WorkloadKind::AutoscalingRunnerSet))
        .filter(workloads::namespace.eq(namespace))
        .filter(workloads::name.eq(set))
        .order(workloads::first_seen_at.desc())
        .select(workloads::spec)
        .first(conn)
        .await
        .optional()?;
    let Some(Some(template)) = template else {
        // Right after the scanner starts this is a race; if it lasts, the
        // retries run out and the run fails with this reason.
        return Ok(Err(Outcome::Retry(format!(
            "runner set {namespace}/{set} has not been recorded by wfm-scanner (is it running and watching {namespace}?), so its volumes are unknown"
        ))));
    };
    let mounts = match result_mounts(&template, options.container) {
        Ok(mounts) => mounts,
        Err(reason) => return Ok(Err(Outcome::Failed(reason))),
    };
    if mounts.is_empty() {
        return Ok(Err(Outcome::Skipped(format!(
            "the runner template of {namespace}/{set} mounts no PVC: its results died with the runner pod"
        ))));
    }
    let root = match result_root(&mounts, options.path) {
        Ok(root) => root,
        Err(reason) => return Ok(Err(Outcome::Failed(reason))),
    };
    let channel = match options.via {
        Via::Exec => Channel::Exec,
        Via::NodeExporter { url } => Channel::NodeExporter {
            http: collector.http.clone(),
            url: url
                .unwrap_or(&collector.config.temp_pod.node_exporter_url)
                .to_owned(),
        },
    };
    let target = PodTarget {
        namespace: namespace.clone(),
        config_id: config.id,
        run_id: run.id,
        mounts,
        root,
    };
    Ok(Ok(Box::new(TempPodReader::new(
        client,
        collector.config.temp_pod.pod.clone(),
        channel,
        target,
        collector.config.read_timeout,
    ))))
}

/// Deletes expired reader pods every interval in the namespaces of the
/// enabled configs that use reader pods, until `stop`.
pub async fn reap_loop(collector: std::sync::Arc<Collector>, stop: CancellationToken) {
    let Some(client) = collector.kube.clone() else {
        return;
    };
    let interval = collector.config.temp_pod.reap_interval;
    loop {
        if let Err(e) = reap_once(&collector, &client).await {
            tracing::warn!(
                error = format!("{e:#}"),
                "reaping reader pods failed; trying again in {interval:?}"
            );
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(interval) => {}
        }
    }
}

/// One pass of the reaper; returns how many pods it deleted.
pub async fn reap_once(collector: &Collector, client: &kube::Client) -> anyhow::Result<usize> {
    let mut conn = collector.pool.get().await?;
    // Disabled configs too: their pods may still be around.
    let namespaces: Vec<Option<String>> = configs::table
        .filter(configs::reader.eq_any([ReaderKind::TempPod, ReaderKind::NodeExporter]))
        .select(configs::runner_set_namespace)
        .distinct()
        .load(&mut conn)
        .await?;
    drop(conn);
    let ttl: Duration = collector.config.temp_pod.pod.ttl;
    let mut reaped = 0;
    let mut failed = Vec::new();
    // One namespace failing (RBAC missing there) does not spare the others.
    for namespace in namespaces.into_iter().flatten() {
        let pods: kube::Api<Pod> = kube::Api::namespaced(client.clone(), &namespace);
        match wfm_kube::reaper::reap_expired(&pods, ttl, Utc::now()).await {
            Ok(names) => {
                if !names.is_empty() {
                    tracing::info!(namespace, pods = ?names, "deleted expired reader pods");
                }
                reaped += names.len();
            }
            Err(e) => failed.push(format!("{namespace}: {e}")),
        }
    }
    collector.metrics.reader_pods_reaped.inc_by(reaped as u64);
    if !failed.is_empty() {
        anyhow::bail!("reaping failed in {}", failed.join("; "));
    }
    Ok(reaped)
}
