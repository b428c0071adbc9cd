//! Job logs fetched from a fake GitHub into a real Postgres: the 302 link
//! fetched without the token, a log past the cap, 404 retried then given
//! up, 410 given up at once, a rate limit deferring the rest of the pass,
//! claims that ran out, and the retention sweep.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use diesel::sql_types::{BigInt, Bool, Integer, Nullable, Text};
use diesel_async::RunQueryDsl;
use wfm_github::rest::{Credentials, GithubClient};
use wfm_runner_obs::logs::capture::{compress, decompress};
use wfm_runner_obs::logs::queue::Placed;
use wfm_runner_obs::logs::store::LogStore;
use wfm_runner_obs::logs::{Settings, fetch, queue};
use wfm_testing::TestDb;
use wfm_testing::serve;

const SMALL_LOG: &str =
    "2026-12-05T10:00:00.0000000Z hello\n2026-12-05T10:00:01.0000000Z ##[error]boom\n";

/// What the fake GitHub was asked: (path, whether a token came with it).
type Seen = Arc<Mutex<Vec<(String, bool)>>>;

fn big_log() -> String {
    (0..20_000)
        .map(|i| format!("2026-12-05T10:00:00.0000000Z line {i:06}\n"))
        .collect()
}

/// Job 1: a 302 to a signed link; 2: 404; 3: 410; 4: a spent rate limit;
/// 5: a 302 to a log past the cap; 6: the log itself (as GHES may).
fn fake_github(seen: Seen) -> String {
    serve(move |cfg| {
        let seen = seen.clone();
        let blob_seen = seen.clone();
        cfg.route(
            "/repos/{owner}/{repo}/actions/jobs/{id}/logs",
            web::get().to(
                move |req: HttpRequest, path: web::Path<(String, String, i64)>| {
                    let seen = seen.clone();
                    async move {
                        let token = req.headers().contains_key("authorization");
                        seen.lock()
                            .expect("the requests seen")
                            .push((req.path().to_owned(), token));
                        let host = req.connection_info().host().to_owned();
                        match path.2 {
                            1 | 5 => HttpResponse::Found()
                                .insert_header((
                                    "location",
                                    format!("http://{host}/blob/{}?sig=x", path.2),
                                ))
                                .finish(),
                            2 => HttpResponse::NotFound()
                                .json(serde_json::json!({"message": "Not Found"})),
                            3 => HttpResponse::Gone().json(serde_json::json!({"message": "Gone"})),
                            4 => HttpResponse::Forbidden()
                                .insert_header(("x-ratelimit-remaining", "0"))
                                .insert_header((
                                    "x-ratelimit-reset",
                                    (chrono::Utc::now().timestamp() + 120).to_string(),
                                ))
                                .json(serde_json::json!({"message": "API rate limit exceeded"})),
                            _ => HttpResponse::Ok().body(SMALL_LOG),
                        }
                    }
                },
            ),
        )
        .route(
            "/blob/{id}",
            web::get().to(move |req: HttpRequest, id: web::Path<i64>| {
                let seen = blob_seen.clone();
                async move {
                    let token = req.headers().contains_key("authorization");
                    seen.lock()
                        .expect("the requests seen")
                        .push((req.path().to_owned(), token));
                    if token {
                        return HttpResponse::BadRequest()
                            .body("a token was sent to the storage link");
                    }
                    match *id {
                        5 => HttpResponse::Ok().body(big_log()),
                        _ => HttpResponse::Ok().body(SMALL_LOG),
                    }
                }
            }),
        );
    })
}

#[derive(Debug, diesel::QueryableByName)]
struct LogRow {
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = Integer)]
    attempts: i32,
    #[diesel(sql_type = Nullable<Text>)]
    detail: Option<String>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Bytea>)]
    content: Option<Vec<u8>>,
    #[diesel(sql_type = Nullable<BigInt>)]
    original_bytes: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    stored_bytes: Option<i64>,
    #[diesel(sql_type = Bool)]
    truncated: bool,
    /// Seconds until the next attempt.
    #[diesel(sql_type = diesel::sql_types::Double)]
    due_in: f64,
}

async fn rows(db: &TestDb) -> Vec<LogRow> {
    diesel::sql_query(
        "SELECT state::text AS state, attempts, detail, content, original_bytes, stored_bytes, \
             truncated, extract(epoch FROM next_attempt_at - now())::float8 AS due_in \
         FROM github_job_logs ORDER BY github_job_id",
    )
    .load(&mut db.connect().await)
    .await
    .expect("log rows")
}

fn settings() -> Settings {
    Settings {
        max_bytes: 64 << 10,
        attempts: 2,
        ..Settings::default()
    }
}

