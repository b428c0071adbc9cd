//! The periodic collector against a fake GitHub and a real Postgres: two
//! replicas collect each repository once per period; a rate limit defers a
//! collection without counting a failure; a failure (a 404, a 202 still
//! being computed) backs off; a worker
//! that lost its lease writes nothing; webhook runs serve the `ci.*`
//! numbers when they cover the window; pushes reach local OTLP and Datadog
//! receivers that check the payloads.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use common::fake::{Fake, start};
use common::{T, at, snapshot};
use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::metrics::v1::{metric, number_data_point};
use prost::Message;
use serde_json::Value;
use wfm_github::rest::{Credentials, GithubClient};
use wfm_repo_health::collect::{Pass, Settings, collect_due};
use wfm_repo_health::export::{PushSettings, Pusher};
use wfm_repo_health::gauges::HealthGauges;
use wfm_repo_health::store::{self, NewRepository};
use wfm_repo_health::{CommitCache, compute, schedule};
use wfm_testing::TestDb;

fn client(base: &str) -> GithubClient {
    GithubClient::new(base, Credentials::Token("t".into()), Duration::from_secs(5)).expect("client")
}

fn settings() -> Settings {
    Settings {
        use_webhooks: false,
        ..Settings::default()
    }
}

async fn watch(db: &TestDb, name: &str) -> i64 {
    let mut conn = db.pool().get().await.expect("conn");
    let new = NewRepository {
        repository: name.into(),
        interval_seconds: None,
        enabled: None,
    };
    store::add(&mut conn, &new).await.expect("added").id
}

async fn pass(
    db: &TestDb,
    base: &str,
    worker: &str,
    s: &Settings,
    pusher: Option<&Pusher>,
) -> Pass {
    let mut cache = CommitCache::default();
    collect_due(
        db.pool(),
        &client(base),
        worker,
        s,
        &mut cache,
        pusher,
        Some(at(T)),
    )
    .await
    .expect("a pass")
}

#[derive(diesel::QueryableByName, Debug, PartialEq)]
struct Stored {
    #[diesel(sql_type = Text)]
    metric: String,
    #[diesel(sql_type = diesel::sql_types::Double)]
    value: f64,
    #[diesel(sql_type = Text)]
    source: String,
}

async fn stored(db: &TestDb, id: i64) -> Vec<Stored> {
    let mut conn = db.pool().get().await.expect("conn");
    diesel::sql_query(
        "SELECT metric, value, source FROM github_repository_health \
         WHERE repository_id = $1 ORDER BY metric",
    )
    .bind::<BigInt, _>(id)
    .load(&mut conn)
    .await
    .expect("rows")
}

/// The hand-worked numbers, as rows (metrics without a value have none).
fn expected() -> Vec<(String, f64)> {
    compute(&snapshot(), at(T))
        .values
        .into_iter()
        .filter_map(|(name, v)| v.map(|v| (name.to_owned(), v)))
        .collect()
}

#[tokio::test]
async fn two_replicas_collect_each_repository_once() {
    let db = TestDb::new().await;
    let fake = Fake::default();
    let base = start(fake.clone()).await;
    let mut ids = Vec::new();
    for i in 0..6 {
        ids.push(watch(&db, &format!("org{i}/repo")).await);
    }
    let s = settings();
    let (a, b) = tokio::join!(
        pass(&db, &base, "replica-a", &s, None),
        pass(&db, &base, "replica-b", &s, None)
    );
    assert_eq!(a.collected + b.collected, 6, "{a:?} {b:?}");
    assert_eq!(a.failed + b.failed + a.deferred + b.deferred, 0);
    let calls = fake.info_calls();
    assert_eq!(calls.len(), 6);
    assert!(calls.values().all(|&n| n == 1), "{calls:?}");
    for id in &ids {
        let rows = stored(&db, *id).await;
        let got: Vec<(String, f64)> = rows.iter().map(|r| (r.metric.clone(), r.value)).collect();
        assert_eq!(got, expected());
        assert!(rows.iter().all(|r| r.source == "rest"));
    }
    // nothing is due again within the period
    let again = pass(&db, &base, "replica-a", &s, None).await;
    assert_eq!(again, Pass::default());
    assert_eq!(fake.info_calls(), calls);
    let mut conn = db.pool().get().await.expect("conn");
    let listed = store::list(&mut conn).await.expect("list");
    for w in listed {
        assert_eq!(w.collection.last_collected_at, Some(at(T)));
        assert_eq!(w.collection.attempts, 0);
        let ahead = w.collection.next_run_at - Utc::now();
        assert!(ahead > chrono::Duration::seconds(850), "{ahead}");
    }
    // asked for, it is collected again at the next pass
    assert!(store::collect_now(&mut conn, ids[0]).await.expect("due"));
    let later = pass(&db, &base, "replica-b", &s, None).await;
    assert_eq!(later.collected, 1);

    // the newest values as Prometheus gauges, a series per repository
    let gauges = HealthGauges::new(db.pool().clone(), Duration::ZERO);
    gauges.refresh_if_stale().await;
    let mut registry = prometheus_client::registry::Registry::default();
    registry.register_collector(gauges.collector());
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry).expect("encode");
    let open = expected()
        .into_iter()
        .find(|(n, _)| n == "prs.open")
        .expect("open")
        .1;
    for i in 0..6 {
        let series = format!("github_repo_prs_open{{repository=\"org{i}/repo\"}} ");
        let value: f64 = text
            .lines()
            .find_map(|l| l.strip_prefix(series.as_str()))
            .unwrap_or_else(|| panic!("{series} not in\n{text}"))
            .parse()
            .expect("a number");
        assert_eq!(value, open);
    }
    assert!(text.contains("# TYPE github_repo_ci_workflow_duration_minutes_p95 gauge"));
}

