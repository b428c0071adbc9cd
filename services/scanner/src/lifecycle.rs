//! What an observed ARC object means for wfm, as pure functions: the row it
//! becomes in `gpu_workloads` and whether its job has finished.
//!
//! ARC (see `fixtures/arc/README.md`) never reports a job's end as a status:
//! from 0.13 on it deletes the EphemeralRunner as soon as the runner exits,
//! so a watch sees `deletionTimestamp` set and then DELETED; up to 0.12 the
//! phase became `Succeeded`. Each of those, on a runner that got a job, is
//! "job finished". A runner that never got a job is recorded and never
//! collected; a `Failed` runner neither. (A runner that went away while no
//! watch saw it is found by the next relist: `record::vanish`, in SQL.)

use chrono::{DateTime, Utc};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use serde_json::{Map, Value, json};
use wfm_db::{WorkloadKind, WorkloadStatus};
use wfm_kube::arc::{self, AutoscalingRunnerSet, EphemeralRunner, EphemeralRunnerSet};

/// How an object was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// Listed or added/modified by the watch.
    Present,
    /// A DELETED watch event.
    Deleted,
}

/// The job a runner ran, from its status (written by ARC's listener when the job starts).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobContext {
    pub repository: Option<String>,
    pub workflow_ref: Option<String>,
    pub branch: Option<String>,
    pub run_id: Option<i64>,
    pub job_guid: Option<String>,
    pub job_name: Option<String>,
}

impl JobContext {
    /// `None` while the runner has no job.
    pub fn of(runner: &EphemeralRunner) -> Option<Self> {
        let status = runner.status.as_ref()?;
        if status.job_id.is_none() && status.workflow_run_id.is_none() {
            return None;
        }
        Some(JobContext {
            repository: status.job_repository_name.clone(),
            branch: status.job_workflow_ref.as_deref().and_then(branch_of),
            workflow_ref: status.job_workflow_ref.clone(),
            run_id: status.workflow_run_id,
            job_guid: status.job_id.clone(),
            job_name: status.job_display_name.clone(),
        })
    }
}

/// The branch of a workflow ref (`owner/repo/.github/workflows/x.yml@refs/heads/main` → `main`);
/// `None` for tags and pull-request refs. The ref starts at the first `@`
/// (repository and workflow paths have none; branch names may).
pub fn branch_of(workflow_ref: &str) -> Option<String> {
    let (_, git_ref) = workflow_ref.split_once('@')?;
    git_ref
        .strip_prefix("refs/heads/")
        .filter(|b| !b.is_empty())
        .map(str::to_owned)
}

/// A `gpu_workloads` row as the scanner sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    pub kind: WorkloadKind,
    pub uid: String,
    pub name: String,
    pub namespace: String,
    pub parent: Option<Owner>,
    pub runner_set_name: Option<String>,
    pub labels: Value,
    pub annotations: Value,
    pub spec: Option<Value>,
    pub status: WorkloadStatus,
    pub phase: Option<String>,
    pub runner_id: Option<i64>,
    pub job: Option<JobContext>,
    pub created_at: Option<DateTime<Utc>>,
    /// Set when the workload has ended (a finished job, a deleted set).
    pub finished: Option<Finished>,
}

/// The controlling owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub kind: String,
    pub name: String,
    pub uid: String,
}

/// When a workload ended, and whether that time was seen or guessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finished {
    pub at: DateTime<Utc>,
    pub approximate: bool,
}

impl Finished {
    /// An end Kubernetes reported (or the scanner saw as it happened).
    fn seen(at: DateTime<Utc>) -> Self {
        Finished {
            at,
            approximate: false,
        }
    }
}

impl Observed {
    /// Whether this observation ends a runner's job (the row it becomes is
    /// what `record` files runs for, once, when the row turns completed).
    pub fn job_finished(&self) -> bool {
        self.kind == WorkloadKind::EphemeralRunner
            && self.status == WorkloadStatus::Completed
            && self.job.is_some()
    }
}

