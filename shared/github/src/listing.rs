//! Lists through GitHub's pagination: each page's `Link: <…>; rel="next"`
//! is followed until there is none or the page cap is reached, so a caller
//! never builds page URLs (GitHub may change them) and never loops forever.
//! A GET whose URL is asked again (a repository, its open pull requests,
//! its branches) is conditional once an answer had an ETag: GitHub's 304
//! costs no rate limit, and the kept answer is used again. URLs that change
//! with each collection (a time window) or whose answers never change (a
//! commit) are not kept: [`GithubClient::list_window`],
//! [`GithubClient::get_once`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use reqwest::StatusCode;
use reqwest::header::{ETAG, LINK};
use serde::de::DeserializeOwned;

use crate::rest::{GithubClient, RestError, checked};

/// Bytes of kept answers at most: the oldest go first when a new one would
/// pass it (a page of 100 runs is about half a megabyte).
const ETAG_BYTES: usize = 64 << 20;

/// Answers by URL with their ETag, shared by a client's clones.
#[derive(Debug, Clone, Default)]
pub struct EtagCache(Arc<Mutex<EtagEntries>>);

#[derive(Debug, Default)]
struct EtagEntries {
    by_url: HashMap<String, Kept>,
    order: std::collections::VecDeque<String>,
    bytes: usize,
    not_modified: u64,
}

#[derive(Debug, Clone)]
struct Kept {
    etag: String,
    link: Option<String>,
    body: Vec<u8>,
}

impl EtagCache {
    fn get(&self, url: &str) -> Option<Kept> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .by_url
            .get(url)
            .cloned()
    }

    fn put(&self, url: &str, kept: Kept) {
        self.put_within(url, kept, ETAG_BYTES)
    }

    fn put_within(&self, url: &str, kept: Kept, limit: usize) {
        let size = kept.body.len() + url.len();
        if size > limit {
            return;
        }
        let mut entries = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(old) = entries.by_url.remove(url) {
            entries.bytes -= old.body.len() + url.len();
            entries.order.retain(|u| u != url);
        }
        while entries.bytes + size > limit {
            let Some(oldest) = entries.order.pop_front() else {
                break;
            };
            if let Some(old) = entries.by_url.remove(&oldest) {
                entries.bytes -= old.body.len() + oldest.len();
            }
        }
        entries.bytes += size;
        entries.by_url.insert(url.to_owned(), kept);
        entries.order.push_back(url.to_owned());
    }

    fn count_not_modified(&self) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .not_modified += 1;
    }
}

/// Whether an answer is kept for conditional requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
    Etag,
    No,
}

/// One GET's answer: its body and `Link` header.
struct Fetched {
    link: Option<String>,
    body: Vec<u8>,
}

/// A list and whether it ended before the page cap.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed<T> {
    pub items: Vec<T>,
    /// False when `max_pages` pages were read and GitHub had more.
    pub complete: bool,
}

impl GithubClient {
    /// Answers GitHub said had not changed (304), since the client was made.
    pub fn not_modified(&self) -> u64 {
        self.etags
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .not_modified
    }

    /// A GET, conditional when an earlier answer of `url` had an ETag.
    async fn fetch(&self, url: &str, what: &str, keep: Keep) -> Result<Fetched, RestError> {
        let kept = match keep {
            Keep::Etag => self.etags.get(url),
            Keep::No => None,
        };
        let etag = kept.as_ref().map(|k| k.etag.as_str());
        let response = self
            .send(reqwest::Method::GET, url, None, etag, what)
            .await?;
        if response.status() == StatusCode::NOT_MODIFIED {
            let Some(kept) = kept else {
                // a 304 to a request that named no ETag (a proxy's): try later
                return Err(RestError::Transport {
                    what: what.to_owned(),
                    message: "304 Not Modified to an unconditional request".into(),
                });
            };
            self.etags.count_not_modified();
            return Ok(Fetched {
                link: kept.link,
                body: kept.body,
            });
        }
        if response.status() == StatusCode::ACCEPTED {
            // GitHub's statistics are computed on demand: 202 now, the
            // numbers on a later request
            return Err(RestError::Status {
                status: 202,
                what: what.to_owned(),
                message: "GitHub is still computing this answer; try again later".into(),
            });
        }
        let response = checked(response, what).await?;
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let (etag, link) = (header(ETAG), header(LINK));
        let body = response
            .bytes()
            .await
            .map_err(|e| RestError::Transport {
                what: what.to_owned(),
                message: format!("unreadable answer: {e}"),
            })?
            .to_vec();
        if let (Some(etag), Keep::Etag) = (etag, keep) {
            self.etags.put(
                url,
                Kept {
                    etag,
                    link: link.clone(),
                    body: body.clone(),
                },
            );
        }
        Ok(Fetched { link, body })
    }

    /// Every item of `path` (under the API, with its query), following
    /// `rel="next"` for at most `max_pages` pages. `key` names the array in
    /// an object answer (`workflow_runs` of `/actions/runs`); `None`: the
    /// answer is the array. Asked conditionally (ETags).
    pub async fn list<T: DeserializeOwned>(
        &self,
        path: &str,
        key: Option<&str>,
        max_pages: usize,
    ) -> Result<Listed<T>, RestError> {
        self.list_kept(path, key, max_pages, Keep::Etag).await
    }

