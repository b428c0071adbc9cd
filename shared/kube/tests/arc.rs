//! Every ARC example fixture parses into wfm's types, with the fields wfm reads.

use serde_json::{Value, json};
use wfm_kube::arc::{
    self, AutoscalingRunnerSet, EphemeralRunner, EphemeralRunnerSet, scale_set_name,
};
use wfm_testing::arc_fixtures::{load, watch_events};

#[test]
fn autoscaling_runner_set_keeps_its_template_volumes() {
    let ars: AutoscalingRunnerSet = load("autoscalingrunnerset.yaml");
    assert_eq!(ars.metadata.name.as_deref(), Some("bench-runners"));
    assert_eq!(scale_set_name(&ars.metadata), Some("bench-runners"));
    assert_eq!(
        ars.spec.runner_scale_set_name.as_deref(),
        Some("bench-runners")
    );
    let pod = ars
        .spec
        .template
        .and_then(|t| t.spec)
        .expect("a pod template");
    let volume = &pod.volumes.expect("volumes")[0];
    assert_eq!(
        volume
            .persistent_volume_claim
            .as_ref()
            .map(|c| c.claim_name.as_str()),
        Some("bench-results")
    );
    let mounts = pod.containers[0].volume_mounts.clone().expect("mounts");
    assert_eq!(mounts[0].mount_path, "/home/runner/results");
    assert_eq!(ars.status.and_then(|s| s.current_runners), Some(1));
}

#[test]
fn ephemeral_runner_set_points_at_its_scale_set() {
    let ers: EphemeralRunnerSet = load("ephemeralrunnerset.yaml");
    let owner = &ers.metadata.owner_references.expect("owner")[0];
    assert_eq!(owner.kind, "AutoscalingRunnerSet");
    assert_eq!(owner.uid, "4b1f2c3d-0a11-4c5e-9f00-aa0000000001");
    assert_eq!(ers.spec.patch_id, Some(4));
    assert_eq!(ers.spec.replicas, Some(1));
    assert!(
        ers.spec
            .ephemeral_runner_spec
            .and_then(|s| s.spec)
            .is_some()
    );
}

#[test]
fn runner_states_parse_with_their_job_fields() {
    let pending: EphemeralRunner = load("ephemeralrunner.pending.yaml");
    let status = pending.status.expect("status");
    assert_eq!(status.phase.as_deref(), Some("Pending"));
    assert_eq!(status.runner_id, Some(2402));
    assert_eq!(status.job_id, None);

    let running: EphemeralRunner = load("ephemeralrunner.running-with-job.yaml");
    let status = running.status.expect("status");
    assert_eq!(
        status.job_id.as_deref(),
        Some("85cb98eb-2919-5766-872c-cc997f618c1f")
    );
    assert_eq!(status.workflow_run_id, Some(31753891150));
    assert_eq!(
        status.job_repository_name.as_deref(),
        Some("octo-org/bench-suite")
    );
    assert_eq!(
        status.job_workflow_ref.as_deref(),
        Some("octo-org/bench-suite/.github/workflows/bench.yml@refs/heads/main")
    );
    assert_eq!(
        status.job_display_name.as_deref(),
        Some("bench (linux, x64)")
    );

    let deleting: EphemeralRunner = load("ephemeralrunner.deleting-after-job.yaml");
    let at = deleting.metadata.deletion_timestamp.as_ref().map(arc::utc);
    assert_eq!(
        at.map(|t| t.to_rfc3339()).as_deref(),
        Some("2026-07-01T10:27:41+00:00")
    );
    assert!(deleting.status.and_then(|s| s.job_id).is_some());

    let failed: EphemeralRunner = load("ephemeralrunner.failed.yaml");
    let status = failed.status.expect("status");
    assert_eq!(status.phase.as_deref(), Some("Failed"));
    assert_eq!(status.reason.as_deref(), Some("InvalidPod"));
    assert_eq!(status.failures.map(|f| f.len()), Some(1));
}

#[test]
fn the_runner_pod_and_the_results_pvc_parse_as_core_types() {
    use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};
    let pod: Pod = load("runner-pod.succeeded.yaml");
    let owner = &pod.metadata.owner_references.clone().expect("owner")[0];
    assert_eq!(
        (owner.kind.as_str(), owner.uid.as_str()),
        ("EphemeralRunner", "4b1f2c3d-0a11-4c5e-9f00-aa0000000003")
    );
    assert_eq!(
        pod.status.and_then(|s| s.phase).as_deref(),
        Some("Succeeded")
    );
    assert_eq!(scale_set_name(&pod.metadata), Some("bench-runners"));
    let pvc: PersistentVolumeClaim = load("bench-results-pvc.yaml");
    let modes = pvc.spec.and_then(|s| s.access_modes).expect("access modes");
    assert_eq!(modes, ["ReadWriteMany"]);
}

#[test]
fn every_watch_event_parses() {
    let events = watch_events();
    let types: Vec<&str> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(types.first(), Some(&"ADDED"));
    assert_eq!(types.last(), Some(&"DELETED"));
    for (_, object) in &events {
        let runner: EphemeralRunner =
            serde_json::from_value(object.clone()).expect("an EphemeralRunner");
        assert_eq!(scale_set_name(&runner.metadata), Some("bench-runners"));
    }
}

#[test]
fn unknown_fields_and_missing_optional_ones_are_tolerated() {
    let mut object: Value =
        serde_json::to_value(load::<Value>("ephemeralrunner.running-with-job.yaml")).expect("json");
    object["status"]["someFieldOfArc099"] = json!({"nested": true});
    object["spec"]["futureKnob"] = json!(3);
    object["status"]
        .as_object_mut()
        .expect("status")
        .remove("jobDisplayName");
    let runner: EphemeralRunner = serde_json::from_value(object).expect("still parses");
    assert_eq!(runner.status.and_then(|s| s.job_display_name), None);
    let bare: EphemeralRunner = serde_json::from_value(json!({
        "apiVersion": "actions.github.com/v1alpha1", "kind": "EphemeralRunner",
        "metadata": {"name": "r", "uid": "u"}
    }))
    .expect("a runner without spec or status");
    assert!(bare.status.is_none());
}

#[test]
fn resource_paths_are_arcs() {
    use kube::Resource;
    assert_eq!(
        EphemeralRunner::api_version(&()),
        "actions.github.com/v1alpha1"
    );
    assert_eq!(EphemeralRunner::plural(&()), "ephemeralrunners");
    assert_eq!(
        EphemeralRunner::url_path(&(), Some("arc-runners")),
        "/apis/actions.github.com/v1alpha1/namespaces/arc-runners/ephemeralrunners"
    );
    assert_eq!(AutoscalingRunnerSet::plural(&()), "autoscalingrunnersets");
    assert_eq!(EphemeralRunnerSet::kind(&()), "EphemeralRunnerSet");
}
