//! The few GitHub REST calls wfm makes: a workflow run's artifacts, an
//! artifact's zip, a job's log, commit statuses. Rate limits come back as
//! [`RestError::RateLimited`] with the wait GitHub asks for, so a caller can
//! defer rather than fail.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, LOCATION, USER_AGENT};
use reqwest::{Response, StatusCode};
use serde::Deserialize;

use crate::app::{AppAuth, AppCredentials, InstallationToken};

/// The public API; GitHub Enterprise Server lives at `https://<host>/api/v3`.
pub const DEFAULT_API_URL: &str = "https://api.github.com";
/// Artifacts listed at most per run (100 per page, 10 pages).
const MAX_PAGES: u32 = 10;
/// How long a download through a signed link may take (a large log or
/// artifact streams for longer than an API call should).
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(600);
/// Bytes of an error answer read at most (its message is all that is used).
const MAX_ERROR_BODY: u64 = 64 << 10;
/// How long to wait on a rate limit that says nothing about when it ends.
const DEFAULT_RATE_LIMIT_WAIT: Duration = Duration::from_secs(60);

/// Why a call did not return what was asked.
#[derive(Debug, thiserror::Error)]
pub enum RestError {
    /// Try again after `retry_after`.
    #[error("GitHub rate limit: retry in {}s", retry_after.as_secs())]
    RateLimited { retry_after: Duration },
    #[error("GitHub answered {status} for {what}: {message}")]
    Status {
        status: u16,
        what: String,
        message: String,
    },
    #[error("{what} is larger than the {limit}-byte limit")]
    TooLarge { what: String, limit: u64 },
    #[error("cannot reach GitHub for {what}: {message}")]
    Transport { what: String, message: String },
}

impl RestError {
    fn transport(what: &str, message: impl std::fmt::Display) -> Self {
        Self::Transport {
            what: what.to_owned(),
            message: message.to_string(),
        }
    }

    /// Whether a later attempt may succeed (server errors, the network, an
    /// answer GitHub is still computing); rate limits are their own case.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Transport { .. } => true,
            Self::Status { status, .. } => *status >= 500 || *status == 202,
            Self::RateLimited { .. } | Self::TooLarge { .. } => false,
        }
    }
}

/// An artifact of a workflow run.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Artifact {
    pub id: i64,
    pub name: String,
    pub size_in_bytes: u64,
    #[serde(default)]
    pub expired: bool,
}

/// A commit status (`POST /repos/{owner}/{repo}/statuses/{sha}`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CommitStatus {
    /// `error`, `failure`, `pending` or `success`.
    pub state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_url: Option<String>,
    /// At most 140 characters (GitHub's limit; longer is cut).
    pub description: String,
    /// Statuses of one context replace each other.
    pub context: String,
}

#[derive(Deserialize)]
struct ArtifactPage {
    total_count: u64,
    artifacts: Vec<Artifact>,
}

/// How a client proves who it is.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// Public data only (and a low rate limit).
    Anonymous,
    /// A personal access token, or any token obtained elsewhere.
    Token(String),
    /// A GitHub App installation: tokens are minted and renewed as needed.
    App(AppCredentials),
}

#[derive(Debug, Clone)]
enum Auth {
    Anonymous,
    Token(String),
    App(Arc<AppAuth>),
}

/// A GitHub REST client; clones share the connection pool and, for an app,
/// its installation token.
#[derive(Clone)]
pub struct GithubClient {
    http: reqwest::Client,
    pub(crate) base: String,
    auth: Auth,
    /// Answers kept by URL with their ETag, for conditional requests (a 304
    /// costs no rate limit).
    pub(crate) etags: crate::listing::EtagCache,
}

impl std::fmt::Debug for GithubClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let auth = match &self.auth {
            Auth::Anonymous => "anonymous".to_owned(),
            Auth::Token(_) => "token".to_owned(),
            Auth::App(app) => format!("app {}", app.credentials.app_id),
        };
        f.debug_struct("GithubClient")
            .field("base", &self.base)
            .field("auth", &auth)
            .finish()
    }
}

