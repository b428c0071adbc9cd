//! The `github-artifacts` reader against a local HTTP server that answers as
//! GitHub does (fixtures/github/rest): listing, the 302 to a short-lived link
//! (fetched without the token), patterns inside the archive, expired and
//! oversized artifacts, zip bombs, and rate limits.

use std::io::Write as _;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};
use wfm_github::rest::{Credentials, GithubClient};
use wfm_reader::{
    ArtifactLimits, FileReader, GithubArtifactsReader, ListError, ListRequest, Placeholders,
};
use zip::write::SimpleFileOptions;

const TOKEN: &str = "ghs_test";

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/../../fixtures/github/rest/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("JSON")
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        writer.start_file(*name, options).expect("entry");
        writer.write_all(bytes).expect("write");
    }
    writer.finish().expect("finish").into_inner()
}

/// What the fake GitHub serves, and what it saw.
#[derive(Default)]
struct Fake {
    /// The artifact list per repository (`o/r`), as GitHub's JSON.
    lists: Vec<(String, Value)>,
    /// Zips by artifact id.
    zips: Vec<(i64, Vec<u8>)>,
    /// Authorization headers seen on API calls and on download links.
    api_auth: Vec<Option<String>>,
    link_auth: Vec<Option<String>>,
}

type Shared = Arc<Mutex<Fake>>;

fn auth(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get("authorization")
        .map(|v| v.to_str().expect("ASCII").to_owned())
}

async fn list(
    req: HttpRequest,
    fake: web::Data<Shared>,
    path: web::Path<(String, String, i64)>,
) -> HttpResponse {
    let (owner, repo, _run) = path.into_inner();
    let mut fake = fake.lock().expect("lock");
    fake.api_auth.push(auth(&req));
    if repo == "limited" {
        let reset = chrono_now() + 90;
        return HttpResponse::Forbidden()
            .insert_header(("x-ratelimit-remaining", "0"))
            .insert_header(("x-ratelimit-reset", reset.to_string()))
            .json(json!({"message": "API rate limit exceeded"}));
    }
    match fake
        .lists
        .iter()
        .find(|(r, _)| *r == format!("{owner}/{repo}"))
    {
        Some((_, list)) => HttpResponse::Ok().json(list),
        None => HttpResponse::NotFound().json(json!({"message": "Not Found"})),
    }
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64
}

async fn download(
    req: HttpRequest,
    fake: web::Data<Shared>,
    path: web::Path<(String, String, i64)>,
) -> HttpResponse {
    let (_, _, id) = path.into_inner();
    fake.lock().expect("lock").api_auth.push(auth(&req));
    let host = req.connection_info().host().to_owned();
    HttpResponse::Found()
        .insert_header((
            "Location",
            format!("http://{host}/blob/{id}?urlSigningMethod=HMACV1"),
        ))
        .finish()
}

async fn blob(req: HttpRequest, fake: web::Data<Shared>, id: web::Path<i64>) -> HttpResponse {
    let mut fake = fake.lock().expect("lock");
    fake.link_auth.push(auth(&req));
    match fake.zips.iter().find(|(i, _)| *i == *id) {
        Some((_, zip)) => HttpResponse::Ok()
            .content_type("application/zip")
            .body(zip.clone()),
        None => HttpResponse::Gone().json(json!({"message": "Artifact has expired"})),
    }
}

/// Starts the fake; returns its base URL.
fn serve(fake: Shared) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("port");
    let addr = listener.local_addr().expect("addr");
    let data = web::Data::new(fake);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route(
                "/repos/{owner}/{repo}/actions/runs/{run}/artifacts",
                web::get().to(list),
            )
            .route(
                "/repos/{owner}/{repo}/actions/artifacts/{id}/zip",
                web::get().to(download),
            )
            .route("/blob/{id}", web::get().to(blob))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .expect("listen")
    .run();
    actix_web::rt::spawn(server);
    format!("http://{addr}")
}

fn request(patterns: &[&str], run_id: Option<&str>) -> ListRequest {
    ListRequest {
        patterns: patterns.iter().map(|p| (*p).to_owned()).collect(),
        placeholders: Placeholders {
            run_id: run_id.map(str::to_owned),
            ..Placeholders::default()
        },
        window: None,
        max_files: 200,
    }
}

