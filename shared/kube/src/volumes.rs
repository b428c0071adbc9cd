//! The result volumes of a runner set: the runner container's mounts of
//! PVC-backed volumes in the set's pod template (as the scanner recorded it
//! in `gpu_workloads.spec`). Ephemeral and emptyDir volumes die with the
//! runner pod, so they are not there to read afterwards.

use k8s_openapi::api::core::v1::{Volume, VolumeMount};
use serde::Deserialize;
use serde_json::Value;

/// One mount of a PVC in the runner container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultMount {
    /// The volume's name in the template (reused in the reader pod).
    pub volume: String,
    pub claim: String,
    /// Where the runner saw it, and where the reader pod mounts it.
    pub mount_path: String,
    pub sub_path: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Template {
    #[serde(default)]
    volumes: Option<Vec<Volume>>,
    #[serde(default)]
    containers: Vec<TemplateContainer>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TemplateContainer {
    name: String,
    #[serde(default)]
    volume_mounts: Option<Vec<VolumeMount>>,
}

/// The PVC mounts of `container` in a recorded template
/// (`{"volumes": [...], "containers": [{"name", "volumeMounts"}]}`).
pub fn result_mounts(template: &Value, container: &str) -> Result<Vec<ResultMount>, String> {
    let template = Template::deserialize(template)
        .map_err(|e| format!("the recorded runner template is unreadable: {e}"))?;
    let Some(runner) = template.containers.iter().find(|c| c.name == container) else {
        let names: Vec<&str> = template
            .containers
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        return Err(format!(
            "the runner template has no container {container:?} (it has {names:?})"
        ));
    };
    let volumes = template.volumes.unwrap_or_default();
    let mounts = runner
        .volume_mounts
        .iter()
        .flatten()
        .filter_map(|mount| {
            let volume = volumes.iter().find(|v| v.name == mount.name)?;
            let claim = volume.persistent_volume_claim.as_ref()?;
            Some(ResultMount {
                volume: mount.name.clone(),
                claim: claim.claim_name.clone(),
                mount_path: mount.mount_path.clone(),
                sub_path: mount.sub_path.clone().filter(|s| !s.is_empty()),
            })
        })
        .collect();
    Ok(mounts)
}

/// The directory to read in the reader pod: `path` when given (it must be
/// under a mount), else the only mount's path.
pub fn result_root(mounts: &[ResultMount], path: Option<&str>) -> Result<String, String> {
    match path
        .map(|p| p.trim_end_matches('/'))
        .filter(|p| !p.is_empty())
    {
        Some(path) => {
            let inside = mounts.iter().any(|m| {
                let base = m.mount_path.trim_end_matches('/');
                path == base || path.starts_with(&format!("{base}/"))
            });
            if !path.starts_with('/') || path.split('/').any(|p| p == "..") || !inside {
                return Err(format!(
                    "reader_options.path {path:?} must be an absolute path under one of the runner's PVC mounts ({:?})",
                    mounts
                        .iter()
                        .map(|m| m.mount_path.as_str())
                        .collect::<Vec<_>>()
                ));
            }
            Ok(path.to_owned())
        }
        None => match mounts {
            [only] => Ok(only.mount_path.trim_end_matches('/').to_owned()),
            _ => Err(format!(
                "the runner mounts {} PVCs ({:?}); set reader_options.path to the directory to read",
                mounts.len(),
                mounts
                    .iter()
                    .map(|m| m.mount_path.as_str())
                    .collect::<Vec<_>>()
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn template() -> Value {
        json!({
            "volumes": [
                {"name": "results", "persistentVolumeClaim": {"claimName": "bench-results"}},
                {"name": "work", "ephemeral": {"volumeClaimTemplate": {"spec": {}}}},
                {"name": "tmp", "emptyDir": {}},
                {"name": "cache", "persistentVolumeClaim": {"claimName": "cache"}}
            ],
            "containers": [
                {"name": "runner", "volumeMounts": [
                    {"name": "results", "mountPath": "/home/runner/results", "subPath": "bench"},
                    {"name": "work", "mountPath": "/home/runner/_work"},
                    {"name": "tmp", "mountPath": "/tmp"}
                ]},
                {"name": "sidecar", "volumeMounts": [{"name": "cache", "mountPath": "/cache"}]}
            ]
        })
    }

    #[test]
    fn only_the_runner_containers_pvc_mounts_count() {
        let mounts = result_mounts(&template(), "runner").unwrap();
        assert_eq!(
            mounts,
            [ResultMount {
                volume: "results".into(),
                claim: "bench-results".into(),
                mount_path: "/home/runner/results".into(),
                sub_path: Some("bench".into()),
            }]
        );
        let err = result_mounts(&template(), "main").unwrap_err();
        assert!(err.contains("no container \"main\""), "{err}");
    }

    #[test]
    fn the_root_is_the_only_mount_or_a_path_under_one() {
        let mounts = result_mounts(&template(), "runner").unwrap();
        assert_eq!(result_root(&mounts, None).unwrap(), "/home/runner/results");
        assert_eq!(
            result_root(&mounts, Some("/home/runner/results/gpu/")).unwrap(),
            "/home/runner/results/gpu"
        );
        for bad in [
            "/etc",
            "relative/path",
            "/home/runner/results/../../etc",
            "/home/runner/resultsX",
        ] {
            assert!(result_root(&mounts, Some(bad)).is_err(), "{bad}");
        }
        assert!(
            result_root(&[], None)
                .unwrap_err()
                .contains("mounts 0 PVCs")
        );
    }
}
