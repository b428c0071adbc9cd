//! The outbox against local receivers: a webhook that fails once then
//! takes the delivery (signed, same delivery id both times), Slack, a fake
//! GitHub's commit status; a receiver that never answers well is given up
//! on; two notifiers at once deliver each notification once.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use wfm_change_tracking::notify::{Notifier, NotifySettings, WebhookTarget};
use wfm_change_tracking::{Settings, queue};
use wfm_github::WebhookSecrets;
use wfm_github::rest::{Credentials, GithubClient};
use wfm_testing::TestDb;

/// What a receiver got: path, headers of interest, body.
#[derive(Debug, Clone)]
struct Got {
    path: String,
    delivery: Option<String>,
    signature: Option<String>,
    body: Vec<u8>,
}

#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Got>>>,
    /// Answers 503 to the webhook this many times first.
    webhook_failures: Arc<Mutex<u32>>,
}

async fn receive(req: HttpRequest, body: web::Bytes, state: web::Data<Receiver>) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let path = req.path().to_owned();
    state.got.lock().expect("lock").push(Got {
        path: path.clone(),
        delivery: header("x-wfm-delivery"),
        signature: header("x-wfm-signature-256"),
        body: body.to_vec(),
    });
    if path == "/broken" {
        return HttpResponse::InternalServerError().body("down for maintenance");
    }
    if path == "/hook" {
        let mut failures = state.webhook_failures.lock().expect("lock");
        if *failures > 0 {
            *failures -= 1;
            return HttpResponse::ServiceUnavailable().body("try later");
        }
    }
    if path.starts_with("/repos/") {
        return HttpResponse::Created().json(serde_json::json!({"id": 1}));
    }
    HttpResponse::Ok().body("ok")
}

async fn start_receiver(receiver: Receiver) -> String {
    wfm_testing::serve(move |cfg| {
        cfg.app_data(web::Data::new(receiver.clone()))
            .default_service(web::to(receive));
    })
}

#[derive(diesel::QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// A config of repository `o/{repo}` whose series steps 10 → 13 at run 20 of 30,
/// examined with `targets` owed: the change's id.
async fn filed_change(conn: &mut AsyncPgConnection, repo: &str, targets: &[&str]) -> i64 {
    let new = wfm_db::models::NewConfig {
        name: "bench".into(),
        github_owner: Some("o".into()),
        github_repo: Some(repo.into()),
        file_patterns: Some(serde_json::json!(["*.csv"])),
        ..wfm_db::models::NewConfig::default()
    };
    let config = wfm_testing::insert_config(conn, &new)
        .await
        .expect("config")
        .id;
    let settings = Settings {
        notify_targets: targets.iter().map(|t| (*t).to_owned()).collect(),
        ..Settings::default()
    };
    for i in 0..30i64 {
        let run = diesel::sql_query(
            "INSERT INTO github_workflow_runs (config_id, workload_uid, head_sha, head_branch, status) \
             VALUES ($1, $2, $3, 'main', 'completed') RETURNING id",
        )
        .bind::<BigInt, _>(config)
        .bind::<Text, _>(format!("w{i}"))
        .bind::<Text, _>(format!("{i:040x}"))
        .get_result::<Id>(conn)
        .await
        .expect("run")
        .id;
        let value = if i < 20 { 10.0 } else { 13.0 } + [0.1, -0.1, 0.0][(i % 3) as usize];
        diesel::sql_query(
            "INSERT INTO github_workflow_metrics (config_id, run_id, \"timestamp\", source_file, dimensions, metrics) \
             VALUES ($1, $2, now() - make_interval(hours => 30 - $3::int), 'r.csv', '{}', jsonb_build_object('ms', $4::float8))",
        )
        .bind::<BigInt, _>(config)
        .bind::<BigInt, _>(run)
        .bind::<BigInt, _>(i)
        .bind::<diesel::sql_types::Double, _>(value)
        .execute(conn)
        .await
        .expect("record");
        queue::queue_run(conn, config, run).await.expect("queue");
    }
    let v = queue::examine_all(conn, &settings, 50)
        .await
        .expect("examine");
    assert_eq!(v.filed, 1, "{v:?}");
    diesel::sql_query("SELECT id FROM github_workflow_metric_changes")
        .get_result::<Id>(conn)
        .await
        .expect("change")
        .id
}