#[tokio::test]
async fn a_rate_limit_defers_without_a_failure() {
    let db = TestDb::new().await;
    let fake = Fake::default();
    *fake.rate_limited.lock().expect("lock") = true;
    let base = start(fake.clone()).await;
    let id = watch(&db, "o/r").await;
    let done = pass(&db, &base, "w", &settings(), None).await;
    assert_eq!(done.deferred, 1);
    assert_eq!(done.collected + done.failed, 0);
    let mut conn = db.pool().get().await.expect("conn");
    let w = store::get(&mut conn, id)
        .await
        .expect("get")
        .expect("there");
    assert_eq!(w.collection.attempts, 0, "a rate limit is no failure");
    let wait = w.collection.next_run_at - Utc::now();
    assert!(
        (100..=121).contains(&wait.num_seconds()),
        "GitHub's reset, not a loop: {wait}"
    );
    assert!(w.collection.last_error.expect("why").contains("rate limit"));
    assert!(stored(&db, id).await.is_empty());
    // the limit over, it is collected
    *fake.rate_limited.lock().expect("lock") = false;
    store::collect_now(&mut conn, id).await.expect("due");
    assert_eq!(pass(&db, &base, "w", &settings(), None).await.collected, 1);
}

#[tokio::test]
async fn a_failure_backs_off_and_a_lost_lease_writes_nothing() {
    let db = TestDb::new().await;
    let base = start(Fake::default()).await;
    let gone = watch(&db, "gone/repo").await;
    let done = pass(&db, &base, "w", &settings(), None).await;
    assert_eq!(done.failed, 1);
    let mut conn = db.pool().get().await.expect("conn");
    let w = store::get(&mut conn, gone)
        .await
        .expect("get")
        .expect("there");
    assert_eq!(w.collection.attempts, 1);
    let wait = (w.collection.next_run_at - Utc::now()).num_seconds();
    assert!((50..=61).contains(&wait), "a minute's backoff: {wait}");
    assert!(w.collection.last_error.expect("why").contains("404"));

    // an answer GitHub is still computing (202): tried again a minute on,
    // nothing recorded meanwhile
    let busy = watch(&db, "busy/repo").await;
    assert_eq!(pass(&db, &base, "w", &settings(), None).await.failed, 1);
    let w = store::get(&mut conn, busy)
        .await
        .expect("get")
        .expect("there");
    assert_eq!(w.collection.attempts, 1);
    assert!(w.collection.last_error.expect("why").contains("202"));
    assert!(stored(&db, busy).await.is_empty());

    // a worker whose lease another replica took records nothing
    let id = watch(&db, "o/r").await;
    let claimed = schedule::claim_due(&mut conn, "slow", Duration::from_secs(60), 5)
        .await
        .expect("claim");
    let due = claimed
        .iter()
        .find(|d| d.repository_id == id)
        .expect("due")
        .clone();
    diesel::sql_query(
        "UPDATE github_repository_collections SET claimed_by = 'other' WHERE repository_id = $1",
    )
    .bind::<BigInt, _>(id)
    .execute(&mut conn)
    .await
    .expect("taken");
    let report = compute(&snapshot(), at(T));
    let recorded = schedule::record(
        &mut conn,
        &due,
        "slow",
        &report,
        schedule::Source::Rest,
        true,
    )
    .await
    .expect("record");
    assert!(!recorded);
    assert!(stored(&db, id).await.is_empty());
}

