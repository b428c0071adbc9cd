//! The scanner's real watchers against a fake Kubernetes API server (on
//! loopback, kube-rs's own client) and a real Postgres: ARC's lifecycle from
//! the fixtures becomes rows and runs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use wfm_db::models::{NewConfig, Run, Workload};
use wfm_db::schema::{github_workflow_runs as runs, gpu_workloads as workloads};
use wfm_db::{TriggerSource, WorkloadStatus};
use wfm_scanner::{Scanner, ScannerConfig, ScannerMetrics};
use wfm_testing::arc_fixtures::{apply_runner_sets, insert_set_config, load, watch_events};
use wfm_testing::fake_kube::FakeKube;
use wfm_testing::{TestDb, insert_config, runner_set_config};

const RUNNER: &str = "bench-runners-7xk2p-runner-q9w4z";
const RUNNER_UID: &str = "4b1f2c3d-0a11-4c5e-9f00-aa0000000003";

fn bound(set: &str) -> NewConfig {
    runner_set_config("arc-runners", set)
}

struct Running {
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
    scanner: Arc<Scanner>,
}

impl Running {
    async fn stop(self) {
        self.stop.cancel();
        self.task.await.expect("test setup");
    }
}

fn start(db: &TestDb, kube: &FakeKube) -> Running {
    let scanner = Arc::new(Scanner {
        pool: db.pool().clone(),
        cluster: "default".into(),
        config: ScannerConfig {
            namespaces: None,
            scan_interval: None,
            scan_lookback: Duration::from_secs(600),
            pod_metrics_interval: None,
            pod_metrics_retention: Duration::from_secs(86_400),
        },
        metrics: ScannerMetrics::default(),
    });
    let stop = CancellationToken::new();
    let task = tokio::spawn(wfm_scanner::run(
        scanner.clone(),
        Some(kube.client()),
        stop.clone(),
    ));
    Running {
        stop,
        task,
        scanner,
    }
}

/// The fixture's runner set and its EphemeralRunnerSet, as the cluster has them.
async fn runs_of(db: &TestDb) -> Vec<Run> {
    runs::table
        .select(Run::as_select())
        .order(runs::id)
        .load(&mut db.connect().await)
        .await
        .expect("test setup")
}

async fn workload(db: &TestDb, uid: &str) -> Option<Workload> {
    workloads::table
        .filter(workloads::uid.eq(uid))
        .select(Workload::as_select())
        .first(&mut db.connect().await)
        .await
        .optional()
        .expect("test setup")
}