#[derive(diesel::QueryableByName, Debug, PartialEq)]
struct Row {
    #[diesel(sql_type = Text)]
    target: String,
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    attempts: i32,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    last_error: Option<String>,
}

async fn rows(conn: &mut AsyncPgConnection) -> Vec<Row> {
    diesel::sql_query(
        "SELECT target, state, attempts, last_error FROM github_workflow_change_notifications ORDER BY target",
    )
    .load(conn)
    .await
    .expect("rows")
}

fn settings(base: &str) -> NotifySettings {
    NotifySettings {
        webhook: Some(WebhookTarget {
            url: format!("{base}/hook"),
            secret: Some(WebhookSecrets::new(["s3cret"])),
        }),
        slack_url: Some(format!("{base}/slack")),
        github_status: true,
        console_url: Some("https://wfm.example.com".into()),
        retry_base: Duration::from_millis(200),
        retry_cap: Duration::from_millis(200),
        timeout: Duration::from_secs(5),
        ..NotifySettings::default()
    }
}

#[tokio::test]
async fn a_bad_then_good_answer_delivers_once_per_target() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    let receiver = Receiver::default();
    *receiver.webhook_failures.lock().expect("lock") = 1;
    let base = start_receiver(receiver.clone()).await;
    let change = filed_change(&mut conn, "r", &["webhook", "slack", "github-status"]).await;
    let github = GithubClient::new(
        &base,
        Credentials::Token("t".into()),
        Duration::from_secs(5),
    )
    .expect("client");
    let notifier = Notifier::new(settings(&base), Some(github)).expect("notifier");

    let first = notifier.deliver_due(db.pool(), 20).await.expect("deliver");
    assert_eq!(
        (first.sent, first.retrying, first.failed),
        (2, 1, 0),
        "{first:?}"
    );
    let nothing_due = notifier.deliver_due(db.pool(), 20).await.expect("deliver");
    assert_eq!(
        nothing_due.sent + nothing_due.retrying,
        0,
        "the retry waits its backoff"
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let second = notifier.deliver_due(db.pool(), 20).await.expect("deliver");
    assert_eq!((second.sent, second.retrying), (1, 0), "{second:?}");
    tokio::time::sleep(Duration::from_millis(400)).await;
    let third = notifier.deliver_due(db.pool(), 20).await.expect("deliver");
    assert_eq!(
        third.sent + third.retrying + third.failed,
        0,
        "delivered once"
    );

    let state = rows(&mut conn).await;
    assert!(state.iter().all(|r| r.state == "delivered"), "{state:?}");
    let attempts: Vec<(&str, i32)> = state
        .iter()
        .map(|r| (r.target.as_str(), r.attempts))
        .collect();
    assert_eq!(
        attempts,
        vec![("github-status", 1), ("slack", 1), ("webhook", 2)]
    );

    let got = receiver.got.lock().expect("lock").clone();
    let hooks: Vec<&Got> = got.iter().filter(|g| g.path == "/hook").collect();
    assert_eq!(hooks.len(), 2, "503, then 200");
    assert_eq!(
        hooks[0].delivery, hooks[1].delivery,
        "one delivery id for both attempts"
    );
    let secret = WebhookSecrets::new(["s3cret"]);
    for hook in &hooks {
        assert_eq!(secret.verify(hook.signature.as_deref(), &hook.body), Ok(()));
    }
    let body: serde_json::Value = serde_json::from_slice(&hooks[1].body).expect("json");
    assert_eq!(body["event"], "benchmark_change");
    assert_eq!(body["change"]["id"], change);
    assert_eq!(body["change"]["metric"], "ms");
    assert_eq!(body["repository"], "o/r");
    assert_eq!(
        body["link"],
        format!("https://wfm.example.com/changes/{change}")
    );

    let slack: Vec<&Got> = got.iter().filter(|g| g.path == "/slack").collect();
    assert_eq!(slack.len(), 1);
    let text: serde_json::Value = serde_json::from_slice(&slack[0].body).expect("json");
    let text = text["text"].as_str().expect("text");
    assert!(
        text.contains("Change in *bench*") && text.contains("ms +30.0% (10 → 13)"),
        "{text}"
    );

    let statuses: Vec<&Got> = got
        .iter()
        .filter(|g| g.path.starts_with("/repos/"))
        .collect();
    assert_eq!(statuses.len(), 1);
    assert_eq!(statuses[0].path, format!("/repos/o/r/statuses/{:040x}", 20));
    let status: serde_json::Value = serde_json::from_slice(&statuses[0].body).expect("json");
    assert_eq!(
        status["state"], "success",
        "no better direction known: not a failure"
    );
    assert_eq!(status["context"], "wfm/bench/ms");
}

