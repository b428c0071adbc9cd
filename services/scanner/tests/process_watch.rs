//! wfm-scanner as a process, watching through a kubeconfig that points at
//! the fake API server: it files the run of a finished job, and killed
//! mid-stream (SIGKILL) then restarted, it still files it exactly once.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use wfm_db::schema::{github_workflow_runs as runs, gpu_workloads as workloads};
use wfm_testing::arc_fixtures::{apply_runner_sets, insert_set_config, watch_events};
use wfm_testing::fake_kube::FakeKube;
use wfm_testing::{ServiceProcess, TestDb, free_port};

const BIN: &str = env!("CARGO_BIN_EXE_wfm-scanner");

fn spawn(db: &TestDb, kubeconfig: &str) -> ServiceProcess {
    let addr = format!("127.0.0.1:{}", free_port());
    ServiceProcess::spawn(
        BIN,
        &[],
        &[
            ("DATABASE_URL", db.url()),
            ("WFM_LISTEN_ADDR", &addr),
            ("KUBECONFIG", kubeconfig),
            ("WFM_SCANNER_NAMESPACES", "arc-runners"),
            ("WFM_SCANNER_SCAN_INTERVAL", "0s"),
        ],
    )
}

async fn count(db: &TestDb, query: &str) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let n: N = diesel::sql_query(query)
        .get_result(&mut db.connect().await)
        .await
        .expect("count");
    n.n
}

async fn until(what: &str, process: &ServiceProcess, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !check().await {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; scanner output:\n{}",
            process.output()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn watching(kube: &FakeKube, process: &ServiceProcess, watches: usize) {
    until("the scanner's runner watch", process, async || {
        kube.requests()
            .iter()
            .filter(|r| {
                r.starts_with("GET /apis/actions.github.com/v1alpha1/namespaces/arc-runners/ephemeralrunners?")
                    && r.contains("watch=true")
            })
            .count()
            >= watches
    })
    .await;
}

#[tokio::test]
async fn the_binary_files_the_run_once_across_a_kill_and_restart() {
    let db = TestDb::new().await;
    insert_set_config(&db).await;
    let kube = FakeKube::start().await;
    apply_runner_sets(&kube);
    let kubeconfig =
        std::env::temp_dir().join(format!("wfm-scanner-kubeconfig-{}", std::process::id()));
    kube.write_kubeconfig(&kubeconfig);
    let kubeconfig = kubeconfig.to_str().expect("utf-8").to_owned();

    let first = spawn(&db, &kubeconfig);
    watching(&kube, &first, 1).await;
    let events = watch_events();
    let job_at = events
        .iter()
        .position(|(_, o)| o["status"]["jobId"].is_string())
        .expect("a job event");
    for (kind, object) in &events[..=job_at] {
        kube.emit(kind, object.clone());
    }
    until("the job context", &first, async || {
        count(
            &db,
            "SELECT count(*) AS n FROM gpu_workloads WHERE github_job_guid IS NOT NULL",
        )
        .await
            == 1
    })
    .await;
    first.signal(libc::SIGKILL);
    // The job ends while no scanner runs: the rest of the stream, then the object is gone.
    for (kind, object) in &events[job_at + 1..] {
        kube.emit(kind, object.clone());
    }
    let second = spawn(&db, &kubeconfig);
    until("the run", &second, async || {
        count(&db, "SELECT count(*) AS n FROM github_workflow_runs").await == 1
    })
    .await;
    // A third scanner alongside changes nothing.
    let third = spawn(&db, &kubeconfig);
    watching(&kube, &third, 3).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let total: i64 = runs::table
        .count()
        .get_result(&mut db.connect().await)
        .await
        .unwrap();
    assert_eq!(total, 1);
    let completed: Vec<(String, bool)> = workloads::table
        .filter(workloads::kind.eq("EphemeralRunner"))
        .select((workloads::status, workloads::completed_at_approximate))
        .load(&mut db.connect().await)
        .await
        .unwrap();
    // Whether the restarted scanner saw the history or only the relist, the runner ended once.
    assert_eq!(completed.len(), 1);
    assert_eq!(completed[0].0, "completed");
    for p in [second, third] {
        p.signal(libc::SIGTERM);
    }
}
