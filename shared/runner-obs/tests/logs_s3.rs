//! Job logs kept in an S3-compatible bucket (a fake one on loopback that
//! checks every request is signed): fetched into it, the row keeping the
//! key; read back through it by step and search; deleted from it by the
//! retention sweep.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use diesel::sql_types::{Nullable, Text};
use diesel_async::RunQueryDsl;
use wfm_github::rest::{Credentials, GithubClient};
use wfm_runner_obs::logs::capture::decompress;
use wfm_runner_obs::logs::read::{LogQuery, read};
use wfm_runner_obs::logs::store::{LogStore, S3Settings};
use wfm_runner_obs::logs::{Settings, fetch, queue};
use wfm_runner_obs::navigation;
use wfm_testing::{TestDb, serve};

const LOG: &str = "2026-12-05T10:00:00.0000000Z set up\n\
    2026-12-05T10:00:05.0000000Z ##[group]Run make bench\n\
    2026-12-05T10:00:06.0000000Z ##[error]bench failed\n";

type Objects = Arc<Mutex<BTreeMap<String, Vec<u8>>>>;

/// A bucket: PUT, GET and DELETE of `/<bucket>/<key>`, refused unsigned.
fn fake_bucket(objects: Objects) -> String {
    serve(move |cfg| {
        let objects = objects.clone();
        cfg.default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
            let objects = objects.clone();
            async move {
                let signed = req
                    .headers()
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.starts_with("AWS4-HMAC-SHA256 Credential=test-id/"));
                if !signed {
                    return HttpResponse::Forbidden()
                        .body("<Error><Code>AccessDenied</Code></Error>");
                }
                let path = req.path().to_owned();
                let mut objects = objects.lock().expect("objects");
                match req.method().as_str() {
                    "PUT" => {
                        objects.insert(path, body.to_vec());
                        HttpResponse::Ok()
                            .insert_header(("ETag", "\"e1\""))
                            .finish()
                    }
                    "GET" => match objects.get(&path) {
                        Some(bytes) => HttpResponse::Ok()
                            .insert_header(("ETag", "\"e1\""))
                            .insert_header(("Last-Modified", "Sat, 05 Dec 2026 10:00:00 GMT"))
                            .body(bytes.clone()),
                        None => {
                            HttpResponse::NotFound().body("<Error><Code>NoSuchKey</Code></Error>")
                        }
                    },
                    "DELETE" => {
                        objects.remove(&path);
                        HttpResponse::NoContent().finish()
                    }
                    _ => HttpResponse::MethodNotAllowed().finish(),
                }
            }
        }));
    })
}

fn fake_github() -> String {
    serve(|cfg| {
        cfg.route(
            "/repos/{owner}/{repo}/actions/jobs/{id}/logs",
            web::get().to(|| async { HttpResponse::Ok().body(LOG) }),
        );
    })
}

#[derive(diesel::QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = Text)]
    storage: String,
    #[diesel(sql_type = Nullable<Text>)]
    object_key: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    in_row: bool,
}

