//! `POST /v1/webhooks/github` with GitHub's own payloads (fixtures/github):
//! signatures, redelivery, unreadable payloads, out-of-order events, a burst,
//! and what applying deliveries does to jobs, runs, runners and webhook runs.

mod common;

use common::github::{
    SECRET, api_with, apply_all, count, deliver, fixture, fixtures, job_payload, post, signed_api,
};
use common::{TestApi, WorkloadRow};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel_async::RunQueryDsl as _;
use futures_util::StreamExt as _;
use serde_json::{Value, json};
use wfm_api::webhooks::{RejectionLabels, WebhookConfig, Webhooks, process};
use wfm_github::WebhookSecrets;

/// Every fixture file with its recorded delivery headers, in name order.
fn recorded() -> Vec<(String, Value)> {
    let text =
        std::fs::read_to_string(fixtures().join("signatures.json")).expect("signatures.json");
    let all: Value = serde_json::from_str(&text).expect("JSON");
    let mut files: Vec<(String, Value)> = all["files"]
        .as_object()
        .expect("files")
        .iter()
        .map(|(file, entry)| (file.clone(), entry["headers"].clone()))
        .collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

#[derive(QueryableByName, Debug, PartialEq)]
struct Job {
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Nullable<Text>)]
    conclusion: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    runner_name: Option<String>,
    #[diesel(sql_type = Text)]
    labels: String,
    #[diesel(sql_type = Nullable<Text>)]
    started_at: Option<String>,
}

async fn job(api: &TestApi, id: i64) -> Job {
    let mut conn = api.conn().await;
    diesel::sql_query(
        "SELECT status, conclusion, runner_name, labels::text AS labels, \
         to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS started_at \
         FROM github_workflow_jobs WHERE github_job_id = $1",
    )
    .bind::<BigInt, _>(id)
    .get_result(&mut conn)
    .await
    .expect("the job row")
}

#[tokio::test]
async fn githubs_payloads_are_stored_once_and_applied_in_any_order() {
    let api = signed_api().await;
    for (file, headers) in recorded() {
        let header = |name: &str| headers[name].as_str().expect("header").to_owned();
        let sent = [
            ("Content-Type", header("Content-Type")),
            ("X-GitHub-Event", header("X-GitHub-Event")),
            ("X-GitHub-Delivery", header("X-GitHub-Delivery")),
            ("X-GitHub-Hook-ID", header("X-GitHub-Hook-ID")),
            ("X-Hub-Signature-256", header("X-Hub-Signature-256")),
        ];
        let sent: Vec<(&str, &str)> = sent.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let (status, body) = post(&api, &sent, fixture(&file)).await;
        assert_eq!(status, 200, "{file}: {body}");
        assert_eq!(body["meta"]["code"], 2000);
        assert_eq!(body["data"]["status"], "accepted", "{file}");
        // GitHub redelivers: answered, stored once
        let (status, body) = post(&api, &sent, fixture(&file)).await;
        assert_eq!(
            (status, body["data"]["status"].as_str()),
            (200, Some("duplicate"))
        );
    }
    assert_eq!(
        count(&api, "SELECT count(*) AS n FROM github_webhook_deliveries").await,
        11
    );
    assert_eq!(
        count(
            &api,
            "SELECT count(*) AS n FROM github_webhook_deliveries WHERE hook_id = 292430182"
        )
        .await,
        11
    );
    assert_eq!(apply_all(&api).await, 11);
    assert_eq!(
        count(&api, "SELECT count(*) AS n FROM github_webhook_deliveries WHERE processed_at IS NULL OR error_message IS NOT NULL").await,
        0
    );
    // three jobs; 289782451 arrived completed (failure, then success), then
    // in_progress and queued: the late events did not move it back
    assert_eq!(
        count(&api, "SELECT count(*) AS n FROM github_workflow_jobs").await,
        3
    );
    assert_eq!(
        job(&api, 289782451).await,
        Job {
            status: "completed".into(),
            conclusion: Some("success".into()),
            runner_name: Some("GitHub Actions 5".into()),
            labels: r#"["ubuntu-latest"]"#.into(),
            started_at: Some("2021-08-05T10:34:58Z".into()),
        }
    );
    assert_eq!(job(&api, 12877621891).await.status, "waiting");
    // one run attempt; `requested` came after `completed` and did not undo it
    let mut conn = api.conn().await;
    #[derive(QueryableByName)]
    struct Run {
        #[diesel(sql_type = Text)]
        status: String,
        #[diesel(sql_type = Nullable<Text>)]
        workflow_name: Option<String>,
        #[diesel(sql_type = Nullable<diesel::sql_types::Integer>)]
        run_number: Option<i32>,
    }
    let runs: Vec<Run> =
        diesel::sql_query("SELECT status, workflow_name, run_number FROM github_actions_runs")
            .load(&mut conn)
            .await
            .expect("runs");
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].status, "completed");
    assert_eq!(runs[0].run_number, Some(163));
    assert!(runs[0].workflow_name.is_some());
}