/// Waits until `check` holds on the database (10 s at most).
async fn until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Waits until `scanners` watches of runners are open (each scanner lists,
/// then watches): events from then on reach them as events.
async fn until_watching(kube: &FakeKube, scanners: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let watches = kube
            .requests()
            .iter()
            .filter(|r| r.contains("/ephemeralrunners?") && r.contains("watch=true"))
            .count();
        if watches >= scanners {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the scanner never watched: {:?}",
            kube.requests()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Plays the fixture's watch events for the runner.
fn play(kube: &FakeKube, events: &[(String, Value)]) {
    for (kind, object) in events {
        kube.emit(kind, object.clone());
    }
}

#[tokio::test]
async fn the_fixture_stream_files_exactly_one_run_per_matching_config() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    let matching = insert_config(&mut conn, &bound("bench-runners"))
        .await
        .unwrap();
    insert_config(&mut conn, &bound("other-runners"))
        .await
        .unwrap();
    let mut other_cluster = bound("bench-runners");
    other_cluster.cluster_name = Some("elsewhere".into());
    insert_config(&mut conn, &other_cluster).await.unwrap();
    let kube = FakeKube::start().await;
    apply_runner_sets(&kube);
    let scanner = start(&db, &kube);
    until_watching(&kube, 1).await;
    play(&kube, &watch_events());
    // Every event recorded: the two sets listed, then the runner's whole stream.
    let expected = 2 + watch_events().len() as u64;
    until("every event to be recorded", || async {
        scanner.scanner.metrics.events.get() >= expected
    })
    .await;
    scanner.stop().await;

    let all = runs_of(&db).await;
    assert_eq!(all.len(), 1, "{all:?}");
    let run = &all[0];
    assert_eq!(run.config_id, matching.id);
    assert_eq!(run.workload_uid, RUNNER_UID);
    assert_eq!(run.workload_name, RUNNER);
    assert_eq!(run.workload_namespace, "arc-runners");
    assert_eq!(run.github_run_id, Some(31753891150));
    assert_eq!(run.head_branch.as_deref(), Some("main"));
    assert_eq!(run.trigger_source, TriggerSource::Realtime);
    assert_eq!(
        run.workload_completed_at.map(|t| t.to_rfc3339()).as_deref(),
        Some("2026-07-01T10:27:41+00:00")
    );

    let row = workload(&db, RUNNER_UID).await.unwrap();
    assert_eq!(row.status, WorkloadStatus::Completed);
    assert!(!row.completed_at_approximate);
    assert_eq!(
        row.github_job_guid.as_deref(),
        Some("85cb98eb-2919-5766-872c-cc997f618c1f")
    );
    assert_eq!(
        row.github_repository.as_deref(),
        Some("octo-org/bench-suite")
    );
    assert_eq!(row.github_runner_id, Some(2402));
    assert_eq!(
        row.parent_uid.as_deref(),
        Some("4b1f2c3d-0a11-4c5e-9f00-aa0000000002")
    );
    assert!(row.started_at.is_some());
    let set = workload(&db, "4b1f2c3d-0a11-4c5e-9f00-aa0000000001")
        .await
        .unwrap();
    assert_eq!(
        set.spec.unwrap()["volumes"][0]["persistentVolumeClaim"]["claimName"],
        "bench-results"
    );
}

#[tokio::test]
async fn a_restart_mid_stream_still_completes_the_runner_once() {
    let db = TestDb::new().await;
    let config = insert_set_config(&db).await;
    let kube = FakeKube::start().await;
    apply_runner_sets(&kube);
    let events = watch_events();
    // Up to the job starting (the listener's patch), seen by the first scanner.
    let job_at = events
        .iter()
        .position(|(_, o)| o["status"]["jobId"].is_string())
        .unwrap();
    let first = start(&db, &kube);
    until_watching(&kube, 1).await;
    play(&kube, &events[..=job_at]);
    until("the job context", || async {
        workload(&db, RUNNER_UID)
            .await
            .is_some_and(|w| w.github_job_guid.is_some())
    })
    .await;
    first.stop().await;
    // While no scanner runs, ARC deletes the runner.
    assert!(kube.remove_unseen("ephemeralrunners", "arc-runners", RUNNER));
    let second = start(&db, &kube);
    until("the run", || async { !runs_of(&db).await.is_empty() }).await;
    // The relist's completion must not be repeated by a later relist (410 Gone).
    kube.expire();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    second.stop().await;

    let all = runs_of(&db).await;
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0].config_id, config.id);
    let row = workload(&db, RUNNER_UID).await.unwrap();
    assert_eq!(row.status, WorkloadStatus::Completed);
    assert!(row.completed_at_approximate, "seen only by a relist");
    assert!(row.completed_at.is_some());
}

#[tokio::test]
async fn a_relist_after_410_gone_completes_a_runner_deleted_meanwhile() {
    let db = TestDb::new().await;
    insert_set_config(&db).await;
    let kube = FakeKube::start().await;
    apply_runner_sets(&kube);
    let running: Value = load("ephemeralrunner.running-with-job.yaml");
    kube.apply(running);
    let scanner = start(&db, &kube);
    until("the runner", || async {
        workload(&db, RUNNER_UID).await.is_some()
    })
    .await;
    // The deletion is lost (the watch broke) and the watch expires.
    kube.remove_unseen("ephemeralrunners", "arc-runners", RUNNER);
    kube.expire();
    until("the run", || async { runs_of(&db).await.len() == 1 }).await;
    scanner.stop().await;
    assert!(
        workload(&db, RUNNER_UID)
            .await
            .unwrap()
            .completed_at_approximate
    );
    let relists = kube
        .requests()
        .iter()
        .filter(|r| {
            r.starts_with("GET /apis/actions.github.com/v1alpha1/ephemeralrunners?")
                && !r.contains("watch=")
        })
        .count();
    assert!(
        relists >= 2,
        "a list at start and one after the 410: {:?}",
        kube.requests()
    );
}

