//! The reaper: deletes reader pods past their expiry (a collector that
//! crashed mid-run leaves its pod behind; the pod has ended itself at its
//! deadline, but the object stays until deleted).

use std::time::Duration;

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::ListParams;

use crate::pod::{READER_LABEL, delete_now, expires_at};

/// Deletes the expired reader pods `pods` can see; returns their names.
pub async fn reap_expired(
    pods: &Api<Pod>,
    ttl: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<String>, kube::Error> {
    let listed = pods
        .list(&ListParams::default().labels(&format!("{READER_LABEL}=true")))
        .await?;
    let mut reaped = Vec::new();
    for pod in listed.items {
        let Some(name) = pod.metadata.name.clone() else {
            continue;
        };
        if expires_at(&pod, ttl).is_none_or(|at| at > now) {
            continue;
        }
        match pods.delete(&name, &delete_now()).await {
            Ok(_) => reaped.push(name),
            Err(kube::Error::Api(e)) if e.code == 404 => {}
            Err(e) => return Err(e),
        }
    }
    Ok(reaped)
}