/// Headers, body, and what the refusal says.
type Case<'a> = (Vec<(&'a str, &'a str)>, Vec<u8>, &'a str);

#[tokio::test]
async fn bad_signatures_are_refused_and_nothing_is_stored() {
    let api = signed_api().await;
    let body = fixture("workflow_job/queued.payload.json");
    let good = WebhookSecrets::new([SECRET]).sign(&body).expect("signs");
    let wrong = WebhookSecrets::new(["another secret"])
        .sign(&body)
        .expect("signs");
    let base = [
        ("X-GitHub-Event", "workflow_job"),
        ("X-GitHub-Delivery", "d-1"),
    ];
    let cases: Vec<Case> = vec![
        (
            base.to_vec(),
            body.clone(),
            "missing X-Hub-Signature-256 header",
        ),
        (
            [&base[..], &[("X-Hub-Signature-256", wrong.as_str())]].concat(),
            body.clone(),
            "does not match",
        ),
        (
            [
                &base[..],
                &[("X-Hub-Signature-256", good.trim_start_matches("sha256="))],
            ]
            .concat(),
            body.clone(),
            "is not `sha256=`",
        ),
        (
            [
                &base[..],
                &[(
                    "X-Hub-Signature",
                    "sha1=0123456789abcdef0123456789abcdef01234567",
                )],
            ]
            .concat(),
            body.clone(),
            "missing X-Hub-Signature-256 header",
        ),
        (
            [&base[..], &[("X-Hub-Signature-256", good.as_str())]].concat(),
            [body.as_slice(), b" "].concat(),
            "does not match",
        ),
    ];
    for (headers, body, message) in cases {
        let (status, answer) = post(&api, &headers, body).await;
        assert_eq!(status, 401, "{answer}");
        assert_eq!(answer["meta"]["code"], 4010);
        assert!(
            answer["message"].as_str().unwrap().contains(message),
            "{answer}"
        );
    }
    assert_eq!(
        count(&api, "SELECT count(*) AS n FROM github_webhook_deliveries").await,
        0
    );
}

#[tokio::test]
async fn without_a_secret_the_endpoint_is_unavailable_unless_unsigned_is_allowed() {
    let api = api_with(WebhookConfig::default()).await;
    let body = fixture("workflow_job/queued.payload.json");
    let (status, answer) = deliver(&api, "workflow_job", "d-1", body.clone()).await;
    assert_eq!((status, answer["meta"]["code"].as_i64()), (503, Some(5030)));
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("WFM_WEBHOOK_SECRETS")
    );
    // the rest of the api serves
    assert_eq!(api.get("configs").await.status, 200);

    let open = api_with(WebhookConfig {
        allow_unsigned: true,
        ..WebhookConfig::default()
    })
    .await;
    let headers = [
        ("X-GitHub-Event", "workflow_job"),
        ("X-GitHub-Delivery", "d-1"),
    ];
    let (status, answer) = post(&open, &headers, body).await;
    assert_eq!(
        (status, answer["data"]["status"].as_str()),
        (200, Some("accepted"))
    );
}