#[tokio::test]
async fn a_collection_longer_than_its_lease_keeps_it_and_a_dead_ones_is_taken() {
    let db = TestDb::new().await;
    let fake = Fake::default();
    *fake.slow.lock().expect("lock") = Some(Duration::from_millis(1500));
    let base = start(fake.clone()).await;
    watch(&db, "o/r").await;
    let s = Settings {
        lease: Duration::from_millis(600),
        ..settings()
    };
    // the first replica's collection takes 1.5 s, its lease 0.6 s: renewed
    // meanwhile, so the second, looking at 0.9 s, finds nothing due
    let first = pass(&db, &base, "slow", &s, None);
    let second = async {
        tokio::time::sleep(Duration::from_millis(900)).await;
        pass(&db, &base, "other", &s, None).await
    };
    let (a, b) = tokio::join!(first, second);
    assert_eq!((a.collected, a.lost), (1, 0), "{a:?}");
    assert_eq!(b, Pass::default());
    assert_eq!(fake.info_calls().get("o/r"), Some(&1));

    // a replica that died holding a claim: once its lease is out, another
    // collects the repository
    *fake.slow.lock().expect("lock") = None;
    let id = watch(&db, "o/dead").await;
    let mut conn = db.pool().get().await.expect("conn");
    let claimed = schedule::claim_due(&mut conn, "dead", Duration::from_millis(300), 5)
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 1);
    assert_eq!(
        pass(&db, &base, "alive", &s, None).await,
        Pass::default(),
        "leased"
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(pass(&db, &base, "alive", &s, None).await.collected, 1);
    assert_eq!(stored(&db, id).await.len(), expected().len());
}

