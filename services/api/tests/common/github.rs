//! Webhook deliveries for tests: GitHub's fixture payloads, signed as GitHub
//! signs them, posted to the in-process api; and applying what was stored.

use std::path::PathBuf;

use diesel::QueryableByName;
use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl as _;
use serde_json::Value;
use wfm_api::webhooks::{WebhookConfig, Webhooks, process};
use wfm_github::WebhookSecrets;

use super::TestApi;

pub const SECRET: &str = "It's a Secret to Everybody";

pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/github/webhooks")
}

pub fn fixture(file: &str) -> Vec<u8> {
    std::fs::read(fixtures().join(file)).expect("fixture file")
}

pub async fn api_with(config: WebhookConfig) -> TestApi {
    TestApi::with_state(|state| state.webhooks = Webhooks::new(config, state.pool.clone())).await
}

pub async fn signed_api() -> TestApi {
    api_with(WebhookConfig {
        secrets: WebhookSecrets::new([SECRET]),
        ..WebhookConfig::default()
    })
    .await
}

/// Posts `body` with `headers`; returns the status and the JSON answer.
pub async fn post(api: &TestApi, headers: &[(&str, &str)], body: Vec<u8>) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}/v1/webhooks/github", api.base_url))
        .body(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("sending a delivery");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// A delivery GitHub would send: JSON, signed with [`SECRET`].
pub async fn deliver(api: &TestApi, event: &str, delivery: &str, body: Vec<u8>) -> (u16, Value) {
    let signature = WebhookSecrets::new([SECRET]).sign(&body).expect("a secret");
    let headers = [
        ("Content-Type", "application/json"),
        ("X-GitHub-Event", event),
        ("X-GitHub-Delivery", delivery),
        ("X-Hub-Signature-256", signature.as_str()),
    ];
    post(api, &headers, body).await
}

/// `payload` with `workflow_job` fields replaced.
pub fn job_payload(file: &str, changes: Value) -> Vec<u8> {
    let mut payload: Value = serde_json::from_slice(&fixture(file)).expect("JSON");
    for (key, value) in changes.as_object().expect("an object") {
        payload["workflow_job"][key] = value.clone();
    }
    serde_json::to_vec(&payload).expect("serializes")
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

pub async fn count(api: &TestApi, sql: &str) -> i64 {
    let mut conn = api.conn().await;
    let row: Count = diesel::sql_query(sql)
        .get_result(&mut conn)
        .await
        .expect(sql);
    row.n
}

pub async fn apply_all(api: &TestApi) -> usize {
    let mut total = 0;
    loop {
        let n = process::apply_pending(api.db.pool(), 500, &api.hooks.handoff)
            .await
            .expect("applying");
        if n == 0 {
            return total;
        }
        total += n;
    }
}