#[tokio::test]
async fn a_log_kept_in_a_bucket_is_read_back_and_expires_from_it() {
    let db = TestDb::new().await;
    let objects: Objects = Arc::default();
    let endpoint = fake_bucket(objects.clone());
    let s3 = S3Settings {
        bucket: "wfm-logs".into(),
        endpoint: Some(endpoint),
        region: "us-east-1".into(),
        prefix: "ci/job-logs/".into(),
        access_key_id: Some("test-id".into()),
        secret_access_key: Some("test-secret".into()),
    };
    let store = LogStore::new(Some(&s3)).expect("a bucket");
    let github = GithubClient::new(
        &fake_github(),
        Credentials::Token("t".into()),
        Duration::from_secs(10),
    )
    .expect("a client");
    let mut conn = db.connect().await;
    diesel::sql_query(
        "INSERT INTO github_workflow_jobs (github_job_id, github_run_id, repository, job_name, status, \
             conclusion, runner_name, started_at, completed_at, steps) \
         VALUES (41, 4, 'octo/bench', 'bench', 'completed', 'failure', 'r', \
             '2026-12-05T10:00:00Z', '2026-12-05T10:00:07Z', \
             '[{\"name\": \"Set up job\", \"number\": 1, \"started_at\": \"2026-12-05T10:00:00Z\"}, \
               {\"name\": \"Run make bench\", \"number\": 2, \"conclusion\": \"failure\", \"started_at\": \"2026-12-05T10:00:05Z\"}]'); \
         ",
    )
    .execute(&mut conn)
    .await
    .expect("a job");
    diesel::sql_query(
        "INSERT INTO github_job_logs (github_job_id, repository) VALUES (41, 'octo/bench')",
    )
    .execute(&mut conn)
    .await
    .expect("a pending log");

    let pass = fetch::fetch_due(db.pool(), &github, &store, "w", &Settings::default(), 10)
        .await
        .expect("a pass");
    assert_eq!(pass.stored, 1, "{pass:?}");
    let row: Row = diesel::sql_query(
        "SELECT state::text AS state, storage::text AS storage, object_key, content IS NOT NULL AS in_row \
         FROM github_job_logs WHERE github_job_id = 41",
    )
    .get_result(&mut conn)
    .await
    .expect("the row");
    assert_eq!(
        (row.state.as_str(), row.storage.as_str(), row.in_row),
        ("stored", "s3", false)
    );
    assert_eq!(row.object_key.as_deref(), Some("ci/job-logs/41.log.gz"));
    let kept = objects
        .lock()
        .expect("objects")
        .get("/wfm-logs/ci/job-logs/41.log.gz")
        .cloned();
    let kept = kept.expect("the object");
    assert_eq!(decompress(&kept, 1 << 20).expect("gzip"), LOG.as_bytes());

    let job = navigation::job(&mut conn, 41)
        .await
        .expect("a query")
        .expect("the job");
    let step = LogQuery {
        step: Some(2),
        ..LogQuery::default()
    };
    let got = read(&mut conn, &store, &job, &step)
        .await
        .expect("read")
        .expect("a log");
    assert_eq!(
        got.text.as_deref(),
        Some(&LOG[LOG.find("2026-12-05T10:00:05").unwrap_or(0)..])
    );
    // the API without the bucket's settings says what is missing
    let lost = read(&mut conn, &LogStore::Postgres, &job, &step).await;
    assert!(
        lost.expect_err("no bucket")
            .to_string()
            .contains("WFM_JOB_LOG_S3_BUCKET")
    );

    // an object removed behind wfm's back: the log is unavailable, said so
    let kept = objects
        .lock()
        .expect("objects")
        .remove("/wfm-logs/ci/job-logs/41.log.gz");
    let gone = read(&mut conn, &store, &job, &step)
        .await
        .expect("read")
        .expect("a log");
    assert_eq!(gone.state, "unavailable");
    assert!(
        gone.detail
            .unwrap_or_default()
            .contains("no longer in the bucket")
    );
    objects.lock().expect("objects").insert(
        "/wfm-logs/ci/job-logs/41.log.gz".into(),
        kept.expect("it was there"),
    );

    diesel::sql_query("UPDATE github_job_logs SET created_at = now() - interval '100 days'")
        .execute(&mut conn)
        .await
        .expect("an old log");
    let swept = queue::expire(&mut conn, Duration::from_secs(90 * 86_400), 10)
        .await
        .expect("a sweep");
    assert_eq!(swept.jobs, [41]);
    let keys: Vec<String> = swept.jobs.iter().filter_map(|j| store.key(*j)).collect();
    assert_eq!(keys, ["ci/job-logs/41.log.gz"]);
    store.delete(&keys).await.expect("deleted");
    assert!(objects.lock().expect("objects").is_empty());
    // deleting what is gone is no error
    store.delete(&keys).await.expect("deleted again");
}
