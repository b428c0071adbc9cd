DROP TABLE github_workflow_metrics;
