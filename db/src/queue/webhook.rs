//! Runs that GitHub's webhooks file for configs bound to a repository (no
//! runner set): one `webhook` run per completed job and matching config, its
//! workload uid `github-job-<job id>`, so a job is collected once per config.

use chrono::{DateTime, Utc};
use diesel::QueryResult;
use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// `(SELECT run_number …)` of the newest attempt of the run whose id is the
/// SQL expression `COL` (replace it).
pub const RUN_NUMBER_OF: &str = "(SELECT a.run_number FROM github_actions_runs a WHERE a.github_run_id = COL \
     ORDER BY a.run_attempt DESC LIMIT 1)";

/// Serialises the filing of webhook runs per GitHub run: a job's run may be
/// filed by the job's event (when its workflow file is known) or by its
/// run's event (when the job is recorded), applied by two replicas at once.
/// Whichever takes the lock second reads what the first committed, so no job
/// falls between them. Takes the locks in id order (no deadlock); they last
/// until the transaction ends. Call it after writing the job and run rows.
pub async fn lock_github_runs(conn: &mut AsyncPgConnection, run_ids: &[i64]) -> QueryResult<()> {
    let mut ids = run_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(());
    }
    diesel::sql_query(
        "SELECT pg_advisory_xact_lock(hashtextextended('wfm.github-run:' || id, 0)) \
         FROM (SELECT unnest($1::int8[]) AS id ORDER BY 1) ids",
    )
    .bind::<Array<BigInt>, _>(ids)
    .execute(conn)
    .await?;
    Ok(())
}

/// The columns a webhook run is filed with (its SELECT follows).
const INSERT_WEBHOOK_RUN: &str = "INSERT INTO github_workflow_runs (config_id, workload_uid, \
    workload_name, github_run_id, github_run_number, github_job_id, head_sha, head_branch, \
    trigger_source, workload_started_at, workload_completed_at)";

/// A completed job (not skipped), as a `workflow_job` event tells it.
#[derive(Debug, Clone)]
pub struct CompletedJob<'a> {
    pub job_id: i64,
    pub run_id: i64,
    /// The runner's name (on ARC, the EphemeralRunner's).
    pub runner: Option<&'a str>,
    pub head_sha: Option<&'a str>,
    pub head_branch: Option<&'a str>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: DateTime<Utc>,
    pub owner: &'a str,
    pub repo: &'a str,
    /// The workflow's display name.
    pub workflow_name: &'a str,
}

/// Files a pending run of each job for every enabled config bound to its
/// repository whose filters it passes: the workflow filter by name, or by
/// file when a `workflow_run` event told the run's file first. Returns how
/// many were filed.
pub async fn enqueue_completed_jobs(
    conn: &mut AsyncPgConnection,
    jobs: &[CompletedJob<'_>],
) -> QueryResult<usize> {
    if jobs.is_empty() {
        return Ok(0);
    }
    diesel::sql_query(format!(
        "{INSERT_WEBHOOK_RUN} \
         SELECT c.id, 'github-job-' || u.job_id, left(COALESCE(u.runner, ''), 255), u.run_id, {number}, \
            u.job_id, left(u.sha, 64), left(u.branch, 255), 'webhook', u.started, u.completed \
         FROM unnest($1::int8[], $2::text[], $3::int8[], $4::text[], $5::text[], $6::timestamptz[], \
            $7::timestamptz[], $8::text[], $9::text[], $10::text[]) \
            AS u(job_id, runner, run_id, sha, branch, started, completed, owner, repo, wf) \
         JOIN github_workflow_configs c ON c.enabled AND c.runner_set_name IS NULL \
           AND lower(c.github_owner) = lower(u.owner) AND lower(c.github_repo) = lower(u.repo) \
           AND wfm_workflow_matches(c.workflow_filter, u.wf, (SELECT a.workflow_path \
                FROM github_actions_runs a WHERE a.github_run_id = u.run_id \
                AND a.workflow_path IS NOT NULL LIMIT 1)) \
           AND (c.branch_filter IS NULL OR c.branch_filter = u.branch) \
         ORDER BY u.job_id, c.id \
         ON CONFLICT (config_id, workload_uid) DO NOTHING",
        number = RUN_NUMBER_OF.replace("COL", "u.run_id"),
    ))
    .bind::<Array<BigInt>, _>(jobs.iter().map(|j| j.job_id).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(jobs.iter().map(|j| j.runner).collect::<Vec<_>>())
    .bind::<Array<BigInt>, _>(jobs.iter().map(|j| j.run_id).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(jobs.iter().map(|j| j.head_sha).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(jobs.iter().map(|j| j.head_branch).collect::<Vec<_>>())
    .bind::<Array<Nullable<Timestamptz>>, _>(jobs.iter().map(|j| j.started_at).collect::<Vec<_>>())
    .bind::<Array<Timestamptz>, _>(jobs.iter().map(|j| j.completed_at).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(jobs.iter().map(|j| j.owner).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(jobs.iter().map(|j| j.repo).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(jobs.iter().map(|j| j.workflow_name).collect::<Vec<_>>())
    .execute(conn)
    .await
}

/// A config may name its workflow by file (`benchmark.yml`), which only
/// `workflow_run` events carry: for each `(run id, workflow file)`, the run's
/// completed jobs recorded so far are filed for the configs that take that
/// file (a job filed before is left alone). Returns how many were filed.
pub async fn enqueue_jobs_of_runs(
    conn: &mut AsyncPgConnection,
    runs: &[(i64, &str)],
) -> QueryResult<usize> {
    if runs.is_empty() {
        return Ok(0);
    }
    diesel::sql_query(format!(
        "{INSERT_WEBHOOK_RUN} \
         SELECT c.id, 'github-job-' || j.github_job_id, COALESCE(j.runner_name, ''), j.github_run_id, \
            {number}, j.github_job_id, j.head_sha, j.head_branch, 'webhook', j.started_at, \
            COALESCE(j.completed_at, now()) \
         FROM unnest($1::int8[], $2::text[]) AS u(run_id, path) \
         JOIN github_workflow_jobs j ON j.github_run_id = u.run_id AND j.status = 'completed' \
           AND j.conclusion IS DISTINCT FROM 'skipped' \
         JOIN github_workflow_configs c ON c.enabled AND c.runner_set_name IS NULL \
           AND c.workflow_filter IS NOT NULL \
           AND lower(c.github_owner || '/' || c.github_repo) = lower(j.repository) \
           AND wfm_workflow_matches(c.workflow_filter, j.workflow_name, u.path) \
           AND (c.branch_filter IS NULL OR c.branch_filter = j.head_branch) \
         ORDER BY j.github_job_id, c.id \
         ON CONFLICT (config_id, workload_uid) DO NOTHING",
        number = RUN_NUMBER_OF.replace("COL", "j.github_run_id"),
    ))
    .bind::<Array<BigInt>, _>(runs.iter().map(|(id, _)| *id).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(runs.iter().map(|(_, path)| *path).collect::<Vec<_>>())
    .execute(conn)
    .await
}
