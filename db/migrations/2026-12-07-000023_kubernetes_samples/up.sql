-- Samples the scanner reads from Kubernetes (issue [runner-obs]: the
-- PodMetrics of an ARC runner pod) know only the runner (the pod's name)
-- and the time: they are stored without repository and run, and a job's
-- are those of its runner taken while it ran. A sample kept once.
ALTER TABLE github_job_resource_samples
    ALTER COLUMN repository DROP NOT NULL,
    ALTER COLUMN github_run_id DROP NOT NULL,
    DROP CONSTRAINT github_job_resource_samples_key,
    ADD CONSTRAINT github_job_resource_samples_key
        UNIQUE NULLS NOT DISTINCT (github_run_id, run_attempt, runner_name, source, sampled_at),
    ADD CONSTRAINT github_job_resource_samples_job_keyed
        CHECK (source <> 'job' OR (repository IS NOT NULL AND github_run_id IS NOT NULL));
CREATE INDEX github_job_resource_samples_runner_idx
    ON github_job_resource_samples (runner_name, sampled_at) WHERE source = 'kubernetes';
-- the retention sweep of those samples (WFM_SCANNER_POD_METRICS_RETENTION)
CREATE INDEX github_job_resource_samples_pod_age_idx
    ON github_job_resource_samples (sampled_at) WHERE source = 'kubernetes';