fn reader(base: &str, repo: &str, limits: ArtifactLimits) -> GithubArtifactsReader {
    let client = GithubClient::new(
        base,
        Credentials::Token(TOKEN.into()),
        Duration::from_secs(10),
    )
    .expect("client");
    GithubArtifactsReader::new(client, "octo-org", repo, limits)
}

/// GitHub's example list: artifacts 11 ("Rails") and 13 ("Test output").
fn with_fixture_list(zips: Vec<(i64, Vec<u8>)>) -> Shared {
    Arc::new(Mutex::new(Fake {
        lists: vec![(
            "octo-org/octo-docs".into(),
            fixture("list-workflow-run-artifacts.200.json"),
        )],
        zips,
        ..Fake::default()
    }))
}

#[actix_web::test]
async fn matching_entries_of_every_artifact_are_listed_and_read() {
    let fake = with_fixture_list(vec![
        (
            11,
            zip_of(&[
                ("results/2332938/bench.csv", b"model,tps\na,1\n"),
                ("results/other/bench.csv", b"x"),
                ("notes.txt", b"n"),
            ]),
        ),
        (
            13,
            zip_of(&[
                ("results/2332938/extra.json", b"{\"tps\": 2}"),
                ("results/2332938/deep/skip.csv", b"deep"),
            ]),
        ),
    ]);
    let base = serve(fake.clone());
    let reader = reader(&base, "octo-docs", ArtifactLimits::default());
    let listing = reader
        .list(&request(
            &["results/{run_id}/*.csv", "results/{run_id}/*.json"],
            Some("2332938"),
        ))
        .await
        .expect("lists");
    let paths: Vec<&str> = listing.files.iter().map(|f| f.path.as_str()).collect();
    // `*` stays within a directory; paths name their artifact
    assert_eq!(
        paths,
        [
            "Rails/results/2332938/bench.csv",
            "Test output/results/2332938/extra.json"
        ]
    );
    let bytes = reader.read(&listing.files[0], 1024).await.expect("reads");
    assert_eq!(bytes, b"model,tps\na,1\n");
    let too_small = reader.read(&listing.files[1], 4).await;
    assert!(
        matches!(too_small, Err(wfm_reader::ReadError::TooLarge { .. })),
        "{too_small:?}"
    );
    // handed out once: the listing's bytes are not kept twice
    let again = reader.read(&listing.files[0], 1024).await;
    assert!(
        matches!(again, Err(wfm_reader::ReadError::NotFound)),
        "{again:?}"
    );
    let fake = fake.lock().expect("lock");
    assert!(
        fake.api_auth
            .iter()
            .all(|a| a.as_deref() == Some("Bearer ghs_test")),
        "{:?}",
        fake.api_auth
    );
    assert_eq!(
        fake.link_auth,
        vec![None, None],
        "the short-lived link never gets the token"
    );
}

#[actix_web::test]
async fn expired_missing_and_oversized_artifacts_are_noted_not_fatal() {
    let mut list = fixture("list-workflow-run-artifacts.200.json");
    list["artifacts"][1]["expired"] = json!(true);
    let big = vec![b'x'; 64 * 1024];
    let fake = Arc::new(Mutex::new(Fake {
        lists: vec![("octo-org/octo-docs".into(), list)],
        zips: vec![(11, zip_of(&[("r.csv", &big)]))],
        ..Fake::default()
    }));
    let base = serve(fake);
    let limits = ArtifactLimits {
        max_download_bytes: 100,
        ..ArtifactLimits::default()
    };
    let listing = reader(&base, "octo-docs", limits)
        .list(&request(&["*.csv"], Some("1")))
        .await
        .expect("lists");
    assert!(listing.files.is_empty());
    let refused: Vec<&str> = listing
        .refused
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(refused, ["Rails", "Test output"]);
    assert!(
        listing.refused[0]
            .1
            .contains("larger than the 100-byte limit"),
        "{:?}",
        listing.refused
    );
    assert_eq!(listing.refused[1].1, "the artifact has expired");
}

