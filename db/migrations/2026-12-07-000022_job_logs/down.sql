ALTER TABLE github_job_analyses DROP COLUMN fallback_reason;
DROP TABLE github_job_logs;