#[tokio::test]
async fn logs_are_fetched_capped_retried_and_given_up_as_github_answers() {
    let db = TestDb::new().await;
    let seen: Seen = Arc::default();
    let base = fake_github(seen.clone());
    let github = GithubClient::new(
        &base,
        Credentials::Token("secret".into()),
        Duration::from_secs(10),
    )
    .expect("a client");
    // due in job order, the rate-limited one before the last two
    diesel::sql_query(
        "INSERT INTO github_job_logs (github_job_id, repository, next_attempt_at) \
         SELECT id, 'octo/bench', now() - make_interval(secs => 100 - CASE WHEN id = 4 THEN 4.5 ELSE id END) \
         FROM generate_series(1, 6) AS id",
    )
    .execute(&mut db.connect().await)
    .await
    .expect("pending logs");

    let pass = fetch::fetch_due(
        db.pool(),
        &github,
        &LogStore::Postgres,
        "w1",
        &settings(),
        100,
    )
    .await
    .expect("a pass");
    assert_eq!(
        (pass.stored, pass.retried, pass.unavailable),
        (1, 2, 1),
        "{pass:?}"
    );
    let wait = pass.rate_limited.expect("the rate limit ended the pass");
    assert!((110..=120).contains(&wait.as_secs()), "{wait:?}");

    let r = rows(&db).await;
    // 1: through the link, which got no token
    assert_eq!(r[0].state, "stored");
    let text = decompress(r[0].content.as_ref().expect("content"), 1 << 20).expect("gzip");
    assert_eq!(text, SMALL_LOG.as_bytes());
    assert_eq!(
        (
            r[0].original_bytes,
            r[0].stored_bytes,
            r[0].truncated,
            r[0].attempts
        ),
        (
            Some(SMALL_LOG.len() as i64),
            Some(SMALL_LOG.len() as i64),
            false,
            1
        )
    );
    let asked = seen.lock().expect("the requests seen").clone();
    assert!(
        asked
            .iter()
            .any(|(p, token)| p == "/repos/octo/bench/actions/jobs/1/logs" && *token)
    );
    assert!(
        asked.iter().any(|(p, token)| p == "/blob/1" && !*token),
        "{asked:?}"
    );
    // 2: GitHub has no log yet: retried in a minute
    assert_eq!((r[1].state.as_str(), r[1].attempts), ("pending", 1));
    assert!(
        r[1].detail.as_deref().unwrap_or("").contains("404"),
        "{:?}",
        r[1].detail
    );
    assert!((50.0..=61.0).contains(&r[1].due_in), "{}", r[1].due_in);
    // 3: gone for good
    assert_eq!((r[2].state.as_str(), r[2].attempts), ("unavailable", 1));
    assert!(r[2].detail.as_deref().unwrap_or("").contains("410"));
    // 4: deferred to the reset, not counted; the pass ended there
    assert_eq!((r[3].state.as_str(), r[3].attempts), ("pending", 0));
    assert!((100.0..=121.0).contains(&r[3].due_in), "{}", r[3].due_in);
    for later in [4, 5] {
        assert_eq!((r[later].state.as_str(), r[later].attempts), ("pending", 0));
    }
    assert!(
        !asked
            .iter()
            .any(|(p, _)| p.contains("/jobs/5/") || p.contains("/jobs/6/")),
        "nothing after the rate limit was asked: {asked:?}"
    );

    // the next pass takes the rest; 4 is not due before the reset
    let pass = fetch::fetch_due(
        db.pool(),
        &github,
        &LogStore::Postgres,
        "w1",
        &settings(),
        100,
    )
    .await
    .expect("a pass");
    assert_eq!(
        (pass.stored, pass.retried, pass.unavailable),
        (2, 0, 0),
        "{pass:?}"
    );
    let r = rows(&db).await;
    // 5: head and tail of a log past the cap
    let big = big_log();
    assert_eq!((r[4].state.as_str(), r[4].truncated), ("stored", true));
    assert_eq!(r[4].original_bytes, Some(big.len() as i64));
    let kept =
        String::from_utf8(decompress(r[4].content.as_ref().unwrap(), 1 << 20).unwrap()).unwrap();
    assert_eq!(kept.len() as i64, r[4].stored_bytes.unwrap());
    assert!(kept.len() < (64 << 10) + 200, "{}", kept.len());
    assert!(kept.starts_with(&big[..100]) && kept.ends_with(&big[big.len() - 100..]));
    assert!(kept.contains("##[warning]wfm left out"));
    assert!(
        r[4].content.as_ref().unwrap().len() < kept.len() / 4,
        "compressed"
    );
    // 6: served directly
    assert_eq!(r[5].state, "stored");

    // the second attempt at 2 is its last; 4 is not due before the reset
    diesel::sql_query("UPDATE github_job_logs SET next_attempt_at = now() WHERE github_job_id = 2")
        .execute(&mut db.connect().await)
        .await
        .unwrap();
    let pass = fetch::fetch_due(
        db.pool(),
        &github,
        &LogStore::Postgres,
        "w2",
        &settings(),
        100,
    )
    .await
    .unwrap();
    assert_eq!(
        (pass.stored, pass.retried, pass.unavailable),
        (0, 0, 1),
        "{pass:?}"
    );
    let r = rows(&db).await;
    assert_eq!((r[1].state.as_str(), r[1].attempts), ("unavailable", 2));
    assert!(
        r[1].detail
            .as_deref()
            .unwrap()
            .starts_with("given up after 2 attempts")
    );
    assert_eq!(r[3].state, "pending");
    assert_eq!(
        seen.lock()
            .expect("the requests seen")
            .iter()
            .filter(|(p, _)| p.ends_with("/jobs/4/logs"))
            .count(),
        1,
        "the deferred log was not asked again"
    );
}

