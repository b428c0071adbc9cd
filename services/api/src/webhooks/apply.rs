//! What a delivery changes: the job or run row (never moved back to an
//! earlier status), the Kubernetes runner that ran the job, and for configs
//! bound to the repository, a pending collection run.

use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Integer, Jsonb, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl as _};
use wfm_github::events::{Status, WorkflowJobEvent, WorkflowRunEvent};

type Conn = AsyncPgConnection;

/// Upserts the job, enriches the runner it ran on, and files webhook runs.
pub(crate) async fn workflow_job(
    conn: &mut Conn,
    event: &WorkflowJobEvent,
) -> diesel::QueryResult<()> {
    let job = &event.workflow_job;
    let repo = &event.repository.full_name;
    diesel::sql_query(
        "INSERT INTO github_workflow_jobs AS j (github_job_id, github_run_id, run_attempt, repository, \
            workflow_name, job_name, head_branch, head_sha, status, conclusion, runner_id, runner_name, \
            runner_group_name, labels, html_url, job_created_at, started_at, completed_at) \
         VALUES ($1, $2, $3, left($4, 255), left($5, 255), left($6, 255), left($7, 255), left($8, 64), $9, \
            left($10, 50), $11, left($12, 255), left($13, 255), $14, left($15, 1024), $16, $17, $18) \
         ON CONFLICT (github_job_id) DO UPDATE SET \
            run_attempt = EXCLUDED.run_attempt, workflow_name = COALESCE(EXCLUDED.workflow_name, j.workflow_name), \
            job_name = EXCLUDED.job_name, head_branch = COALESCE(EXCLUDED.head_branch, j.head_branch), \
            head_sha = COALESCE(EXCLUDED.head_sha, j.head_sha), status = EXCLUDED.status, \
            conclusion = COALESCE(EXCLUDED.conclusion, j.conclusion), \
            runner_id = COALESCE(EXCLUDED.runner_id, j.runner_id), \
            runner_name = COALESCE(EXCLUDED.runner_name, j.runner_name), \
            runner_group_name = COALESCE(EXCLUDED.runner_group_name, j.runner_group_name), \
            labels = EXCLUDED.labels, html_url = COALESCE(EXCLUDED.html_url, j.html_url), \
            job_created_at = COALESCE(EXCLUDED.job_created_at, j.job_created_at), \
            started_at = COALESCE(EXCLUDED.started_at, j.started_at), \
            completed_at = COALESCE(EXCLUDED.completed_at, j.completed_at) \
         WHERE wfm_github_status_rank(EXCLUDED.status) >= wfm_github_status_rank(j.status)",
    )
    .bind::<BigInt, _>(job.id)
    .bind::<BigInt, _>(job.run_id)
    .bind::<Integer, _>(job.run_attempt)
    .bind::<Text, _>(repo)
    .bind::<Nullable<Text>, _>(job.workflow_name.as_deref())
    .bind::<Text, _>(&job.name)
    .bind::<Nullable<Text>, _>(job.head_branch.as_deref())
    .bind::<Nullable<Text>, _>(job.head_sha.as_deref())
    .bind::<Text, _>(job.status.as_str())
    .bind::<Nullable<Text>, _>(job.conclusion.as_deref())
    .bind::<Nullable<BigInt>, _>(job.runner_id)
    .bind::<Nullable<Text>, _>(runner_name(event))
    .bind::<Nullable<Text>, _>(job.runner_group_name.as_deref())
    .bind::<Jsonb, _>(serde_json::json!(job.labels))
    .bind::<Nullable<Text>, _>(job.html_url.as_deref())
    .bind::<Nullable<Timestamptz>, _>(job.created_at)
    .bind::<Nullable<Timestamptz>, _>(job.started_at)
    .bind::<Nullable<Timestamptz>, _>(job.completed_at)
    .execute(conn)
    .await?;
    if let Some(runner) = runner_name(event) {
        enrich_runner(conn, event, runner).await?;
    }
    if job.status == Status::Completed && job.conclusion.as_deref() != Some("skipped") {
        file_webhook_runs(conn, event).await?;
    }
    Ok(())
}

fn runner_name(event: &WorkflowJobEvent) -> Option<&str> {
    event
        .workflow_job
        .runner_name
        .as_deref()
        .filter(|n| !n.is_empty())
}

