-- Resource samples of the runner a workflow job ran on (issue
-- [runner-obs]): posted from the job itself (source 'job') or, later,
-- sampled by the scanner from Kubernetes (source 'kubernetes'). Keyed by
-- what a job knows of itself (run id, attempt, runner name); the job row is
-- found through github_workflow_jobs when it is read. A sample posted twice
-- is kept once.
CREATE TABLE github_job_resource_samples (
    id                 BIGSERIAL PRIMARY KEY,
    repository         VARCHAR(255) NOT NULL,
    github_run_id      BIGINT NOT NULL,
    run_attempt        INT NOT NULL DEFAULT 1,
    runner_name        VARCHAR(255) NOT NULL,
    source             VARCHAR(16) NOT NULL CHECK (source IN ('job', 'kubernetes')),
    sampled_at         TIMESTAMPTZ NOT NULL,
    cpu_percent        DOUBLE PRECISION,
    memory_used_bytes  BIGINT,
    memory_total_bytes BIGINT,
    -- other numbers the sender measured (disk, network, GPU…), by name
    extra              JSONB NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(extra) = 'object'),
    received_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT github_job_resource_samples_key
        UNIQUE (github_run_id, run_attempt, runner_name, source, sampled_at)
);
