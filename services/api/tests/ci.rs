//! CI health from the webhook tables: the Prometheus values GitHub's fixture
//! payloads produce, and `ci-stats` distributions checked against values
//! computed here.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::TestApi;
use common::github::{apply_all, deliver, fixture, job_payload, signed_api};
use diesel::sql_types::{BigInt, Text, Timestamptz};
use diesel_async::RunQueryDsl as _;
use prometheus_client::registry::Registry;
use serde_json::{Value, json};
use wfm_actions_metrics::{CiConfig, GithubMetrics};

async fn scrape(api: &TestApi, config: CiConfig) -> String {
    let github = GithubMetrics::new(api.db.pool().clone(), config);
    github.refresh().await.expect("computing the metrics");
    let mut registry = Registry::default();
    registry.register_collector(github.collector());
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry).expect("encodes");
    text
}

/// The value of the sample whose line starts with `series` followed by a space.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| {
            l.strip_prefix(series)
                .and_then(|rest| rest.strip_prefix(' '))
        })
        .unwrap_or_else(|| panic!("no sample {series} in\n{text}"))
        .parse()
        .expect("a number")
}

fn time(payload: &Value, field: &str) -> DateTime<Utc> {
    payload["workflow_job"][field]
        .as_str()
        .expect(field)
        .parse()
        .expect("RFC 3339")
}

