//! Runs of a `github-artifacts` config through the pipeline, against a local
//! server that answers as GitHub does: collected from the run's artifact,
//! deferred (not failed) by a rate limit, failed by a zip bomb; no pooled
//! connection held while the artifacts download.

mod common;

use std::io::Write as _;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use chrono::Utc;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use wfm_collector::{Collector, CollectorConfig, CollectorMetrics, Outcome};
use wfm_db::models::{NewConfig, NewRun, Run};
use wfm_db::schema::github_workflow_metrics as metrics;
use wfm_db::{DbPool, ReaderKind, RunStatus, queue};
use wfm_env::Env;
use wfm_testing::TestDb;
use zip::write::SimpleFileOptions;

const RUN_ID: i64 = 2332938;

fn zip_of(name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    writer.start_file(name, options).expect("entry");
    writer.write_all(bytes).expect("write");
    writer.finish().expect("finish").into_inner()
}

/// The connections checked out of the collector's pool, seen at each
/// artifact download.
type InUse = Arc<Mutex<Vec<usize>>>;

/// GitHub's example artifact list (fixtures/github/rest) for repository
/// `octo-org/<repo>`: `good` serves a CSV for run [`RUN_ID`], `bomb` 64 MiB of
/// zeros, `limited` is rate limited for two minutes. Each download notes how
/// many of `pool`'s connections are checked out meanwhile.
fn serve(pool: DbPool) -> (String, InUse) {
    async fn list(path: web::Path<(String, String, i64)>) -> HttpResponse {
        if path.1 == "limited" {
            return HttpResponse::TooManyRequests()
                .insert_header(("retry-after", "120"))
                .json(serde_json::json!({"message": "secondary rate limit"}));
        }
        let file = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fixtures/github/rest/list-workflow-run-artifacts.200.json"
        );
        let mut list: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(file).expect("fixture")).expect("JSON");
        // one artifact is enough here
        list["artifacts"]
            .as_array_mut()
            .expect("artifacts")
            .truncate(1);
        list["total_count"] = 1.into();
        HttpResponse::Ok().json(list)
    }
    async fn download(req: HttpRequest, path: web::Path<(String, String, i64)>) -> HttpResponse {
        let host = req.connection_info().host().to_owned();
        HttpResponse::Found()
            .insert_header(("Location", format!("http://{host}/blob/{}", path.1)))
            .finish()
    }
    async fn blob(repo: web::Path<String>, watch: web::Data<(DbPool, InUse)>) -> HttpResponse {
        let status = watch.0.status();
        watch
            .1
            .lock()
            .expect("lock")
            .push(status.size - status.available);
        let zip = match repo.as_str() {
            "bomb" => zip_of("results/2332938/r.csv", &vec![0u8; 64 * 1024 * 1024]),
            _ => zip_of(
                "results/2332938/r.csv",
                b"model,latency_ms\nllama,12.5\nmistral,9.0\n",
            ),
        };
        HttpResponse::Ok().body(zip)
    }
    let listener = TcpListener::bind("127.0.0.1:0").expect("port");
    let addr = listener.local_addr().expect("addr");
    let in_use = InUse::default();
    let watch = web::Data::new((pool, in_use.clone()));
    let server = HttpServer::new(move || {
        App::new()
            .app_data(watch.clone())
            .route(
                "/repos/{owner}/{repo}/actions/runs/{run}/artifacts",
                web::get().to(list),
            )
            .route(
                "/repos/{owner}/{repo}/actions/artifacts/{id}/zip",
                web::get().to(download),
            )
            .route("/blob/{repo}", web::get().to(blob))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .expect("listen")
    .run();
    tokio::spawn(server);
    (format!("http://{addr}"), in_use)
}

/// Runs one run of a config reading `octo-org/<repo>`'s artifacts; returns it settled.
async fn collect(repo: &str) -> (TestDb, Run, Outcome) {
    let (db, run, outcome, _) = collect_watched(repo).await;
    (db, run, outcome)
}

/// [`collect`], and the connections the collector held at each download.
async fn collect_watched(repo: &str) -> (TestDb, Run, Outcome, Vec<usize>) {
    let db = TestDb::new().await;
    let (base, in_use) = serve(db.pool().clone());
    let env = Env::from_pairs([
        ("WFM_GITHUB_API_URL", base.as_str()),
        ("WFM_GITHUB_TOKEN", "ghs_test"),
        ("WFM_GITHUB_ARTIFACT_MAX_UNCOMPRESSED", "1048576"),
    ]);
    let settings = CollectorConfig::from_env(&env).expect("config");
    let registry = wfm_telemetry::Metrics::new("test", "0");
    let collector = Collector::new(
        db.pool().clone(),
        db.config(),
        settings,
        "test-worker".into(),
        CollectorMetrics::register(&registry),
    )
    .expect("collector");
    let mut conn = db.connect().await;
    let config = wfm_testing::insert_config(
        &mut conn,
        &NewConfig {
            name: "artifacts".into(),
            github_owner: Some("octo-org".into()),
            github_repo: Some(repo.into()),
            file_patterns: Some(serde_json::json!(["results/{run_id}/*.csv"])),
            reader: Some(ReaderKind::GithubArtifacts),
            ..NewConfig::default()
        },
    )
    .await
    .expect("config");
    let new = NewRun {
        config_id: config.id,
        workload_uid: "github-job-1".into(),
        github_run_id: Some(RUN_ID),
        ..NewRun::default()
    };
    queue::enqueue(&mut conn, &new)
        .await
        .expect("enqueue")
        .expect("new run");
    let (after, outcome) = common::collect_next(&collector, &mut conn).await;
    let in_use = in_use.lock().expect("lock").clone();
    (db, after, outcome, in_use)
}

#[tokio::test]
async fn a_runs_artifact_files_are_collected() {
    let (db, run, outcome) = collect("good").await;
    assert!(
        matches!(
            outcome,
            Outcome::Completed {
                files: 1,
                records: 2
            }
        ),
        "{outcome:?}"
    );
    assert_eq!(run.status, RunStatus::Completed);
    let mut conn = db.connect().await;
    let sources: Vec<String> = metrics::table
        .filter(metrics::run_id.eq(run.id))
        .select(metrics::source_file)
        .load(&mut conn)
        .await
        .expect("rows");
    assert_eq!(sources, vec!["Rails/results/2332938/r.csv"; 2]);
}

#[tokio::test]
async fn a_rate_limit_defers_the_run_without_counting_a_retry() {
    let (_db, run, outcome) = collect("limited").await;
    assert!(
        matches!(outcome, Outcome::Deferred(_, wait) if wait == Duration::from_secs(120)),
        "{outcome:?}"
    );
    assert_eq!((run.status, run.retry_count), (RunStatus::Pending, 0));
    let wait = run.next_attempt_at - Utc::now();
    assert!((100..=120).contains(&wait.num_seconds()), "{wait:?}");
    assert!(
        run.error_message
            .as_deref()
            .is_some_and(|m| m.contains("rate limit")),
        "{:?}",
        run.error_message
    );
    assert!(run.claimed_by.is_none());
}

#[tokio::test]
async fn a_zip_bomb_fails_the_run_with_the_reason() {
    let (_db, run, _) = collect("bomb").await;
    assert_eq!(run.status, RunStatus::Failed);
    let reason = run.error_message.unwrap_or_default();
    assert!(reason.contains("over the limit of 1048576"), "{reason}");
}

#[tokio::test]
async fn no_pooled_connection_is_held_while_artifacts_download() {
    // The test's own connections are not the pool's, and no heartbeat runs:
    // whatever is checked out during the download is the run's.
    let (_db, run, outcome, in_use) = collect_watched("good").await;
    assert!(matches!(outcome, Outcome::Completed { .. }), "{outcome:?}");
    assert_eq!(run.status, RunStatus::Completed);
    assert_eq!(in_use, vec![0], "connections checked out at each download");
}