#[tokio::test]
async fn a_claim_that_ran_out_records_nothing_and_old_logs_expire() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    diesel::sql_query(
        "INSERT INTO github_job_logs (github_job_id, repository) VALUES (7, 'octo/bench')",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let lease = Duration::from_secs(0);
    let first = queue::claim(&mut conn, "w1:a", lease)
        .await
        .unwrap()
        .expect("due");
    // the lease was nothing: another worker takes it at once
    let second = queue::claim(&mut conn, "w2:b", Duration::from_secs(300))
        .await
        .unwrap()
        .expect("taken over");
    assert_eq!(second.github_job_id, 7);
    assert!(
        queue::claim(&mut conn, "w3:c", lease)
            .await
            .unwrap()
            .is_none(),
        "leased"
    );
    let mut capture = wfm_runner_obs::logs::capture::Capture::new(1 << 20);
    capture.push(SMALL_LOG.as_bytes());
    let log = capture.finish();
    let packed = compress(&log.text);
    let stored = async |conn: &mut diesel_async::AsyncPgConnection, claimed| {
        queue::record_stored(conn, claimed, &log, &Placed::Row(packed.clone()))
            .await
            .expect("an update")
    };
    assert!(!stored(&mut conn, &first).await, "the first claim ran out");
    let retried = queue::record_retry(&mut conn, &first, lease, true, "x").await;
    assert!(!retried.expect("an update"));
    let given_up = queue::record_unavailable(&mut conn, &first, "x").await;
    assert!(!given_up.expect("an update"));
    assert!(stored(&mut conn, &second).await);
    assert!(!stored(&mut conn, &second).await, "once");
    assert_eq!(rows(&db).await[0].attempts, 2, "each claim was an attempt");

    // retention: a stored log of a job that completed long ago loses its
    // content, a pending one is given up, and rows twice as old go
    wfm_runner_obs::logs::store_text(&mut conn, 8, "octo/bench", SMALL_LOG.as_bytes())
        .await
        .expect("stored");
    diesel::sql_query(
        "INSERT INTO github_job_logs (github_job_id, repository, created_at, state) VALUES \
            (9, 'octo/bench', now() - interval '40 days', 'pending'), \
            (10, 'octo/bench', now() - interval '70 days', 'expired'), \
            (11, 'octo/bench', now() - interval '50 days', 'expired')",
    )
    .execute(&mut conn)
    .await
    .expect("old rows");
    diesel::sql_query(
        "UPDATE github_job_logs SET created_at = now() - interval '40 days' WHERE github_job_id = 7",
    )
    .execute(&mut conn)
    .await
    .expect("an old log");
    let month = Duration::from_secs(30 * 86_400);
    let swept = queue::expire(&mut conn, month, 10).await.expect("a sweep");
    assert_eq!(swept.rows, 3, "7 and 9 changed, 10 deleted");
    assert_eq!(swept.jobs, [7, 9, 10], "expired, given up, deleted");
    let r = rows(&db).await;
    let states: Vec<&str> = r.iter().map(|r| r.state.as_str()).collect();
    assert_eq!(
        states,
        ["expired", "stored", "unavailable", "expired"],
        "7, 8, 9, 11"
    );
    assert!(r[0].content.is_none());
    assert!(
        r[0].detail
            .as_deref()
            .unwrap_or("")
            .contains("dropped after the retention period")
    );
    assert!(
        r[2].detail
            .as_deref()
            .unwrap_or("")
            .contains("not fetched within")
    );
    assert_eq!(
        queue::expire(&mut conn, month, 10).await.expect("a sweep"),
        queue::Swept::default()
    );
}

#[tokio::test]
async fn a_log_whose_fetches_keep_dying_is_given_up() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    diesel::sql_query(
        "INSERT INTO github_job_logs (github_job_id, repository) VALUES (12, 'octo/bench')",
    )
    .execute(&mut conn)
    .await
    .expect("a pending log");
    // two claims whose workers died (their leases ran out at once)
    for worker in ["w1:a", "w2:b"] {
        let claimed = queue::claim(&mut conn, worker, Duration::ZERO).await;
        assert!(claimed.expect("a claim").is_some());
    }
    // GitHub is never asked: nothing listens here
    let github = GithubClient::new(
        "http://127.0.0.1:9",
        Credentials::Token("t".into()),
        Duration::from_secs(1),
    )
    .expect("a client");
    let pass = fetch::fetch_due(
        db.pool(),
        &github,
        &LogStore::Postgres,
        "w3",
        &settings(),
        10,
    )
    .await
    .expect("a pass");
    assert_eq!((pass.stored, pass.unavailable), (0, 1), "{pass:?}");
    let r = rows(&db).await;
    assert_eq!(r[0].state, "unavailable");
    assert!(
        r[0].detail
            .as_deref()
            .unwrap_or("")
            .contains("did not finish"),
        "{:?}",
        r[0].detail
    );
}
