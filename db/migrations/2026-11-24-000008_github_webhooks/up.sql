-- Every accepted GitHub webhook delivery, once (X-GitHub-Delivery is the key).
CREATE TABLE github_webhook_deliveries (
    id            BIGSERIAL PRIMARY KEY,
    delivery_id   VARCHAR(64) NOT NULL,
    event         VARCHAR(64) NOT NULL,
    action        VARCHAR(64),
    hook_id       BIGINT,
    repository    VARCHAR(255),
    payload       JSONB NOT NULL,
    received_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    processed_at  TIMESTAMPTZ,
    error_message TEXT,
    CONSTRAINT github_webhook_deliveries_delivery_key UNIQUE (delivery_id)
);

CREATE INDEX github_webhook_deliveries_unprocessed_idx
    ON github_webhook_deliveries (id) WHERE processed_at IS NULL;
CREATE INDEX github_webhook_deliveries_received_idx
    ON github_webhook_deliveries (received_at);

-- GitHub Actions jobs as the workflow_job webhook reports them.
CREATE TABLE github_workflow_jobs (
    id                BIGSERIAL PRIMARY KEY,
    github_job_id     BIGINT NOT NULL,
    github_run_id     BIGINT NOT NULL,
    run_attempt       INT NOT NULL DEFAULT 1,
    repository        VARCHAR(255) NOT NULL,
    workflow_name     VARCHAR(255),
    job_name          VARCHAR(255) NOT NULL,
    head_branch       VARCHAR(255),
    head_sha          VARCHAR(64),
    status            VARCHAR(50) NOT NULL
                      CHECK (status IN ('queued', 'waiting', 'in_progress', 'completed')),
    conclusion        VARCHAR(50),
    runner_id         BIGINT,
    runner_name       VARCHAR(255),
    runner_group_name VARCHAR(255),
    labels            JSONB NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(labels) = 'array'),
    html_url          VARCHAR(1024),
    -- GitHub's times: created is when the job was queued
    job_created_at    TIMESTAMPTZ,
    started_at        TIMESTAMPTZ,
    completed_at      TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT github_workflow_jobs_job_key UNIQUE (github_job_id)
);

CREATE INDEX github_workflow_jobs_repo_completed_idx
    ON github_workflow_jobs (repository, completed_at);
CREATE INDEX github_workflow_jobs_run_idx ON github_workflow_jobs (github_run_id);
CREATE INDEX github_workflow_jobs_runner_name_idx ON github_workflow_jobs (runner_name);

CREATE TRIGGER github_workflow_jobs_updated_at
    BEFORE UPDATE ON github_workflow_jobs
    FOR EACH ROW EXECUTE FUNCTION wfm_set_updated_at();
