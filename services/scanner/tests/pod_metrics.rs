//! Runner pods' CPU and memory read from the fake API server's
//! `metrics.k8s.io` by the real scanner loop, stored once, and attached to
//! the job each runner ran (and to no other).

use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel_async::RunQueryDsl;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use wfm_runner_obs::navigation;
use wfm_runner_obs::resources::of_job;
use wfm_scanner::{Scanner, ScannerConfig, ScannerMetrics};
use wfm_testing::TestDb;
use wfm_testing::fake_kube::FakeKube;

const NS: &str = "arc-runners";

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// An EphemeralRunner, whose pod spec gives its pod's limits.
fn runner(name: &str, limits: Option<Value>) -> Value {
    let resources = limits.map_or(json!({}), |l| json!({"limits": l}));
    json!({"apiVersion": "actions.github.com/v1alpha1", "kind": "EphemeralRunner",
           "metadata": {"name": name, "namespace": NS},
           "spec": {"githubConfigUrl": "https://github.com/octo", "spec": {"containers": [
               {"name": "runner", "image": "ghcr.io/actions/actions-runner", "resources": resources}]}}})
}

fn pod_metrics(name: &str, at: &str, cpu: &str, memory: &str, runner: bool) -> Value {
    let labels = if runner {
        json!({"actions-ephemeral-runner": "True"})
    } else {
        json!({"app": "other"})
    };
    json!({"apiVersion": "metrics.k8s.io/v1beta1", "kind": "PodMetrics",
           "metadata": {"name": name, "namespace": NS, "labels": labels},
           "timestamp": at, "window": "15s",
           "containers": [{"name": "runner", "usage": {"cpu": cpu, "memory": memory}}]})
}

async fn add_job(db: &TestDb, id: i64, runner: &str, started: &str, completed: &str) {
    diesel::sql_query(format!(
        "INSERT INTO github_workflow_jobs (github_job_id, github_run_id, repository, job_name, status, \
             conclusion, runner_name, started_at, completed_at) \
         VALUES ({id}, {id}0, 'octo/bench', 'bench', 'completed', 'success', '{runner}', '{started}', '{completed}')"
    ))
    .execute(&mut db.connect().await)
    .await
    .expect("a job");
}

