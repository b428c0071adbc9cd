DROP TABLE github_job_analyses;
