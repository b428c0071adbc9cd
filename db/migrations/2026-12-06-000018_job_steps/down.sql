DROP INDEX github_actions_runs_lower_repo_idx;
DROP INDEX github_workflow_jobs_lower_repo_idx;
ALTER TABLE github_workflow_jobs DROP COLUMN steps;
