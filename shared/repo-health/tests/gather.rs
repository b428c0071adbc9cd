//! Gathering through a fake GitHub that pages its lists with Link headers:
//! the metrics come out as those of the same data handed over directly,
//! each commit's stats are fetched once, and a rate limit comes back with
//! GitHub's wait instead of a loop, and a second collection asks
//! conditionally (ETags) and is told nothing changed.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use common::{BRANCHES, T, at, commits, details, pulls, runs, snapshot};
use serde_json::{Value, json};
use wfm_github::rest::{Credentials, GithubClient, RestError};
use wfm_repo_health::{CommitCache, compute, gather};

#[derive(Clone, Default)]
struct Fake {
    base: Arc<Mutex<String>>,
    detail_calls: Arc<Mutex<HashMap<String, usize>>>,
    rate_limited: Arc<Mutex<bool>>,
}

fn query(req: &HttpRequest) -> HashMap<String, String> {
    serde_urlencoded::from_str(req.query_string()).unwrap_or_default()
}

/// `items` in pages of `size`, with GitHub's Link header.
fn paged(
    fake: &Fake,
    req: &HttpRequest,
    items: Vec<Value>,
    size: usize,
    key: Option<&str>,
) -> HttpResponse {
    let q = query(req);
    let page: usize = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let pages = items.len().div_ceil(size).max(1);
    let chunk: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * size)
        .take(size)
        .collect();
    let link = (page < pages).then(|| {
        let mut next = q.clone();
        next.insert("page".into(), (page + 1).to_string());
        let url = format!(
            "{}{}?{}",
            fake.base.lock().expect("lock"),
            req.path(),
            serde_urlencoded::to_string(&next).expect("query")
        );
        format!(r#"<{url}>; rel="next""#)
    });
    let body = match key {
        Some(key) => json!({"total_count": chunk.len(), key: chunk}),
        None => json!(chunk),
    };
    answer(req, body, link)
}

/// 200 with an ETag (the body's hash), or 304 when the request already has it.
fn answer(req: &HttpRequest, body: Value, link: Option<String>) -> HttpResponse {
    use std::hash::{Hash, Hasher};
    let text = body.to_string();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    let etag = format!("\"{:016x}\"", h.finish());
    let asked = req
        .headers()
        .get("if-none-match")
        .and_then(|v| v.to_str().ok());
    if asked == Some(etag.as_str()) {
        return HttpResponse::NotModified()
            .insert_header(("ETag", etag))
            .finish();
    }
    let mut response = HttpResponse::Ok();
    response.insert_header(("ETag", etag));
    if let Some(link) = link {
        response.insert_header(("Link", link));
    }
    response.content_type("application/json").body(text)
}

