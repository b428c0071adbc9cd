//! What deliveries change, a batch at a time: the job and run-attempt rows
//! (never moved back to an earlier status), the Kubernetes runners that ran
//! the jobs, the completed jobs' logs to fetch, and for configs bound to a
//! repository, pending collection runs.
//! A batch is first folded per job and per run attempt ([`Changes`]), then
//! written with one statement per table.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use chrono::Utc;
use diesel::sql_types::{Array, BigInt, Integer, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl as _};
use wfm_db::queue::{self, CompletedJob, RUN_NUMBER_OF};
use wfm_github::Event;
use wfm_github::events::{Status, WorkflowJob, WorkflowJobEvent, WorkflowRun, WorkflowRunEvent};

type Conn = AsyncPgConnection;

/// A batch of events, folded: the latest state of each job and run attempt.
#[derive(Debug, Default)]
pub(crate) struct Changes {
    jobs: BTreeMap<i64, WorkflowJobEvent>,
    runs: BTreeMap<(i64, i32), WorkflowRunEvent>,
    /// Installation events, in the order they arrived (each applies on the last).
    installations: Vec<Event>,
}

impl Changes {
    /// Adds an event that arrived after those added before.
    pub(crate) fn add(&mut self, event: Event) {
        match event {
            Event::WorkflowJob(e) => match self.jobs.entry(e.workflow_job.id) {
                Entry::Vacant(v) => {
                    v.insert(e);
                }
                Entry::Occupied(mut o) => {
                    let cur = o.get_mut();
                    cur.repository = e.repository;
                    cur.workflow_job.merge(e.workflow_job);
                }
            },
            Event::WorkflowRun(e) => {
                match self
                    .runs
                    .entry((e.workflow_run.id, e.workflow_run.run_attempt))
                {
                    Entry::Vacant(v) => {
                        v.insert(e);
                    }
                    Entry::Occupied(mut o) => o.get_mut().merge(e),
                }
            }
            e @ (Event::Installation(_) | Event::InstallationRepositories(_)) => {
                self.installations.push(e);
            }
            Event::Ping => {}
        }
    }

    /// Writes the batch: runs first, so the jobs' runners get run numbers
    /// from runs of the same batch.
    pub(crate) async fn apply(&self, conn: &mut Conn) -> diesel::QueryResult<()> {
        let runs: Vec<&WorkflowRunEvent> = self.runs.values().collect();
        let jobs: Vec<&WorkflowJobEvent> = self.jobs.values().collect();
        if !runs.is_empty() {
            upsert_runs(conn, &runs).await?;
            number_runners(conn, &runs).await?;
        }
        if !jobs.is_empty() {
            upsert_jobs(conn, &jobs).await?;
            enrich_runners(conn, &jobs).await?;
            queue_logs(conn, &jobs).await?;
        }
        for event in &self.installations {
            match event {
                Event::Installation(e) => crate::installations::apply_installation(conn, e).await?,
                Event::InstallationRepositories(e) => {
                    crate::installations::apply_repositories(conn, e).await?;
                }
                _ => {}
            }
        }
        // Filing reads what other replicas' batches wrote: one at a time per
        // GitHub run, and only for the runs this batch may file for.
        let run_ids: Vec<i64> = jobs
            .iter()
            .filter(|e| files_a_run(&e.workflow_job))
            .map(|e| e.workflow_job.run_id)
            .chain(
                runs.iter()
                    .filter(|e| e.workflow_run.path.is_some())
                    .map(|e| e.workflow_run.id),
            )
            .collect();
        queue::lock_github_runs(conn, &run_ids).await?;
        file_webhook_runs(conn, &jobs).await?;
        file_runs_by_workflow_file(conn, &runs).await?;
        Ok(())
    }
}

fn runner_name(e: &WorkflowJobEvent) -> Option<&str> {
    e.workflow_job
        .runner_name
        .as_deref()
        .filter(|n| !n.is_empty())
}