impl GithubClient {
    /// A client of the API at `base`; every request gives up after `timeout`.
    pub fn new(base: &str, credentials: Credentials, timeout: Duration) -> Result<Self, RestError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            // redirects are followed by hand: the download link must not get the token
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| RestError::transport("a client", e))?;
        let auth = match credentials {
            Credentials::Anonymous => Auth::Anonymous,
            Credentials::Token(token) if token.is_empty() => Auth::Anonymous,
            Credentials::Token(token) => Auth::Token(token),
            Credentials::App(credentials) => Auth::App(Arc::new(AppAuth {
                credentials,
                current: tokio::sync::Mutex::new(None),
            })),
        };
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            auth,
            etags: crate::listing::EtagCache::default(),
        })
    }

    fn request(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, url)
            .header(USER_AGENT, "wfm")
            .header(ACCEPT, "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28")
    }

    /// The token to send, minting an installation token when the cached one is old.
    async fn bearer(&self) -> Result<Option<String>, RestError> {
        let app = match &self.auth {
            Auth::Anonymous => return Ok(None),
            Auth::Token(token) => return Ok(Some(token.clone())),
            Auth::App(app) => app,
        };
        let mut current = app.current.lock().await;
        if let Some(token) = AppAuth::usable(&current) {
            return Ok(Some(token));
        }
        let credentials = &app.credentials;
        let what = format!("an installation token of GitHub App {}", credentials.app_id);
        let jwt = credentials.jwt().map_err(|e| RestError::Status {
            status: 401,
            what: what.clone(),
            message: e.to_string(),
        })?;
        let url = format!(
            "{}/app/installations/{}/access_tokens",
            self.base, credentials.installation_id
        );
        let response = self
            .request(reqwest::Method::POST, &url)
            .header(AUTHORIZATION, format!("Bearer {jwt}"))
            .send()
            .await
            .map_err(|e| RestError::transport(&what, e))?;
        let minted: InstallationToken = checked(response, &what)
            .await?
            .json()
            .await
            .map_err(|e| RestError::transport(&what, format!("unreadable answer: {e}")))?;
        let token = minted.token.clone();
        *current = Some(minted);
        Ok(Some(token))
    }

    async fn get(&self, url: &str, what: &str) -> Result<Response, RestError> {
        self.send(reqwest::Method::GET, url, None, None, what).await
    }

    /// One authorized call; an app retries once with a fresh token on 401.
    /// With `if_none_match`, a conditional request (GitHub answers 304
    /// when nothing changed).
    pub(crate) async fn send(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<&serde_json::Value>,
        if_none_match: Option<&str>,
        what: &str,
    ) -> Result<Response, RestError> {
        let response = self
            .send_once(method.clone(), url, body, if_none_match, what)
            .await?;
        if let (StatusCode::UNAUTHORIZED, Auth::App(app)) = (response.status(), &self.auth) {
            // an installation token can be revoked before it ends: a new one, once
            *app.current.lock().await = None;
            return self.send_once(method, url, body, if_none_match, what).await;
        }
        Ok(response)
    }

    async fn send_once(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<&serde_json::Value>,
        if_none_match: Option<&str>,
        what: &str,
    ) -> Result<Response, RestError> {
        let mut request = self.request(method, url);
        if let Some(token) = self.bearer().await? {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        if let Some(etag) = if_none_match {
            request = request.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        request
            .send()
            .await
            .map_err(|e| RestError::transport(what, e))
    }

    /// Sets a commit status on `sha` of `owner/repo` (needs `statuses:write`).
    pub async fn create_commit_status(
        &self,
        owner: &str,
        repo: &str,
        sha: &str,
        status: &CommitStatus,
    ) -> Result<(), RestError> {
        let what = format!("a commit status on {sha} of {owner}/{repo}");
        let url = format!("{}/repos/{owner}/{repo}/statuses/{sha}", self.base);
        let body = serde_json::to_value(status)
            .map_err(|e| RestError::transport(&what, format!("unwritable status: {e}")))?;
        let response = self
            .send(reqwest::Method::POST, &url, Some(&body), None, &what)
            .await?;
        checked(response, &what).await.map(drop)
    }

    /// The unexpired and expired artifacts of run `run_id` of `owner/repo`.
    pub async fn run_artifacts(
        &self,
        owner: &str,
        repo: &str,
        run_id: i64,
    ) -> Result<Vec<Artifact>, RestError> {
        let what = format!("the artifacts of run {run_id} of {owner}/{repo}");
        let mut all = Vec::new();
        for page in 1..=MAX_PAGES {
            let url = format!(
                "{}/repos/{owner}/{repo}/actions/runs/{run_id}/artifacts?per_page=100&page={page}",
                self.base
            );
            let response = checked(self.get(&url, &what).await?, &what).await?;
            let page: ArtifactPage = response
                .json()
                .await
                .map_err(|e| RestError::transport(&what, format!("unreadable answer: {e}")))?;
            let last = page.artifacts.is_empty();
            all.extend(page.artifacts);
            if last || all.len() as u64 >= page.total_count {
                break;
            }
        }
        Ok(all)
    }

    /// Artifact `id`'s zip, at most `max_bytes`: GitHub answers with a short-lived
    /// link, fetched without the token.
    pub async fn artifact_zip(
        &self,
        owner: &str,
        repo: &str,
        id: i64,
        max_bytes: u64,
    ) -> Result<Vec<u8>, RestError> {
        let what = format!("artifact {id} of {owner}/{repo}");
        let url = format!(
            "{}/repos/{owner}/{repo}/actions/artifacts/{id}/zip",
            self.base
        );
        let response = self.download(&url, &what).await?;
        read_capped(response, &what, max_bytes).await
    }

    /// The log of job `job_id` of `owner/repo`, handed to `each` a chunk at a
    /// time as it arrives (a log can be larger than is worth holding whole);
    /// the bytes GitHub served. GitHub answers with a short-lived link,
    /// fetched without the token; it answers 410 for a log it no longer has.
    pub async fn job_log(
        &self,
        owner: &str,
        repo: &str,
        job_id: i64,
        mut each: impl FnMut(&[u8]),
    ) -> Result<u64, RestError> {
        let what = format!("the log of job {job_id} of {owner}/{repo}");
        let url = format!(
            "{}/repos/{owner}/{repo}/actions/jobs/{job_id}/logs",
            self.base
        );
        let mut response = self.download(&url, &what).await?;
        let mut total = 0u64;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| RestError::transport(&what, e.without_url()))?
        {
            total += chunk.len() as u64;
            each(&chunk);
        }
        Ok(total)
    }

    /// `url`'s answer, following the redirect to a download link without
    /// the token (the link is signed; the token must not leave GitHub).
    async fn download(&self, url: &str, what: &str) -> Result<Response, RestError> {
        let response = self.get(url, what).await?;
        if !response.status().is_redirection() {
            return checked(response, what).await;
        }
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .ok_or_else(|| RestError::Status {
                status: response.status().as_u16(),
                what: what.to_owned(),
                message: "a redirect without a Location".into(),
            })?;
        // the link is a credential: kept out of errors (and so of logs and rows)
        let link = self
            .http
            .get(&location)
            .header(USER_AGENT, "wfm")
            .timeout(DOWNLOAD_TIMEOUT)
            .send()
            .await
            .map_err(|e| RestError::transport(what, e.without_url()))?;
        checked(link, what).await
    }
}

