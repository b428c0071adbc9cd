//! Bearer tokens: read tokens for GETs and query POSTs, admin tokens for every
//! write (an admin token reads too), sample tokens only for posting runner
//! resource samples (what a workflow job holds; an admin token may too).
//! With no tokens configured the API is open.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{Error, HttpRequest, HttpResponse, web};
use subtle::ConstantTimeEq as _;

use crate::AppState;
use crate::error::ApiError;

/// What a request needs, or what a token grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Posting runner resource samples, nothing else.
    Samples,
    Read,
    Admin,
}

impl Access {
    /// Whether a token granting `self` may do what `needed` asks.
    fn allows(self, needed: Access) -> bool {
        match needed {
            Access::Samples => matches!(self, Access::Samples | Access::Admin),
            Access::Read => matches!(self, Access::Read | Access::Admin),
            Access::Admin => self == Access::Admin,
        }
    }
}

/// The configured tokens.
#[derive(Clone, Default)]
pub struct Tokens {
    read: Vec<String>,
    admin: Vec<String>,
    samples: Vec<String>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the tokens themselves.
        f.debug_struct("Tokens")
            .field("read", &self.read.len())
            .field("admin", &self.admin.len())
            .field("samples", &self.samples.len())
            .finish()
    }
}

impl Tokens {
    pub fn new(read: Vec<String>, admin: Vec<String>) -> Self {
        Self {
            read,
            admin,
            samples: Vec::new(),
        }
    }

    /// Also these tokens, which may only post runner resource samples.
    pub fn with_samples(mut self, samples: Vec<String>) -> Self {
        self.samples = samples;
        self
    }

    /// No tokens at all: every request is let through.
    pub fn is_open(&self) -> bool {
        self.read.is_empty() && self.admin.is_empty() && self.samples.is_empty()
    }

    /// The access `token` grants, comparing in constant time.
    fn grants(&self, token: &str) -> Option<Access> {
        let matches = |list: &[String]| {
            list.iter().fold(false, |found, t| {
                found | bool::from(t.as_bytes().ct_eq(token.as_bytes()))
            })
        };
        if matches(&self.admin) {
            Some(Access::Admin)
        } else if matches(&self.read) {
            Some(Access::Read)
        } else if matches(&self.samples) {
            Some(Access::Samples)
        } else {
            None
        }
    }
}

/// The path runner resource samples are posted to.
pub const SAMPLES_PATH: &str = "/actions/runner-metrics";

/// What `method` on `path` needs: reads, and the three query POSTs, need a
/// read token; posting samples a sample token.
pub fn required(method: &Method, path: &str) -> Access {
    if *method == Method::POST && path.ends_with(SAMPLES_PATH) {
        return Access::Samples;
    }
    let query_post = *method == Method::POST
        && ["/metrics/query", "/metrics/aggregate", "/metrics/trends"]
            .iter()
            .any(|suffix| path.ends_with(suffix));
    if *method == Method::GET || *method == Method::HEAD || query_post {
        Access::Read
    } else {
        Access::Admin
    }
}

/// The token of an `Authorization: Bearer …` value; the scheme is
/// case-insensitive (RFC 9110 §11.1).
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim_start().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The access the request's bearer token grants, if any.
fn granted(req: &HttpRequest, tokens: &Tokens) -> Option<Access> {
    req.headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token)
        .and_then(|token| tokens.grants(token))
}

/// Middleware over the API scope.
pub async fn check(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let tokens = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.tokens.clone())
        .unwrap_or_default();
    if !tokens.is_open() {
        let needed = required(req.method(), req.path());
        match granted(req.request(), &tokens) {
            None => return Err(ApiError::Unauthenticated.into()),
            Some(access) if !access.allows(needed) => {
                return Err(ApiError::Forbidden(match needed {
                    Access::Samples => "post samples; a sample or admin token is needed",
                    Access::Read => "read; a read or admin token is needed",
                    Access::Admin => "write; an admin token is needed",
                })
                .into());
            }
            Some(_) => {}
        }
    }
    next.call(req).await
}

/// What the caller may do, from its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// No tokens are configured: anyone may read and write.
    Open,
    /// A read token: GETs and the metric query POSTs.
    Read,
    /// An admin token: everything.
    Admin,
    /// A sample token: posting runner resource samples only.
    Samples,
    /// Tokens are configured and the request has none of them.
    None,
}

/// The answer of `GET /session`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SessionInfo {
    pub role: Role,
}

/// What the request's token may do, so a client (the web console) knows
/// whether to ask for a token and which actions to offer. Needs no token
/// and says nothing about the configured tokens beyond whether the one
/// sent is one of them.
#[utoipa::path(
    get,
    path = "/session",
    tag = "configs",
    responses((status = 200, description = "the role of the request's token", body = crate::reply::Envelope<SessionInfo>))
)]
pub async fn session(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let role = if state.tokens.is_open() {
        Role::Open
    } else {
        match granted(&req, &state.tokens) {
            Some(Access::Admin) => Role::Admin,
            Some(Access::Read) => Role::Read,
            Some(Access::Samples) => Role::Samples,
            None => Role::None,
        }
    };
    crate::reply::ok(SessionInfo { role })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_posts_only_need_read() {
        let base = "/v1/github-workflow-metrics/configs/1";
        assert_eq!(required(&Method::GET, base), Access::Read);
        assert_eq!(
            required(&Method::POST, &format!("{base}/metrics/trends")),
            Access::Read
        );
        assert_eq!(
            required(&Method::POST, &format!("{base}/enable")),
            Access::Admin
        );
        assert_eq!(required(&Method::DELETE, base), Access::Admin);
        assert_eq!(
            required(
                &Method::POST,
                "/v1/github-workflow-metrics/actions/runner-metrics"
            ),
            Access::Samples
        );
    }

    #[test]
    fn sample_tokens_post_samples_and_nothing_else() {
        let tokens = Tokens::new(vec!["r".into()], vec!["a".into()]).with_samples(vec!["s".into()]);
        assert_eq!(tokens.grants("s"), Some(Access::Samples));
        assert!(Access::Samples.allows(Access::Samples));
        assert!(Access::Admin.allows(Access::Samples));
        assert!(
            !Access::Read.allows(Access::Samples),
            "a read token posts nothing"
        );
        assert!(
            !Access::Samples.allows(Access::Read),
            "a sample token reads nothing"
        );
        assert!(!Access::Samples.allows(Access::Admin));
        assert!(!Tokens::default().with_samples(vec!["s".into()]).is_open());
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer abc"), Some("abc"));
        assert_eq!(bearer_token("BEARER  abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer"), None);
        assert_eq!(bearer_token("Bearer  "), None);
    }

    #[test]
    fn admin_tokens_also_read() {
        let tokens = Tokens::new(vec!["r".into()], vec!["a".into()]);
        assert_eq!(tokens.grants("a"), Some(Access::Admin));
        assert_eq!(tokens.grants("r"), Some(Access::Read));
        assert_eq!(tokens.grants("x"), None);
        assert_eq!(tokens.grants(""), None);
        assert!(!tokens.is_open());
        assert!(Tokens::default().is_open());
    }
}
