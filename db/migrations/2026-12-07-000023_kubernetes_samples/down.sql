DROP INDEX github_job_resource_samples_pod_age_idx;
DROP INDEX github_job_resource_samples_runner_idx;
DELETE FROM github_job_resource_samples WHERE repository IS NULL OR github_run_id IS NULL;
ALTER TABLE github_job_resource_samples
    DROP CONSTRAINT github_job_resource_samples_job_keyed,
    DROP CONSTRAINT github_job_resource_samples_key,
    ADD CONSTRAINT github_job_resource_samples_key
        UNIQUE (github_run_id, run_attempt, runner_name, source, sampled_at),
    ALTER COLUMN repository SET NOT NULL,
    ALTER COLUMN github_run_id SET NOT NULL;
