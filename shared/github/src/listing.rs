//! Lists through GitHub's pagination: each page's `Link: <…>; rel="next"`
//! is followed until there is none or the page cap is reached, so a caller
//! never builds page URLs (GitHub may change them) and never loops forever.

use reqwest::header::LINK;
use serde::de::DeserializeOwned;

use crate::rest::{GithubClient, RestError, checked};

/// A list and whether it ended before the page cap.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed<T> {
    pub items: Vec<T>,
    /// False when `max_pages` pages were read and GitHub had more.
    pub complete: bool,
}

impl GithubClient {
    /// Every item of `path` (under the API, with its query), following
    /// `rel="next"` for at most `max_pages` pages. `key` names the array in
    /// an object answer (`workflow_runs` of `/actions/runs`); `None`: the
    /// answer is the array.
    pub async fn list<T: DeserializeOwned>(
        &self,
        path: &str,
        key: Option<&str>,
        max_pages: usize,
    ) -> Result<Listed<T>, RestError> {
        let what = path.split('?').next().unwrap_or(path).to_owned();
        let mut url = format!("{}{path}", self.base);
        let mut items = Vec::new();
        for _ in 0..max_pages {
            let response = self.send(reqwest::Method::GET, &url, None, &what).await?;
            let response = checked(response, &what).await?;
            let next = response
                .headers()
                .get(LINK)
                .and_then(|v| v.to_str().ok())
                .and_then(next_link);
            let body: serde_json::Value =
                response.json().await.map_err(|e| RestError::Transport {
                    what: what.clone(),
                    message: format!("unreadable answer: {e}"),
                })?;
            let page = match key {
                Some(key) => body.get(key).cloned().unwrap_or(serde_json::Value::Null),
                None => body,
            };
            let page: Vec<T> = serde_json::from_value(page).map_err(|e| RestError::Transport {
                what: what.clone(),
                message: format!("unexpected answer: {e}"),
            })?;
            items.extend(page);
            match next {
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
        let response = self.send(reqwest::Method::GET, &url, None, &what).await?;
        let response = checked(response, &what).await?;
        let last = response
            .headers()
            .get(LINK)
            .and_then(|v| v.to_str().ok())
            .and_then(|l| link_of(l, "last"))
            .and_then(|u| page_of(&u));
        if let Some(last) = last {
            return Ok(last);
        }
        let body: serde_json::Value = response.json().await.map_err(|e| RestError::Transport {
            what: what.clone(),
            message: format!("unreadable answer: {e}"),
        })?;
        Ok(body.as_array().map_or(0, |a| a.len() as u64))
    }

    /// One object at `path`.
    pub async fn get_one<T: DeserializeOwned>(&self, path: &str) -> Result<T, RestError> {
        let what = path.split('?').next().unwrap_or(path).to_owned();
        let url = format!("{}{path}", self.base);
        let response = self.send(reqwest::Method::GET, &url, None, &what).await?;
        checked(response, &what)
            .await?
            .json()
            .await
            .map_err(|e| RestError::Transport {
                what,
                message: format!("unexpected answer: {e}"),
            })
    }
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
