//! The OpenAPI document: served without a token, and it lists every route the
//! API serves with the methods it answers.

mod common;

use common::TestApi;
use reqwest::Method;
use wfm_api::Tokens;

/// Every route under the base path, as registered.
const ROUTES: &[(&str, &str)] = &[
    ("get", "/configs"),
    ("get", "/changes"),
    ("get", "/repositories"),
    ("get", "/actions/installations"),
    ("get", "/actions/organizations"),
    ("get", "/actions/organizations/{owner}/repositories"),
    ("get", "/actions/repositories/{owner}/{name}/runs"),
    (
        "get",
        "/actions/repositories/{owner}/{name}/runs/{run_id}/jobs",
    ),
    ("get", "/actions/jobs/{job_id}"),
    ("get", "/actions/jobs/{job_id}/logs"),
    ("get", "/actions/jobs/{job_id}/resources"),
    ("post", "/actions/runner-metrics"),
    ("post", "/actions/jobs/{job_id}/analyze"),
    ("get", "/actions/jobs/{job_id}/analyses"),
    ("post", "/repositories"),
    ("get", "/repositories/{repository_id}"),
    ("patch", "/repositories/{repository_id}"),
    ("delete", "/repositories/{repository_id}"),
    ("post", "/repositories/{repository_id}/collect"),
    ("get", "/repositories/{repository_id}/health"),
    ("get", "/changes/{change_id}"),
    ("patch", "/changes/{change_id}"),
    ("get", "/configs/{id}/changes"),
    ("get", "/configs/{id}/series"),
    ("get", "/configs/{id}/compare"),
    ("post", "/configs"),
    ("get", "/configs/{id}"),
    ("put", "/configs/{id}"),
    ("patch", "/configs/{id}"),
    ("delete", "/configs/{id}"),
    ("post", "/configs/{id}/enable"),
    ("post", "/configs/{id}/disable"),
    ("post", "/configs/{id}/test"),
    ("get", "/configs/{id}/runners"),
    ("get", "/configs/{id}/runners/{uid}"),
    ("get", "/autoscaling-runner-sets"),
    ("get", "/autoscaling-runner-sets/{namespace}/{name}"),
    ("get", "/autoscaling-runner-sets/{namespace}/{name}/stats"),
    ("post", "/configs/{id}/backfill"),
    ("get", "/configs/{id}/backfill/status"),
    ("post", "/configs/{id}/backfill/cancel"),
    ("get", "/configs/{id}/runs"),
    ("get", "/configs/{id}/runs/{run_id}"),
    ("post", "/configs/{id}/runs/{run_id}/retry"),
    ("post", "/configs/{id}/runs/batch-retry"),
    ("get", "/runs"),
    ("get", "/runs/{run_id}"),
    ("post", "/runs/{run_id}/retry"),
    ("get", "/configs/{id}/schema"),
    ("put", "/configs/{id}/schema"),
    ("get", "/configs/{id}/schemas"),
    ("get", "/configs/{id}/schemas/active"),
    ("post", "/configs/{id}/schema/regenerate"),
    ("post", "/configs/{id}/schemas/{version}/activate"),
    ("get", "/configs/{id}/schema/recipes"),
    ("put", "/configs/{id}/schema/recipes/{fingerprint}"),
    ("delete", "/configs/{id}/schema/recipes/{fingerprint}"),
    ("post", "/configs/{id}/schema/recipes/{fingerprint}/confirm"),
    ("post", "/configs/{id}/metrics/query"),
    ("post", "/configs/{id}/metrics/aggregate"),
    ("post", "/configs/{id}/metrics/trends"),
    ("get", "/configs/{id}/metrics/summary"),
    ("get", "/configs/{id}/dimensions"),
    ("get", "/configs/{id}/dimensions/{dimension}/values"),
    ("get", "/configs/{id}/export"),
    ("get", "/ci-stats"),
    ("get", "/session"),
    // the spec's query-string forms
    ("get", "/metrics"),
    ("get", "/metrics/summary"),
    ("get", "/metrics/dimensions"),
    ("get", "/metrics/trends"),
    // under the path-level server /v1
    ("post", "/webhooks/github"),
];

