//! The LLM path against a stub chat-completions server (real HTTP on
//! loopback): a valid answer is used; a slow, failing, malformed or
//! field-inventing answer falls back to the built-in extractor with the
//! reason.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use serde_json::{Value, json};
use wfm_extract::llm::{LlmClient, LlmConfig, LlmRequest, Method, extract_with_llm};
use wfm_extract::recipe::KnownRecipe;
use wfm_extract::{Options, ReadMethod, Schema};

const CSV: &[u8] = b"Op,Backend:Stage,throughput\nAttention,Aiter/CK:Fwd,496.64\nAttention,Aiter/CK:Bwd,244.02\nGEMM,Hipblaslt:Fwd,725.06\n";

/// How the stub answers.
#[derive(Clone)]
enum Reply {
    /// 200 with this message content.
    Content(String),
    Status(u16),
    Slow(Duration),
}

#[derive(Clone)]
struct Stub {
    reply: Reply,
    seen: Arc<Mutex<Vec<Value>>>,
}

async fn chat(stub: web::Data<Stub>, body: web::Json<Value>) -> HttpResponse {
    stub.seen.lock().expect("lock").push(body.into_inner());
    match &stub.reply {
        Reply::Content(content) => HttpResponse::Ok().json(json!({
            "id": "stub", "object": "chat.completion",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}]
        })),
        Reply::Status(code) => HttpResponse::build(actix_web::http::StatusCode::from_u16(*code).expect("status"))
            .body("upstream exploded"),
        Reply::Slow(delay) => {
            tokio::time::sleep(*delay).await;
            HttpResponse::Ok().finish()
        }
    }
}

/// Starts a stub on a free port; returns its client and the requests it saw.
async fn stub(reply: Reply, timeout: Duration) -> (LlmClient, Arc<Mutex<Vec<Value>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let state = web::Data::new(Stub {
        reply,
        seen: seen.clone(),
    });
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .route("/v1/chat/completions", web::post().to(chat))
    })
    .workers(1)
    .disable_signals()
    .bind(("127.0.0.1", 0))
    .expect("bind a free port");
    let addr = server.addrs()[0];
    tokio::spawn(server.run());
    let config = LlmConfig {
        base_url: format!("http://{addr}/v1"),
        model: "stub-model".to_owned(),
        api_key: Some("sk-test".to_owned()),
        timeout,
        max_input_bytes: 40,
    };
    (LlmClient::new(config).expect("client"), seen)
}

fn answer(metric_name: &str) -> String {
    json!({
        "schema": {
            "fields": [
                {"name": "Op", "type": "string", "description": "Operation type"},
                {"name": "Backend:Stage", "type": "string"},
                {"name": "throughput", "type": "float", "unit": "TFLOPS", "description": "Performance"}
            ],
            "dimension_fields": ["Op", "Backend:Stage"],
            "metric_fields": ["throughput"]
        },
        "records": [
            {"dimensions": {"Op": "Attention", "Backend:Stage": "Aiter/CK:Fwd"}, "metrics": {metric_name: 496.64}},
            {"dimensions": {"Op": "GEMM", "Backend:Stage": "Hipblaslt:Fwd"}, "metrics": {metric_name: 725.06}}
        ],
        "explanation": "two cases"
    })
    .to_string()
}

