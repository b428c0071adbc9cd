//! Webhook-triggered collection end to end: wfm-api receives GitHub's signed
//! `workflow_job` completion for a repository-bound config, and wfm-collector
//! collects that job's own files from a mounted directory into metrics.

use std::time::{Duration, Instant};

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Integer, Text};
use diesel_async::RunQueryDsl as _;
use wfm_db::models::NewConfig;
use wfm_e2e::start;
use wfm_github::WebhookSecrets;
use wfm_testing::{TestDb, insert_config};

const SECRET: &str = "e2e-secret";
/// GitHub's example job: run 2202229078, job 289782451, Codertocat/Hello-World, CodeQL.
const PAYLOAD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../fixtures/github/webhooks/workflow_job/completed.success.with-organization.payload.json"
);

#[derive(QueryableByName, Debug)]
struct Collected {
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Text)]
    trigger_source: String,
    #[diesel(sql_type = Integer)]
    metrics_count: i32,
    #[diesel(sql_type = BigInt)]
    records: i64,
}

#[tokio::test]
async fn a_completed_job_is_collected_from_its_own_files() {
    let db = TestDb::new().await;
    let root = std::env::temp_dir().join(format!("wfm-e2e-webhook-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    // this job's files, and another job's the run must not pick up
    for (dir, csv) in [
        (
            "runs/2202229078/289782451",
            "model,tokens_per_s\nllama,101.5\nmistral,99.0\n",
        ),
        ("runs/2202229078/1", "model,tokens_per_s\nother,1.0\n"),
    ] {
        std::fs::create_dir_all(root.join(dir)).expect("dir");
        std::fs::write(root.join(dir).join("results.csv"), csv).expect("file");
    }
    let mut conn = db.connect().await;
    let config = NewConfig {
        name: "codeql".into(),
        github_owner: Some("codertocat".into()),
        github_repo: Some("hello-world".into()),
        workflow_filter: Some("CodeQL".into()),
        file_patterns: Some(serde_json::json!(["runs/{run_id}/{job_id}/*.csv"])),
        ..NewConfig::default()
    };
    insert_config(&mut conn, &config).await.expect("config");

    let (api, api_base) = start(
        "wfm-api",
        &[("DATABASE_URL", db.url()), ("WFM_WEBHOOK_SECRETS", SECRET)],
    )
    .await;
    let root_str = root.to_str().expect("utf-8");
    let (collector, _) = start(
        "wfm-collector",
        &[("DATABASE_URL", db.url()), ("WFM_MOUNTED_ROOT", root_str)],
    )
    .await;

    let body = std::fs::read(PAYLOAD).expect("fixture");
    let signature = WebhookSecrets::new([SECRET]).sign(&body).expect("signs");
    let response = reqwest::Client::new()
        .post(format!("{api_base}/v1/webhooks/github"))
        .header("Content-Type", "application/json")
        .header("X-GitHub-Event", "workflow_job")
        .header("X-GitHub-Delivery", "e2e-1")
        .header("X-Hub-Signature-256", signature)
        .body(body)
        .send()
        .await
        .expect("delivers");
    assert_eq!(response.status().as_u16(), 200);

    let started = Instant::now();
    let collected = loop {
        let rows: Vec<Collected> = diesel::sql_query(
            "SELECT r.status, r.trigger_source, r.metrics_count, \
                (SELECT count(*) FROM github_workflow_metrics m WHERE m.run_id = r.id) AS records \
             FROM github_workflow_runs r WHERE r.workload_uid = 'github-job-289782451'",
        )
        .load(&mut conn)
        .await
        .expect("runs");
        if matches!(rows.as_slice(), [r] if r.status == "completed" || r.status == "failed") {
            break rows;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "not collected in 30 s: {rows:?}\napi: {}\ncollector: {}",
            api.output(),
            collector.output()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(collected.len(), 1);
    let run = &collected[0];
    assert_eq!(
        (run.status.as_str(), run.trigger_source.as_str()),
        ("completed", "webhook"),
        "{}",
        collector.output()
    );
    assert_eq!(
        (run.metrics_count, run.records),
        (2, 2),
        "only this job's two rows"
    );
    let _ = std::fs::remove_dir_all(&root);
}