/// ARC's EphemeralRunner is named as GitHub's runner: give the workload, and
/// the collection runs of it, the job's GitHub context ARC does not carry.
async fn enrich_runner(
    conn: &mut Conn,
    event: &WorkflowJobEvent,
    runner: &str,
) -> diesel::QueryResult<()> {
    let job = &event.workflow_job;
    diesel::sql_query(
        "WITH w AS ( \
            UPDATE gpu_workloads SET github_repository = left($2, 255), \
              github_workflow_name = COALESCE(left($3, 255), github_workflow_name), \
              github_head_branch = COALESCE(left($4, 255), github_head_branch), \
              github_head_sha = COALESCE(left($5, 64), github_head_sha), \
              github_run_id = $6, github_job_id = $7, github_job_name = left($8, 255), \
              github_runner_id = COALESCE($9, github_runner_id), \
              github_run_number = COALESCE(github_run_number, \
                (SELECT r.run_number FROM github_actions_runs r WHERE r.github_run_id = $6 \
                 ORDER BY r.run_attempt DESC LIMIT 1)) \
            WHERE kind = 'EphemeralRunner' AND name = $1 \
              AND (github_runner_id IS NULL OR $9::int8 IS NULL OR github_runner_id = $9) \
            RETURNING uid, github_run_number) \
         UPDATE github_workflow_runs r SET github_run_id = $6, github_job_id = $7, \
            head_branch = COALESCE(left($4, 255), r.head_branch), head_sha = COALESCE(left($5, 64), r.head_sha), \
            github_run_number = COALESCE(w.github_run_number, r.github_run_number) \
         FROM w WHERE r.workload_uid = w.uid",
    )
    .bind::<Text, _>(runner)
    .bind::<Text, _>(&event.repository.full_name)
    .bind::<Nullable<Text>, _>(job.workflow_name.as_deref())
    .bind::<Nullable<Text>, _>(job.head_branch.as_deref())
    .bind::<Nullable<Text>, _>(job.head_sha.as_deref())
    .bind::<BigInt, _>(job.run_id)
    .bind::<BigInt, _>(job.id)
    .bind::<Text, _>(&job.name)
    .bind::<Nullable<BigInt>, _>(job.runner_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The collection run id of a webhook-triggered job: one per config and job.
pub fn webhook_workload_uid(job_id: i64) -> String {
    format!("github-job-{job_id}")
}

/// A pending `webhook` run for every enabled config bound to the job's
/// repository (no runner set) whose workflow and branch filters it passes.
async fn file_webhook_runs(conn: &mut Conn, event: &WorkflowJobEvent) -> diesel::QueryResult<()> {
    let job = &event.workflow_job;
    let (owner, repo) = event.repository.owner_and_name();
    diesel::sql_query(
        "INSERT INTO github_workflow_runs (config_id, workload_uid, workload_name, github_run_id, \
            github_run_number, github_job_id, head_sha, head_branch, trigger_source, \
            workload_started_at, workload_completed_at) \
         SELECT c.id, $1, left(COALESCE($2, ''), 255), $3, \
            (SELECT r.run_number FROM github_actions_runs r WHERE r.github_run_id = $3 \
             ORDER BY r.run_attempt DESC LIMIT 1), \
            $4, left($5, 64), left($6, 255), 'webhook', $7, $8 \
         FROM github_workflow_configs c \
         WHERE c.enabled AND c.runner_set_name IS NULL \
           AND lower(c.github_owner) = lower($9) AND lower(c.github_repo) = lower($10) \
           AND (c.workflow_filter IS NULL OR c.workflow_filter = $11) \
           AND (c.branch_filter IS NULL OR c.branch_filter = $6) \
         ON CONFLICT (config_id, workload_uid) DO NOTHING",
    )
    .bind::<Text, _>(webhook_workload_uid(job.id))
    .bind::<Nullable<Text>, _>(runner_name(event))
    .bind::<BigInt, _>(job.run_id)
    .bind::<BigInt, _>(job.id)
    .bind::<Nullable<Text>, _>(job.head_sha.as_deref())
    .bind::<Nullable<Text>, _>(job.head_branch.as_deref())
    .bind::<Nullable<Timestamptz>, _>(job.started_at)
    .bind::<Nullable<Timestamptz>, _>(job.completed_at.or_else(|| Some(Utc::now())))
    .bind::<Text, _>(owner)
    .bind::<Text, _>(repo)
    .bind::<Text, _>(job.workflow_name.as_deref().unwrap_or(""))
    .execute(conn)
    .await?;
    Ok(())
}

/// Upserts the run attempt, and hands its number to the runners and
/// collection runs of its jobs.
pub(crate) async fn workflow_run(
    conn: &mut Conn,
    event: &WorkflowRunEvent,
) -> diesel::QueryResult<()> {
    let run = &event.workflow_run;
    let completed_at: Option<DateTime<Utc>> = (run.status == Status::Completed)
        .then_some(run.updated_at)
        .flatten();
    diesel::sql_query(
        "INSERT INTO github_actions_runs AS r (github_run_id, run_attempt, repository, workflow_id, \
            workflow_name, run_number, event, head_branch, head_sha, status, conclusion, html_url, \
            run_created_at, run_started_at, completed_at) \
         VALUES ($1, $2, left($3, 255), $4, left($5, 255), $6, left($7, 64), left($8, 255), left($9, 64), \
            $10, left($11, 50), left($12, 1024), $13, $14, $15) \
         ON CONFLICT (github_run_id, run_attempt) DO UPDATE SET \
            workflow_id = COALESCE(EXCLUDED.workflow_id, r.workflow_id), \
            workflow_name = COALESCE(EXCLUDED.workflow_name, r.workflow_name), \
            run_number = COALESCE(EXCLUDED.run_number, r.run_number), \
            event = COALESCE(EXCLUDED.event, r.event), \
            head_branch = COALESCE(EXCLUDED.head_branch, r.head_branch), \
            head_sha = COALESCE(EXCLUDED.head_sha, r.head_sha), status = EXCLUDED.status, \
            conclusion = COALESCE(EXCLUDED.conclusion, r.conclusion), \
            html_url = COALESCE(EXCLUDED.html_url, r.html_url), \
            run_created_at = COALESCE(EXCLUDED.run_created_at, r.run_created_at), \
            run_started_at = COALESCE(EXCLUDED.run_started_at, r.run_started_at), \
            completed_at = COALESCE(EXCLUDED.completed_at, r.completed_at) \
         WHERE wfm_github_status_rank(EXCLUDED.status) >= wfm_github_status_rank(r.status)",
    )
    .bind::<BigInt, _>(run.id)
    .bind::<Integer, _>(run.run_attempt)
    .bind::<Text, _>(&event.repository.full_name)
    .bind::<Nullable<BigInt>, _>(run.workflow_id)
    .bind::<Nullable<Text>, _>(event.workflow_name())
    .bind::<Nullable<Integer>, _>(run.run_number)
    .bind::<Nullable<Text>, _>(run.event.as_deref())
    .bind::<Nullable<Text>, _>(run.head_branch.as_deref())
    .bind::<Nullable<Text>, _>(run.head_sha.as_deref())
    .bind::<Text, _>(run.status.as_str())
    .bind::<Nullable<Text>, _>(run.conclusion.as_deref())
    .bind::<Nullable<Text>, _>(run.html_url.as_deref())
    .bind::<Nullable<Timestamptz>, _>(run.created_at)
    .bind::<Nullable<Timestamptz>, _>(run.run_started_at)
    .bind::<Nullable<Timestamptz>, _>(completed_at)
    .execute(conn)
    .await?;
    if let Some(number) = run.run_number {
        diesel::sql_query(
            "WITH w AS (UPDATE gpu_workloads SET github_run_number = $2, \
                github_workflow_name = COALESCE(github_workflow_name, left($3, 255)) \
              WHERE github_run_id = $1 AND github_run_number IS NULL RETURNING uid) \
             UPDATE github_workflow_runs SET github_run_number = $2 \
             WHERE github_run_id = $1 AND github_run_number IS NULL",
        )
        .bind::<BigInt, _>(run.id)
        .bind::<Integer, _>(number)
        .bind::<Nullable<Text>, _>(event.workflow_name())
        .execute(conn)
        .await?;
    }
    Ok(())
}
