DROP TABLE github_workflow_configs;
