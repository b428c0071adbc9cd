//! Latency from a runner's deletion, as the API server sends it, to its
//! pending run row: 100 runners one after another, through a real
//! wfm-scanner process (the binary given as the first argument) watching the
//! fake API server, periodic scan off. Two deletion shapes: ARC ≥ 0.13's
//! MODIFIED with `deletionTimestamp` (the job-finished signal) and a bare
//! DELETED event. Run by `scripts/bench-scanner`.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};
use wfm_db::schema::github_workflow_runs as runs;
use wfm_testing::arc_fixtures::{apply_runner_sets, insert_set_config, load};
use wfm_testing::fake_kube::FakeKube;
use wfm_testing::{ServiceProcess, TestDb, free_port};

const RUNNERS: usize = 100;
/// Runners already in the cluster when the scanner starts (its first relist).
const LISTED: usize = 2000;

fn runner(i: usize, shape: &str) -> Value {
    let mut r: Value = load("ephemeralrunner.running-with-job.yaml");
    r["metadata"]["name"] = json!(format!("bench-{shape}-{i}"));
    r["metadata"]["uid"] = json!(format!("bench-{shape}-{i}"));
    r
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

#[tokio::main]
async fn main() {
    let bin = std::env::args()
        .nth(1)
        .expect("usage: bench_watch <path to wfm-scanner>");
    let db = TestDb::new().await;
    insert_set_config(&db).await;
    let kube = FakeKube::start().await;
    apply_runner_sets(&kube);
    let kubeconfig =
        std::env::temp_dir().join(format!("wfm-bench-kubeconfig-{}", std::process::id()));
    kube.write_kubeconfig(&kubeconfig);
    for i in 0..LISTED {
        kube.apply(runner(i, "listed"));
    }
    let addr = format!("127.0.0.1:{}", free_port());
    let started = Instant::now();
    let scanner = ServiceProcess::spawn(
        &bin,
        &[],
        &[
            ("DATABASE_URL", db.url()),
            ("WFM_LISTEN_ADDR", &addr),
            ("KUBECONFIG", kubeconfig.to_str().expect("utf-8")),
            ("WFM_SCANNER_SCAN_INTERVAL", "0s"),
            ("RUST_LOG", "warn"),
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while !kube
        .requests()
        .iter()
        .any(|r| r.contains("/ephemeralrunners?") && r.contains("watch=true"))
    {
        assert!(
            Instant::now() < deadline,
            "scanner never watched:\n{}",
            scanner.output()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut conn = db.connect().await;
    loop {
        let recorded: i64 = diesel::sql_query(
            "SELECT count(*) AS n FROM gpu_workloads WHERE kind = 'EphemeralRunner'",
        )
        .get_result::<Count>(&mut conn)
        .await
        .expect("poll")
        .n;
        if recorded as usize >= LISTED {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "relist never finished"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let took = started.elapsed();
    println!(
        "    first relist: {LISTED} runners recorded {:.2} s after the process started ({:.0} rows/s)",
        took.as_secs_f64(),
        LISTED as f64 / took.as_secs_f64()
    );
    for shape in ["deletionTimestamp", "DELETED"] {
        let mut latencies = Vec::with_capacity(RUNNERS);
        for i in 0..RUNNERS {
            let running = runner(i, shape);
            kube.apply(running.clone());
            // Recorded with its job first, as in a cluster (jobs run for minutes).
            let uid = running["metadata"]["uid"].as_str().expect("uid").to_owned();
            loop {
                let seen: i64 = diesel::sql_query(format!(
                    "SELECT count(*) AS n FROM gpu_workloads WHERE uid = '{uid}' AND github_job_guid IS NOT NULL"
                ))
                .get_result::<Count>(&mut conn)
                .await
                .expect("poll")
                .n;
                if seen == 1 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            let start = Instant::now();
            if shape == "DELETED" {
                kube.delete("ephemeralrunners", "arc-runners", &uid);
            } else {
                let mut deleting = running.clone();
                deleting["metadata"]["deletionTimestamp"] = json!(chrono::Utc::now().to_rfc3339());
                kube.apply(deleting);
            }
            loop {
                let filed: i64 = runs::table
                    .filter(runs::workload_uid.eq(&uid))
                    .count()
                    .get_result(&mut conn)
                    .await
                    .expect("poll");
                if filed == 1 {
                    break;
                }
                assert!(
                    start.elapsed() < Duration::from_secs(30),
                    "no run for {uid}:\n{}",
                    scanner.output()
                );
                tokio::time::sleep(Duration::from_micros(500)).await;
            }
            latencies.push(start.elapsed());
        }
        latencies.sort();
        println!(
            "{shape:>17}: {RUNNERS} runners, event -> pending run: median {:.1} ms, p90 {:.1} ms, max {:.1} ms",
            percentile(&latencies, 0.5).as_secs_f64() * 1e3,
            percentile(&latencies, 0.9).as_secs_f64() * 1e3,
            latencies[RUNNERS - 1].as_secs_f64() * 1e3,
        );
    }
    scanner.signal(libc::SIGTERM);
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}
