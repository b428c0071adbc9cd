//! A job analyzed by an LLM (the stub server): what the model is sent
//! (metadata, step timings, rule-based findings, log excerpts within the
//! input budget), its answer checked and kept; a slow or nonsensical model
//! leaves the deterministic analysis, saying why.

mod common;

use std::time::Duration;

use common::github::{apply_all, deliver, fixture};
use serde_json::{Value, json};
use wfm_testing::llm_stub::LlmStub;

const FAILURE: &str = "workflow_job/completed.failure.with-organization.payload.json";
/// Small enough that the log's excerpts must be cut to fit (uncut, they
/// are about 12 KB once escaped).
const BUDGET: usize = 6_000;

async fn api_with(stub: &LlmStub, timeout: Duration) -> common::TestApi {
    use wfm_api::webhooks::{WebhookConfig, Webhooks};
    let llm = wfm_extract::llm::LlmConfig {
        base_url: stub.base_url.clone(),
        model: "stub-model".into(),
        api_key: None,
        timeout,
        max_input_bytes: BUDGET,
    };
    common::TestApi::with_state(|state| {
        state.webhooks = Webhooks::new(
            WebhookConfig {
                secrets: wfm_github::WebhookSecrets::new([common::github::SECRET]),
                ..WebhookConfig::default()
            },
            state.pool.clone(),
        );
        state.llm = Some(std::sync::Arc::new(
            wfm_extract::llm::LlmClient::new(llm).expect("client"),
        ));
    })
    .await
}

/// The failure fixture's job, delivered, with a long log whose step 8
/// (“Run yarn run format-check”, 10:26:27–10:26:28) fails.
async fn failed_job(api: &common::TestApi) -> i64 {
    assert_eq!(
        deliver(api, "workflow_job", "f-1", fixture(FAILURE))
            .await
            .0,
        200
    );
    apply_all(api).await;
    let payload: Value = serde_json::from_slice(&fixture(FAILURE)).expect("JSON");
    let id = payload["workflow_job"]["id"].as_i64().expect("id");
    let mut log = String::from("2021-08-05T10:26:08.0000000Z set up\n");
    for i in 0..2_000 {
        log.push_str(&format!(
            "2021-08-05T10:26:20.0000000Z yarn install: fetched package {i}\n"
        ));
    }
    log.push_str("2021-08-05T10:26:27.1000000Z ##[group]Run yarn run format-check\n");
    log.push_str("2021-08-05T10:26:27.5000000Z [warn] src/app.ts: Code style issues found\n");
    // colored, quoted error lines: JSON escaping makes them longer
    for i in 0..400 {
        log.push_str(&format!(
            "2021-08-05T10:26:27.6000000Z \u{1b}[31mError:\u{1b}[0m \"src/file{i}.ts\" is not formatted\n"
        ));
    }
    log.push_str("2021-08-05T10:26:27.9000000Z ##[error]Process completed with exit code 1.\n");
    log.push_str("2021-08-05T10:26:28.0000000Z Cleaning up orphan processes\n");
    let mut conn = api.conn().await;
    wfm_runner_obs::logs::store_text(&mut conn, id, "Codertocat/Hello-World", log.as_bytes())
        .await
        .expect("a stored log");
    id
}