async fn github(req: HttpRequest, fake: web::Data<Fake>) -> HttpResponse {
    let path = req.path().to_owned();
    let q = query(&req);
    let by_state = |state: &str| -> Vec<Value> {
        pulls()
            .as_array()
            .expect("array")
            .iter()
            .filter(|p| p["state"] == state)
            .cloned()
            .collect()
    };
    match path.as_str() {
        "/repos/o/r" => answer(
            &req,
            json!({"default_branch": "main", "full_name": "o/r"}),
            None,
        ),
        "/repos/o/r/pulls" => paged(
            &fake,
            &req,
            by_state(q.get("state").map_or("open", String::as_str)),
            2,
            None,
        ),
        "/repos/o/r/branches" => {
            if *fake.rate_limited.lock().expect("lock") {
                let reset = chrono::Utc::now().timestamp() + 120;
                return HttpResponse::Forbidden()
                    .insert_header(("x-ratelimit-remaining", "0"))
                    .insert_header(("x-ratelimit-reset", reset.to_string()))
                    .json(json!({"message": "API rate limit exceeded"}));
            }
            // per_page=1: the last page's number is the count
            let base = fake.base.lock().expect("lock").clone();
            HttpResponse::Ok()
                .insert_header(("Link", format!(r#"<{base}/repos/o/r/branches?per_page=1&page=2>; rel="next", <{base}/repos/o/r/branches?per_page=1&page={BRANCHES}>; rel="last""#)))
                .json(json!([{"name": "main"}]))
        }
        "/repos/o/r/commits" => paged(
            &fake,
            &req,
            commits().as_array().expect("array").clone(),
            3,
            None,
        ),
        "/repos/o/r/actions/runs" => {
            let all = runs().as_array().expect("array").clone();
            let chosen: Vec<Value> = match (q.get("created"), q.get("branch")) {
                (Some(created), _) => {
                    let since = created.trim_start_matches(">=");
                    all.into_iter()
                        .filter(|r| at(r["created_at"].as_str().expect("time")) >= at(since))
                        .collect()
                }
                (None, Some(branch)) => {
                    let mut done: Vec<Value> = all
                        .into_iter()
                        .filter(|r| &r["head_branch"] == branch && r["status"] == "completed")
                        .collect();
                    done.sort_by_key(|r| {
                        std::cmp::Reverse(r["created_at"].as_str().expect("time").to_owned())
                    });
                    done.into_iter().take(1).collect()
                }
                _ => all,
            };
            paged(&fake, &req, chosen, 2, Some("workflow_runs"))
        }
        other => match other.strip_prefix("/repos/o/r/commits/") {
            Some(sha) => {
                *fake
                    .detail_calls
                    .lock()
                    .expect("lock")
                    .entry(sha.to_owned())
                    .or_default() += 1;
                let known = details()
                    .as_array()
                    .expect("array")
                    .iter()
                    .find(|d| d["sha"] == sha)
                    .cloned();
                HttpResponse::Ok().json(known.unwrap_or_else(|| json!({"sha": sha, "stats": {"additions": 0, "deletions": 0, "total": 0}, "files": []})))
            }
            None => HttpResponse::NotFound().json(json!({"message": "Not Found"})),
        },
    }
}

async fn start(fake: Fake) -> String {
    let base = fake.base.clone();
    let url = wfm_testing::serve(move |cfg| {
        cfg.app_data(web::Data::new(fake.clone()))
            .default_service(web::to(github));
    });
    // the Link headers name the server's own address
    *base.lock().expect("lock") = url.clone();
    url
}

#[tokio::test]
async fn gathered_through_pages_the_metrics_are_those_of_the_data() {
    let fake = Fake::default();
    let base = start(fake.clone()).await;
    let client = GithubClient::new(
        &base,
        Credentials::Token("t".into()),
        Duration::from_secs(5),
    )
    .expect("client");
    let mut cache = CommitCache::default();
    let gathered = gather(&client, "o", "r", at(T), &mut cache)
        .await
        .expect("gathered");
    assert!(gathered.complete);
    assert_eq!(gathered.snapshot.branches, BRANCHES);
    let direct = compute(&snapshot(), at(T));
    let through = compute(&gathered.snapshot, at(T));
    assert_eq!(
        through.values, direct.values,
        "the same numbers as the data handed over"
    );
    assert_eq!(
        through.get("code.lines_added_7d"),
        Some(16.0),
        "code stats are not 0"
    );
    // six distinct commits, each detail fetched once; a second collection
    // fetches none again
    assert_eq!(cache.len(), 6);
    let first_calls = gathered.calls;
    let again = gather(&client, "o", "r", at(T), &mut cache)
        .await
        .expect("again");
    assert_eq!(again.calls, first_calls - 6);
    assert!(
        fake.detail_calls
            .lock()
            .expect("lock")
            .values()
            .all(|&n| n == 1)
    );
    // and every list was asked conditionally: GitHub said 304 (no rate limit
    // spent), the kept answers gave the same numbers
    assert!(
        client.not_modified() >= 7,
        "{} answers not modified",
        client.not_modified()
    );
    assert_eq!(compute(&again.snapshot, at(T)).values, direct.values);
}

#[tokio::test]
async fn a_rate_limit_comes_back_with_githubs_wait() {
    let fake = Fake::default();
    *fake.rate_limited.lock().expect("lock") = true;
    let base = start(fake).await;
    let client =
        GithubClient::new(&base, Credentials::Anonymous, Duration::from_secs(5)).expect("client");
    let mut cache = CommitCache::default();
    match gather(&client, "o", "r", at(T), &mut cache).await {
        Err(RestError::RateLimited { retry_after }) => {
            assert!(
                (100..=121).contains(&retry_after.as_secs()),
                "{retry_after:?}"
            );
        }
        other => panic!("expected a rate limit, got {other:?}"),
    }
}
