//! The `temp-pod` file reader: for a run of a config bound to a runner set
//! whose result volumes the collector cannot mount itself. Listing checks
//! the PVCs (missing or unbound: the run is skipped), creates the reader pod
//! in the runner namespace, waits for it to run (too long: the run is
//! retried), lists through the pod; reads go through the pod too; `release`
//! deletes it. A pod left behind (a crash) expires and the reaper deletes it.

use std::time::{Duration, Instant};

use chrono::Utc;
use futures_util::future::BoxFuture;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};
use kube::Api;
use kube::api::PostParams;
use tokio::sync::Mutex;
use wfm_reader::{
    FileEntry, FileReader, ListError, ListRequest, Listing, ReadError, RemotePatterns,
};

use crate::node_exporter::{NodeExporter, base_url};
use crate::pod::{PodSettings, delete_now, pod_name, reader_pod};
use crate::volumes::ResultMount;
use crate::{api_error, exec};

/// How files travel from the reader pod.
#[derive(Debug, Clone)]
pub enum Channel {
    /// `pods/exec` (find, stat, head).
    Exec,
    /// A node-exporter on the pod's node; `url` may hold `{host_ip}` or `{node_name}`.
    NodeExporter { http: reqwest::Client, url: String },
}

/// What one run's reader needs to know.
#[derive(Debug, Clone)]
pub struct PodTarget {
    pub namespace: String,
    pub config_id: i64,
    pub run_id: i64,
    pub mounts: Vec<ResultMount>,
    /// The directory the patterns are relative to, in the runner's filesystem.
    pub root: String,
}

#[derive(Debug, Clone)]
struct Started {
    name: String,
    uid: String,
    node: String,
    host_ip: String,
}

/// A reader for one run.
#[derive(Debug)]
pub struct TempPodReader {
    pods: Api<Pod>,
    claims: Api<PersistentVolumeClaim>,
    settings: PodSettings,
    channel: Channel,
    target: PodTarget,
    /// One exec or node-exporter call.
    timeout: Duration,
    started: Mutex<Option<Started>>,
}

impl TempPodReader {
    pub fn new(
        client: kube::Client,
        settings: PodSettings,
        channel: Channel,
        target: PodTarget,
        timeout: Duration,
    ) -> Self {
        Self {
            pods: Api::namespaced(client.clone(), &target.namespace),
            claims: Api::namespaced(client, &target.namespace),
            settings,
            channel,
            target,
            timeout,
            started: Mutex::new(None),
        }
    }

    /// Every claim is there and bound, else the run is skipped.
    async fn check_claims(&self) -> Result<(), ListError> {
        let ns = &self.target.namespace;
        for claim in self.target.mounts.iter().map(|m| &m.claim) {
            let pvc = match self.claims.get_opt(claim).await {
                Ok(Some(pvc)) => pvc,
                Ok(None) => {
                    return Err(ListError::Unavailable(format!(
                        "PVC {ns}/{claim} does not exist; the runner's results are gone"
                    )));
                }
                Err(e) => return Err(api_error(e, &format!("reading PVC {ns}/{claim}"))),
            };
            let phase = pvc.status.and_then(|s| s.phase).unwrap_or_default();
            if phase != "Bound" {
                let phase = if phase.is_empty() {
                    "without a phase"
                } else {
                    &phase
                };
                return Err(ListError::Unavailable(format!(
                    "PVC {ns}/{claim} is {phase}, not Bound: nothing to read"
                )));
            }
        }
        Ok(())
    }

    /// The running reader pod, created on first use.
    async fn pod(&self) -> Result<Started, ListError> {
        let mut started = self.started.lock().await;
        if let Some(pod) = started.as_ref() {
            return Ok(pod.clone());
        }
        let t = &self.target;
        let name = pod_name(t.config_id, t.run_id);
        let pod = reader_pod(&self.settings, t.config_id, t.run_id, &t.mounts, Utc::now());
        match self.pods.create(&PostParams::default(), &pod).await {
            Ok(_) => {}
            // Left by an earlier attempt of this run: used if it runs (below), else retried.
            Err(kube::Error::Api(e)) if e.code == 409 => {}
            Err(e) => {
                return Err(api_error(
                    e,
                    &format!("creating pod {}/{name}", t.namespace),
                ));
            }
        }
        let running = match self.wait_running(&name).await {
            Ok(pod) => pod,
            Err(e) => {
                self.delete(&name).await;
                return Err(e);
            }
        };
        let pod = Started {
            uid: running.metadata.uid.clone().unwrap_or_default(),
            node: running
                .spec
                .as_ref()
                .and_then(|s| s.node_name.clone())
                .unwrap_or_default(),
            host_ip: running
                .status
                .as_ref()
                .and_then(|s| s.host_ip.clone())
                .unwrap_or_default(),
            name,
        };
        *started = Some(pod.clone());
        Ok(pod)
    }

