//! The HTTP client for chat completions.

use serde_json::json;

use crate::format::Format;
use crate::llm::answer::{ANSWER_SCHEMA, Answer};
use crate::llm::{LlmConfig, LlmRequest, prompt};

/// Why the model gave no usable answer.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error("timed out after {0:?}")]
    Timeout(std::time::Duration),
    #[error("endpoint answered HTTP {status}: {body}")]
    Status { status: u16, body: String },
    #[error("cannot reach the endpoint: {0}")]
    Transport(reqwest::Error),
    #[error("not a chat-completions answer: {0}")]
    Protocol(String),
}

/// A client for one configured endpoint; cheap to clone.
#[derive(Debug, Clone)]
pub struct LlmClient {
    http: reqwest::Client,
    config: std::sync::Arc<LlmConfig>,
}

impl LlmClient {
    pub fn new(config: LlmConfig) -> Result<LlmClient, LlmError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(LlmError::Transport)?;
        Ok(LlmClient {
            http,
            config: std::sync::Arc::new(config),
        })
    }

    pub fn config(&self) -> &LlmConfig {
        &self.config
    }

    /// Asks the model about one file and parses (but does not yet validate)
    /// its answer.
    pub(crate) async fn extract(
        &self,
        request: LlmRequest<'_>,
        format: Format,
    ) -> Result<Answer, LlmError> {
        let user = prompt::user_message(&request, format, self.config.max_input_bytes);
        let content = self
            .chat_json(prompt::SYSTEM, &user, "metric_extraction", &ANSWER_SCHEMA)
            .await?;
        Answer::parse(&content).map_err(LlmError::Protocol)
    }

    /// One chat completion at temperature 0 whose answer must follow
    /// `schema` (a JSON schema named `name`); the answer's text, unchecked.
    pub async fn chat_json(
        &self,
        system: &str,
        user: &str,
        name: &str,
        schema: &serde_json::Value,
    ) -> Result<String, LlmError> {
        let body = json!({
            "model": self.config.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": name, "schema": schema},
            },
        });
        let mut call = self
            .http
            .post(format!("{}/chat/completions", self.config.base_url))
            .json(&body);
        if let Some(key) = &self.config.api_key {
            call = call.bearer_auth(key);
        }
        let response = call.send().await.map_err(|e| self.classify(e))?;
        let status = response.status();
        let text = response.text().await.map_err(|e| self.classify(e))?;
        if !status.is_success() {
            let body: String = text.chars().take(300).collect();
            return Err(LlmError::Status {
                status: status.as_u16(),
                body,
            });
        }
        let reply: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| LlmError::Protocol(format!("response is not JSON ({e})")))?;
        reply
            .pointer("/choices/0/message/content")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| LlmError::Protocol("no choices[0].message.content".to_owned()))
    }

    fn classify(&self, error: reqwest::Error) -> LlmError {
        if error.is_timeout() {
            LlmError::Timeout(self.config.timeout)
        } else {
            LlmError::Transport(error)
        }
    }
}