#[tokio::test]
async fn prometheus_values_follow_githubs_payloads() {
    let api = signed_api().await;
    for (file, delivery) in [
        ("workflow_job/queued.payload.json", "d-1"),
        ("workflow_job/in_progress.payload.json", "d-2"),
        (
            "workflow_job/completed.success.with-organization.payload.json",
            "d-3",
        ),
        ("workflow_job/waiting.payload.json", "d-4"),
    ] {
        assert_eq!(
            deliver(&api, "workflow_job", delivery, fixture(file))
                .await
                .0,
            200
        );
    }
    for (file, delivery) in [
        ("workflow_run/requested.payload.json", "r-1"),
        ("workflow_run/completed.payload.json", "r-2"),
    ] {
        assert_eq!(
            deliver(&api, "workflow_run", delivery, fixture(file))
                .await
                .0,
            200
        );
    }
    // a second job of the same workflow that failed, on a GPU runner
    let failed = job_payload(
        "workflow_job/completed.failure.with-organization.payload.json",
        json!({"id": 7, "name": "bench", "labels": ["self-hosted", "linux", "mi300"]}),
    );
    assert_eq!(
        deliver(&api, "workflow_job", "d-5", failed.clone()).await.0,
        200
    );
    // one delivery that cannot be read, kept with its error
    let unreadable = job_payload(
        "workflow_job/queued.payload.json",
        json!({"status": "exploded"}),
    );
    assert_eq!(
        deliver(&api, "workflow_job", "d-6", unreadable).await.0,
        400
    );
    apply_all(&api).await;

    let config = CiConfig {
        cost_per_minute: [("ubuntu-latest".to_owned(), 0.008), ("*".to_owned(), 0.5)].into(),
        ..CiConfig::default()
    };
    let text = scrape(&api, config).await;
    let done: Value = serde_json::from_slice(&fixture(
        "workflow_job/completed.success.with-organization.payload.json",
    ))
    .unwrap();
    let duration = (time(&done, "completed_at") - time(&done, "started_at")).num_seconds() as f64;
    let queued = (time(&done, "started_at") - time(&done, "created_at")).num_seconds() as f64;
    let labels = r#"repository="Codertocat/Hello-World",workflow="CodeQL",job="linters",runner_label="ubuntu-latest""#;
    assert_eq!(
        sample(
            &text,
            &format!(r#"github_job_run_total{{{labels},conclusion="success"}}"#)
        ),
        1.0
    );
    assert_eq!(
        sample(
            &text,
            &format!(r#"github_job_run_duration_seconds_sum{{{labels},conclusion="success"}}"#)
        ),
        duration
    );
    assert_eq!(
        sample(
            &text,
            &format!(r#"github_job_run_duration_seconds_count{{{labels},conclusion="success"}}"#)
        ),
        1.0
    );
    // 198 s: above the 120 s bucket, within 300 s
    assert_eq!(duration, 198.0);
    assert_eq!(
        sample(
            &text,
            &format!(
                r#"github_job_run_duration_seconds_bucket{{le="120.0",{labels},conclusion="success"}}"#
            )
        ),
        0.0
    );
    assert_eq!(
        sample(
            &text,
            &format!(
                r#"github_job_run_duration_seconds_bucket{{le="300.0",{labels},conclusion="success"}}"#
            )
        ),
        1.0
    );
    assert_eq!(
        sample(
            &text,
            &format!(r#"github_job_queue_duration_seconds_sum{{{labels}}}"#)
        ),
        queued
    );
    // billed minutes round up: 198 s is 4 minutes
    let cost = sample(
        &text,
        r#"github_job_cost{repository="Codertocat/Hello-World",workflow="CodeQL",runner_label="ubuntu-latest"}"#,
    );
    assert!((cost - 4.0 * 0.008).abs() < 1e-9, "{cost}");
    let failed: Value = serde_json::from_slice(&failed).unwrap();
    let minutes =
        ((time(&failed, "completed_at") - time(&failed, "started_at")).num_seconds() as f64 / 60.0)
            .ceil();
    let gpu_cost = sample(
        &text,
        r#"github_job_cost{repository="Codertocat/Hello-World",workflow="CodeQL",runner_label="mi300"}"#,
    );
    assert!((gpu_cost - minutes * 0.5).abs() < 1e-9, "{gpu_cost}");
    assert_eq!(
        sample(
            &text,
            r#"github_job_run_total{repository="Codertocat/Hello-World",workflow="CodeQL",job="bench",runner_label="mi300",conclusion="failure"}"#
        ),
        1.0
    );
    // a job waiting on a deployment, for a `self-hosted, k8s` runner
    assert_eq!(
        sample(
            &text,
            r#"github_job_runs_open{repository="lineville/elastic-machines-testing",workflow="Env Test",job="test",runner_label="k8s",status="waiting"}"#
        ),
        1.0
    );
    assert_eq!(
        sample(
            &text,
            r#"github_workflow_run_total{repository="octo-org/octo-repo",workflow="test",conclusion="success"}"#
        ),
        1.0
    );
    assert_eq!(
        sample(&text, r#"wfm_webhook_errors_total{event="workflow_job"}"#),
        1.0
    );

    // cardinality: with one value kept per label, the rest is `other`
    let text = scrape(
        &api,
        CiConfig {
            top: 1,
            ..CiConfig::default()
        },
    )
    .await;
    // three jobs of one delivery each: the tie goes to the first name
    assert!(text.contains(r#"job="bench""#), "{text}");
    assert!(!text.contains(r#"job="linters""#), "{text}");
    assert!(text.contains(r#"job="other""#), "{text}");
}

struct JobRow {
    repository: &'static str,
    workflow: &'static str,
    job: &'static str,
    conclusion: &'static str,
    queued_s: i64,
    ran_s: i64,
    completed: DateTime<Utc>,
}

async fn insert_jobs(api: &TestApi, rows: &[JobRow]) {
    let mut conn = api.conn().await;
    for (i, row) in rows.iter().enumerate() {
        let started = row.completed - Duration::seconds(row.ran_s);
        diesel::sql_query(
            "INSERT INTO github_workflow_jobs (github_job_id, github_run_id, repository, workflow_name, \
             job_name, status, conclusion, job_created_at, started_at, completed_at) \
             VALUES ($1, $1, $2, $3, $4, 'completed', $5, $6, $7, $8)",
        )
        .bind::<BigInt, _>(i as i64 + 1)
        .bind::<Text, _>(row.repository)
        .bind::<Text, _>(row.workflow)
        .bind::<Text, _>(row.job)
        .bind::<Text, _>(row.conclusion)
        .bind::<Timestamptz, _>(started - Duration::seconds(row.queued_s))
        .bind::<Timestamptz, _>(started)
        .bind::<Timestamptz, _>(row.completed)
        .execute(&mut conn)
        .await
        .expect("inserting a job");
    }
}

/// `percentile_cont` over `values`.
fn percentile(values: &[f64], q: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = q * (v.len() - 1) as f64;
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    v[lo] + (v[hi] - v[lo]) * (rank - lo as f64)
}

#[tokio::test]
async fn ci_stats_give_each_workflow_and_job_its_distribution() {
    let api = TestApi::start().await;
    let now = Utc::now();
    let ran = [10, 20, 30, 40, 50, 65];
    let mut rows: Vec<JobRow> = ran
        .iter()
        .enumerate()
        .map(|(i, s)| JobRow {
            repository: "org/gpu",
            workflow: "bench",
            job: "mi300",
            conclusion: if i == 5 { "failure" } else { "success" },
            queued_s: 5 * (i as i64 + 1),
            ran_s: *s,
            completed: now - Duration::hours(i as i64 + 1),
        })
        .collect();
    // outside the default window, and in another repository
    rows.push(JobRow {
        completed: now - Duration::days(30),
        ..JobRow {
            repository: "org/gpu",
            workflow: "bench",
            job: "mi300",
            conclusion: "success",
            queued_s: 1,
            ran_s: 9999,
            completed: now,
        }
    });
    rows.push(JobRow {
        repository: "org/other",
        workflow: "lint",
        job: "ruff",
        conclusion: "cancelled",
        queued_s: 1,
        ran_s: 3,
        completed: now - Duration::hours(1),
    });
    insert_jobs(&api, &rows).await;

    let data = api.get("ci-stats?repo=ORG/gpu").await.data();
    let jobs = data["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 1, "{data}");
    let job = &jobs[0];
    assert_eq!(
        (job["workflow"].as_str(), job["job"].as_str()),
        (Some("bench"), Some("mi300"))
    );
    assert_eq!(
        (job["runs"].as_i64(), job["failures"].as_i64()),
        (Some(6), Some(1))
    );
    assert!((job["success_rate"].as_f64().unwrap() - 5.0 / 6.0).abs() < 1e-9);
    let ran: Vec<f64> = ran.iter().map(|s| *s as f64).collect();
    let d = &job["duration_seconds"];
    assert_eq!(
        (d["min"].as_f64(), d["max"].as_f64()),
        (Some(10.0), Some(65.0))
    );
    for (key, q) in [("p50", 0.5), ("p75", 0.75), ("p90", 0.9), ("p95", 0.95)] {
        assert!(
            (d[key].as_f64().unwrap() - percentile(&ran, q)).abs() < 1e-9,
            "{key}: {d}"
        );
    }
    let queued: Vec<f64> = (1..=6).map(|i| 5.0 * i as f64).collect();
    assert!(
        (job["queue_seconds"]["p50"].as_f64().unwrap() - percentile(&queued, 0.5)).abs() < 1e-9
    );
    assert_eq!(data["workflows"], json!([]), "no workflow_run rows");

    // a wider window takes the old job in; all repositories without `repo`
    let since = (now - Duration::days(60)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let wide = api.get(&format!("ci-stats?since={since}")).await.data();
    let runs: Vec<i64> = wide["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["runs"].as_i64().unwrap())
        .collect();
    assert_eq!(runs, vec![7, 1]);
    assert_eq!(
        wide["jobs"][1]["success_rate"], 0.0,
        "cancelled is not a success"
    );
    assert_eq!(wide["jobs"][1]["failures"], 0, "nor a failure");

    let (code, message) = api.get("ci-stats?since=yesterday").await.error();
    assert_eq!(code, 4000);
    assert!(message.contains("since"), "{message}");
    let (code, message) = api.get("ci-stats?repo=just-a-name").await.error();
    assert_eq!(
        (code, message.as_str()),
        (4000, "invalid repo: expected owner/name")
    );
}

#[tokio::test]
async fn the_metric_prefix_renames_every_github_metric() {
    let api = signed_api().await;
    for (event, file, delivery) in [
        (
            "workflow_job",
            "workflow_job/in_progress.payload.json",
            "p-1",
        ),
        (
            "workflow_job",
            "workflow_job/completed.success.with-organization.payload.json",
            "p-2",
        ),
        ("workflow_job", "workflow_job/waiting.payload.json", "p-3"),
        ("workflow_run", "workflow_run/requested.payload.json", "p-4"),
        ("workflow_run", "workflow_run/completed.payload.json", "p-5"),
    ] {
        assert_eq!(deliver(&api, event, delivery, fixture(file)).await.0, 200);
    }
    let unreadable = job_payload(
        "workflow_job/queued.payload.json",
        json!({"status": "exploded"}),
    );
    assert_eq!(
        deliver(&api, "workflow_job", "p-6", unreadable).await.0,
        400
    );
    apply_all(&api).await;

    let config = CiConfig::from_env(&wfm_env::Env::from_pairs([
        ("WFM_GITHUB_METRICS_PREFIX", "gha_"),
        ("WFM_GITHUB_JOB_COST_PER_MINUTE", "*=0.5"),
    ]))
    .expect("a valid prefix");
    let text = scrape(&api, config).await;
    for (name, kind) in [
        ("workflow_run", "counter"),
        ("workflow_runs_open", "gauge"),
        ("workflow_run_duration_seconds", "histogram"),
        ("job_run", "counter"),
        ("job_runs_open", "gauge"),
        ("job_run_duration_seconds", "histogram"),
        ("job_queue_duration_seconds", "histogram"),
        ("job_cost", "gauge"),
    ] {
        assert!(
            text.contains(&format!("# TYPE gha_{name} {kind}\n")),
            "gha_{name}: {text}"
        );
    }
    let labels = r#"repository="Codertocat/Hello-World",workflow="CodeQL",job="linters",runner_label="ubuntu-latest""#;
    assert_eq!(
        sample(
            &text,
            &format!(r#"gha_job_run_total{{{labels},conclusion="success"}}"#)
        ),
        1.0
    );
    assert_eq!(
        sample(
            &text,
            r#"gha_workflow_run_total{repository="octo-org/octo-repo",workflow="test",conclusion="success"}"#
        ),
        1.0
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("gha_job_runs_open{") && l.contains(r#"status="waiting""#)),
        "{text}"
    );
    assert!(
        text.lines().any(|l| l.starts_with("gha_job_cost{")),
        "{text}"
    );
    // nothing keeps the default prefix; the wfm_* metrics keep theirs
    assert!(!text.contains("github_"), "{text}");
    assert_eq!(
        sample(&text, r#"wfm_webhook_errors_total{event="workflow_job"}"#),
        1.0
    );

    let err = CiConfig::from_env(&wfm_env::Env::from_pairs([(
        "WFM_GITHUB_METRICS_PREFIX",
        "gha-",
    )]))
    .expect_err("- cannot be in a metric name")
    .to_string();
    assert!(
        err.starts_with("invalid value for WFM_GITHUB_METRICS_PREFIX: \"gha-\""),
        "{err}"
    );
}