/// A runner's row. `now` stands in for times Kubernetes does not give.
pub fn runner(obj: &EphemeralRunner, seen: Seen, now: DateTime<Utc>) -> Option<Observed> {
    let meta = &obj.metadata;
    let status = obj.status.as_ref();
    let phase = status.and_then(|s| s.phase.clone());
    let deleting = meta.deletion_timestamp.as_ref().map(arc::utc);
    let failed = phase.as_deref() == Some("Failed");
    let succeeded = phase.as_deref() == Some("Succeeded");
    let finished = match (seen, deleting) {
        _ if failed => None,
        (_, Some(at)) => Some(Finished::seen(at)),
        (Seen::Deleted, None) => Some(Finished::seen(now)),
        (Seen::Present, None) if succeeded => Some(Finished::seen(now)),
        (Seen::Present, None) => None,
    };
    let status_now = match (&finished, phase.as_deref()) {
        _ if failed => WorkloadStatus::Failed,
        (Some(_), _) => WorkloadStatus::Completed,
        (None, Some("Running")) => WorkloadStatus::Running,
        (None, _) => WorkloadStatus::Pending,
    };
    let mut observed = common(meta, WorkloadKind::EphemeralRunner)?;
    observed.status = status_now;
    observed.phase = phase;
    observed.runner_id = status.and_then(|s| s.runner_id);
    observed.job = JobContext::of(obj);
    observed.finished = finished;
    Some(observed)
}

/// A scale set's row, with the template's volumes (what the temp-pod reader mounts).
pub fn autoscaling_runner_set(
    obj: &AutoscalingRunnerSet,
    seen: Seen,
    now: DateTime<Utc>,
) -> Option<Observed> {
    let mut observed = common(&obj.metadata, WorkloadKind::AutoscalingRunnerSet)?;
    observed.runner_set_name = Some(observed.name.clone());
    observed.phase = obj.status.as_ref().and_then(|s| s.phase.clone());
    observed.spec = Some(template_volumes(
        obj.spec.template.as_ref().and_then(|t| t.spec.as_ref()),
    ));
    set_state(&mut observed, seen, now);
    Some(observed)
}

/// An EphemeralRunnerSet's row (the link from a runner to its scale set).
pub fn ephemeral_runner_set(
    obj: &EphemeralRunnerSet,
    seen: Seen,
    now: DateTime<Utc>,
) -> Option<Observed> {
    let mut observed = common(&obj.metadata, WorkloadKind::EphemeralRunnerSet)?;
    observed.phase = obj.status.as_ref().and_then(|s| s.phase.clone());
    observed.spec = Some(template_volumes(
        obj.spec
            .ephemeral_runner_spec
            .as_ref()
            .and_then(|s| s.spec.as_ref()),
    ));
    set_state(&mut observed, seen, now);
    Some(observed)
}

/// Sets live while they exist and end when deleted.
fn set_state(observed: &mut Observed, seen: Seen, now: DateTime<Utc>) {
    (observed.status, observed.finished) = match seen {
        Seen::Present => (WorkloadStatus::Running, None),
        Seen::Deleted => (WorkloadStatus::Completed, Some(Finished::seen(now))),
    };
}

/// The fields every kind shares; `None` for an object without uid or name
/// (never sent by an API server).
fn common(meta: &ObjectMeta, kind: WorkloadKind) -> Option<Observed> {
    Some(Observed {
        kind,
        uid: meta.uid.clone()?,
        name: meta.name.clone()?,
        namespace: meta.namespace.clone().unwrap_or_default(),
        parent: controller(meta.owner_references.as_deref().unwrap_or_default()),
        runner_set_name: arc::scale_set_name(meta).map(str::to_owned),
        labels: string_map(meta.labels.as_ref()),
        annotations: string_map(meta.annotations.as_ref()),
        spec: None,
        status: WorkloadStatus::Pending,
        phase: None,
        runner_id: None,
        job: None,
        created_at: meta.creation_timestamp.as_ref().map(arc::utc),
        finished: None,
    })
}

fn controller(owners: &[OwnerReference]) -> Option<Owner> {
    let owner = owners
        .iter()
        .find(|o| o.controller == Some(true))
        .or(owners.first())?;
    Some(Owner {
        kind: owner.kind.clone(),
        name: owner.name.clone(),
        uid: owner.uid.clone(),
    })
}

fn string_map(map: Option<&std::collections::BTreeMap<String, String>>) -> Value {
    let map: Map<String, Value> = map
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    Value::Object(map)
}

/// `{"volumes": [...], "containers": [{"name", "volumeMounts"}]}` of a pod spec:
/// enough to mount the same volumes elsewhere, without the rest of the template.
fn template_volumes(spec: Option<&k8s_openapi::api::core::v1::PodSpec>) -> Value {
    let Some(spec) = spec else {
        return json!({"volumes": [], "containers": []});
    };
    let containers: Vec<Value> = spec
        .containers
        .iter()
        .map(|c| json!({"name": c.name, "volumeMounts": c.volume_mounts}))
        .collect();
    json!({"volumes": spec.volumes, "containers": containers})
}
