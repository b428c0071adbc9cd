//! The web console (`services/web`, built by Vite into static files) served
//! at `/` next to the API: `/assets/…` are the bundle's files, named by
//! content hash and so cached for a year; any other GET outside `/v1` is the
//! app's `index.html` (never cached), whose router shows the page the path
//! names, so a shared link to `/configs/3?tab=runs` opens that page.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `WFM_CONSOLE_DIR` | `services/web/dist` | the built console (`index.html` and `assets/`); `off` serves none |

use std::path::{Path, PathBuf};

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use wfm_env::{Env, EnvError};

/// Where the built console is, when it is served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleConfig {
    pub dir: Option<PathBuf>,
}

/// `WFM_CONSOLE_DIR` unset: the build output of a checkout, for `scripts/dev`.
pub const DEFAULT_DIR: &str = "services/web/dist";

/// Only what the bundle itself loads: no CDN, no inline script or style (the
/// app and the chart set styles through the CSSOM, which CSP allows; the
/// browser tests fail on any violation, as Chromium logs it as an error).
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; \
    frame-ancestors 'none'; form-action 'self'";

impl ConsoleConfig {
    pub fn from_env(env: &Env) -> Result<Self, EnvError> {
        let dir = env.var("WFM_CONSOLE_DIR");
        let dir = match dir.as_deref().map(str::trim) {
            None | Some("") => Some(PathBuf::from(DEFAULT_DIR)),
            Some("off") => None,
            Some(path) => Some(PathBuf::from(path)),
        };
        Ok(Self { dir })
    }
}

/// The console's folder, checked at start.
#[derive(Debug, Clone)]
pub struct Console {
    dir: Option<PathBuf>,
}

impl Console {
    /// Logs where the console is served from, or that it is not built (then
    /// `/` answers how to build it; the API works without it).
    pub fn load(config: &ConsoleConfig) -> Self {
        if let Some(dir) = &config.dir {
            match std::fs::metadata(dir.join("index.html")) {
                Ok(_) => tracing::info!(dir = %dir.display(), "serving the web console at /"),
                Err(e) => tracing::warn!(
                    dir = %dir.display(),
                    error = %e,
                    "no web console here: / answers how to build it (npm ci && npm run build in services/web, or set WFM_CONSOLE_DIR)"
                ),
            }
        }
        Self {
            dir: config.dir.clone(),
        }
    }

    pub fn is_served(&self) -> bool {
        self.dir
            .as_ref()
            .is_some_and(|dir| dir.join("index.html").is_file())
    }
}

/// Mounts the console: register it after every other route, as its
/// fallback answers any GET path.
pub fn configure(cfg: &mut web::ServiceConfig, console: &Console) {
    let Some(dir) = &console.dir else {
        return;
    };
    cfg.service(
        web::scope("/assets")
            .wrap(
                actix_web::middleware::DefaultHeaders::new()
                    .add((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
                    .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff")),
            )
            .service(actix_files::Files::new("", dir.join("assets"))),
    );
    cfg.app_data(web::Data::new(console.clone()))
        .default_service(web::to(app));
}

/// Any other path: the app for a GET (or HEAD) of a page, a 404 for the rest.
async fn app(req: HttpRequest, console: web::Data<Console>) -> HttpResponse {
    let path = req.path();
    let page = matches!(
        *req.method(),
        actix_web::http::Method::GET | actix_web::http::Method::HEAD
    ) && path != "/v1"
        && !path.starts_with("/v1/")
        && !path.starts_with("/assets/");
    if !page {
        return HttpResponse::NotFound()
            .content_type("application/json")
            .body(r#"{"meta":{"code":4040},"message":"no route here"}"#);
    }
    // read on each request, not once at start: a rebuild renames the hashed
    // assets, and a cached index.html would name ones that are gone
    let index = console.dir.as_ref().map(|dir| dir.join("index.html"));
    let read = match index {
        Some(path) => web::block(move || std::fs::read(path))
            .await
            .ok()
            .and_then(Result::ok),
        None => None,
    };
    let mut response = match read {
        Some(index) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(index),
        None => HttpResponse::ServiceUnavailable()
            .content_type("text/html; charset=utf-8")
            .body(not_built(console.dir.as_deref())),
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

fn not_built(dir: Option<&Path>) -> String {
    let dir = dir.map(|d| d.display().to_string()).unwrap_or_default();
    let dir = dir
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        "<!doctype html><meta charset=utf-8><title>wfm: console not built</title>\
         <h1>The wfm console is not built here</h1>\
         <p>wfm-api looked for it in <code>{dir}</code> (<code>WFM_CONSOLE_DIR</code>) and found no \
         <code>index.html</code>. Build it with <code>npm ci &amp;&amp; npm run build</code> in \
         <code>services/web</code> (<code>scripts/dev</code> does), or point \
         <code>WFM_CONSOLE_DIR</code> at a built copy, then restart wfm-api.</p>\
         <p>The API is at <a href=\"/v1/openapi.json\">/v1/openapi.json</a>.</p>"
    )
}
