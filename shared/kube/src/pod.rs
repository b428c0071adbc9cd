//! The reader pod: a throwaway pod in the runner namespace that mounts the
//! runner set's result PVCs read-only, so their files can be read after the
//! runner pod is gone. It runs as non-root with nothing it does not need (no
//! service-account token, no capabilities, a read-only root filesystem,
//! small limits) and ends itself after its TTL even if nobody deletes it.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::{
    Capabilities, Container, PersistentVolumeClaimVolumeSource, Pod, PodSecurityContext, PodSpec,
    ResourceRequirements, SeccompProfile, SecurityContext, Toleration, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::volumes::ResultMount;

/// The label every reader pod carries (the reaper's selector).
pub const READER_LABEL: &str = "wfm.io/temp-pvc-reader";
pub const CONFIG_LABEL: &str = "wfm.io/config-id";
pub const RUN_LABEL: &str = "wfm.io/run-id";
/// When the pod may be deleted by the reaper (RFC 3339).
pub const EXPIRES_ANNOTATION: &str = "wfm.io/expires-at";
/// The reader pod's one container.
pub const CONTAINER: &str = "reader";

/// How reader pods are made (the collector's `WFM_TEMP_POD_*` settings).
#[derive(Debug, Clone, PartialEq)]
pub struct PodSettings {
    pub image: String,
    /// Must not be 0: the pod runs as non-root.
    pub run_as_user: i64,
    /// The pod ends itself (and the reaper may delete it) after this.
    pub ttl: Duration,
    /// How long to wait for `Running` before the run is retried.
    pub start_timeout: Duration,
    pub cpu_limit: String,
    pub memory_limit: String,
    pub tolerations: Vec<Toleration>,
    pub node_selector: BTreeMap<String, String>,
}

impl Default for PodSettings {
    fn default() -> Self {
        Self {
            image: "busybox:1.37".into(),
            run_as_user: 65534,
            ttl: Duration::from_secs(600),
            start_timeout: Duration::from_secs(120),
            cpu_limit: "100m".into(),
            memory_limit: "64Mi".into(),
            tolerations: Vec::new(),
            node_selector: BTreeMap::new(),
        }
    }
}

/// `wfm-pvc-reader-{config}-{run}`.
pub fn pod_name(config_id: i64, run_id: i64) -> String {
    format!("wfm-pvc-reader-{config_id}-{run_id}")
}

/// The reader pod for one run.
pub fn reader_pod(
    settings: &PodSettings,
    config_id: i64,
    run_id: i64,
    mounts: &[ResultMount],
    now: DateTime<Utc>,
) -> Pod {
    let ttl_secs = settings.ttl.as_secs().max(1);
    let expires = now + chrono::Duration::seconds(i64::try_from(ttl_secs).unwrap_or(i64::MAX));
    let labels = BTreeMap::from([
        (READER_LABEL.to_owned(), "true".to_owned()),
        (CONFIG_LABEL.to_owned(), config_id.to_string()),
        (RUN_LABEL.to_owned(), run_id.to_string()),
        (
            "app.kubernetes.io/managed-by".to_owned(),
            "wfm-collector".to_owned(),
        ),
    ]);
    let annotations = BTreeMap::from([(
        EXPIRES_ANNOTATION.to_owned(),
        expires.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    )]);
    // One volume per claim (a claim mounted twice is one volume, two mounts).
    let mut volumes: Vec<Volume> = Vec::new();
    for mount in mounts {
        if !volumes.iter().any(|v| v.name == mount.volume) {
            volumes.push(Volume {
                name: mount.volume.clone(),
                persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                    claim_name: mount.claim.clone(),
                    read_only: Some(true),
                }),
                ..Volume::default()
            });
        }
    }
    let volume_mounts: Vec<VolumeMount> = mounts
        .iter()
        .map(|m| VolumeMount {
            name: m.volume.clone(),
            mount_path: m.mount_path.clone(),
            sub_path: m.sub_path.clone(),
            read_only: Some(true),
            ..VolumeMount::default()
        })
        .collect();
    let limits = BTreeMap::from([
        ("cpu".to_owned(), Quantity(settings.cpu_limit.clone())),
        ("memory".to_owned(), Quantity(settings.memory_limit.clone())),
    ]);
    let requests = BTreeMap::from([
        ("cpu".to_owned(), Quantity("10m".into())),
        ("memory".to_owned(), Quantity("16Mi".into())),
    ]);
    Pod {
        metadata: ObjectMeta {
            name: Some(pod_name(config_id, run_id)),
            labels: Some(labels),
            annotations: Some(annotations),
            ..ObjectMeta::default()
        },
        spec: Some(PodSpec {
            restart_policy: Some("Never".into()),
            automount_service_account_token: Some(false),
            enable_service_links: Some(false),
            active_deadline_seconds: Some(i64::try_from(ttl_secs).unwrap_or(i64::MAX)),
            termination_grace_period_seconds: Some(0),
            tolerations: (!settings.tolerations.is_empty()).then(|| settings.tolerations.clone()),
            node_selector: (!settings.node_selector.is_empty())
                .then(|| settings.node_selector.clone()),
            security_context: Some(PodSecurityContext {
                run_as_non_root: Some(true),
                run_as_user: Some(settings.run_as_user),
                run_as_group: Some(settings.run_as_user),
                seccomp_profile: Some(SeccompProfile {
                    type_: "RuntimeDefault".into(),
                    ..SeccompProfile::default()
                }),
                ..PodSecurityContext::default()
            }),
            containers: vec![Container {
                name: CONTAINER.into(),
                image: Some(settings.image.clone()),
                image_pull_policy: Some("IfNotPresent".into()),
                command: Some(vec!["sleep".into(), ttl_secs.to_string()]),
                volume_mounts: Some(volume_mounts),
                resources: Some(ResourceRequirements {
                    limits: Some(limits),
                    requests: Some(requests),
                    ..ResourceRequirements::default()
                }),
                security_context: Some(SecurityContext {
                    allow_privilege_escalation: Some(false),
                    read_only_root_filesystem: Some(true),
                    run_as_non_root: Some(true),
                    privileged: Some(false),
                    capabilities: Some(Capabilities {
                        drop: Some(vec!["ALL".into()]),
                        ..Capabilities::default()
                    }),
                    ..SecurityContext::default()
                }),
                ..Container::default()
            }],
            volumes: Some(volumes),
            ..PodSpec::default()
        }),
        status: None,
    }
}

/// Delete at once: a reader pod holds nothing worth a grace period.
pub fn delete_now() -> kube::api::DeleteParams {
    kube::api::DeleteParams {
        grace_period_seconds: Some(0),
        ..kube::api::DeleteParams::default()
    }
}

/// When a reader pod may be reaped: its expiry annotation, else (a pod
/// someone made by hand with our label) its creation plus `ttl`.
pub fn expires_at(pod: &Pod, ttl: Duration) -> Option<DateTime<Utc>> {
    let annotated = pod
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(EXPIRES_ANNOTATION))
        .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
        .map(|at| at.with_timezone(&Utc));
    annotated.or_else(|| {
        let created = pod
            .metadata
            .creation_timestamp
            .as_ref()
            .map(crate::arc::utc)?;
        Some(created + chrono::Duration::from_std(ttl).unwrap_or_default())
    })
}
