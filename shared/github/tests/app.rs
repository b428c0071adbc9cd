//! GitHub App authentication against a local server that checks the app's
//! JWT as GitHub does: one installation token per hour, not per call.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use wfm_github::app::AppCredentials;
use wfm_github::rest::{Credentials, GithubClient};

const KEY: &[u8] = include_bytes!("fixtures/test-app-key.pem");
const PUBLIC: &[u8] = include_bytes!("fixtures/test-app-key.pub.pem");

#[derive(Default)]
struct Seen {
    minted: usize,
    /// A token GitHub revoked before its end.
    revoked: Option<String>,
    lifetime_s: i64,
    listed_with: Vec<String>,
}

type Shared = web::Data<Arc<Mutex<Seen>>>;

fn bearer(req: &HttpRequest) -> String {
    req.headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_owned()
}

async fn mint(req: HttpRequest, seen: Shared, installation: web::Path<i64>) -> HttpResponse {
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&["4242"]);
    let key = DecodingKey::from_rsa_pem(PUBLIC).expect("public key");
    if *installation != 7
        || jsonwebtoken::decode::<serde_json::Value>(&bearer(&req), &key, &validation).is_err()
    {
        return HttpResponse::Unauthorized()
            .json(serde_json::json!({"message": "A JSON web token could not be decoded"}));
    }
    let mut seen = seen.lock().expect("lock");
    seen.minted += 1;
    let expires = Utc::now() + chrono::Duration::seconds(seen.lifetime_s);
    HttpResponse::Created().json(serde_json::json!({
        "token": format!("ghs_minted_{}", seen.minted),
        "expires_at": expires.to_rfc3339(),
    }))
}

async fn artifacts(req: HttpRequest, seen: Shared) -> HttpResponse {
    let mut seen = seen.lock().expect("lock");
    seen.listed_with.push(bearer(&req));
    if seen.revoked.as_deref() == Some(bearer(&req).as_str()) {
        return HttpResponse::Unauthorized()
            .json(serde_json::json!({"message": "Bad credentials"}));
    }
    HttpResponse::Ok().json(serde_json::json!({"total_count": 0, "artifacts": []}))
}

fn serve(lifetime_s: i64) -> (String, Arc<Mutex<Seen>>) {
    let seen = Arc::new(Mutex::new(Seen {
        lifetime_s,
        ..Seen::default()
    }));
    let data = web::Data::new(seen.clone());
    let listener = TcpListener::bind("127.0.0.1:0").expect("port");
    let addr = listener.local_addr().expect("addr");
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route(
                "/app/installations/{id}/access_tokens",
                web::post().to(mint),
            )
            .route(
                "/repos/{o}/{r}/actions/runs/{run}/artifacts",
                web::get().to(artifacts),
            )
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .expect("listen")
    .run();
    actix_web::rt::spawn(server);
    (format!("http://{addr}"), seen)
}

fn client(base: &str, installation: i64) -> GithubClient {
    let app = AppCredentials::new("4242", installation, KEY).expect("the test key");
    GithubClient::new(base, Credentials::App(app), Duration::from_secs(10)).expect("client")
}

#[actix_web::test]
async fn an_installation_token_is_minted_once_and_reused() {
    let (base, seen) = serve(3600);
    let github = client(&base, 7);
    let copy = github.clone();
    for c in [&github, &copy, &github] {
        assert!(
            c.run_artifacts("o", "r", 1)
                .await
                .expect("lists")
                .is_empty()
        );
    }
    let seen = seen.lock().expect("lock");
    assert_eq!(seen.minted, 1, "clones share the token");
    assert_eq!(seen.listed_with, vec!["ghs_minted_1"; 3]);
}

#[actix_web::test]
async fn a_token_near_its_end_is_renewed() {
    // tokens that end in two minutes are inside the five-minute renewal window
    let (base, seen) = serve(120);
    let github = client(&base, 7);
    github.run_artifacts("o", "r", 1).await.expect("lists");
    github.run_artifacts("o", "r", 1).await.expect("lists");
    let seen = seen.lock().expect("lock");
    assert_eq!(seen.minted, 2);
    assert_eq!(seen.listed_with, ["ghs_minted_1", "ghs_minted_2"]);
}

#[actix_web::test]
async fn a_refused_jwt_or_a_bad_key_is_an_error() {
    let (base, _) = serve(3600);
    let e = client(&base, 8)
        .run_artifacts("o", "r", 1)
        .await
        .expect_err("wrong installation");
    assert!(e.to_string().contains("401"), "{e}");
    assert!(
        AppCredentials::new(
            "4242",
            7,
            b"-----BEGIN RSA PRIVATE KEY-----\nnope\n-----END RSA PRIVATE KEY-----\n"
        )
        .is_err()
    );
}

#[actix_web::test]
async fn a_revoked_token_is_replaced_once() {
    let (base, seen) = serve(3600);
    seen.lock().expect("lock").revoked = Some("ghs_minted_1".into());
    let github = client(&base, 7);
    assert!(
        github
            .run_artifacts("o", "r", 1)
            .await
            .expect("lists after a new token")
            .is_empty()
    );
    github.run_artifacts("o", "r", 1).await.expect("lists");
    let seen = seen.lock().expect("lock");
    assert_eq!(seen.minted, 2);
    assert_eq!(
        seen.listed_with,
        ["ghs_minted_1", "ghs_minted_2", "ghs_minted_2"]
    );
}
