//! Webhook runs filed by two replicas at once: one applies a job's event, the
//! other its run's event (the only one that names the workflow file). The
//! per-run lock makes the second see what the first committed, so the job is
//! filed for a config that names its workflow by file.

use std::time::Duration;

use chrono::Utc;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncConnection, RunQueryDsl};
use wfm_db::queue::{self, CompletedJob};
use wfm_testing::{TestDb, insert_config};

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_and_its_runs_event_applied_at_once_file_the_run() {
    let db = TestDb::new().await;
    let mut setup = db.connect().await;
    let config = insert_config(
        &mut setup,
        &wfm_db::models::NewConfig {
            name: "by-file".into(),
            github_owner: Some("o".into()),
            github_repo: Some("r".into()),
            workflow_filter: Some("bench.yml".into()),
            file_patterns: Some(serde_json::json!(["*.json"])),
            ..Default::default()
        },
    )
    .await
    .expect("config");

    // replica A: records the completed job (its run's file unknown to it) and holds on
    let mut a = db.connect().await;
    diesel::sql_query("BEGIN")
        .execute(&mut a)
        .await
        .expect("begin");
    diesel::sql_query(
        "INSERT INTO github_workflow_jobs (github_job_id, github_run_id, repository, workflow_name, \
         job_name, status, conclusion, completed_at) \
         VALUES (11, 7, 'o/r', 'Nightly bench', 'gemm', 'completed', 'success', now())",
    )
    .execute(&mut a)
    .await
    .expect("job row");
    queue::lock_github_runs(&mut a, &[7]).await.expect("lock");
    let job = CompletedJob {
        job_id: 11,
        run_id: 7,
        runner: None,
        head_sha: None,
        head_branch: None,
        started_at: None,
        completed_at: Utc::now(),
        owner: "o",
        repo: "r",
        workflow_name: "Nightly bench",
    };
    let filed_by_job = queue::enqueue_completed_jobs(&mut a, &[job])
        .await
        .expect("filing");
    assert_eq!(filed_by_job, 0, "the job alone does not name the file");

    // replica B: records the run's event with the file, meanwhile
    let url = db.url().to_owned();
    let b = tokio::spawn(async move {
        let mut b = diesel_async::AsyncPgConnection::establish(&url)
            .await
            .expect("connection");
        b.transaction::<usize, diesel::result::Error, _>(async |b| {
            diesel::sql_query(
                "INSERT INTO github_actions_runs (github_run_id, repository, status, workflow_path) \
                 VALUES (7, 'o/r', 'completed', '.github/workflows/bench.yml')",
            )
            .execute(b)
            .await?;
            queue::lock_github_runs(b, &[7]).await?;
            queue::enqueue_jobs_of_runs(b, &[(7, ".github/workflows/bench.yml")]).await
        })
        .await
        .expect("replica B")
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!b.is_finished(), "B waits for A's lock");
    diesel::sql_query("COMMIT")
        .execute(&mut a)
        .await
        .expect("commit");
    let filed_by_run = b.await.expect("B ended");
    assert_eq!(filed_by_run, 1, "B saw A's job once A committed");

    let runs: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM github_workflow_runs WHERE config_id = $1 AND workload_uid = 'github-job-11'",
    )
    .bind::<BigInt, _>(config.id)
    .get_result(&mut setup)
    .await
    .expect("count");
    assert_eq!(runs.n, 1);
}
