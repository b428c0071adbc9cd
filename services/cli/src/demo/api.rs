//! The wfm API as the demo uses it: the `{"meta":{"code"},"data"}` envelope
//! unwrapped, errors carrying the API's message, and webhook deliveries sent
//! until one is stored or the deadline passes, as GitHub redelivers.

use std::time::Duration;

use anyhow::{Context as _, bail};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::time::Instant;

use super::jobs::Delivery;

const PREFIX: &str = "/v1/github-workflow-metrics";

/// One or more api replicas; deliveries go to them in turn.
#[derive(Debug, Clone)]
pub struct Api {
    client: reqwest::Client,
    bases: Vec<String>,
    token: Option<String>,
}

/// An answer that is not a 2xx: the status and the API's message.
#[derive(Debug)]
pub struct ApiError {
    pub method: Method,
    pub url: String,
    pub status: StatusCode,
    pub message: String,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Self {
            method,
            url,
            status,
            message,
        } = self;
        write!(f, "{method} {url}: {status}: {message}")
    }
}

impl std::error::Error for ApiError {}

impl Api {
    pub fn new(bases: Vec<String>, token: Option<String>) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()?;
        let bases = bases
            .into_iter()
            .map(|b| b.trim_end_matches('/').to_owned())
            .collect();
        Ok(Self {
            client,
            bases,
            token,
        })
    }

    /// The first replica: the one the demo reads from.
    pub fn base(&self) -> &str {
        self.bases.first().map_or("", String::as_str)
    }

    /// `data` of a 2xx answer to `method` on `PREFIX` + `path`.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<Value> {
        let url = format!("{}{PREFIX}{path}", self.base());
        let mut request = self.client.request(method.clone(), &url);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("{method} {url}"))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        let json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if !status.is_success() {
            let message = json["message"]
                .as_str()
                .map_or_else(|| text.trim().to_owned(), str::to_owned);
            return Err(ApiError {
                method,
                url,
                status,
                message,
            }
            .into());
        }
        Ok(json["data"].clone())
    }

    pub async fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        self.call(Method::POST, path, Some(body)).await
    }

    /// Sends `delivery`, signed with `signature`, to replica `n` (modulo
    /// their number); refused or unreachable for a passing reason (5xx, 429,
    /// no connection) it is sent again, to the next replica, until `deadline`.
    /// Returns the receipt's status (`accepted`, `duplicate`).
    pub async fn deliver(
        &self,
        delivery: &Delivery,
        signature: &str,
        n: usize,
        deadline: Instant,
    ) -> anyhow::Result<String> {
        let mut pause = Duration::from_millis(100);
        let mut attempt = n;
        loop {
            let base = &self.bases[attempt % self.bases.len()];
            let url = format!("{base}/v1/webhooks/github");
            let send = self
                .client
                .post(&url)
                .header("Content-Type", "application/json")
                .header("X-GitHub-Event", delivery.event)
                .header("X-GitHub-Delivery", &delivery.id)
                .header("X-Hub-Signature-256", signature)
                .body(delivery.body.clone())
                .send();
            let Ok(answer) = tokio::time::timeout_at(deadline, send).await else {
                bail!("delivery {} not answered before the deadline", delivery.id);
            };
            let problem = match answer {
                Ok(response) if response.status().is_success() => {
                    let receipt: Value = response.json().await.unwrap_or(Value::Null);
                    return Ok(receipt["data"]["status"]
                        .as_str()
                        .unwrap_or("accepted")
                        .to_owned());
                }
                Ok(response) => {
                    let status = response.status();
                    let text = response.text().await.unwrap_or_default();
                    if !(status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS) {
                        bail!(
                            "{url} refused delivery {}: {status}: {}{}",
                            delivery.id,
                            text.trim(),
                            if status == StatusCode::UNAUTHORIZED {
                                " (is --secret one of the api's WFM_WEBHOOK_SECRETS?)"
                            } else {
                                ""
                            }
                        );
                    }
                    format!("{status}: {}", text.trim())
                }
                Err(e) => e.to_string(),
            };
            if Instant::now() + pause > deadline {
                bail!(
                    "delivery {} not stored before the deadline: {problem}",
                    delivery.id
                );
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(2));
            attempt += 1;
        }
    }
}
