//! Hostile input: NUL characters anywhere a string goes in, bodies of the
//! wrong type or size, paths out of the result root. Each is answered in the
//! envelope with the field named, and nothing is stored.

mod common;

use common::TestApi;
use reqwest::Method;
use serde_json::json;
use wfm_api::Tokens;

#[tokio::test]
async fn a_nul_anywhere_is_a_4000_naming_where() {
    let api = TestApi::start().await;
    let id = api.create_config("c", "arc", "set").await;

    let (code, message) = api.get("configs?cluster=%00").await.error();
    assert_eq!(code, 4000);
    assert!(
        message.starts_with("invalid query parameter \"cluster\": contains a NUL"),
        "{message}"
    );

    let (code, message) = api
        .get(&format!("configs/{id}/dimensions/a%00b/values"))
        .await
        .error();
    assert_eq!(code, 4000);
    assert!(
        message.starts_with("invalid dimension: contains a NUL"),
        "{message}"
    );
    let (code, message) = api.get(&format!("configs/{id}/runners/u%00")).await.error();
    assert_eq!(code, 4000);
    assert!(
        message.starts_with("invalid uid: contains a NUL"),
        "{message}"
    );
    let (code, message) = api.get("runs/1%00").await.error();
    assert_eq!(code, 4000);
    assert!(message.starts_with("invalid run_id"), "{message}");

    let (code, message) = api
        .post(
            "configs",
            json!({"name": "x\u{0}", "github_owner": "o", "github_repo": "r", "file_patterns": ["*.csv"]}),
        )
        .await
        .error();
    assert_eq!(code, 4000);
    assert!(
        message.starts_with("invalid JSON body at name: contains a NUL"),
        "{message}"
    );

    let (code, message) = api
        .post(
            &format!("configs/{id}/metrics/query"),
            json!({"dimensions": {"k\u{0}": "v"}}),
        )
        .await
        .error();
    assert_eq!(code, 4000);
    assert!(
        message.starts_with("invalid JSON body at dimensions.k"),
        "{message}"
    );
    assert_eq!(
        api.get("configs").await.data()["total"],
        1,
        "nothing stored"
    );
}

#[tokio::test]
async fn json_routes_take_json_only() {
    let api = TestApi::start().await;
    let body = r#"{"name":"c","github_owner":"o","github_repo":"r","file_patterns":["*.csv"]}"#;
    let url = format!("{}{}/configs", api.base_url, common::BASE);
    let client = reqwest::Client::new();
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let mut request = client.post(&url).body(body);
        if let Some(t) = content_type {
            request = request.header("content-type", t);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 415, "{content_type:?}");
        let envelope: serde_json::Value = response.json().await.unwrap();
        assert_eq!(envelope["meta"]["code"], 4150);
    }
    let typed = client
        .post(&url)
        .header("content-type", "application/json; charset=utf-8")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(typed.status(), 201);
    // an empty body needs no type
    let id = api.get("configs").await.data()["configs"][0]["id"]
        .as_i64()
        .unwrap();
    let enable = client
        .post(format!("{url}/{id}/disable"))
        .send()
        .await
        .unwrap();
    assert_eq!(enable.status(), 200);
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_on_every_route() {
    let api = TestApi::start().await;
    let id = api.create_config("c", "arc", "set").await;
    let big = format!("{{\"name\": \"{}\"}}", "x".repeat(1_100_000));
    for path in [
        "configs".to_owned(),
        format!("configs/{id}/enable"),
        format!("configs/{id}/metrics/query"),
    ] {
        let (code, message) = api
            .send(Method::POST, &path, Some(&big), None)
            .await
            .error();
        assert_eq!(
            (code, message.as_str()),
            (4130, "request body exceeds 1048576 bytes"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    let api = TestApi::with_tokens(Tokens::new(vec!["reader".into()], vec![])).await;
    let url = format!("{}{}/configs", api.base_url, common::BASE);
    let client = reqwest::Client::new();
    for header in ["Bearer reader", "bearer reader", "BEARER reader"] {
        let r = client
            .get(&url)
            .header("authorization", header)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{header}");
    }
    let r = client
        .get(&url)
        .header("authorization", "Basic reader")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn patterns_that_leave_the_root_are_refused_when_written() {
    let api = TestApi::start().await;
    for (pattern, at) in [
        ("../etc/*.json", 0),
        ("/etc/passwd", 0),
        ("a/../../b/*.csv", 0),
    ] {
        let (code, message) = api
            .post(
                "configs",
                json!({"name": "c", "github_owner": "o", "github_repo": "r", "file_patterns": [pattern]}),
            )
            .await
            .error();
        assert_eq!(code, 4000, "{pattern}");
        assert!(
            message.starts_with(&format!("invalid file_patterns[{at}]")),
            "{message}"
        );
    }
    let id = api.create_config("c", "arc", "set").await;
    let (code, _) = api
        .patch(
            &format!("configs/{id}"),
            json!({"file_patterns": ["ok/*.csv", "../x"]}),
        )
        .await
        .error();
    assert_eq!(code, 4000);
}