    async fn wait_running(&self, name: &str) -> Result<Pod, ListError> {
        let deadline = Instant::now() + self.settings.start_timeout;
        let ns = &self.target.namespace;
        loop {
            let pod = self
                .pods
                .get(name)
                .await
                .map_err(|e| api_error(e, &format!("reading pod {ns}/{name}")))?;
            let status = pod.status.clone().unwrap_or_default();
            let phase = status.phase.clone().unwrap_or_default();
            let deleting = pod.metadata.deletion_timestamp.is_some();
            match phase.as_str() {
                "Running" if !deleting => return Ok(pod),
                "Failed" | "Succeeded" => {
                    return Err(ListError::Io(format!(
                        "reader pod {ns}/{name} ended ({phase}: {}) before it was read",
                        status.message.or(status.reason).unwrap_or_default()
                    )));
                }
                _ => {}
            }
            if Instant::now() >= deadline {
                let why = status
                    .conditions
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|c| c.status != "True")
                    .filter_map(|c| c.message.or(c.reason))
                    .collect::<Vec<_>>()
                    .join("; ");
                return Err(ListError::Io(format!(
                    "reader pod {ns}/{name} was not Running after {:?} (phase {phase:?}{}{why}); the run will be retried",
                    self.settings.start_timeout,
                    if why.is_empty() { "" } else { ": " },
                )));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    async fn delete(&self, name: &str) {
        delete_pod(&self.pods, name).await;
    }

    fn node_exporter(&self, pod: &Started, http: &reqwest::Client, url: &str) -> NodeExporter {
        NodeExporter {
            http: http.clone(),
            base: base_url(url, &pod.node, &pod.host_ip),
            pod_uid: pod.uid.clone(),
            pod_name: pod.name.clone(),
            namespace: self.target.namespace.clone(),
        }
    }

    async fn list_files(&self, request: &ListRequest) -> Result<Listing, ListError> {
        let patterns = RemotePatterns::new(request)?;
        self.check_claims().await?;
        let pod = self.pod().await?;
        let root = &self.target.root;
        let (files, problems) = match &self.channel {
            Channel::Exec => {
                exec::list(&self.pods, &pod.name, root, patterns.dirs(), self.timeout).await?
            }
            Channel::NodeExporter { http, url } => {
                let files = self
                    .node_exporter(&pod, http, url)
                    .list(root, patterns.dirs(), self.timeout)
                    .await?;
                (files, Vec::new())
            }
        };
        let mut listing = patterns.select(files, request);
        listing.refused.extend(problems);
        Ok(listing)
    }
}

/// A reader dropped before `release` (the run timed out, the collector is
/// shutting down) still deletes its pod, in the background; the reaper is
/// the last resort.
impl Drop for TempPodReader {
    fn drop(&mut self) {
        let Some(pod) = self.started.get_mut().take() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let pods = self.pods.clone();
        runtime.spawn(async move { delete_pod(&pods, &pod.name).await });
    }
}

/// Deletes a reader pod now; one already gone is fine, a failure is left to the reaper.
async fn delete_pod(pods: &Api<Pod>, name: &str) {
    match pods.delete(name, &delete_now()).await {
        Ok(_) => {}
        Err(kube::Error::Api(e)) if e.code == 404 => {}
        Err(e) => tracing::warn!(pod = name, error = %e,
            "could not delete the reader pod; the reaper will once it expires"),
    }
}

impl FileReader for TempPodReader {
    fn list<'a>(&'a self, request: &'a ListRequest) -> BoxFuture<'a, Result<Listing, ListError>> {
        Box::pin(self.list_files(request))
    }

    fn read<'a>(
        &'a self,
        file: &'a FileEntry,
        max_bytes: u64,
    ) -> BoxFuture<'a, Result<Vec<u8>, ReadError>> {
        Box::pin(async move {
            let Some(pod) = self.started.lock().await.clone() else {
                return Err(ReadError::Io(std::io::Error::other(
                    "no reader pod: list first",
                )));
            };
            let root = &self.target.root;
            match &self.channel {
                Channel::Exec => {
                    exec::read(
                        &self.pods,
                        &pod.name,
                        root,
                        &file.path,
                        max_bytes,
                        self.timeout,
                    )
                    .await
                }
                Channel::NodeExporter { http, url } => {
                    self.node_exporter(&pod, http, url)
                        .read(root, &file.path, max_bytes, self.timeout)
                        .await
                }
            }
        })
    }

    fn release(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            if let Some(pod) = self.started.lock().await.take() {
                self.delete(&pod.name).await;
            }
        })
    }
}