#[tokio::test]
async fn refusals_are_counted_by_reason() {
    let config = WebhookConfig {
        secrets: WebhookSecrets::new([SECRET]),
        max_body: 1000,
        ..WebhookConfig::default()
    };
    let mut hooks = None;
    let api = TestApi::with_state(|state| {
        state.webhooks = Webhooks::new(config, state.pool.clone());
        hooks = Some(state.webhooks.clone());
    })
    .await;
    let hooks = hooks.expect("set by with_state");
    let (status, answer) = deliver(
        &api,
        "workflow_job",
        "d-1",
        fixture("workflow_job/queued.payload.json"),
    )
    .await;
    assert_eq!((status, answer["meta"]["code"].as_i64()), (413, Some(4130)));
    let headers = [("X-GitHub-Event", "ping"), ("X-GitHub-Delivery", "d-2")];
    assert_eq!(post(&api, &headers, b"{}".to_vec()).await.0, 401);
    let counted = |reason| {
        hooks
            .rejections
            .get_or_create(&RejectionLabels { reason })
            .get()
    };
    assert_eq!((counted("too_large"), counted("signature")), (1, 1));
    assert_eq!(
        count(&api, "SELECT count(*) AS n FROM github_webhook_deliveries").await,
        0
    );
}

#[tokio::test]
async fn unreadable_and_unknown_deliveries() {
    let api = signed_api().await;
    // an event wfm does not read: acknowledged, not stored
    let (status, answer) = deliver(&api, "push", "d-push", b"{}".to_vec()).await;
    assert_eq!(
        (status, answer["data"]["status"].as_str()),
        (200, Some("ignored"))
    );
    // a ping is stored, nothing to apply
    let (status, _) = deliver(
        &api,
        "ping",
        "d-ping",
        br#"{"zen":"Design for failure."}"#.to_vec(),
    )
    .await;
    assert_eq!(status, 200);
    // a known event that cannot be read: 400 naming where, stored with its error
    let (status, answer) = deliver(
        &api,
        "workflow_job",
        "d-bad",
        job_payload("workflow_job/queued.payload.json", json!({"id": "x"})),
    )
    .await;
    assert_eq!((status, answer["meta"]["code"].as_i64()), (400, Some(4000)));
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .starts_with("invalid workflow_job payload at workflow_job.id"),
        "{answer}"
    );
    let (status, _) = deliver(
        &api,
        "workflow_run",
        "d-not-json",
        b"{\"action\": ".to_vec(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        count(&api, "SELECT count(*) AS n FROM github_webhook_deliveries WHERE error_message IS NOT NULL AND processed_at IS NOT NULL").await,
        2
    );
    assert_eq!(
        count(&api, "SELECT count(*) AS n FROM github_webhook_deliveries WHERE delivery_id = 'd-not-json' AND payload = to_jsonb('{\"action\": '::text)").await,
        1,
        "a body that is not JSON is kept as a JSON string"
    );
    // missing headers
    let body = fixture("workflow_job/queued.payload.json");
    let signature = WebhookSecrets::new([SECRET]).sign(&body).expect("signs");
    let (status, answer) = post(
        &api,
        &[
            ("X-Hub-Signature-256", &signature),
            ("X-GitHub-Delivery", "d"),
        ],
        body.clone(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(answer["message"], "missing X-GitHub-Event header");
    let (status, answer) = post(
        &api,
        &[
            ("X-Hub-Signature-256", &signature),
            ("X-GitHub-Event", "workflow_job"),
        ],
        body.clone(),
    )
    .await;
    assert_eq!(
        (status, answer["message"].as_str()),
        (400, Some("missing X-GitHub-Delivery header"))
    );
    // GitHub's other content type: form-encoded payload=, signed as sent
    let form = serde_urlencoded::to_string([("payload", String::from_utf8(body.clone()).unwrap())])
        .unwrap();
    let signature = WebhookSecrets::new([SECRET])
        .sign(form.as_bytes())
        .expect("signs");
    let headers = [
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("X-GitHub-Event", "workflow_job"),
        ("X-GitHub-Delivery", "d-form"),
        ("X-Hub-Signature-256", signature.as_str()),
    ];
    let (status, answer) = post(&api, &headers, form.into_bytes()).await;
    assert_eq!(
        (status, answer["data"]["status"].as_str()),
        (200, Some("accepted")),
        "{answer}"
    );
    let signature = WebhookSecrets::new([SECRET]).sign(&body).expect("signs");
    let headers = [
        ("Content-Type", "text/plain"),
        ("X-GitHub-Event", "workflow_job"),
        ("X-GitHub-Delivery", "d-text"),
        ("X-Hub-Signature-256", signature.as_str()),
    ];
    let (status, answer) = post(&api, &headers, body).await;
    assert_eq!((status, answer["meta"]["code"].as_i64()), (415, Some(4150)));
    // only the form delivery is left to apply
    assert_eq!(apply_all(&api).await, 1);
    assert_eq!(job(&api, 289782451).await.status, "queued");
}

#[tokio::test]
async fn a_burst_of_5000_concurrent_deliveries_is_stored_in_full() {
    let api = signed_api().await;
    let client = reqwest::Client::new();
    let secrets = WebhookSecrets::new([SECRET]);
    let url = format!("{}/v1/webhooks/github", api.base_url);
    let statuses: Vec<u16> = futures_util::stream::iter(0..5000_i64)
        .map(|i| {
            let body = job_payload(
                "workflow_job/completed.success.with-organization.payload.json",
                json!({"id": 1_000_000 + i}),
            );
            let signature = secrets.sign(&body).expect("signs");
            let request = client
                .post(&url)
                .header("Content-Type", "application/json")
                .header("X-GitHub-Event", "workflow_job")
                .header("X-GitHub-Delivery", format!("burst-{i}"))
                .header("X-Hub-Signature-256", signature)
                .body(body);
            async move { request.send().await.map_or(0, |r| r.status().as_u16()) }
        })
        .buffer_unordered(256)
        .collect()
        .await;
    assert!(
        statuses.iter().all(|s| *s == 200),
        "not all 200: {:?}",
        statuses
            .iter()
            .filter(|s| **s != 200)
            .take(5)
            .collect::<Vec<_>>()
    );
    assert_eq!(
        count(&api, "SELECT count(*) AS n FROM github_webhook_deliveries").await,
        5000
    );
    assert_eq!(apply_all(&api).await, 5000);
    assert_eq!(
        count(
            &api,
            "SELECT count(*) AS n FROM github_workflow_jobs WHERE status = 'completed'"
        )
        .await,
        5000
    );
}

#[tokio::test]
async fn a_job_on_an_arc_runner_enriches_the_runner_and_its_runs() {
    let api = signed_api().await;
    api.insert_workload(WorkloadRow {
        kind: "EphemeralRunner",
        uid: "uid-7".into(),
        status: "completed",
        ..WorkloadRow::default()
    })
    .await;
    let config = api.create_config("arc", "arc", "set").await;
    api.insert_run(config, "uid-7", wfm_db::RunStatus::Completed)
        .await;
    // the runner's name is `set-uid-7` (WorkloadRow): GitHub names the runner the same
    let body = job_payload(
        "workflow_job/completed.success.with-organization.payload.json",
        json!({"runner_name": "set-uid-7", "runner_id": 42, "head_branch": "release"}),
    );
    assert_eq!(deliver(&api, "workflow_job", "d-job", body).await.0, 200);
    let run = fixture("workflow_run/completed.payload.json");
    let mut run: Value = serde_json::from_slice(&run).unwrap();
    run["workflow_run"]["id"] = json!(2202229078_i64);
    run["workflow_run"]["run_number"] = json!(77);
    assert_eq!(
        deliver(
            &api,
            "workflow_run",
            "d-run",
            serde_json::to_vec(&run).unwrap()
        )
        .await
        .0,
        200
    );
    assert_eq!(apply_all(&api).await, 2);

    #[derive(QueryableByName, Debug, PartialEq)]
    struct Context {
        #[diesel(sql_type = Nullable<BigInt>)]
        run_id: Option<i64>,
        #[diesel(sql_type = Nullable<BigInt>)]
        job_id: Option<i64>,
        #[diesel(sql_type = Nullable<diesel::sql_types::Integer>)]
        run_number: Option<i32>,
        #[diesel(sql_type = Nullable<Text>)]
        branch: Option<String>,
    }
    let mut conn = api.conn().await;
    let workload: Context = diesel::sql_query(
        "SELECT github_run_id AS run_id, github_job_id AS job_id, github_run_number AS run_number, \
         github_head_branch AS branch FROM gpu_workloads WHERE uid = 'uid-7'",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    let expected = Context {
        run_id: Some(2202229078),
        job_id: Some(289782451),
        run_number: Some(77),
        branch: Some("release".into()),
    };
    assert_eq!(workload, expected);
    let run: Context = diesel::sql_query(
        "SELECT github_run_id AS run_id, github_job_id AS job_id, github_run_number AS run_number, \
         head_branch AS branch FROM github_workflow_runs WHERE workload_uid = 'uid-7'",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(run, expected);
}

#[tokio::test]
async fn a_completed_job_files_one_webhook_run_per_matching_config() {
    let api = signed_api().await;
    let create = |name: &str, workflow: Option<&str>, branch: Option<&str>| {
        json!({"name": name, "github_owner": "codertocat", "github_repo": "hello-world",
               "workflow_filter": workflow, "branch_filter": branch,
               "file_patterns": ["runs/{run_id}/{job_id}/*.json"]})
    };
    let mut ids = Vec::new();
    for (name, workflow, branch) in [
        ("all", None, None),
        ("codeql-main", Some("CodeQL"), Some("main")),
        ("other-workflow", Some("Build"), None),
        ("other-branch", None, Some("dev")),
    ] {
        // one repository binding per cluster: each config in a cluster of its own
        let reply = api
            .post(
                &format!("configs?cluster={name}"),
                create(name, workflow, branch),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        ids.push(reply.data()["id"].as_i64().unwrap());
    }
    // queued and in_progress file nothing; completed files, once, redelivered or not
    for (file, delivery) in [
        ("workflow_job/queued.payload.json", "d-1"),
        ("workflow_job/in_progress.payload.json", "d-2"),
        (
            "workflow_job/completed.success.with-organization.payload.json",
            "d-3",
        ),
        (
            "workflow_job/completed.failure.with-organization.payload.json",
            "d-4",
        ),
    ] {
        assert_eq!(
            deliver(&api, "workflow_job", delivery, fixture(file))
                .await
                .0,
            200
        );
    }
    apply_all(&api).await;
    #[derive(QueryableByName, Debug)]
    struct Filed {
        #[diesel(sql_type = BigInt)]
        config_id: i64,
        #[diesel(sql_type = Text)]
        workload_uid: String,
        #[diesel(sql_type = Text)]
        trigger_source: String,
        #[diesel(sql_type = Text)]
        status: String,
        #[diesel(sql_type = Nullable<BigInt>)]
        github_run_id: Option<i64>,
        #[diesel(sql_type = Nullable<Text>)]
        workload_name: Option<String>,
    }
    let mut conn = api.conn().await;
    let runs: Vec<Filed> = diesel::sql_query(
        "SELECT config_id, workload_uid, trigger_source, status, github_run_id, workload_name \
         FROM github_workflow_runs ORDER BY config_id",
    )
    .load(&mut conn)
    .await
    .unwrap();
    let configs: Vec<i64> = runs.iter().map(|r| r.config_id).collect();
    assert_eq!(configs, vec![ids[0], ids[1]], "{runs:?}");
    for run in &runs {
        assert_eq!(run.workload_uid, "github-job-289782451");
        assert_eq!(
            (run.trigger_source.as_str(), run.status.as_str()),
            ("webhook", "pending")
        );
        assert_eq!(run.github_run_id, Some(2202229078));
        assert_eq!(run.workload_name.as_deref(), Some("GitHub Actions 5"));
    }
    // a disabled config files nothing
    assert_eq!(
        api.post(
            &format!("configs/{}/disable?cluster=all", ids[0]),
            json!({})
        )
        .await
        .status,
        200
    );
    let body = job_payload(
        "workflow_job/completed.success.with-organization.payload.json",
        json!({"id": 5}),
    );
    deliver(&api, "workflow_job", "d-5", body).await;
    apply_all(&api).await;
    assert_eq!(
        count(
            &api,
            "SELECT count(*) AS n FROM github_workflow_runs WHERE workload_uid = 'github-job-5'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_delivery_that_cannot_be_applied_fails_alone() {
    let api = signed_api().await;
    // stands in for any failure of the database on one job's row
    let mut conn = api.conn().await;
    for sql in [
        "CREATE FUNCTION refuse_job_666() RETURNS trigger AS $$ BEGIN \
           IF NEW.github_job_id = 666 THEN RAISE EXCEPTION 'job 666 refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER refuse_666 BEFORE INSERT ON github_workflow_jobs FOR EACH ROW EXECUTE FUNCTION refuse_job_666()",
    ] {
        diesel::sql_query(sql).execute(&mut conn).await.expect(sql);
    }
    for (id, delivery) in [(665, "d-665"), (666, "d-666"), (667, "d-667")] {
        let body = job_payload("workflow_job/queued.payload.json", json!({"id": id}));
        assert_eq!(deliver(&api, "workflow_job", delivery, body).await.0, 200);
    }
    assert_eq!(apply_all(&api).await, 3);
    assert_eq!(
        count(&api, "SELECT count(*) AS n FROM github_workflow_jobs").await,
        2
    );
    #[derive(QueryableByName)]
    struct Failed {
        #[diesel(sql_type = Text)]
        delivery_id: String,
        #[diesel(sql_type = Text)]
        error_message: String,
    }
    let failed: Vec<Failed> = diesel::sql_query(
        "SELECT delivery_id, error_message FROM github_webhook_deliveries WHERE error_message IS NOT NULL",
    )
    .load(&mut conn)
    .await
    .unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].delivery_id, "d-666");
    assert!(
        failed[0].error_message.contains("job 666 refused"),
        "{}",
        failed[0].error_message
    );
    // applied once, never retried
    assert_eq!(apply_all(&api).await, 0);
}

#[tokio::test]
async fn a_nul_in_a_payload_is_stored_and_applied() {
    let api = signed_api().await;
    let body = fixture("workflow_job/queued.payload.json");
    let text = String::from_utf8(body).unwrap().replacen(
        r#""name": "update""#,
        r#""name": "up\u0000date""#,
        1,
    );
    assert!(text.contains(r"\u0000"));
    let (status, answer) = deliver(&api, "workflow_job", "d-nul", text.into_bytes()).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(apply_all(&api).await, 1);
    assert_eq!(
        count(
            &api,
            "SELECT count(*) AS n FROM github_workflow_jobs WHERE job_name = 'up\u{fffd}date'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_passing_database_failure_leaves_the_batch_for_later() {
    let api = signed_api().await;
    let mut conn = api.conn().await;
    for sql in [
        "CREATE FUNCTION deadlock_777() RETURNS trigger AS $$ BEGIN \
           IF NEW.github_job_id = 777 THEN RAISE EXCEPTION USING ERRCODE = '40P01', MESSAGE = 'deadlock detected'; END IF; \
           RETURN NEW; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER deadlock_777 BEFORE INSERT ON github_workflow_jobs FOR EACH ROW EXECUTE FUNCTION deadlock_777()",
    ] {
        diesel::sql_query(sql).execute(&mut conn).await.expect(sql);
    }
    for (id, delivery) in [(776, "d-776"), (777, "d-777")] {
        let body = job_payload("workflow_job/queued.payload.json", json!({"id": id}));
        assert_eq!(deliver(&api, "workflow_job", delivery, body).await.0, 200);
    }
    let attempt = process::apply_pending(api.db.pool(), 500, &api.hooks.handoff).await;
    assert!(attempt.is_err(), "{attempt:?}");
    // nothing marked, nothing half-applied: both wait for the next attempt
    assert_eq!(
        count(
            &api,
            "SELECT count(*) AS n FROM github_webhook_deliveries WHERE processed_at IS NULL"
        )
        .await,
        2
    );
    assert_eq!(
        count(&api, "SELECT count(*) AS n FROM github_workflow_jobs").await,
        0
    );
    diesel::sql_query("DROP TRIGGER deadlock_777 ON github_workflow_jobs")
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(apply_all(&api).await, 2);
    assert_eq!(
        count(&api, "SELECT count(*) AS n FROM github_workflow_jobs").await,
        2
    );
}

#[tokio::test]
async fn a_payload_postgres_refuses_as_jsonb_is_kept_as_text_and_applied() {
    let api = signed_api().await;
    // a lone surrogate in a field wfm ignores: serde reads past it, JSONB refuses it
    let text = String::from_utf8(fixture("workflow_job/queued.payload.json")).unwrap();
    let text = text.replacen('{', r#"{"note": "\ud800","#, 1);
    let (status, answer) = deliver(&api, "workflow_job", "d-surrogate", text.into_bytes()).await;
    assert_eq!(
        (status, answer["data"]["status"].as_str()),
        (200, Some("accepted")),
        "{answer}"
    );
    assert_eq!(
        count(&api, "SELECT count(*) AS n FROM github_webhook_deliveries WHERE jsonb_typeof(payload) = 'string'").await,
        1
    );
    assert_eq!(apply_all(&api).await, 1);
    assert_eq!(
        count(
            &api,
            "SELECT count(*) AS n FROM github_workflow_jobs WHERE github_job_id = 289782451"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_raw_nul_byte_in_an_unreadable_payload_is_a_400_and_kept_with_its_error() {
    let api = signed_api().await;
    let mut body = fixture("workflow_job/queued.payload.json");
    body.truncate(40);
    body.extend_from_slice(b"\x00 not json");
    let (status, answer) = deliver(&api, "workflow_job", "d-raw-nul", body).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(
        count(
            &api,
            "SELECT count(*) AS n FROM github_webhook_deliveries \
             WHERE delivery_id = 'd-raw-nul' AND error_message IS NOT NULL \
             AND payload::text LIKE '%\u{fffd} not json%'"
        )
        .await,
        1,
        "kept, with its error and the NUL shown as U+FFFD"
    );
}

/// A workflow_run payload of run `id` in Codertocat/Hello-World from `path`.
fn run_payload(id: i64, path: &str) -> Vec<u8> {
    let mut payload: Value =
        serde_json::from_slice(&fixture("workflow_run/completed.payload.json")).expect("JSON");
    payload["workflow_run"]["id"] = json!(id);
    payload["workflow_run"]["path"] = json!(path);
    payload["repository"]["full_name"] = json!("Codertocat/Hello-World");
    serde_json::to_vec(&payload).expect("serializes")
}

#[tokio::test]
async fn a_workflow_filter_may_name_the_workflow_file() {
    let api = signed_api().await;
    let mut ids = Vec::new();
    for (cluster, workflow) in [
        ("by-file", "test.yml"),
        ("by-path", ".github/workflows/test.yml"),
        ("other", "other.yml"),
    ] {
        let reply = api
            .post(
                &format!("configs?cluster={cluster}"),
                json!({"name": cluster, "github_owner": "codertocat", "github_repo": "hello-world",
                       "workflow_filter": workflow, "file_patterns": ["*.json"]}),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        ids.push(reply.data()["id"].as_i64().unwrap());
    }
    let job = |id: i64, run: i64| {
        job_payload(
            "workflow_job/completed.success.with-organization.payload.json",
            json!({"id": id, "run_id": run}),
        )
    };
    // the run's event first, then its job
    deliver(
        &api,
        "workflow_run",
        "r-1",
        run_payload(101, ".github/workflows/test.yml"),
    )
    .await;
    deliver(&api, "workflow_job", "j-1", job(1, 101)).await;
    apply_all(&api).await;
    // a job first, then its run's event (in a later batch)
    deliver(&api, "workflow_job", "j-2", job(2, 202)).await;
    apply_all(&api).await;
    deliver(
        &api,
        "workflow_run",
        "r-2",
        run_payload(202, ".github/workflows/test.yml"),
    )
    .await;
    apply_all(&api).await;
    // redelivered: nothing twice
    deliver(
        &api,
        "workflow_run",
        "r-2b",
        run_payload(202, ".github/workflows/test.yml"),
    )
    .await;
    apply_all(&api).await;

    #[derive(QueryableByName, Debug, PartialEq)]
    struct Filed {
        #[diesel(sql_type = BigInt)]
        config_id: i64,
        #[diesel(sql_type = Text)]
        workload_uid: String,
    }
    let mut conn = api.conn().await;
    let filed: Vec<Filed> = diesel::sql_query(
        "SELECT config_id, workload_uid FROM github_workflow_runs ORDER BY config_id, workload_uid",
    )
    .load(&mut conn)
    .await
    .unwrap();
    let expected: Vec<Filed> = [ids[0], ids[1]]
        .into_iter()
        .flat_map(|c| {
            ["github-job-1", "github-job-2"].map(|uid| Filed {
                config_id: c,
                workload_uid: uid.into(),
            })
        })
        .collect();
    assert_eq!(filed, expected);
}

#[tokio::test]
async fn a_payload_is_parsed_once_when_this_process_applies_it() {
    let api = signed_api().await;
    for (id, delivery) in [(901, "h-1"), (902, "h-2")] {
        let body = job_payload("workflow_job/queued.payload.json", json!({"id": id}));
        assert_eq!(deliver(&api, "workflow_job", delivery, body).await.0, 200);
    }
    assert_eq!(apply_all(&api).await, 2);
    assert_eq!(
        api.hooks.handoff.counts(),
        (2, 0),
        "both handed over, none parsed again"
    );

    // a delivery another replica received is read back and parsed
    let other = wfm_api::webhooks::handoff::ParsedEvents::default();
    let body = job_payload("workflow_job/queued.payload.json", json!({"id": 903}));
    assert_eq!(deliver(&api, "workflow_job", "h-3", body).await.0, 200);
    assert_eq!(
        process::apply_pending(api.db.pool(), 500, &other)
            .await
            .expect("applied"),
        1
    );
    assert_eq!(other.counts(), (0, 1));
    // this process still holds h-3's event, until it ages out
    assert_eq!(api.hooks.handoff.len(), 1);
    assert_eq!(
        count(
            &api,
            "SELECT count(*) AS n FROM github_workflow_jobs WHERE github_job_id IN (901, 902, 903)"
        )
        .await,
        3
    );
}

#[tokio::test]
async fn the_actions_exporter_path_is_the_same_receiver() {
    let api = signed_api().await;
    let body = fixture("workflow_job/queued.payload.json");
    let signature = WebhookSecrets::new([common::github::SECRET])
        .sign(&body)
        .expect("a secret");
    let send = |path: &'static str, delivery: &'static str, body: Vec<u8>, signature: String| {
        let url = format!("{}{path}", api.base_url);
        async move {
            reqwest::Client::new()
                .post(url)
                .header("Content-Type", "application/json")
                .header("X-GitHub-Event", "workflow_job")
                .header("X-GitHub-Delivery", delivery)
                .header("X-Hub-Signature-256", signature)
                .body(body)
                .send()
                .await
                .expect("sent")
        }
    };
    let reply = send("/webhook", "alias-1", body.clone(), signature.clone()).await;
    assert_eq!(reply.status(), 200);
    let receipt: Value = reply.json().await.expect("JSON");
    assert_eq!(receipt["data"]["status"], "accepted");
    // the same delivery through the other path is the duplicate it is
    let reply = send("/v1/webhooks/github", "alias-1", body.clone(), signature).await;
    let receipt: Value = reply.json().await.expect("JSON");
    assert_eq!(receipt["data"]["status"], "duplicate");
    // and a bad signature is refused there too
    let reply = send("/webhook", "alias-2", body, "sha256=00".into()).await;
    assert_eq!(reply.status(), 401);
}
