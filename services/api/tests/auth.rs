//! Bearer tokens: off (open), read tokens for GETs and query POSTs, admin
//! tokens for writes; the ops routes stay open.

mod common;

use common::TestApi;
use reqwest::Method;
use wfm_api::Tokens;

#[tokio::test]
async fn tokens_gate_reads_and_writes() {
    let api = TestApi::with_tokens(Tokens::new(vec!["reader".into()], vec!["admin".into()])).await;
    let body = r#"{"name":"c","github_owner":"o","github_repo":"r","file_patterns":["*.csv"]}"#;

    let none = api.send(Method::GET, "configs", None, None).await;
    assert_eq!(none.error().0, 4010);
    assert_eq!(none.headers["www-authenticate"], "Bearer");
    assert_eq!(
        api.send(Method::GET, "configs", None, Some("wrong"))
            .await
            .error()
            .0,
        4010
    );
    assert_eq!(
        api.send(Method::GET, "configs", None, Some("reader"))
            .await
            .status,
        200
    );
    assert_eq!(
        api.send(Method::GET, "configs", None, Some("admin"))
            .await
            .status,
        200
    );

    let (code, message) = api
        .send(Method::POST, "configs", Some(body), Some("reader"))
        .await
        .error();
    assert_eq!(
        (code, message.as_str()),
        (4030, "this token may not write; an admin token is needed")
    );
    assert_eq!(
        api.send(Method::POST, "configs", Some(body), None)
            .await
            .error()
            .0,
        4010
    );
    let created = api
        .send(Method::POST, "configs", Some(body), Some("admin"))
        .await;
    let id = created.data()["id"].as_i64().unwrap();

    // a metrics query is a read even though it is a POST
    let query = api
        .send(
            Method::POST,
            &format!("configs/{id}/metrics/query"),
            Some("{}"),
            Some("reader"),
        )
        .await;
    assert_ne!(query.status, 401);
    assert_ne!(query.status, 403);
    let delete = api
        .send(
            Method::DELETE,
            &format!("configs/{id}"),
            None,
            Some("reader"),
        )
        .await;
    assert_eq!(delete.error().0, 4030);
}

#[tokio::test]
async fn without_tokens_the_api_is_open() {
    let api = TestApi::start().await;
    let list = api.send(Method::GET, "configs", None, None).await;
    assert_eq!(list.status, 200);
    let with_any = api
        .send(Method::GET, "configs", None, Some("anything"))
        .await;
    assert_eq!(with_any.status, 200);
}

#[tokio::test]
async fn the_session_says_what_a_token_may_do() {
    let api = TestApi::with_tokens(Tokens::new(vec!["reader".into()], vec!["admin".into()])).await;
    let role = |token: Option<&'static str>| {
        let api = &api;
        async move {
            let reply = api.send(Method::GET, "session", None, token).await;
            assert_eq!(reply.status, 200, "the session needs no token");
            reply.data()["role"].as_str().unwrap().to_owned()
        }
    };
    assert_eq!(role(None).await, "none");
    assert_eq!(role(Some("wrong")).await, "none");
    assert_eq!(role(Some("reader")).await, "read");
    assert_eq!(role(Some("admin")).await, "admin");

    let open = TestApi::with_tokens(Tokens::new(vec![], vec![])).await;
    let reply = open.send(Method::GET, "session", None, None).await;
    assert_eq!(reply.data()["role"], "open");
}