#[tokio::test]
async fn a_receiver_that_never_takes_it_is_given_up_on() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    let receiver = Receiver::default();
    let base = start_receiver(receiver.clone()).await;
    filed_change(&mut conn, "r", &["webhook", "github-status"]).await;
    let notifier = Notifier::new(
        NotifySettings {
            webhook: Some(WebhookTarget {
                url: format!("{base}/broken"),
                secret: None,
            }),
            max_attempts: 2,
            retry_base: Duration::from_millis(50),
            retry_cap: Duration::from_millis(50),
            ..NotifySettings::default()
        },
        None,
    )
    .expect("notifier");
    for _ in 0..4 {
        notifier.deliver_due(db.pool(), 20).await.expect("deliver");
        tokio::time::sleep(Duration::from_millis(120)).await;
    }
    let state = rows(&mut conn).await;
    assert_eq!(state.len(), 2);
    assert_eq!(
        (
            state[0].target.as_str(),
            state[0].state.as_str(),
            state[0].attempts
        ),
        ("github-status", "failed", 1)
    );
    assert!(
        state[0]
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("no GitHub client"),
        "{state:?}"
    );
    assert_eq!((state[1].state.as_str(), state[1].attempts), ("failed", 2));
    let why = state[1].last_error.as_deref().unwrap_or("");
    assert!(
        why.contains("gave up after 2 attempts") && why.contains("500"),
        "{why}"
    );
    let got = receiver.got.lock().expect("lock").len();
    assert_eq!(got, 2, "two attempts, no more");
}

#[tokio::test]
async fn two_notifiers_at_once_deliver_each_once() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    let receiver = Receiver::default();
    let base = start_receiver(receiver.clone()).await;
    // five configs, five changes, two targets each
    for i in 0..5 {
        filed_change(&mut conn, &format!("r{i}"), &["webhook", "slack"]).await;
    }
    let mut s = settings(&base);
    s.github_status = false;
    let notifier = Notifier::new(s, None).expect("notifier");
    let deliver = || {
        let db = &db;
        let notifier = notifier.clone();
        async move {
            let mut sent = 0;
            for _ in 0..10 {
                sent += notifier
                    .deliver_due(db.pool(), 1)
                    .await
                    .expect("deliver")
                    .sent;
            }
            sent
        }
    };
    let (a, b) = tokio::join!(deliver(), deliver());
    assert_eq!(a + b, 10, "{a} + {b}");
    let got = receiver.got.lock().expect("lock").clone();
    assert_eq!(got.len(), 10);
    let mut ids: Vec<String> = got.iter().filter_map(|g| g.delivery.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 5, "each webhook delivery once");
}
