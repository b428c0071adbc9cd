ALTER TABLE github_workflow_jobs DROP COLUMN steps;
