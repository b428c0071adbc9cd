ALTER TABLE github_webhook_deliveries ALTER COLUMN payload SET COMPRESSION default;
DROP INDEX github_workflow_runs_github_run_idx;
DROP INDEX gpu_workloads_github_run_idx;
DROP INDEX github_workflow_jobs_repo_created_idx;
DROP INDEX github_webhook_deliveries_failed_idx;
DROP FUNCTION wfm_github_status_rank(TEXT);
DROP TABLE github_actions_runs;
DELETE FROM github_workflow_jobs WHERE status IN ('requested', 'pending');
ALTER TABLE github_workflow_jobs DROP CONSTRAINT github_workflow_jobs_status_check;
ALTER TABLE github_workflow_jobs ADD CONSTRAINT github_workflow_jobs_status_check
    CHECK (status IN ('queued', 'waiting', 'in_progress', 'completed'));