/// A config's filters against the fixture runner (bench.yml on main).
async fn runs_with_filters(workflow: Option<&str>, branch: Option<&str>) -> usize {
    let db = TestDb::new().await;
    let mut config = bound("bench-runners");
    config.workflow_filter = workflow.map(str::to_owned);
    config.branch_filter = branch.map(str::to_owned);
    insert_config(&mut db.connect().await, &config)
        .await
        .expect("test setup");
    let kube = FakeKube::start().await;
    apply_runner_sets(&kube);
    let scanner = start(&db, &kube);
    until_watching(&kube, 1).await;
    play(&kube, &watch_events());
    until("the runner to be completed", || async {
        workload(&db, RUNNER_UID)
            .await
            .is_some_and(|w| w.status == WorkloadStatus::Completed)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    scanner.stop().await;
    runs_of(&db).await.len()
}

#[tokio::test]
async fn workflow_file_and_branch_filters_decide() {
    assert_eq!(runs_with_filters(Some("bench.yml"), Some("main")).await, 1);
    assert_eq!(runs_with_filters(Some("nightly.yml"), None).await, 0);
    assert_eq!(runs_with_filters(None, Some("release")).await, 0);
    assert_eq!(runs_with_filters(Some("bench.yml"), None).await, 1);
    // A workflow named like the file's tail but another file.
    assert_eq!(runs_with_filters(Some("ench.yml"), None).await, 0);
}

#[tokio::test]
async fn runners_without_a_job_are_recorded_and_never_collected() {
    let db = TestDb::new().await;
    insert_set_config(&db).await;
    let kube = FakeKube::start().await;
    apply_runner_sets(&kube);
    let scanner = start(&db, &kube);
    until_watching(&kube, 1).await;
    // Scaled down before any job: added, then deleted.
    let pending: Value = load("ephemeralrunner.pending.yaml");
    kube.apply(pending);
    until("the runner", || async {
        workload(&db, RUNNER_UID).await.is_some()
    })
    .await;
    kube.delete("ephemeralrunners", "arc-runners", RUNNER);
    // A runner that failed, even one the listener had given a job.
    let mut failed: Value = load("ephemeralrunner.failed.yaml");
    failed["metadata"]["uid"] = json!("failed-runner-uid");
    failed["status"]["jobId"] = json!("0b6d2a54-0000-0000-0000-00000000f00d");
    failed["status"]["workflowRunId"] = json!(31_753_891_151_i64);
    failed["status"]["jobWorkflowRef"] =
        json!("octo-org/bench-suite/.github/workflows/bench.yml@refs/heads/main");
    kube.apply(failed);
    until("both recorded and ended", || async {
        let a = workload(&db, RUNNER_UID).await;
        let b = workload(&db, "failed-runner-uid").await;
        a.is_some_and(|w| w.status == WorkloadStatus::Completed)
            && b.is_some_and(|w| w.status == WorkloadStatus::Failed)
    })
    .await;
    scanner.stop().await;
    // Even the periodic scan finds nothing to collect among them.
    let report = wfm_scanner::scan::scan_due(
        &mut db.connect().await,
        "default",
        Duration::ZERO,
        Duration::from_secs(365 * 86_400 * 10),
    )
    .await
    .unwrap();
    assert_eq!(report.configs, 1);
    assert_eq!(report.filed, 0);
    assert!(runs_of(&db).await.is_empty());
}

#[tokio::test]
async fn two_scanners_on_one_database_enqueue_once() {
    let db = TestDb::new().await;
    insert_set_config(&db).await;
    let kube = FakeKube::start().await;
    apply_runner_sets(&kube);
    let (a, b) = (start(&db, &kube), start(&db, &kube));
    until_watching(&kube, 2).await;
    // Fifty runners through their whole lifecycle, seen by both.
    let events = watch_events();
    for i in 0..50 {
        let renamed: Vec<(String, Value)> = events
            .iter()
            .map(|(kind, object)| {
                let mut object = object.clone();
                object["metadata"]["name"] = json!(format!("{RUNNER}-{i}"));
                object["metadata"]["uid"] = json!(format!("runner-{i}"));
                (kind.clone(), object)
            })
            .collect();
        play(&kube, &renamed);
    }
    until("fifty runs", || async { runs_of(&db).await.len() >= 50 }).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    a.stop().await;
    b.stop().await;
    let all = runs_of(&db).await;
    assert_eq!(all.len(), 50);
    let mut uids: Vec<&str> = all.iter().map(|r| r.workload_uid.as_str()).collect();
    uids.sort_unstable();
    uids.dedup();
    assert_eq!(uids.len(), 50);
}