fn request<'a>(schema: Option<&'a Schema>) -> LlmRequest<'a> {
    LlmRequest {
        path: "bench/summary.csv",
        bytes: CSV,
        schema,
        custom_prompt: Some("throughput is in TFLOPS"),
        recipes: &[],
        force: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_answer_is_used_and_the_request_carries_everything() {
    let (client, seen) = stub(
        Reply::Content(format!("```json\n{}\n```", answer("throughput"))),
        Duration::from_secs(5),
    )
    .await;
    let outcome = extract_with_llm(request(None), &Options::default(), Some(&client))
        .await
        .expect("extraction");
    assert_eq!(
        outcome.method,
        Method::Llm,
        "fallback: {:?}",
        outcome.fallback_reason
    );
    assert_eq!(outcome.explanation.as_deref(), Some("two cases"));
    let x = &outcome.extraction;
    assert_eq!(x.schema.dimension_fields, ["Op", "Backend:Stage"]);
    assert_eq!(x.records.len(), 2);
    let gemm = x
        .records
        .iter()
        .find(|r| r.dimension("Op").map(|v| v.to_string()) == Some("GEMM".into()));
    assert_eq!(gemm.and_then(|r| r.metric("throughput")), Some(725.06));

    let sent = seen.lock().expect("lock").pop().expect("one request");
    assert_eq!(sent["model"], "stub-model");
    assert_eq!(sent["response_format"]["type"], "json_schema");
    let user = sent["messages"][1]["content"]
        .as_str()
        .expect("user message");
    assert!(
        user.contains("file_type: csv") && user.contains("file_path: bench/summary.csv"),
        "{user}"
    );
    assert!(
        user.contains("throughput is in TFLOPS"),
        "custom prompt missing: {user}"
    );
    assert!(
        user.contains("truncated to its first 28 of"),
        "budget of 40 bytes cuts at a line: {user}"
    );
    assert!(
        !user.contains("GEMM"),
        "content past the budget was sent: {user}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_schema_forbids_invented_fields() {
    let schema: Schema = serde_json::from_value(json!({
        "fields": [{"name": "throughput", "type": "float", "unit": "TFLOPS"}],
        "dimension_fields": ["Op", "Backend:Stage"],
        "metric_fields": ["throughput"]
    }))
    .expect("schema");
    let (client, seen) = stub(Reply::Content(answer("speed")), Duration::from_secs(5)).await;
    let outcome = extract_with_llm(request(Some(&schema)), &Options::default(), Some(&client))
        .await
        .expect("extraction");
    assert_eq!(outcome.method, Method::Builtin);
    let reason = outcome.fallback_reason.expect("a reason");
    assert!(
        reason.contains("metric `speed` is not in the schema"),
        "{reason}"
    );
    // The built-in extractor applied the schema instead.
    assert_eq!(outcome.extraction.schema, schema);
    assert_eq!(outcome.extraction.records.len(), 3);
    let user = seen.lock().expect("lock")[0]["messages"][1]["content"]
        .as_str()
        .expect("message")
        .to_owned();
    assert!(
        user.contains("\"metric_fields\":[\"throughput\"]"),
        "existing schema not sent: {user}"
    );
}

async fn falls_back(reply: Reply, timeout: Duration, expected_reason: &str) {
    let (client, _) = stub(reply, timeout).await;
    let outcome = extract_with_llm(request(None), &Options::default(), Some(&client))
        .await
        .expect("extraction");
    assert_eq!(outcome.method, Method::Builtin);
    let reason = outcome.fallback_reason.expect("a reason");
    assert!(
        reason.contains(expected_reason),
        "reason {reason:?} lacks {expected_reason:?}"
    );
    // The built-in extractor still delivers the file's records.
    assert_eq!(outcome.extraction.records.len(), 3);
    assert_eq!(outcome.extraction.schema.metric_fields, ["throughput"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_error_falls_back() {
    falls_back(
        Reply::Status(500),
        Duration::from_secs(5),
        "HTTP 500: upstream exploded",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_answer_falls_back() {
    falls_back(
        Reply::Slow(Duration::from_secs(3)),
        Duration::from_millis(300),
        "timed out",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_answer_falls_back() {
    falls_back(
        Reply::Content("Sure! Here are your metrics: 496.64".into()),
        Duration::from_secs(5),
        "does not match",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mistyped_answer_falls_back() {
    let bad = answer("throughput").replace("496.64", "\"fast\"");
    falls_back(
        Reply::Content(bad),
        Duration::from_secs(5),
        "metric `throughput` is not a number",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_endpoint_means_builtin_with_the_reason() {
    let outcome = extract_with_llm(request(None), &Options::default(), None)
        .await
        .expect("extraction");
    assert_eq!(outcome.method, Method::Builtin);
    assert_eq!(
        outcome.fallback_reason.as_deref(),
        Some("no LLM endpoint configured")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_endpoint_falls_back() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let config = LlmConfig {
        base_url: format!("http://127.0.0.1:{port}/v1"),
        model: "m".into(),
        api_key: None,
        timeout: Duration::from_secs(2),
        max_input_bytes: 1024,
    };
    let client = LlmClient::new(config).expect("client");
    let outcome = extract_with_llm(request(None), &Options::default(), Some(&client))
        .await
        .expect("extraction");
    assert!(
        outcome
            .fallback_reason
            .expect("reason")
            .contains("cannot reach")
    );
}

#[test]
fn config_from_env_names_the_bad_variable() {
    use wfm_env::Env;
    assert!(
        LlmConfig::from_env(&Env::from_pairs([]))
            .expect("ok")
            .is_none()
    );
    let missing_model = LlmConfig::from_env(&Env::from_pairs([(
        "WFM_LLM_BASE_URL",
        "http://llm:8000/v1",
    )]));
    assert!(
        missing_model
            .expect_err("model required")
            .to_string()
            .contains("WFM_LLM_MODEL")
    );
    let https = LlmConfig::from_env(&Env::from_pairs([
        ("WFM_LLM_BASE_URL", "https://api"),
        ("WFM_LLM_MODEL", "m"),
    ]));
    assert!(
        https
            .expect_err("https refused")
            .to_string()
            .contains("https is not supported")
    );
    let ok = LlmConfig::from_env(&Env::from_pairs([
        ("WFM_LLM_BASE_URL", "http://llm:8000/v1/"),
        ("WFM_LLM_MODEL", "qwen"),
        ("WFM_LLM_API_KEY", "secret"),
        ("WFM_LLM_TIMEOUT", "5s"),
    ]))
    .expect("valid")
    .expect("configured");
    assert_eq!(
        (ok.base_url.as_str(), ok.timeout),
        ("http://llm:8000/v1", Duration::from_secs(5))
    );
    assert!(
        !format!("{ok:?}").contains("secret"),
        "the key must not be printed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_must_match_the_declared_types() {
    // `throughput` is declared float: fine. Declare `Op` an int and the answer breaks it.
    let typed = answer("throughput").replace(
        r#""name":"Op","type":"string""#,
        r#""name":"Op","type":"int""#,
    );
    assert_ne!(typed, answer("throughput"), "the replacement applied");
    falls_back(
        Reply::Content(typed),
        Duration::from_secs(5),
        "dimension `Op` = \"Attention\" does not match its declared type",
    )
    .await;
}

/// The model's answer for all three rows of `CSV`, with `recipe`.
fn answer_with_recipe(recipe: Value) -> String {
    let row = |op: &str, stage: &str, t: f64| json!({"dimensions": {"Op": op, "Backend:Stage": stage}, "metrics": {"throughput": t}});
    json!({
        "schema": {"fields": [{"name": "Op", "type": "string"}, {"name": "Backend:Stage", "type": "string"},
                              {"name": "throughput", "type": "float", "unit": "TFLOPS"}],
                   "dimension_fields": ["Op", "Backend:Stage"], "metric_fields": ["throughput"]},
        "records": [row("Attention", "Aiter/CK:Fwd", 496.64), row("Attention", "Aiter/CK:Bwd", 244.02),
                    row("GEMM", "Hipblaslt:Fwd", 725.06)],
        "recipe": recipe
    })
    .to_string()
}

fn table_recipe(metric_column: &str) -> Value {
    json!({"select": {"kind": "table"}, "fields": [
        {"name": "Op", "from": "Op", "role": "dimension"},
        {"name": "Backend:Stage", "from": "Backend:Stage", "role": "dimension"},
        {"name": "throughput", "from": metric_column, "role": "metric", "unit": "TFLOPS"}]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recipe_that_reproduces_the_answer_is_proposed_and_then_used_with_no_call() {
    let (client, seen) = stub(
        Reply::Content(answer_with_recipe(table_recipe("throughput"))),
        Duration::from_secs(5),
    )
    .await;
    let outcome = extract_with_llm(request(None), &Options::default(), Some(&client))
        .await
        .expect("extraction");
    assert_eq!(outcome.method, Method::Llm, "{:?}", outcome.fallback_reason);
    assert_eq!(outcome.recipe_refused, None);
    let recipe = outcome.proposed_recipe.expect("the recipe is proposed");
    let fingerprint = outcome.fingerprint.expect("a fingerprint");
    assert!(fingerprint.starts_with("csv:"), "{fingerprint}");
    let sent = seen.lock().expect("lock").len();
    assert_eq!(sent, 1);

    // A later file of the same shape, other values: the recipe reads it.
    let later = b"Op,Backend:Stage,throughput\nGEMM,Hipblaslt:Fwd,731.5\n";
    let known = [KnownRecipe {
        fingerprint,
        name: "schema v1 csv".into(),
        recipe,
    }];
    let request = LlmRequest {
        bytes: later,
        recipes: &known,
        ..request(None)
    };
    let outcome = extract_with_llm(request, &Options::default(), Some(&client))
        .await
        .expect("extraction");
    assert_eq!(outcome.method, Method::Recipe);
    assert_eq!(outcome.extraction.reading.method, ReadMethod::Recipe);
    assert_eq!(
        outcome
            .extraction
            .records
            .get(0)
            .and_then(|r| r.metric("throughput")),
        Some(731.5)
    );
    assert_eq!(seen.lock().expect("lock").len(), 1, "no second LLM call");
    // A regeneration the user asks for goes to the model all the same.
    let forced = LlmRequest {
        force: true,
        ..request
    };
    let outcome = extract_with_llm(forced, &Options::default(), Some(&client))
        .await
        .expect("extraction");
    assert_eq!(outcome.method, Method::Llm);
    assert_eq!(seen.lock().expect("lock").len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recipe_that_disagrees_with_the_answer_is_refused_with_the_reason() {
    for (recipe, reason) in [
        (
            table_recipe("Op"),
            "the LLM's recipe does not run: recipe field `throughput` found no value",
        ),
        (
            json!({"select": {"kind": "table"}, "fields": []}),
            "the LLM's recipe does not run: recipe has no metric field",
        ),
        (
            json!({"select": {"kind": "xpath"}, "fields": []}),
            "the LLM's recipe is malformed",
        ),
        (
            json!({"select": {"kind": "lines", "pattern": r"^GEMM,(?P<s>[^,]+),(?P<t>[\d.]+)"}, "fields": [
                {"name": "Backend:Stage", "from": "s", "role": "dimension"},
                {"name": "throughput", "from": "t", "role": "metric"}]}),
            "the LLM's recipe is wrong: the recipe gives 1 records where the LLM's own extraction has 3",
        ),
    ] {
        let (client, _) = stub(
            Reply::Content(answer_with_recipe(recipe)),
            Duration::from_secs(5),
        )
        .await;
        let outcome = extract_with_llm(request(None), &Options::default(), Some(&client))
            .await
            .expect("extraction");
        assert_eq!(
            outcome.method,
            Method::Llm,
            "the records are still the model's"
        );
        assert_eq!(outcome.proposed_recipe, None);
        let refused = outcome.recipe_refused.expect("a reason");
        assert!(refused.starts_with(reason), "{refused}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_an_adapter_reads_is_not_sent_to_the_model() {
    let (client, seen) = stub(Reply::Status(500), Duration::from_secs(5)).await;
    let bmf = br#"{"parse": {"latency": {"value": 88.0}}}"#;
    let request = LlmRequest {
        path: "bench.json",
        bytes: bmf,
        ..request(None)
    };
    let outcome = extract_with_llm(request, &Options::default(), Some(&client))
        .await
        .expect("extraction");
    assert_eq!(outcome.method, Method::Builtin);
    assert_eq!(
        outcome.extraction.reading.name.as_deref(),
        Some("bencher-metric-format")
    );
    assert!(seen.lock().expect("lock").is_empty());
}
