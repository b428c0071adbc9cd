//! The lifecycle decisions, fed with ARC's objects (fixtures/arc).

use chrono::{DateTime, Utc};
use wfm_db::{WorkloadKind, WorkloadStatus};
use wfm_kube::arc::{AutoscalingRunnerSet, EphemeralRunner, EphemeralRunnerSet};
use wfm_scanner::lifecycle::{self, Finished, Seen, branch_of};
use wfm_testing::arc_fixtures::{load, watch_events};

fn now() -> DateTime<Utc> {
    "2026-07-01T12:00:00Z".parse().expect("test setup")
}

#[test]
fn a_pending_runner_has_no_job_and_is_not_finished() {
    let runner: EphemeralRunner = load("ephemeralrunner.pending.yaml");
    let o = lifecycle::runner(&runner, Seen::Present, now()).unwrap();
    assert_eq!(o.kind, WorkloadKind::EphemeralRunner);
    assert_eq!(o.status, WorkloadStatus::Pending);
    assert_eq!(o.job, None);
    assert_eq!(o.finished, None);
    assert_eq!(o.runner_set_name.as_deref(), Some("bench-runners"));
    let parent = o.parent.clone().unwrap();
    assert_eq!(parent.kind, "EphemeralRunnerSet");
    assert_eq!(parent.uid, "4b1f2c3d-0a11-4c5e-9f00-aa0000000002");
    assert_eq!(o.labels["actions.github.com/organization"], "octo-org");
    assert_eq!(o.annotations["actions.github.com/patch-id"], "4");
    assert_eq!(o.runner_id, Some(2402));
    assert!(!o.job_finished());
}

#[test]
fn a_running_runner_carries_the_job_context() {
    let runner: EphemeralRunner = load("ephemeralrunner.running-with-job.yaml");
    let o = lifecycle::runner(&runner, Seen::Present, now()).unwrap();
    assert_eq!(o.status, WorkloadStatus::Running);
    let job = o.job.clone().unwrap();
    assert_eq!(job.repository.as_deref(), Some("octo-org/bench-suite"));
    assert_eq!(job.branch.as_deref(), Some("main"));
    assert_eq!(job.run_id, Some(31753891150));
    assert_eq!(
        job.job_guid.as_deref(),
        Some("85cb98eb-2919-5766-872c-cc997f618c1f")
    );
    assert_eq!(job.job_name.as_deref(), Some("bench (linux, x64)"));
    assert!(!o.job_finished());
}

#[test]
fn deletion_after_the_job_finishes_it_at_the_deletion_time() {
    let runner: EphemeralRunner = load("ephemeralrunner.deleting-after-job.yaml");
    let o = lifecycle::runner(&runner, Seen::Present, now()).unwrap();
    assert_eq!(o.status, WorkloadStatus::Completed);
    assert_eq!(
        o.finished,
        Some(Finished {
            at: "2026-07-01T10:27:41Z".parse().unwrap(),
            approximate: false
        })
    );
    assert!(o.job_finished());
    // The DELETED event of the same object: the same time.
    let deleted = lifecycle::runner(&runner, Seen::Deleted, now()).unwrap();
    assert_eq!(deleted.finished, o.finished);
}

#[test]
fn arc_0_12_succeeded_phase_also_finishes_the_job() {
    let mut runner: EphemeralRunner = load("ephemeralrunner.running-with-job.yaml");
    runner.status.as_mut().unwrap().phase = Some("Succeeded".into());
    let o = lifecycle::runner(&runner, Seen::Present, now()).unwrap();
    assert!(o.job_finished());
    assert_eq!(
        o.finished,
        Some(Finished {
            at: now(),
            approximate: false
        })
    );
}

#[test]
fn runners_without_a_job_and_failed_runners_are_never_collected() {
    let pending: EphemeralRunner = load("ephemeralrunner.pending.yaml");
    let deleted = lifecycle::runner(&pending, Seen::Deleted, now()).unwrap();
    assert_eq!(deleted.status, WorkloadStatus::Completed);
    assert!(!deleted.job_finished(), "scaled down before any job");

    let failed: EphemeralRunner = load("ephemeralrunner.failed.yaml");
    for seen in [Seen::Present, Seen::Deleted] {
        let o = lifecycle::runner(&failed, seen, now()).unwrap();
        assert_eq!(o.status, WorkloadStatus::Failed);
        assert_eq!(o.finished, None);
        assert!(!o.job_finished());
    }
}

#[test]
fn the_watch_stream_finishes_the_job_exactly_at_the_first_deletion_mark() {
    let decisions: Vec<(String, WorkloadStatus, bool)> = watch_events()
        .into_iter()
        .map(|(kind, object)| {
            let runner: EphemeralRunner = serde_json::from_value(object).unwrap();
            let seen = if kind == "DELETED" {
                Seen::Deleted
            } else {
                Seen::Present
            };
            let o = lifecycle::runner(&runner, seen, now()).unwrap();
            (kind, o.status, o.job_finished())
        })
        .collect();
    let first_finished = decisions.iter().position(|(_, _, f)| *f).unwrap();
    // Before: pending, then running (without, then with the job); after: finished every time.
    assert!(
        decisions[..first_finished]
            .iter()
            .all(|(_, s, _)| *s != WorkloadStatus::Completed)
    );
    assert!(
        decisions[first_finished..]
            .iter()
            .all(|(_, s, f)| *s == WorkloadStatus::Completed && *f)
    );
    assert_eq!(decisions.last().unwrap().0, "DELETED");
    assert!(
        decisions
            .iter()
            .any(|(_, s, _)| *s == WorkloadStatus::Running)
    );
}

#[test]
fn runner_sets_record_their_template_volumes() {
    let ars: AutoscalingRunnerSet = load("autoscalingrunnerset.yaml");
    let o = lifecycle::autoscaling_runner_set(&ars, Seen::Present, now()).unwrap();
    assert_eq!(o.kind, WorkloadKind::AutoscalingRunnerSet);
    assert_eq!(o.status, WorkloadStatus::Running);
    let spec = o.spec.unwrap();
    assert_eq!(
        spec["volumes"][0]["persistentVolumeClaim"]["claimName"],
        "bench-results"
    );
    assert_eq!(spec["containers"][0]["name"], "runner");
    assert_eq!(
        spec["containers"][0]["volumeMounts"][0]["mountPath"],
        "/home/runner/results"
    );
    let gone = lifecycle::autoscaling_runner_set(&ars, Seen::Deleted, now()).unwrap();
    assert_eq!(gone.status, WorkloadStatus::Completed);

    let ers: EphemeralRunnerSet = load("ephemeralrunnerset.yaml");
    let o = lifecycle::ephemeral_runner_set(&ers, Seen::Present, now()).unwrap();
    assert_eq!(o.parent.unwrap().kind, "AutoscalingRunnerSet");
    assert_eq!(o.spec.unwrap()["volumes"][0]["name"], "bench-results");
}

#[test]
fn branches_come_from_heads_refs_only() {
    assert_eq!(
        branch_of("o/r/.github/workflows/b.yml@refs/heads/main").as_deref(),
        Some("main")
    );
    assert_eq!(
        branch_of("o/r/.github/workflows/b.yml@refs/heads/feat/x@y").as_deref(),
        Some("feat/x@y"),
        "the ref starts at the first @"
    );
    assert_eq!(branch_of("o/r/.github/workflows/b.yml@refs/tags/v1"), None);
    assert_eq!(
        branch_of("o/r/.github/workflows/b.yml@refs/pull/7/merge"),
        None
    );
    assert_eq!(branch_of("no-ref"), None);
}
