//! The OpenAPI document against the running wfm-api: schemathesis (from the
//! test virtualenv) generates requests from the document, valid and not, and
//! checks that no answer is a 5xx and that every status, content type and
//! body is one the document declares. Bounded: a fixed seed and a few
//! examples per operation.

use std::process::{Command, Stdio};

use wfm_e2e::{chart, start};
use wfm_testing::TestDb;

#[tokio::test]
async fn schemathesis_finds_the_api_as_documented() {
    let db = TestDb::new().await;
    let (_api, base) = start(
        "wfm-api",
        &[
            ("DATABASE_URL", db.url()),
            ("WFM_WEBHOOK_SECRETS", "fuzz-secret"),
        ],
    )
    .await;
    // a config for the routes with an id to find
    let created = reqwest::Client::new()
        .post(format!("{base}/v1/github-workflow-metrics/configs"))
        .json(
            &serde_json::json!({"name": "fuzz", "runner_set_namespace": "arc",
            "runner_set_name": "set", "file_patterns": ["*.json"]}),
        )
        .send()
        .await
        .expect("creating a config");
    assert_eq!(created.status(), 201);
    // the actions exporter's health path answers as /healthz does
    let health = reqwest::get(format!("{base}/health"))
        .await
        .expect("health");
    assert_eq!(health.status(), 200);
    let body: serde_json::Value = health.json().await.expect("JSON");
    assert_eq!(body["status"], "ok");

    // the api's routes under the document's server; the webhook under its own (/v1)
    schemathesis(
        &format!("{base}/v1/github-workflow-metrics"),
        &base,
        &["--exclude-path", "/webhooks/github"],
    );
    schemathesis(
        &format!("{base}/v1"),
        &base,
        &["--include-path", "/webhooks/github"],
    );
}

fn schemathesis(url: &str, base: &str, filter: &[&str]) {
    // A crash of schemathesis itself (a "Runtime Error", no API failure found)
    // says nothing about the api: such a run is made once more.
    for attempt in 1..=2 {
        match run_schemathesis(url, base, filter) {
            Ok(()) => return,
            Err(report)
                if attempt == 1
                    && report.contains("Runtime Error")
                    && !report.contains("FAILURES") =>
            {
                eprintln!("schemathesis crashed on its own; running it again:\n{report}");
            }
            Err(report) => panic!("{report}"),
        }
    }
}

/// One schemathesis run: `Err` with its output when it did not pass.
fn run_schemathesis(url: &str, base: &str, filter: &[&str]) -> Result<(), String> {
    let bin = chart::venv().join("bin/schemathesis");
    // its own folder: schemathesis writes its state where it runs
    let report = std::env::temp_dir().join(format!("wfm-schemathesis-{}", std::process::id()));
    std::fs::create_dir_all(&report).expect("a report folder");
    let out = Command::new(&bin)
        .current_dir(&report)
        .args([
            "run",
            &format!("{base}/v1/openapi.json"),
            "--url",
            url,
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            "--max-examples",
            "15",
            "--seed",
            "20261203",
            // one worker: CPython 3.11 can crash compiling in threads
            // ("AST constructor recursion depth mismatch")
            "--workers",
            "1",
            "--phases",
            "examples,coverage,fuzzing",
            "--generation-database",
            "none",
            "--request-timeout",
            "20",
            "--suppress-health-check",
            "all",
            "--no-color",
        ])
        .args(filter)
        .arg("--report-dir")
        .arg(&report)
        .stdin(Stdio::null())
        .output()
        .expect("running schemathesis");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!(
            "schemathesis found the api unlike its document ({}):\n{stdout}\n{stderr}",
            out.status
        ));
    }
    // it did test something
    assert!(stdout.contains("Tested: "), "{stdout}");
    Ok(())
}
