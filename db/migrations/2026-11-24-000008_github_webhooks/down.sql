DROP TABLE github_workflow_jobs;
DROP TABLE github_webhook_deliveries;