#[actix_web::test]
async fn a_zip_bomb_or_too_many_entries_refuses_the_run() {
    // 8 MiB of zeros deflate to a few KB
    let zeros = vec![0u8; 8 * 1024 * 1024];
    let bomb = zip_of(&[("r.csv", &zeros)]);
    assert!(bomb.len() < 64 * 1024, "{}", bomb.len());
    let fake = with_fixture_list(vec![
        (11, bomb),
        (
            13,
            zip_of(&[("a.csv", b"1"), ("b.csv", b"2"), ("c.csv", b"3")]),
        ),
    ]);
    let base = serve(fake);
    let limits = ArtifactLimits {
        max_uncompressed_bytes: 1024 * 1024,
        ..ArtifactLimits::default()
    };
    let e = reader(&base, "octo-docs", limits)
        .list(&request(&["*.csv"], Some("1")))
        .await
        .expect_err("refused");
    assert!(
        matches!(&e, ListError::Refused(m) if m.contains("\"Rails\"") && m.contains("over the limit of 1048576")),
        "{e}"
    );
    let limits = ArtifactLimits {
        max_entries: 2,
        ..ArtifactLimits::default()
    };
    let fake = with_fixture_list(vec![
        (11, zip_of(&[("a.csv", b"1")])),
        (
            13,
            zip_of(&[("a.csv", b"1"), ("b.csv", b"2"), ("c.csv", b"3")]),
        ),
    ]);
    let base = serve(fake);
    let e = reader(&base, "octo-docs", limits)
        .list(&request(&["*.csv"], Some("1")))
        .await
        .expect_err("refused");
    assert!(
        matches!(&e, ListError::Refused(m) if m.contains("3 entries, over the limit of 2")),
        "{e}"
    );
    // not a zip at all
    let fake = with_fixture_list(vec![(11, b"<html>".to_vec())]);
    let base = serve(fake);
    let e = reader(&base, "octo-docs", ArtifactLimits::default())
        .list(&request(&["*.csv"], Some("1")))
        .await
        .expect_err("refused");
    assert!(
        matches!(&e, ListError::Refused(m) if m.contains("not a readable zip")),
        "{e}"
    );
}

#[actix_web::test]
async fn rate_limits_missing_runs_and_run_ids() {
    let base = serve(with_fixture_list(Vec::new()));
    let e = reader(&base, "limited", ArtifactLimits::default())
        .list(&request(&["*.csv"], Some("1")))
        .await
        .expect_err("limited");
    match e {
        ListError::RateLimited(wait) => assert!((85..=90).contains(&wait.as_secs()), "{wait:?}"),
        other => panic!("not a rate limit: {other}"),
    }
    let e = reader(&base, "gone", ArtifactLimits::default())
        .list(&request(&["*.csv"], Some("1")))
        .await
        .expect_err("404");
    assert!(matches!(e, ListError::RootMissing(_)), "{e}");
    let e = reader(&base, "octo-docs", ArtifactLimits::default())
        .list(&request(&["*.csv"], None))
        .await
        .expect_err("no run id");
    assert!(e.to_string().contains("no GitHub run id"), "{e}");
    let e = reader(&base, "octo-docs", ArtifactLimits::default())
        .list(&request(&["a/[b"], Some("1")))
        .await
        .expect_err("bad pattern");
    assert!(matches!(e, ListError::BadPattern { .. }), "{e}");
}

#[actix_web::test]
async fn the_inflate_budget_and_the_file_cap_hold_across_artifacts() {
    let part = vec![b'7'; 600 * 1024];
    let fake = with_fixture_list(vec![
        (11, zip_of(&[("a.csv", &part)])),
        (13, zip_of(&[("b.csv", &part)])),
    ]);
    let base = serve(fake);
    let limits = ArtifactLimits {
        max_uncompressed_bytes: 1024 * 1024,
        ..ArtifactLimits::default()
    };
    // each zip is under the limit; the two together are not
    let e = reader(&base, "octo-docs", limits)
        .list(&request(&["*.csv"], Some("1")))
        .await
        .expect_err("over");
    assert!(
        matches!(&e, ListError::Refused(m) if m.contains("\"Test output\"") && m.contains("together")),
        "{e}"
    );

    let fake = with_fixture_list(vec![
        (11, zip_of(&[("a.csv", b"1"), ("b.csv", b"2")])),
        (13, zip_of(&[("c.csv", b"3")])),
    ]);
    let base = serve(fake);
    let mut capped = request(&["*.csv"], Some("1"));
    capped.max_files = 2;
    let listing = reader(&base, "octo-docs", ArtifactLimits::default())
        .list(&capped)
        .await
        .expect("lists");
    assert_eq!(listing.files.len(), 2);
    assert_eq!(listing.over_cap, 1);
}