    /// [`Self::list`] for a URL asked once (a time window): nothing kept.
    pub async fn list_window<T: DeserializeOwned>(
        &self,
        path: &str,
        key: Option<&str>,
        max_pages: usize,
    ) -> Result<Listed<T>, RestError> {
        self.list_kept(path, key, max_pages, Keep::No).await
    }

    async fn list_kept<T: DeserializeOwned>(
        &self,
        path: &str,
        key: Option<&str>,
        max_pages: usize,
        keep: Keep,
    ) -> Result<Listed<T>, RestError> {
        let what = path.split('?').next().unwrap_or(path).to_owned();
        let mut url = format!("{}{path}", self.base);
        let mut items = Vec::new();
        for _ in 0..max_pages {
            let fetched = self.fetch(&url, &what, keep).await?;
            let body: serde_json::Value = parse(&fetched.body, &what)?;
            let page = match key {
                Some(key) => body.get(key).cloned().unwrap_or(serde_json::Value::Null),
                None => body,
            };
            let page: Vec<T> = serde_json::from_value(page).map_err(|e| RestError::Transport {
                what: what.clone(),
                message: format!("unexpected answer: {e}"),
            })?;
            items.extend(page);
            match fetched.link.as_deref().and_then(next_link) {
                Some(next) => url = next,
                None => {
                    return Ok(Listed {
                        items,
                        complete: true,
                    });
                }
            }
        }
        Ok(Listed {
            items,
            complete: false,
        })
    }

    /// How many items `path` lists, from one request of one item a page:
    /// the `rel="last"` page number (GitHub's own count), else 0 or 1.
    pub async fn count(&self, path: &str) -> Result<u64, RestError> {
        let what = path.split('?').next().unwrap_or(path).to_owned();
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = format!("{}{path}{sep}per_page=1", self.base);
        let fetched = self.fetch(&url, &what, Keep::Etag).await?;
        let last = fetched
            .link
            .as_deref()
            .and_then(|l| link_of(l, "last"))
            .and_then(|u| page_of(&u));
        if let Some(last) = last {
            return Ok(last);
        }
        let body: serde_json::Value = parse(&fetched.body, &what)?;
        Ok(body.as_array().map_or(0, |a| a.len() as u64))
    }

    /// One object at `path`, asked conditionally (ETags).
    pub async fn get_one<T: DeserializeOwned>(&self, path: &str) -> Result<T, RestError> {
        self.get_kept(path, Keep::Etag).await
    }

    /// One object at `path` that is asked once (a commit): nothing kept.
    pub async fn get_once<T: DeserializeOwned>(&self, path: &str) -> Result<T, RestError> {
        self.get_kept(path, Keep::No).await
    }

    async fn get_kept<T: DeserializeOwned>(&self, path: &str, keep: Keep) -> Result<T, RestError> {
        let what = path.split('?').next().unwrap_or(path).to_owned();
        let url = format!("{}{path}", self.base);
        let fetched = self.fetch(&url, &what, keep).await?;
        parse(&fetched.body, &what)
    }
}

fn parse<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, RestError> {
    serde_json::from_slice(body).map_err(|e| RestError::Transport {
        what: what.to_owned(),
        message: format!("unexpected answer: {e}"),
    })
}

/// The `rel="next"` URL of a `Link` header.
fn next_link(header: &str) -> Option<String> {
    link_of(header, "next")
}

fn link_of(header: &str, rel: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        let wanted = params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == format!("rel=\"{rel}\""));
        wanted.then(|| {
            url.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned()
        })
    })
}

/// The `page` query parameter of a URL.
fn page_of(url: &str) -> Option<u64> {
    let query = url.split_once('?')?.1;
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("page=")?.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_answers_stay_within_their_bytes() {
        let cache = EtagCache::default();
        let kept = |n: usize| Kept {
            etag: "\"e\"".into(),
            link: None,
            body: vec![b'x'; n],
        };
        cache.put_within("/a", kept(40), 100);
        cache.put_within("/b", kept(40), 100);
        cache.put_within("/a", kept(30), 100); // replaced, now the newest
        cache.put_within("/c", kept(40), 100); // /b (oldest) goes
        assert!(cache.get("/b").is_none());
        assert_eq!(cache.get("/a").map(|k| k.body.len()), Some(30));
        assert!(cache.get("/c").is_some());
        cache.put_within("/huge", kept(200), 100); // never kept
        assert!(cache.get("/huge").is_none() && cache.get("/c").is_some());
        let bytes = cache.0.lock().unwrap().bytes;
        assert_eq!(bytes, 30 + 2 + 40 + 2);
    }

    #[test]
    fn links_as_github_writes_them() {
        // docs.github.com, "Using pagination in the REST API"
        let header = r#"<https://api.github.com/repositories/1300192/issues?page=2>; rel="prev", <https://api.github.com/repositories/1300192/issues?page=4>; rel="next", <https://api.github.com/repositories/1300192/issues?page=515>; rel="last", <https://api.github.com/repositories/1300192/issues?page=1>; rel="first""#;
        assert_eq!(
            next_link(header).as_deref(),
            Some("https://api.github.com/repositories/1300192/issues?page=4")
        );
        assert_eq!(link_of(header, "last").and_then(|u| page_of(&u)), Some(515));
        assert_eq!(next_link(r#"<https://x/y?page=1>; rel="prev""#), None);
        assert_eq!(page_of("https://x/y?per_page=1&page=12"), Some(12));
    }
}
