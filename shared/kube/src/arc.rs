//! ARC's resources (`actions.github.com/v1alpha1`), modelled on the CRDs of
//! gha-runner-scale-set 0.14.2 (see `fixtures/arc/README.md`).
//!
//! Only what wfm reads is typed; every field is optional with a default and
//! unknown fields are ignored, so a newer controller that adds fields (or an
//! older one that lacks some) never stops the watch. The pod template is
//! k8s-openapi's own type, since the temp-pod reader copies its volumes.

use std::borrow::Cow;
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

/// ARC's API group.
pub const GROUP: &str = "actions.github.com";
/// ARC's only API version.
pub const VERSION: &str = "v1alpha1";
/// The label ARC puts on a scale set's sets, runners and pods: the practical selector.
pub const SCALE_SET_NAME_LABEL: &str = "actions.github.com/scale-set-name";
/// The annotation carrying the same name (the label's fallback).
pub const SCALE_SET_NAME_ANNOTATION: &str = "actions.github.com/runner-scale-set-name";

/// Implements `kube::Resource` for a namespaced ARC kind (the derive would
/// bring in schemars for a schema wfm never generates).
macro_rules! arc_resource {
    ($ty:ident, $kind:literal, $plural:literal) => {
        impl kube::Resource for $ty {
            type DynamicType = ();
            type Scope = k8s_openapi::NamespaceResourceScope;

            fn kind(_: &()) -> Cow<'_, str> {
                Cow::Borrowed($kind)
            }
            fn group(_: &()) -> Cow<'_, str> {
                Cow::Borrowed(GROUP)
            }
            fn version(_: &()) -> Cow<'_, str> {
                Cow::Borrowed(VERSION)
            }
            fn plural(_: &()) -> Cow<'_, str> {
                Cow::Borrowed($plural)
            }
            fn meta(&self) -> &ObjectMeta {
                &self.metadata
            }
            fn meta_mut(&mut self) -> &mut ObjectMeta {
                &mut self.metadata
            }
        }
    };
}

/// A scale set: the unit a config binds to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AutoscalingRunnerSet {
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: AutoscalingRunnerSetSpec,
    #[serde(default)]
    pub status: Option<RunnerSetStatus>,
}
arc_resource!(
    AutoscalingRunnerSet,
    "AutoscalingRunnerSet",
    "autoscalingrunnersets"
);

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AutoscalingRunnerSetSpec {
    pub github_config_url: Option<String>,
    pub runner_scale_set_name: Option<String>,
    pub runner_group: Option<String>,
    pub min_runners: Option<i32>,
    pub max_runners: Option<i32>,
    /// The runners' pod template: where the result volumes are.
    pub template: Option<PodTemplateSpec>,
}

/// Status shared by the two set kinds (counts of their runners).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RunnerSetStatus {
    pub phase: Option<String>,
    pub current_runners: Option<i32>,
    pub current_replicas: Option<i32>,
    pub pending_ephemeral_runners: Option<i32>,
    pub running_ephemeral_runners: Option<i32>,
    pub failed_ephemeral_runners: Option<i32>,
}

/// The set of runners an AutoscalingRunnerSet scales (its owner).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EphemeralRunnerSet {
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: EphemeralRunnerSetSpec,
    #[serde(default)]
    pub status: Option<RunnerSetStatus>,
}
arc_resource!(
    EphemeralRunnerSet,
    "EphemeralRunnerSet",
    "ephemeralrunnersets"
);

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EphemeralRunnerSetSpec {
    pub replicas: Option<i32>,
    #[serde(rename = "patchID")]
    pub patch_id: Option<i64>,
    pub ephemeral_runner_spec: Option<EphemeralRunnerSpec>,
}

/// One runner: one job at most, deleted by ARC (≥ 0.13) when the job ends.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EphemeralRunner {
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: EphemeralRunnerSpec,
    #[serde(default)]
    pub status: Option<EphemeralRunnerStatus>,
}
arc_resource!(EphemeralRunner, "EphemeralRunner", "ephemeralrunners");

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EphemeralRunnerSpec {
    pub github_config_url: Option<String>,
    pub runner_scale_set_id: Option<i64>,
    /// The runner pod's spec (a copy of the scale set's template).
    pub spec: Option<PodSpec>,
}

/// What the controller and the listener write about a runner. The job
/// fields appear when the listener sees the job start.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EphemeralRunnerStatus {
    /// The runner pod's phase, copied (`Pending`, `Running`, `Failed`; `Succeeded` up to ARC 0.12).
    pub phase: Option<String>,
    pub ready: Option<bool>,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub runner_id: Option<i64>,
    pub runner_name: Option<String>,
    pub job_request_id: Option<i64>,
    /// The Actions service's job GUID, not the REST job id.
    pub job_id: Option<String>,
    /// `owner/repo`.
    pub job_repository_name: Option<String>,
    /// `owner/repo/.github/workflows/<file>@<ref>`.
    pub job_workflow_ref: Option<String>,
    /// The REST workflow run id.
    pub workflow_run_id: Option<i64>,
    pub job_display_name: Option<String>,
    /// Pod UID → time of each pod failure (a map of booleans before 0.14).
    pub failures: Option<BTreeMap<String, serde_json::Value>>,
}

/// A Kubernetes time as chrono's.
pub fn utc(
    time: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Time,
) -> chrono::DateTime<chrono::Utc> {
    let ts = time.0;
    chrono::DateTime::from_timestamp(ts.as_second(), ts.subsec_nanosecond().unsigned_abs())
        .unwrap_or_default()
}

/// The set a runner belongs to: its scale-set label, else the annotation ARC copies.
pub fn scale_set_name(meta: &ObjectMeta) -> Option<&str> {
    let label = meta
        .labels
        .as_ref()
        .and_then(|l| l.get(SCALE_SET_NAME_LABEL));
    let annotation = meta
        .annotations
        .as_ref()
        .and_then(|a| a.get(SCALE_SET_NAME_ANNOTATION));
    label.or(annotation).map(String::as_str)
}