/// `response` when it succeeded; else the error it says.
pub(crate) async fn checked(response: Response, what: &str) -> Result<Response, RestError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    if let Some(retry_after) = rate_limit_wait(status, response.headers()) {
        return Err(RestError::RateLimited { retry_after });
    }
    let message = read_capped(response, what, MAX_ERROR_BODY)
        .await
        .ok()
        .and_then(|body| serde_json::from_slice::<serde_json::Value>(&body).ok())
        .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_owned))
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("").to_owned());
    // a secondary rate limit may say so only in its message
    if status == StatusCode::FORBIDDEN && message.to_ascii_lowercase().contains("rate limit") {
        return Err(RestError::RateLimited {
            retry_after: DEFAULT_RATE_LIMIT_WAIT,
        });
    }
    Err(RestError::Status {
        status: status.as_u16(),
        what: what.to_owned(),
        message,
    })
}

/// How long GitHub asks to wait, when `status` is a rate limit: 429, or 403
/// with `retry-after` or no requests left (`x-ratelimit-remaining: 0`).
fn rate_limit_wait(status: StatusCode, headers: &HeaderMap) -> Option<Duration> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let retry_after = header("retry-after").and_then(|v| v.trim().parse::<u64>().ok());
    let exhausted = header("x-ratelimit-remaining").is_some_and(|v| v.trim() == "0");
    let limited = status == StatusCode::TOO_MANY_REQUESTS
        || (status == StatusCode::FORBIDDEN && (retry_after.is_some() || exhausted));
    if !limited {
        return None;
    }
    if let Some(seconds) = retry_after {
        // `retry-after: 0` would have the run claimed again at once, in a loop
        return Some(Duration::from_secs(seconds.max(1)));
    }
    let reset = header("x-ratelimit-reset").and_then(|v| v.trim().parse::<i64>().ok());
    Some(reset.map_or(DEFAULT_RATE_LIMIT_WAIT, |at| {
        Duration::from_secs(
            u64::try_from(at - Utc::now().timestamp())
                .unwrap_or(0)
                .max(1),
        )
    }))
}

/// The body, refused past `max_bytes` (before reading, when Content-Length says so).
async fn read_capped(
    mut response: Response,
    what: &str,
    max_bytes: u64,
) -> Result<Vec<u8>, RestError> {
    let too_large = || RestError::TooLarge {
        what: what.to_owned(),
        limit: max_bytes,
    };
    if response.content_length().is_some_and(|n| n > max_bytes) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| RestError::transport(what, e.without_url()))?
    {
        if (body.len() + chunk.len()) as u64 > max_bytes {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, String)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn rate_limits_say_how_long_to_wait() {
        let wait = |status, h: &[(&'static str, String)]| rate_limit_wait(status, &headers(h));
        assert_eq!(
            wait(
                StatusCode::TOO_MANY_REQUESTS,
                &[("retry-after", "30".into())]
            ),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            wait(StatusCode::FORBIDDEN, &[("retry-after", "7".into())]),
            Some(Duration::from_secs(7))
        );
        let reset = (Utc::now().timestamp() + 120).to_string();
        let waited = wait(
            StatusCode::FORBIDDEN,
            &[
                ("x-ratelimit-remaining", "0".into()),
                ("x-ratelimit-reset", reset),
            ],
        )
        .unwrap();
        assert!((118..=120).contains(&waited.as_secs()), "{waited:?}");
        assert_eq!(
            wait(StatusCode::TOO_MANY_REQUESTS, &[]),
            Some(DEFAULT_RATE_LIMIT_WAIT)
        );
        // a plain 403 (no access) is not a rate limit
        assert_eq!(
            wait(
                StatusCode::FORBIDDEN,
                &[("x-ratelimit-remaining", "4999".into())]
            ),
            None
        );
        assert_eq!(wait(StatusCode::NOT_FOUND, &[]), None);
    }
}