#[tokio::test]
async fn webhook_runs_serve_the_ci_numbers_when_they_cover_the_window() {
    let db = TestDb::new().await;
    let fake = Fake::default();
    let base = start(fake.clone()).await;
    let id = watch(&db, "o/r").await;
    // the runs of the fake, as wfm's webhooks stored them (run 6 was
    // created before the window: the deliveries cover it)
    let mut conn = db.pool().get().await.expect("conn");
    for run in common::runs().as_array().expect("array") {
        let completed = (run["status"] == "completed").then(|| run["updated_at"].clone());
        diesel::sql_query(
            "INSERT INTO github_actions_runs (github_run_id, run_attempt, repository, head_branch, \
                status, conclusion, run_created_at, run_started_at, completed_at, created_at) \
             VALUES ($1, 1, 'o/r', $2, $3, $4, $5::timestamptz, $6::timestamptz, $7::timestamptz, \
                $5::timestamptz)",
        )
        .bind::<BigInt, _>(run["id"].as_i64().expect("id"))
        .bind::<Text, _>(run["head_branch"].as_str().expect("branch"))
        .bind::<Text, _>(run["status"].as_str().expect("status"))
        .bind::<diesel::sql_types::Nullable<Text>, _>(run["conclusion"].as_str())
        .bind::<Text, _>(run["created_at"].as_str().expect("created"))
        .bind::<Text, _>(run["run_started_at"].as_str().expect("started"))
        .bind::<diesel::sql_types::Nullable<Text>, _>(completed.as_ref().and_then(Value::as_str))
        .execute(&mut conn)
        .await
        .expect("run");
    }
    let s = Settings {
        use_webhooks: true,
        ..Settings::default()
    };
    assert_eq!(pass(&db, &base, "w", &s, None).await.collected, 1);
    assert_eq!(
        *fake.run_lists.lock().expect("lock"),
        0,
        "no REST call for runs"
    );
    let rows = stored(&db, id).await;
    let got: Vec<(String, f64)> = rows.iter().map(|r| (r.metric.clone(), r.value)).collect();
    assert_eq!(got, expected(), "the same numbers from either source");
    for r in &rows {
        let want = if r.metric.starts_with("ci.") {
            "webhooks"
        } else {
            "rest"
        };
        assert_eq!(r.source, want, "{}", r.metric);
    }

    // a repository whose deliveries began inside the window (a run GitHub
    // created long ago, delivered only now, proves nothing): REST serves
    let other = watch(&db, "o/new").await;
    diesel::sql_query(
        "INSERT INTO github_actions_runs (github_run_id, repository, status, run_created_at, created_at) \
         VALUES (99, 'o/new', 'completed', $1, $2)",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(at("2026-10-01T00:00:00Z"))
    .bind::<diesel::sql_types::Timestamptz, _>(at("2026-12-03T00:00:00Z"))
    .execute(&mut conn)
    .await
    .expect("run");
    assert_eq!(pass(&db, &base, "w", &s, None).await.collected, 1);
    assert!(
        *fake.run_lists.lock().expect("lock") > 0,
        "REST served its runs"
    );
    assert!(stored(&db, other).await.iter().all(|r| r.source == "rest"));
}

/// One request a local receiver got: its path, its `DD-API-KEY`, its body.
type Request = (String, Option<String>, Vec<u8>);

/// What a local receiver got.
#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<Request>>>);

async fn receive(
    req: HttpRequest,
    body: web::Bytes,
    got: web::Data<Received>,
    fail: web::Data<bool>,
) -> HttpResponse {
    let key = req
        .headers()
        .get("dd-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    got.0
        .lock()
        .expect("lock")
        .push((req.path().to_owned(), key, body.to_vec()));
    if **fail {
        HttpResponse::InternalServerError().body("down")
    } else {
        HttpResponse::Accepted().json(serde_json::json!({"errors": []}))
    }
}

fn receiver(fail: bool) -> (String, Received) {
    let got = Received::default();
    let data = got.clone();
    let url = wfm_testing::serve(move |cfg| {
        cfg.app_data(web::Data::new(data.clone()))
            .app_data(web::Data::new(fail))
            .default_service(web::to(receive));
    });
    (url, got)
}

fn nanos(t: DateTime<Utc>) -> u64 {
    t.timestamp_nanos_opt().expect("in range") as u64
}

#[tokio::test]
async fn pushes_reach_otlp_and_datadog_as_they_expect() {
    let db = TestDb::new().await;
    let base = start(Fake::default()).await;
    let id = watch(&db, "o/r").await;
    let (otlp, otlp_got) = receiver(false);
    let (dd, dd_got) = receiver(false);
    let pusher = Pusher::new(PushSettings {
        otlp_endpoint: Some(otlp),
        datadog_api_key: Some("dd-key".into()),
        datadog_site: "datadoghq.com".into(),
        datadog_url: Some(format!("{dd}/api/v2/series")),
        timeout: Duration::from_secs(5),
    })
    .expect("pusher");
    let done = pass(&db, &base, "w", &settings(), Some(&pusher)).await;
    assert_eq!((done.collected, done.push_failures), (1, 0));
    let want = expected();

    let otlp_got = otlp_got.0.lock().expect("lock").clone();
    assert_eq!(otlp_got.len(), 1);
    assert_eq!(otlp_got[0].0, "/v1/metrics");
    let request = ExportMetricsServiceRequest::decode(otlp_got[0].2.as_slice()).expect("protobuf");
    let metrics = &request.resource_metrics[0].scope_metrics[0].metrics;
    assert_eq!(metrics.len(), want.len());
    for (m, (name, value)) in metrics.iter().zip(&want) {
        assert_eq!(m.name, format!("github.{name}"));
        let Some(metric::Data::Gauge(gauge)) = &m.data else {
            panic!("{} is not a gauge", m.name)
        };
        let point = &gauge.data_points[0];
        assert_eq!(
            point.value,
            Some(number_data_point::Value::AsDouble(*value))
        );
        assert_eq!(point.time_unix_nano, nanos(at(T)));
        let repo = point
            .attributes
            .iter()
            .find(|a| a.key == "repository")
            .expect("label");
        assert_eq!(
            format!("{:?}", repo.value),
            format!(
                "{:?}",
                Some(opentelemetry_proto::tonic::common::v1::AnyValue {
                    value: Some(
                        opentelemetry_proto::tonic::common::v1::any_value::Value::StringValue(
                            "o/r".into()
                        )
                    )
                })
            )
        );
    }

    let dd_got = dd_got.0.lock().expect("lock").clone();
    assert_eq!(dd_got.len(), 1);
    assert_eq!(dd_got[0].1.as_deref(), Some("dd-key"));
    let body: Value = serde_json::from_slice(&dd_got[0].2).expect("json");
    let series = body["series"].as_array().expect("series");
    assert_eq!(series.len(), want.len());
    let open = series
        .iter()
        .find(|s| s["metric"] == "github.prs.open")
        .expect("prs.open");
    assert_eq!(open["type"], 3, "a gauge");
    assert_eq!(open["points"][0]["timestamp"], at(T).timestamp());
    let want_open = want.iter().find(|(n, _)| n == "prs.open").expect("open").1;
    assert_eq!(open["points"][0]["value"].as_f64(), Some(want_open));
    let tags: Vec<&str> = open["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(tags, ["repository:o/r", "source:rest", "complete:true"]);

    // a target that is down: the values are recorded all the same, the
    // failure is counted
    let (down, _) = receiver(true);
    let failing = Pusher::new(PushSettings {
        otlp_endpoint: Some(down),
        timeout: Duration::from_secs(5),
        ..PushSettings::default()
    })
    .expect("pusher");
    let mut conn = db.pool().get().await.expect("conn");
    store::collect_now(&mut conn, id).await.expect("due");
    diesel::sql_query("DELETE FROM github_repository_health")
        .execute(&mut conn)
        .await
        .expect("clear");
    let done = pass(&db, &base, "w", &settings(), Some(&failing)).await;
    assert_eq!((done.collected, done.push_failures), (1, 1));
    assert_eq!(stored(&db, id).await.len(), want.len());
}
