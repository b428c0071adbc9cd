-- GitHub Actions as the webhooks report it: workflow runs beside the jobs
-- (github_workflow_jobs), a rank that keeps late events from moving a row
-- backwards, and what the delivery processor needs.

-- The statuses GitHub sends for jobs today (requested and pending joined later).
ALTER TABLE github_workflow_jobs DROP CONSTRAINT github_workflow_jobs_status_check;
ALTER TABLE github_workflow_jobs ADD CONSTRAINT github_workflow_jobs_status_check
    CHECK (status IN ('requested', 'pending', 'queued', 'waiting', 'in_progress', 'completed'));

-- A workflow run attempt as the workflow_run webhook reports it. (Not
-- github_workflow_runs: that is wfm's own collection queue.)
CREATE TABLE github_actions_runs (
    id             BIGSERIAL PRIMARY KEY,
    github_run_id  BIGINT NOT NULL,
    run_attempt    INT NOT NULL DEFAULT 1,
    repository     VARCHAR(255) NOT NULL,
    workflow_id    BIGINT,
    workflow_name  VARCHAR(255),
    run_number     INT,
    event          VARCHAR(64),
    head_branch    VARCHAR(255),
    head_sha       VARCHAR(64),
    status         VARCHAR(50) NOT NULL
                   CHECK (status IN ('requested', 'pending', 'queued', 'waiting', 'in_progress', 'completed')),
    conclusion     VARCHAR(50),
    html_url       VARCHAR(1024),
    -- GitHub's times; completed_at is the run's updated_at when it completed
    run_created_at TIMESTAMPTZ,
    run_started_at TIMESTAMPTZ,
    completed_at   TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT github_actions_runs_attempt_key UNIQUE (github_run_id, run_attempt)
);

CREATE INDEX github_actions_runs_repo_completed_idx
    ON github_actions_runs (repository, completed_at);

CREATE TRIGGER github_actions_runs_updated_at
    BEFORE UPDATE ON github_actions_runs
    FOR EACH ROW EXECUTE FUNCTION wfm_set_updated_at();

-- How far along a job or run status is: an event never moves a row to a lower rank.
CREATE FUNCTION wfm_github_status_rank(status TEXT) RETURNS INT AS $$
    SELECT CASE status
        WHEN 'requested' THEN 0
        WHEN 'pending' THEN 1
        WHEN 'queued' THEN 1
        WHEN 'waiting' THEN 2
        WHEN 'in_progress' THEN 3
        WHEN 'completed' THEN 4
        ELSE 0
    END
$$ LANGUAGE sql IMMUTABLE PARALLEL SAFE;

-- Deliveries are kept for a while after processing (WFM_WEBHOOK_RETENTION);
-- a delivery that could not be applied keeps its error here.
CREATE INDEX github_webhook_deliveries_failed_idx
    ON github_webhook_deliveries (event) WHERE error_message IS NOT NULL;
-- Jobs by the time they were queued, for the CI statistics and /metrics.
CREATE INDEX github_workflow_jobs_repo_created_idx
    ON github_workflow_jobs (repository, job_created_at);
-- A workflow_run hands its run number to the runners and runs of its jobs.
CREATE INDEX gpu_workloads_github_run_idx
    ON gpu_workloads (github_run_id) WHERE github_run_id IS NOT NULL;
CREATE INDEX github_workflow_runs_github_run_idx
    ON github_workflow_runs (github_run_id) WHERE github_run_id IS NOT NULL;

-- Webhook payloads are ~10 KB of JSON arriving in bursts: lz4 compresses them
-- several times faster than the default pglz (a server built without lz4
-- keeps pglz).
DO $$
BEGIN
    EXECUTE 'ALTER TABLE github_webhook_deliveries ALTER COLUMN payload SET COMPRESSION lz4';
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'lz4 is not available: webhook payloads keep the default compression';
END $$;