#[tokio::test]
async fn runner_pods_are_sampled_and_their_samples_attached_to_the_job_they_ran() {
    let db = TestDb::new().await;
    let kube = FakeKube::start().await;
    kube.apply(runner(
        "runner-a",
        Some(json!({"cpu": "4", "memory": "8Gi"})),
    ));
    kube.apply(runner("runner-b", None));
    // runner-a of another namespace, with other limits
    let mut elsewhere = runner("runner-a", Some(json!({"cpu": "1", "memory": "1Gi"})));
    elsewhere["metadata"]["namespace"] = json!("other-runners");
    kube.apply(elsewhere);
    kube.apply(pod_metrics(
        "runner-a",
        "2026-12-05T10:00:15Z",
        "3",
        "6Gi",
        true,
    ));
    kube.apply(pod_metrics(
        "runner-b",
        "2026-12-05T10:00:15Z",
        "500m",
        "1Gi",
        true,
    ));
    // a pod that is no runner
    kube.apply(pod_metrics(
        "web-0",
        "2026-12-05T10:00:15Z",
        "1",
        "1Gi",
        false,
    ));
    add_job(
        &db,
        1,
        "runner-a",
        "2026-12-05T10:00:00Z",
        "2026-12-05T10:05:00Z",
    )
    .await;
    add_job(
        &db,
        2,
        "runner-b",
        "2026-12-05T10:00:00Z",
        "2026-12-05T10:05:00Z",
    )
    .await;
    // runner-a's previous job, before this sample
    add_job(
        &db,
        3,
        "runner-a",
        "2026-12-05T09:00:00Z",
        "2026-12-05T09:30:00Z",
    )
    .await;
    // a sample past the retention, deleted by the loop's sweep
    diesel::sql_query(
        "INSERT INTO github_job_resource_samples (runner_name, source, sampled_at) \
         VALUES ('runner-old', 'kubernetes', now() - interval '40 days')",
    )
    .execute(&mut db.connect().await)
    .await
    .expect("an old sample");

    let scanner = Arc::new(Scanner {
        pool: db.pool().clone(),
        cluster: "default".into(),
        config: ScannerConfig {
            namespaces: Some(vec![NS.into()]),
            scan_interval: None,
            scan_lookback: Duration::from_secs(600),
            pod_metrics_interval: Some(Duration::from_secs(1)),
            pod_metrics_retention: Duration::from_secs(30 * 86_400),
        },
        metrics: ScannerMetrics::default(),
    });
    let stop = CancellationToken::new();
    let task = tokio::spawn(wfm_scanner::run(
        scanner.clone(),
        Some(kube.client()),
        stop.clone(),
    ));
    let deadline = Instant::now() + Duration::from_secs(20);
    while scanner.metrics.pod_samples.get() < 2 {
        assert!(Instant::now() < deadline, "no samples stored");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // a later reading of runner-a, after its job
    kube.apply(pod_metrics(
        "runner-a",
        "2026-12-05T10:20:00Z",
        "1",
        "1Gi",
        true,
    ));
    while scanner.metrics.pod_samples.get() < 3 {
        assert!(
            Instant::now() < deadline,
            "the second reading was not stored"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // the same readings again store nothing
    tokio::time::sleep(Duration::from_millis(2500)).await;
    stop.cancel();
    task.await.expect("the scanner stops");
    assert_eq!(
        scanner.metrics.pod_samples.get(),
        3,
        "each reading kept once"
    );
    assert_eq!(scanner.metrics.pod_metrics_errors.get(), 0);

    let mut conn = db.connect().await;
    let old: Vec<Count> = diesel::sql_query(
        "SELECT count(*) AS n FROM github_job_resource_samples WHERE runner_name = 'runner-old'",
    )
    .load(&mut conn)
    .await
    .expect("a count");
    assert_eq!(old[0].n, 0, "past the retention");
    let a = navigation::job(&mut conn, 1)
        .await
        .expect("a query")
        .expect("job 1");
    let a = of_job(&mut conn, &a).await.expect("samples");
    assert_eq!(a.samples.len(), 1, "{:?}", a.samples);
    let s = &a.samples[0];
    assert_eq!(s.source, "kubernetes");
    assert_eq!(s.cpu_percent, Some(75.0), "3 of 4 cores");
    assert_eq!(
        (s.memory_used_bytes, s.memory_total_bytes),
        (Some(6 << 30), Some(8 << 30))
    );
    assert_eq!(s.extra["cpu_cores"], 3.0);
    assert_eq!(a.summary.memory_max_fraction, Some(0.75));

    let b = navigation::job(&mut conn, 2)
        .await
        .expect("a query")
        .expect("job 2");
    let b = of_job(&mut conn, &b).await.expect("samples");
    assert_eq!(b.samples.len(), 1);
    assert_eq!(b.samples[0].cpu_percent, None, "no limit: no share");
    assert_eq!(b.samples[0].extra["cpu_cores"], 0.5);
    assert_eq!(b.samples[0].memory_total_bytes, None);

    let earlier = navigation::job(&mut conn, 3)
        .await
        .expect("a query")
        .expect("job 3");
    assert!(
        of_job(&mut conn, &earlier)
            .await
            .expect("samples")
            .samples
            .is_empty()
    );
    let requests = kube.requests();
    assert!(
        requests.iter().any(|r| r
            .starts_with("GET /apis/metrics.k8s.io/v1beta1/namespaces/arc-runners/pods?")
            && r.contains("actions-ephemeral-runner")),
        "{requests:?}"
    );
}
