-- A workflow job's steps as its workflow_job events carry them (name,
-- status, conclusion, number, started_at, completed_at), for the job pages
-- of runner observability (issue [runner-obs]); a job's step list only
-- grows, so a shorter one (an earlier event's, a trimmed one) never replaces it.
ALTER TABLE github_workflow_jobs ADD COLUMN steps JSONB NOT NULL DEFAULT '[]'
    CHECK (jsonb_typeof(steps) = 'array');

-- The runner-observability navigation finds a repository's runs and jobs in
-- any case (GitHub's names are case-insensitive).
CREATE INDEX github_workflow_jobs_lower_repo_idx
    ON github_workflow_jobs (lower(repository::text), github_run_id, run_attempt);
CREATE INDEX github_actions_runs_lower_repo_idx
    ON github_actions_runs (lower(repository::text), run_created_at);
