//! Where the model is and how much of a file it may see.

use std::time::Duration;

use wfm_env::{Env, EnvError};

/// An OpenAI-compatible chat-completions endpoint.
#[derive(Clone)]
pub struct LlmConfig {
    /// Up to the API version, e.g. `http://vllm:8000/v1`; `/chat/completions` is appended.
    pub base_url: String,
    pub model: String,
    pub api_key: Option<String>,
    /// Per request, connection to last byte.
    pub timeout: Duration,
    /// The file content sent is cut to this many bytes (at a line break when possible).
    pub max_input_bytes: usize,
}

impl std::fmt::Debug for LlmConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmConfig")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .field("max_input_bytes", &self.max_input_bytes)
            .finish()
    }
}

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
pub const DEFAULT_MAX_INPUT_BYTES: usize = 64 * 1024;

impl LlmConfig {
    /// Reads `WFM_LLM_BASE_URL` (unset: no LLM), `WFM_LLM_MODEL` (required
    /// with a base URL), `WFM_LLM_API_KEY`, `WFM_LLM_TIMEOUT` (default 60s)
    /// and `WFM_LLM_MAX_INPUT_BYTES` (default 65536).
    pub fn from_env(env: &Env) -> Result<Option<LlmConfig>, EnvError> {
        let Some(base_url) = env.var("WFM_LLM_BASE_URL") else {
            return Ok(None);
        };
        let base_url = base_url.trim_end_matches('/').to_owned();
        if base_url.starts_with("https://") {
            return Err(EnvError::invalid(
                "WFM_LLM_BASE_URL",
                &base_url,
                "https is not supported by this build (no TLS stack); use an http endpoint, e.g. a sidecar proxy",
            ));
        }
        if !base_url.starts_with("http://") {
            return Err(EnvError::invalid(
                "WFM_LLM_BASE_URL",
                &base_url,
                "must start with http://",
            ));
        }
        let max_input_bytes = env.var_or("WFM_LLM_MAX_INPUT_BYTES", DEFAULT_MAX_INPUT_BYTES)?;
        if max_input_bytes == 0 {
            return Err(EnvError::invalid(
                "WFM_LLM_MAX_INPUT_BYTES",
                0,
                "must be at least 1",
            ));
        }
        Ok(Some(LlmConfig {
            base_url,
            model: env.required_var("WFM_LLM_MODEL")?,
            api_key: env.var("WFM_LLM_API_KEY"),
            timeout: env.duration_or("WFM_LLM_TIMEOUT", DEFAULT_TIMEOUT)?,
            max_input_bytes,
        }))
    }
}
