//! A fake GitHub REST API serving the data of `common` for any
//! repository: lists paged with Link headers, ETags and 304s, a rate limit
//! on demand, and a count of the calls each repository got.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::{BRANCHES, at, commits, details, pulls, runs};

#[derive(Clone, Default)]
pub struct Fake {
    base: Arc<Mutex<String>>,
    /// `owner/name@sha` → commit detail requests.
    pub detail_calls: Arc<Mutex<HashMap<String, usize>>>,
    /// `owner/name` → `GET /repos/{owner}/{name}` requests (one per collection).
    pub info_calls: Arc<Mutex<HashMap<String, usize>>>,
    /// Requests of workflow runs (pages).
    pub run_lists: Arc<Mutex<usize>>,
    /// Requests of pull requests (pages).
    pub pulls: Arc<Mutex<usize>>,
    /// The branches list answers GitHub's rate limit.
    pub rate_limited: Arc<Mutex<bool>>,
    /// The branches list answers this much later.
    pub slow: Arc<Mutex<Option<std::time::Duration>>>,
}

impl Fake {
    pub fn info_calls(&self) -> HashMap<String, usize> {
        self.info_calls.lock().expect("lock").clone()
    }

    pub fn pull_pages(&self) -> usize {
        *self.pulls.lock().expect("lock")
    }
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
    // /repos/{owner}/{name}{rest}: every repository has the same data
    let segments: Vec<&str> = req.path().splitn(5, '/').collect();
    let (repo, rest) = match segments.as_slice() {
        ["", "repos", owner, name, rest @ ..] => (
            format!("{owner}/{name}"),
            rest.first().map(|r| format!("/{r}")).unwrap_or_default(),
        ),
        _ => return HttpResponse::NotFound().json(json!({"message": "Not Found"})),
    };
    if repo.starts_with("gone/") {
        return HttpResponse::NotFound().json(json!({"message": "Not Found"}));
    }
    // statistics GitHub computes on demand: 202 with an empty object
    if repo.starts_with("busy/") && rest.starts_with("/commits/") {
        return HttpResponse::Accepted().json(json!({}));
    }
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
    match rest.as_str() {
        "" => {
            *fake
                .info_calls
                .lock()
                .expect("lock")
                .entry(repo.clone())
                .or_default() += 1;
            answer(
                &req,
                json!({"default_branch": "main", "full_name": repo}),
                None,
            )
        }
        "/pulls" => {
            *fake.pulls.lock().expect("lock") += 1;
            paged(
                &fake,
                &req,
                by_state(q.get("state").map_or("open", String::as_str)),
                2,
                None,
            )
        }
        "/branches" => {
            let slow = *fake.slow.lock().expect("lock");
            if let Some(wait) = slow {
                tokio::time::sleep(wait).await;
            }
            if *fake.rate_limited.lock().expect("lock") {
                let reset = chrono::Utc::now().timestamp() + 120;
                return HttpResponse::Forbidden()
                    .insert_header(("x-ratelimit-remaining", "0"))
                    .insert_header(("x-ratelimit-reset", reset.to_string()))
                    .json(json!({"message": "API rate limit exceeded"}));
            }
            // per_page=1: the last page's number is the count
            let base = fake.base.lock().expect("lock").clone();
            let link = format!(
                r#"<{base}/repos/{repo}/branches?per_page=1&page=2>; rel="next", <{base}/repos/{repo}/branches?per_page=1&page={BRANCHES}>; rel="last""#
            );
            answer(&req, json!([{"name": "main"}]), Some(link))
        }
        "/commits" => paged(
            &fake,
            &req,
            commits().as_array().expect("array").clone(),
            3,
            None,
        ),
        "/actions/runs" => {
            *fake.run_lists.lock().expect("lock") += 1;
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
        other => match other.strip_prefix("/commits/") {
            Some(sha) => {
                *fake
                    .detail_calls
                    .lock()
                    .expect("lock")
                    .entry(format!("{repo}@{sha}"))
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

/// Serves `fake`; its base URL.
pub async fn start(fake: Fake) -> String {
    let base = fake.base.clone();
    let url = wfm_testing::serve(move |cfg| {
        cfg.app_data(web::Data::new(fake.clone()))
            .default_service(web::to(github));
    });
    // the Link headers name the server's own address
    *base.lock().expect("lock") = url.clone();
    url
}
