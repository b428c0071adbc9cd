//! The console's files and fallback, through a real actix app.

use std::path::PathBuf;

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use actix_web::test as actix_test;
use actix_web::{App, web};
use wfm_console::{Console, ConsoleConfig};
use wfm_env::Env;

/// A built console in a folder of the test's own.
fn built(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wfm-console-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("assets")).expect("assets folder");
    std::fs::write(dir.join("index.html"), "<!doctype html><div id=app></div>").expect("index");
    std::fs::write(dir.join("assets/index-abc.js"), "console.log(1)").expect("asset");
    dir
}

fn config(dir: PathBuf) -> ConsoleConfig {
    ConsoleConfig { dir: Some(dir) }
}

macro_rules! app {
    ($console:expr) => {{
        let console = $console;
        actix_test::init_service(
            App::new()
                .route("/v1/openapi.json", web::get().to(|| async { "{}" }))
                .configure(|cfg| wfm_console::configure(cfg, &console)),
        )
        .await
    }};
}

/// Status, body, Cache-Control, Content-Security-Policy and Content-Type of a request.
macro_rules! get {
    ($app:expr, $method:expr, $uri:expr) => {{
        let req = actix_test::TestRequest::default()
            .method($method.parse().expect("method"))
            .uri($uri)
            .to_request();
        let res = actix_test::call_service(&$app, req).await;
        let header = |name| {
            res.headers()
                .get(name)
                .map(|v: &actix_web::http::header::HeaderValue| {
                    v.to_str().expect("ascii").to_owned()
                })
        };
        let (status, cache, csp) = (
            res.status(),
            header(CACHE_CONTROL),
            header(CONTENT_SECURITY_POLICY),
        );
        let content_type: String = header(CONTENT_TYPE).unwrap_or_default();
        let body = String::from_utf8(actix_test::read_body(res).await.to_vec()).expect("utf-8");
        (status, body, cache, csp, content_type)
    }};
}

#[actix_web::test]
async fn pages_are_the_app_and_assets_are_files() {
    let dir = built("pages");
    let app = app!(Console::load(&config(dir.clone())));

    for page in [
        "/",
        "/configs/3?tab=runs",
        "/explore",
        "/runner-sets/arc/gpu",
    ] {
        let (status, body, cache, csp, content_type) = get!(app, "GET", page);
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(body.contains("id=app"), "{page}: {body}");
        assert_eq!(cache.as_deref(), Some("no-cache"), "{page}");
        assert!(csp.expect("a CSP").contains("default-src 'self'"));
        assert!(content_type.starts_with("text/html"));
    }

    let (status, body, cache, _, content_type) = get!(app, "GET", "/assets/index-abc.js");
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "console.log(1)");
    assert!(cache.expect("cached").contains("immutable"));
    assert!(content_type.contains("javascript"), "{content_type}");

    // a missing asset is a 404, not the app (a stale tab must not get HTML as JS)
    let (status, _, _, _, _) = get!(app, "GET", "/assets/gone.js");
    assert_eq!(status, StatusCode::NOT_FOUND);
    // the API's paths stay the API's: routes win, unknown ones are JSON 404s
    let (status, body, _, _, _) = get!(app, "GET", "/v1/openapi.json");
    assert_eq!((status, body.as_str()), (StatusCode::OK, "{}"));
    let (status, body, _, _, content_type) = get!(app, "GET", "/v1/nothing");
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        content_type.starts_with("application/json") && body.contains("4040"),
        "{body}"
    );
    let (status, _, _, _, _) = get!(app, "POST", "/configs/3");
    assert_eq!(status, StatusCode::NOT_FOUND);
    let _ = std::fs::remove_dir_all(dir);
}

#[actix_web::test]
async fn a_missing_build_says_how_to_build_it() {
    let dir = std::env::temp_dir().join(format!("wfm-console-none-{}", std::process::id()));
    let console = Console::load(&config(dir.clone()));
    assert!(!console.is_served());
    let app = app!(console);
    let (status, body, _, _, _) = get!(app, "GET", "/");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("npm ci &amp;&amp; npm run build"), "{body}");
    assert!(body.contains("WFM_CONSOLE_DIR"));

    // built later (or rebuilt, renaming its assets): served without a restart
    std::fs::create_dir_all(&dir).expect("folder");
    std::fs::write(dir.join("index.html"), "<div id=app>v2</div>").expect("index");
    let (status, body, _, _, _) = get!(app, "GET", "/");
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, "<div id=app>v2</div>")
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[actix_web::test]
async fn off_serves_nothing() {
    let config =
        ConsoleConfig::from_env(&Env::from_pairs([("WFM_CONSOLE_DIR", "off")])).expect("config");
    assert_eq!(config.dir, None);
    let app = app!(Console::load(&config));
    let (status, body, _, _, _) = get!(app, "GET", "/");
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!body.contains("console"));
}

#[test]
fn the_default_is_the_checkout_build() {
    let config = ConsoleConfig::from_env(&Env::from_pairs([])).expect("config");
    assert_eq!(config.dir, Some(PathBuf::from(wfm_console::DEFAULT_DIR)));
    let config = ConsoleConfig::from_env(&Env::from_pairs([("WFM_CONSOLE_DIR", "/srv/console")]))
        .expect("config");
    assert_eq!(config.dir, Some(PathBuf::from("/srv/console")));
}