#[tokio::test]
async fn the_document_lists_every_route() {
    let api = TestApi::with_tokens(Tokens::new(vec![], vec!["admin".into()])).await;
    let reply = api.send(Method::GET, "/v1/openapi.json", None, None).await;
    assert_eq!(reply.status, 200, "the document needs no token");
    let doc = reply.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(doc["servers"][0]["url"], "/v1/github-workflow-metrics");
    let paths = doc["paths"].as_object().unwrap();
    let mut documented = 0;
    for (path, item) in paths {
        // a path item holds its operations, and may hold servers
        let operations = item
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, _)| *k != "servers");
        for (method, _) in operations {
            documented += 1;
            assert!(
                ROUTES.contains(&(method.as_str(), path.as_str())),
                "documented but not served: {method} {path}"
            );
        }
    }
    for (method, path) in ROUTES {
        assert!(
            paths.get(*path).and_then(|p| p.get(*method)).is_some(),
            "served but not documented: {method} {path}"
        );
    }
    assert_eq!(documented, ROUTES.len());
    // a sample of what the document says
    let create = &paths["/configs"]["post"];
    assert!(create["responses"]["409"].is_object());
    let schemas = &doc["components"]["schemas"];
    assert!(
        schemas["ConfigBody"]["properties"]["file_patterns"].is_object(),
        "{}",
        schemas["ConfigBody"]
    );
    assert!(
        schemas["RunStatus"]["enum"]
            .as_array()
            .unwrap()
            .contains(&"pending".into())
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );

    let webhook = &paths["/webhooks/github"];
    assert_eq!(webhook["servers"][0]["url"], "/v1");
    assert_eq!(webhook["post"]["security"], serde_json::json!([]));

    // and every documented route answers something other than "no route"
    for (method, path) in ROUTES {
        let path = if path.starts_with("/webhooks") {
            format!("/v1{path}")
        } else {
            (*path).to_owned()
        };
        let concrete = path
            .replace("{id}", "1")
            .replace("{run_id}", "1")
            .replace("{uid}", "u")
            .replace("{namespace}", "n")
            .replace("{name}", "x")
            .replace("{version}", "1")
            .replace("{dimension}", "d");
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let reply = api
            .send(method.clone(), &concrete, Some("{}"), Some("admin"))
            .await;
        assert!(
            !reply.text.contains("no route for"),
            "{method} {concrete}: {}",
            reply.text
        );
    }
}

#[tokio::test]
async fn the_document_says_what_the_server_does() {
    let api = TestApi::start().await;
    let doc = api.get("/v1/openapi.json").await.json();
    let paths = doc["paths"].as_object().unwrap();
    let mut ids = std::collections::BTreeSet::new();
    for (path, item) in paths {
        for (method, op) in item
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, _)| *k != "servers")
        {
            let id = op["operationId"].as_str().unwrap_or_default().to_owned();
            assert!(
                ids.insert(id.clone()),
                "operationId {id} twice ({method} {path})"
            );
            let responses = &op["responses"];
            for status in ["400", "405", "500"] {
                assert!(
                    responses[status].is_object(),
                    "{method} {path}: no {status}"
                );
            }
            // the two routes that need no token never answer 401 or 403
            let open = path == "/webhooks/github" || path == "/session";
            assert_eq!(
                responses["401"].is_object() && responses["403"].is_object(),
                !open,
                "{method} {path}"
            );
            if open {
                assert_eq!(op["security"], serde_json::json!([]), "{method} {path}");
            }
            if op.get("requestBody").is_some() {
                assert!(
                    responses["413"].is_object() && responses["415"].is_object(),
                    "{method} {path}"
                );
                let content = op["requestBody"]["content"].as_object().unwrap();
                assert!(
                    !content.contains_key("text/plain"),
                    "{method} {path}: {content:?}"
                );
            }
        }
    }
    // the webhook takes JSON or a form, not text
    let webhook = &paths["/webhooks/github"]["post"]["requestBody"]["content"];
    assert!(
        webhook["application/json"].is_object()
            && webhook["application/x-www-form-urlencoded"].is_object(),
        "{webhook}"
    );
    // export serves CSV
    let export = &paths["/configs/{id}/export"]["get"]["responses"]["200"]["content"];
    assert!(export["text/csv"].is_object(), "{export}");
    // bounds are declared
    let list = paths["/configs"]["get"]["parameters"].as_array().unwrap();
    let limit = list.iter().find(|p| p["name"] == "limit").unwrap();
    assert_eq!(
        (
            limit["schema"]["minimum"].as_i64(),
            limit["schema"]["maximum"].as_i64()
        ),
        (Some(1), Some(100))
    );
    let id = paths["/configs/{id}"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "id")
        .unwrap();
    assert_eq!(id["schema"]["minimum"].as_i64(), Some(1));

    // a wrong method is a 405 in the envelope, not a 404
    let reply = api.send(Method::DELETE, "configs", None, None).await;
    assert_eq!(reply.error().0, 4050, "{}", reply.text);
    let reply = api.send(Method::PUT, "runs/1", Some("{}"), None).await;
    assert_eq!(reply.error().0, 4050, "{}", reply.text);
}