#[tokio::test]
async fn the_model_is_sent_the_jobs_evidence_within_the_budget_and_its_answer_kept() {
    let stub = LlmStub::answering(json!({
        "markdown": "## Root cause\nPrettier found style issues in `src/app.ts`.",
        "findings": [
            {"kind": "Style Check", "severity": "error", "message": "format-check failed", "step": 8},
            {"kind": "made_up_step", "severity": "info", "message": "a step the job lacks", "step": 99}
        ]
    }))
    .await;
    let api = api_with(&stub, Duration::from_secs(10)).await;
    let id = failed_job(&api).await;
    let made = api
        .send(
            reqwest::Method::POST,
            &format!("actions/jobs/{id}/analyze"),
            Some("{}"),
            None,
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.text);
    let analysis = made.data();
    assert_eq!(analysis["kind"], "llm");
    assert_eq!(analysis["model"], "stub-model");
    assert!(analysis["fallback_reason"].is_null());
    assert!(
        analysis["markdown"]
            .as_str()
            .unwrap_or("")
            .starts_with("## Root cause")
    );
    assert_eq!(analysis["findings"][0]["kind"], "style_check");
    assert_eq!(analysis["findings"][0]["step"], 8);
    assert!(analysis["findings"][1]["step"].is_null(), "no step 99");

    let requests = stub.requests();
    assert_eq!(requests.len(), 1);
    let user = requests[0]["messages"][1]["content"]
        .as_str()
        .expect("a user message");
    assert!(user.len() <= BUDGET, "{} bytes", user.len());
    let sent: Value = serde_json::from_str(user).expect("the evidence is JSON");
    assert_eq!(sent["job"]["conclusion"], "failure");
    let step8 = sent["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s["number"] == 8)
        .expect("step 8");
    assert_eq!(
        (step8["name"].as_str(), step8["seconds"].as_f64()),
        (Some("Run yarn run format-check"), Some(1.0))
    );
    assert_eq!(sent["rule_based_findings"][0]["kind"], "failed_step");
    let excerpts = sent["log_excerpts"].as_array().expect("excerpts");
    let first = excerpts[0]["text"].as_str().unwrap_or("");
    assert!(first.contains("Code style issues found"), "{excerpts:?}");
    assert!(
        first.contains("\u{1b}[31mError:\u{1b}[0m \"src/file0.ts\""),
        "the first errors, as printed"
    );
    // 80 lines uncut (20 errors, 3 lines before each): cut to the budget
    assert!(
        first.lines().count() < 80,
        "{} lines",
        first.lines().count()
    );
    assert_eq!(
        requests[0]["response_format"]["json_schema"]["name"], "job_analysis",
        "the answer's schema is asked for"
    );

    let kept = api.get(&format!("actions/jobs/{id}/analyses")).await.data();
    assert_eq!(kept["analyses"][0]["id"], analysis["id"]);
    assert_eq!(kept["analyses"][0]["kind"], "llm");
}

#[tokio::test]
async fn a_slow_or_nonsensical_model_leaves_the_deterministic_analysis_saying_why() {
    let slow = LlmStub::answering_after(
        json!({"markdown": "late", "findings": []}),
        Duration::from_secs(5),
    )
    .await;
    let api = api_with(&slow, Duration::from_millis(500)).await;
    let id = failed_job(&api).await;
    let made = api
        .send(
            reqwest::Method::POST,
            &format!("actions/jobs/{id}/analyze"),
            Some("{}"),
            None,
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.text);
    let analysis = made.data();
    assert_eq!(analysis["kind"], "deterministic");
    assert!(analysis["model"].is_null());
    let reason = analysis["fallback_reason"].as_str().expect("a reason");
    assert!(reason.contains("timed out"), "{reason}");
    assert_eq!(analysis["findings"][0]["kind"], "failed_step");

    for answer in [
        "I think the formatting step failed.".to_owned(),
        json!({"markdown": "", "findings": []}).to_string(),
        json!({"markdown": "ok", "findings": [{"kind": "x", "severity": "fatal", "message": "m"}]})
            .to_string(),
    ] {
        let stub = LlmStub::answering_text(&answer).await;
        let api = api_with(&stub, Duration::from_secs(10)).await;
        let id = failed_job(&api).await;
        let analysis = api
            .send(
                reqwest::Method::POST,
                &format!("actions/jobs/{id}/analyze"),
                Some("{}"),
                None,
            )
            .await
            .data();
        assert_eq!(analysis["kind"], "deterministic", "{answer}");
        let reason = analysis["fallback_reason"].as_str().expect("a reason");
        assert!(reason.contains("not an analysis"), "{answer}: {reason}");
    }
}
