//! wfm-api as a process: health, readiness, metrics, SIGTERM, bad configuration.

wfm_testing::service_process_tests!("wfm-api", env!("CARGO_BIN_EXE_wfm-api"));

/// The binary with tokens set: the API wants a token, the ops routes do not,
/// and the open-API warning is not logged.
#[tokio::test]
async fn tokens_guard_the_api_but_not_the_ops_routes() {
    use std::time::Duration;
    use wfm_testing::{ServiceProcess, TestDb, free_port, http_get};

    let db = TestDb::new().await;
    let addr = format!("127.0.0.1:{}", free_port());
    let mut api = ServiceProcess::spawn(
        env!("CARGO_BIN_EXE_wfm-api"),
        &[],
        &[
            ("DATABASE_URL", db.url()),
            ("WFM_LISTEN_ADDR", &addr),
            ("WFM_API_ADMIN_TOKENS", "s3cret"),
        ],
    );
    let base = format!("http://{addr}");
    api.wait_for_status(&format!("{base}/readyz"), 200, Duration::from_secs(20))
        .await;
    let (status, body) = http_get(&format!("{base}/v1/github-workflow-metrics/configs"))
        .await
        .expect("the API answers");
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("\"code\":4010"), "{body}");
    let (status, text) = http_get(&format!("{base}/metrics"))
        .await
        .expect("/metrics answers");
    assert_eq!(status, 200);
    // the benchmark series export is read at scrape time (none opted in here)
    assert!(text.contains("wfm_benchmark_series_truncated 0"), "{text}");
    assert!(
        !api.output().contains("the API is open"),
        "{}",
        api.output()
    );
}

/// Without tokens the binary serves the API and warns that it is open.
#[tokio::test]
async fn without_tokens_the_binary_warns() {
    use std::time::Duration;
    use wfm_testing::{ServiceProcess, TestDb, free_port, http_get};

    let db = TestDb::new().await;
    let addr = format!("127.0.0.1:{}", free_port());
    let mut api = ServiceProcess::spawn(
        env!("CARGO_BIN_EXE_wfm-api"),
        &[],
        &[("DATABASE_URL", db.url()), ("WFM_LISTEN_ADDR", &addr)],
    );
    let base = format!("http://{addr}");
    api.wait_for_status(&format!("{base}/readyz"), 200, Duration::from_secs(20))
        .await;
    let (status, body) = http_get(&format!("{base}/v1/github-workflow-metrics/configs"))
        .await
        .expect("the API answers");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"total\":0"), "{body}");
    assert!(api.output().contains("the API is open"), "{}", api.output());
}

/// The binary applies webhook deliveries in the background, and its /metrics
/// reports them: a signed job reaches `github_job_run_total` within seconds.
#[tokio::test]
async fn the_binary_applies_deliveries_and_reports_them() {
    use std::time::{Duration, Instant};
    use wfm_github::WebhookSecrets;
    use wfm_testing::{ServiceProcess, TestDb, free_port, http_get};

    let db = TestDb::new().await;
    let addr = format!("127.0.0.1:{}", free_port());
    let mut api = ServiceProcess::spawn(
        env!("CARGO_BIN_EXE_wfm-api"),
        &[],
        &[
            ("DATABASE_URL", db.url()),
            ("WFM_LISTEN_ADDR", &addr),
            ("WFM_WEBHOOK_SECRETS", "old-secret,new-secret"),
            ("WFM_GITHUB_METRICS_CACHE", "0s"),
        ],
    );
    let base = format!("http://{addr}");
    api.wait_for_status(&format!("{base}/readyz"), 200, Duration::from_secs(20))
        .await;
    let body = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/github/webhooks/workflow_job/completed.success.with-organization.payload.json"
    ))
    .expect("fixture");
    // signed with the second configured secret: rotation
    let signature = WebhookSecrets::new(["new-secret"])
        .sign(&body)
        .expect("signs");
    let response = reqwest::Client::new()
        .post(format!("{base}/v1/webhooks/github"))
        .header("Content-Type", "application/json")
        .header("X-GitHub-Event", "workflow_job")
        .header("X-GitHub-Delivery", "process-1")
        .header("X-Hub-Signature-256", signature)
        .body(body)
        .send()
        .await
        .expect("delivers");
    assert_eq!(response.status().as_u16(), 200);
    let wanted = r#"github_job_run_total{repository="Codertocat/Hello-World",workflow="CodeQL",job="linters",runner_label="ubuntu-latest",conclusion="success"} 1"#;
    let started = Instant::now();
    loop {
        let (_, text) = http_get(&format!("{base}/metrics"))
            .await
            .expect("/metrics");
        if text.contains(wanted) {
            assert!(text.contains("wfm_build_info"), "{text}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "not applied and reported in 10 s:\n{text}\n{}",
            api.output()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
