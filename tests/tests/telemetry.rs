//! Telemetry of a real service process: JSON logs and OTLP trace export.

use std::time::Duration;

use wfm_e2e::{OtlpSink, binary};
use wfm_testing::{ServiceProcess, TestDb, free_port, http_get};

#[tokio::test]
async fn traces_reach_an_otlp_collector_when_configured() {
    let db = TestDb::new().await;
    let sink = OtlpSink::start();
    let addr = format!("127.0.0.1:{}", free_port());
    let endpoint = sink.endpoint();
    let mut api = ServiceProcess::spawn(
        &binary("wfm-api"),
        &[],
        &[
            ("DATABASE_URL", db.url()),
            ("WFM_LISTEN_ADDR", &addr),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_SERVICE_NAME", "wfm-api-under-test"),
        ],
    );
    api.wait_for_status(
        &format!("http://{addr}/readyz"),
        200,
        Duration::from_secs(20),
    )
    .await;
    let (status, _) = http_get(&format!("http://{addr}/healthz"))
        .await
        .expect("healthz");
    assert_eq!(status, 200);

    // Spans are batched; shutdown flushes them.
    api.signal(libc::SIGTERM);
    let exit = api
        .wait_exit(Duration::from_secs(5))
        .expect("exits after SIGTERM");
    assert_eq!(exit.code(), Some(0), "{}", api.output());

    let received = sink.received();
    let traces: Vec<_> = received
        .iter()
        .filter(|r| r.request_line.starts_with("POST /v1/traces "))
        .collect();
    assert!(
        !traces.is_empty(),
        "no trace export; sink saw {received:?}\n{}",
        api.output()
    );
    let body: Vec<u8> = traces.iter().flat_map(|r| r.body.clone()).collect();
    let contains = |needle: &str| body.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(contains("http_request"), "the request span is exported");
    assert!(contains("/healthz"), "with its route");
    assert!(
        contains("wfm-api-under-test"),
        "under the service.name OTEL_SERVICE_NAME gives"
    );
}

#[tokio::test]
async fn json_logs_are_one_object_per_line() {
    let db = TestDb::new().await;
    let addr = format!("127.0.0.1:{}", free_port());
    let mut collector = ServiceProcess::spawn(
        &binary("wfm-collector"),
        &[],
        &[
            ("DATABASE_URL", db.url()),
            ("WFM_LISTEN_ADDR", &addr),
            ("WFM_LOG_FORMAT", "json"),
        ],
    );
    collector
        .wait_for_status(
            &format!("http://{addr}/readyz"),
            200,
            Duration::from_secs(20),
        )
        .await;
    collector.signal(libc::SIGTERM);
    let exit = collector.wait_exit(Duration::from_secs(5)).expect("exits");
    assert_eq!(exit.code(), Some(0), "{}", collector.output());

    let output = collector.output();
    let lines: Vec<&str> = output.lines().collect();
    assert!(lines.len() >= 3, "{output}");
    for line in &lines {
        let event: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(
            event.get("level").is_some() && event.get("timestamp").is_some(),
            "{line}"
        );
    }
    assert!(output.contains(r#""message":"starting""#), "{output}");
    assert!(output.contains(r#""service":"wfm-collector""#), "{output}");
}