async fn upsert_jobs(conn: &mut Conn, jobs: &[&WorkflowJobEvent]) -> diesel::QueryResult<()> {
    let all: Vec<&WorkflowJob> = jobs.iter().map(|e| &e.workflow_job).collect();
    diesel::sql_query(
        "INSERT INTO github_workflow_jobs AS j (github_job_id, github_run_id, run_attempt, repository, \
            workflow_name, job_name, head_branch, head_sha, status, conclusion, runner_id, runner_name, \
            runner_group_name, labels, html_url, job_created_at, started_at, completed_at, steps) \
         SELECT u.id, u.run_id, u.attempt, left(u.repo, 255), left(u.wf, 255), left(u.name, 255), \
            left(u.branch, 255), left(u.sha, 64), u.status, left(u.conclusion, 50), u.runner_id, \
            left(u.runner, 255), left(u.grp, 255), u.labels::jsonb, left(u.url, 1024), u.created, \
            u.started, u.completed, u.steps::jsonb \
         FROM unnest($1::int8[], $2::int8[], $3::int4[], $4::text[], $5::text[], $6::text[], $7::text[], \
            $8::text[], $9::text[], $10::text[], $11::int8[], $12::text[], $13::text[], $14::text[], \
            $15::text[], $16::timestamptz[], $17::timestamptz[], $18::timestamptz[], $19::text[]) \
            AS u(id, run_id, attempt, repo, wf, name, branch, sha, status, conclusion, runner_id, runner, \
                 grp, labels, url, created, started, completed, steps) \
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
            completed_at = COALESCE(EXCLUDED.completed_at, j.completed_at), \
            steps = CASE WHEN jsonb_array_length(EXCLUDED.steps) >= jsonb_array_length(j.steps) \
                THEN EXCLUDED.steps ELSE j.steps END \
         WHERE wfm_github_status_rank(EXCLUDED.status) >= wfm_github_status_rank(j.status)",
    )
    .bind::<Array<BigInt>, _>(all.iter().map(|j| j.id).collect::<Vec<_>>())
    .bind::<Array<BigInt>, _>(all.iter().map(|j| j.run_id).collect::<Vec<_>>())
    .bind::<Array<Integer>, _>(all.iter().map(|j| j.run_attempt).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(jobs.iter().map(|e| e.repository.full_name.as_str()).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(all.iter().map(|j| j.workflow_name.as_deref()).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(all.iter().map(|j| j.name.as_str()).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(all.iter().map(|j| j.head_branch.as_deref()).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(all.iter().map(|j| j.head_sha.as_deref()).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(all.iter().map(|j| j.status.as_str()).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(all.iter().map(|j| j.conclusion.as_deref()).collect::<Vec<_>>())
    .bind::<Array<Nullable<BigInt>>, _>(all.iter().map(|j| j.runner_id).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(jobs.iter().map(|e| runner_name(e)).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(all.iter().map(|j| j.runner_group_name.as_deref()).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(all.iter().map(|j| serde_json::json!(j.labels).to_string()).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(all.iter().map(|j| j.html_url.as_deref()).collect::<Vec<_>>())
    .bind::<Array<Nullable<Timestamptz>>, _>(all.iter().map(|j| j.created_at).collect::<Vec<_>>())
    .bind::<Array<Nullable<Timestamptz>>, _>(all.iter().map(|j| j.started_at).collect::<Vec<_>>())
    .bind::<Array<Nullable<Timestamptz>>, _>(all.iter().map(|j| j.completed_at).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(all.iter().map(|j| serde_json::json!(j.steps).to_string()).collect::<Vec<_>>())
    .execute(conn)
    .await?;
    Ok(())
}

/// ARC's EphemeralRunner is named as GitHub's runner: give the workload, and
/// the collection runs of it, the job's GitHub context ARC does not carry.
async fn enrich_runners(conn: &mut Conn, jobs: &[&WorkflowJobEvent]) -> diesel::QueryResult<()> {
    let on_runners: Vec<&WorkflowJobEvent> = jobs
        .iter()
        .copied()
        .filter(|e| runner_name(e).is_some())
        .collect();
    if on_runners.is_empty() {
        return Ok(());
    }
    let js: Vec<&WorkflowJob> = on_runners.iter().map(|e| &e.workflow_job).collect();
    diesel::sql_query(format!(
        "WITH u AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], \
            $6::int8[], $7::int8[], $8::text[], $9::int8[]) \
            AS u(runner, repo, wf, branch, sha, run_id, job_id, job_name, runner_id)), \
         w AS (UPDATE gpu_workloads g SET github_repository = left(u.repo, 255), \
              github_workflow_name = COALESCE(left(u.wf, 255), g.github_workflow_name), \
              github_head_branch = COALESCE(left(u.branch, 255), g.github_head_branch), \
              github_head_sha = COALESCE(left(u.sha, 64), g.github_head_sha), \
              github_run_id = u.run_id, github_job_id = u.job_id, github_job_name = left(u.job_name, 255), \
              github_runner_id = COALESCE(u.runner_id, g.github_runner_id), \
              github_run_number = COALESCE(g.github_run_number, {number}) \
            FROM u WHERE g.kind = 'EphemeralRunner' AND g.name = u.runner \
              AND (g.github_runner_id IS NULL OR u.runner_id IS NULL OR g.github_runner_id = u.runner_id) \
            RETURNING g.uid, g.github_run_id, g.github_job_id, g.github_head_branch, g.github_head_sha, \
              g.github_run_number) \
         UPDATE github_workflow_runs r SET github_run_id = w.github_run_id, github_job_id = w.github_job_id, \
            head_branch = COALESCE(w.github_head_branch, r.head_branch), \
            head_sha = COALESCE(w.github_head_sha, r.head_sha), \
            github_run_number = COALESCE(w.github_run_number, r.github_run_number) \
         FROM w WHERE r.workload_uid = w.uid",
        number = RUN_NUMBER_OF.replace("COL", "u.run_id"),
    ))
    .bind::<Array<Text>, _>(on_runners.iter().filter_map(|e| runner_name(e)).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(on_runners.iter().map(|e| e.repository.full_name.as_str()).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(js.iter().map(|j| j.workflow_name.as_deref()).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(js.iter().map(|j| j.head_branch.as_deref()).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(js.iter().map(|j| j.head_sha.as_deref()).collect::<Vec<_>>())
    .bind::<Array<BigInt>, _>(js.iter().map(|j| j.run_id).collect::<Vec<_>>())
    .bind::<Array<BigInt>, _>(js.iter().map(|j| j.id).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(js.iter().map(|j| j.name.as_str()).collect::<Vec<_>>())
    .bind::<Array<Nullable<BigInt>>, _>(js.iter().map(|j| j.runner_id).collect::<Vec<_>>())
    .execute(conn)
    .await?;
    Ok(())
}

/// A pending log row (`wfm_runner_obs::logs`) of each completed job that
/// ran on a runner (one that never got a runner has no log), once.
async fn queue_logs(conn: &mut Conn, jobs: &[&WorkflowJobEvent]) -> diesel::QueryResult<()> {
    let done: Vec<&WorkflowJobEvent> = jobs
        .iter()
        .copied()
        .filter(|e| files_a_run(&e.workflow_job) && runner_name(e).is_some())
        .collect();
    if done.is_empty() {
        return Ok(());
    }
    diesel::sql_query(
        "INSERT INTO github_job_logs (github_job_id, repository) \
         SELECT id, left(repo, 255) FROM unnest($1::int8[], $2::text[]) AS u(id, repo) \
         ON CONFLICT (github_job_id) DO NOTHING",
    )
    .bind::<Array<BigInt>, _>(done.iter().map(|e| e.workflow_job.id).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(
        done.iter()
            .map(|e| e.repository.full_name.as_str())
            .collect::<Vec<_>>(),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether `job` is one a webhook run is filed for: completed, not skipped.
fn files_a_run(job: &WorkflowJob) -> bool {
    job.status == Status::Completed && job.conclusion.as_deref() != Some("skipped")
}

/// A pending `webhook` run of each completed (not skipped) job, for the
/// configs bound to its repository (`queue::enqueue_completed_jobs`).
async fn file_webhook_runs(conn: &mut Conn, jobs: &[&WorkflowJobEvent]) -> diesel::QueryResult<()> {
    let done: Vec<CompletedJob<'_>> = jobs
        .iter()
        .filter(|e| files_a_run(&e.workflow_job))
        .map(|e| {
            let j = &e.workflow_job;
            let (owner, repo) = e.repository.owner_and_name();
            CompletedJob {
                job_id: j.id,
                run_id: j.run_id,
                runner: runner_name(e),
                head_sha: j.head_sha.as_deref(),
                head_branch: j.head_branch.as_deref(),
                started_at: j.started_at,
                completed_at: j.completed_at.unwrap_or_else(Utc::now),
                owner,
                repo,
                workflow_name: j.workflow_name.as_deref().unwrap_or(""),
            }
        })
        .collect();
    queue::enqueue_completed_jobs(conn, &done).await?;
    Ok(())
}

async fn upsert_runs(conn: &mut Conn, runs: &[&WorkflowRunEvent]) -> diesel::QueryResult<()> {
    let all = runs;
    let rs: Vec<&WorkflowRun> = runs.iter().map(|e| &e.workflow_run).collect();
    diesel::sql_query(
        "INSERT INTO github_actions_runs AS r (github_run_id, run_attempt, repository, workflow_id, \
            workflow_name, run_number, event, head_branch, head_sha, status, conclusion, html_url, \
            run_created_at, run_started_at, completed_at, workflow_path) \
         SELECT u.id, u.attempt, left(u.repo, 255), u.wf_id, left(u.wf, 255), u.number, left(u.event, 64), \
            left(u.branch, 255), left(u.sha, 64), u.status, left(u.conclusion, 50), left(u.url, 1024), \
            u.created, u.started, CASE WHEN u.status = 'completed' THEN u.updated END, left(u.path, 1024) \
         FROM unnest($1::int8[], $2::int4[], $3::text[], $4::int8[], $5::text[], $6::int4[], $7::text[], \
            $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::timestamptz[], \
            $14::timestamptz[], $15::timestamptz[], $16::text[]) \
            AS u(id, attempt, repo, wf_id, wf, number, event, branch, sha, status, conclusion, url, \
                 created, started, updated, path) \
         ON CONFLICT (github_run_id, run_attempt) DO UPDATE SET \
            workflow_id = COALESCE(EXCLUDED.workflow_id, r.workflow_id), \
            workflow_path = COALESCE(EXCLUDED.workflow_path, r.workflow_path), \
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
    .bind::<Array<BigInt>, _>(rs.iter().map(|r| r.id).collect::<Vec<_>>())
    .bind::<Array<Integer>, _>(rs.iter().map(|r| r.run_attempt).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(all.iter().map(|e| e.repository.full_name.as_str()).collect::<Vec<_>>())
    .bind::<Array<Nullable<BigInt>>, _>(rs.iter().map(|r| r.workflow_id).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(all.iter().map(|e| e.workflow_name()).collect::<Vec<_>>())
    .bind::<Array<Nullable<Integer>>, _>(rs.iter().map(|r| r.run_number).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(rs.iter().map(|r| r.event.as_deref()).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(rs.iter().map(|r| r.head_branch.as_deref()).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(rs.iter().map(|r| r.head_sha.as_deref()).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(rs.iter().map(|r| r.status.as_str()).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(rs.iter().map(|r| r.conclusion.as_deref()).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(rs.iter().map(|r| r.html_url.as_deref()).collect::<Vec<_>>())
    .bind::<Array<Nullable<Timestamptz>>, _>(rs.iter().map(|r| r.created_at).collect::<Vec<_>>())
    .bind::<Array<Nullable<Timestamptz>>, _>(rs.iter().map(|r| r.run_started_at).collect::<Vec<_>>())
    .bind::<Array<Nullable<Timestamptz>>, _>(rs.iter().map(|r| r.updated_at).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(rs.iter().map(|r| r.path.as_deref()).collect::<Vec<_>>())
    .execute(conn)
    .await?;
    Ok(())
}

/// The completed jobs of runs whose workflow file just became known, for the
/// configs that name the workflow by file (`queue::enqueue_jobs_of_runs`).
async fn file_runs_by_workflow_file(
    conn: &mut Conn,
    runs: &[&WorkflowRunEvent],
) -> diesel::QueryResult<()> {
    let mut with_path: Vec<(i64, &str)> = runs
        .iter()
        .filter_map(|e| Some((e.workflow_run.id, e.workflow_run.path.as_deref()?)))
        .collect();
    with_path.sort_unstable();
    with_path.dedup_by_key(|(id, _)| *id);
    queue::enqueue_jobs_of_runs(conn, &with_path).await?;
    Ok(())
}

/// Hands run numbers to the runners and collection runs of the runs' jobs.
async fn number_runners(conn: &mut Conn, runs: &[&WorkflowRunEvent]) -> diesel::QueryResult<()> {
    let numbered: Vec<&&WorkflowRunEvent> = runs
        .iter()
        .filter(|e| e.workflow_run.run_number.is_some())
        .collect();
    if numbered.is_empty() {
        return Ok(());
    }
    diesel::sql_query(
        "WITH u AS (SELECT * FROM unnest($1::int8[], $2::int4[], $3::text[]) AS u(run_id, number, wf)), \
         w AS (UPDATE gpu_workloads g SET github_run_number = u.number, \
                 github_workflow_name = COALESCE(g.github_workflow_name, left(u.wf, 255)) \
               FROM u WHERE g.github_run_id = u.run_id AND g.github_run_number IS NULL RETURNING g.uid) \
         UPDATE github_workflow_runs r SET github_run_number = u.number \
         FROM u WHERE r.github_run_id = u.run_id AND r.github_run_number IS NULL",
    )
    .bind::<Array<BigInt>, _>(numbered.iter().map(|e| e.workflow_run.id).collect::<Vec<_>>())
    .bind::<Array<Integer>, _>(numbered.iter().filter_map(|e| e.workflow_run.run_number).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(numbered.iter().map(|e| e.workflow_name()).collect::<Vec<_>>())
    .execute(conn)
    .await?;
    Ok(())
}
