//! Kubernetes for wfm: ARC's resource types (read by the scanner), the
//! runner template's result volumes, and the `temp-pod` file reader (used by
//! the collector) with the reaper of its leftover pods.

pub mod arc;
pub mod exec;
pub mod node_exporter;
pub mod pod;
pub mod pod_metrics;
pub mod reader;
pub mod reaper;
pub mod volumes;

pub use reader::{Channel, PodTarget, TempPodReader};

use wfm_reader::ListError;

/// What a failed Kubernetes call means for a run: forbidden (RBAC) and
/// invalid requests fail it with the reason; anything else is worth a retry.
pub fn api_error(e: kube::Error, doing: &str) -> ListError {
    match e {
        kube::Error::Api(status) if matches!(status.code, 401 | 403) => {
            ListError::Refused(format!(
                "{doing}: {} (the collector's service account needs get on persistentvolumeclaims, create/get/delete on pods and create on pods/exec in this namespace)",
                status.message
            ))
        }
        kube::Error::Api(status) if matches!(status.code, 400 | 422) => {
            ListError::Refused(format!("{doing}: {}", status.message))
        }
        e => ListError::Io(format!("{doing}: {e}")),
    }
}
