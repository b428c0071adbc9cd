//! An OpenAI-compatible chat-completions stub on loopback: it answers every
//! request with one message content and keeps the requests it was sent, so a
//! test can check what reached the model (the prompt, the file).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{HttpResponse, web};
use serde_json::{Value, json};

/// A running stub.
#[derive(Debug)]
pub struct LlmStub {
    /// The base URL to configure (`WFM_LLM_BASE_URL`), ending in `/v1`.
    pub base_url: String,
    seen: Arc<Mutex<Vec<Value>>>,
}

impl LlmStub {
    /// Starts a stub that answers `content` (serialised as the message text).
    pub async fn answering(content: Value) -> Self {
        Self::answering_after(content, Duration::ZERO).await
    }

    /// A stub that takes `delay` to answer (a model slower than the timeout).
    pub async fn answering_after(content: Value, delay: Duration) -> Self {
        Self::start(content.to_string(), delay)
    }

    /// A stub whose message text is `text` as it is (prose, not JSON).
    pub async fn answering_text(text: &str) -> Self {
        Self::start(text.to_owned(), Duration::ZERO)
    }

    fn start(text: String, delay: Duration) -> Self {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let state = web::Data::new((seen.clone(), text, delay));
        let base = crate::serve(move |cfg| {
            cfg.app_data(state.clone())
                .route("/v1/chat/completions", web::post().to(chat));
        });
        Self {
            base_url: format!("{base}/v1"),
            seen,
        }
    }

    /// The request bodies received so far.
    pub fn requests(&self) -> Vec<Value> {
        self.seen.lock().expect("lock").clone()
    }
}

type State = web::Data<(Arc<Mutex<Vec<Value>>>, String, Duration)>;

async fn chat(state: State, body: web::Json<Value>) -> HttpResponse {
    state.0.lock().expect("lock").push(body.into_inner());
    tokio::time::sleep(state.2).await;
    HttpResponse::Ok().json(json!({
        "id": "stub", "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": state.1},
                     "finish_reason": "stop"}]
    }))
}
