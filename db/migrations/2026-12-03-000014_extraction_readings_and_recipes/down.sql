ALTER TABLE github_workflow_runs
    DROP COLUMN extraction,
    DROP COLUMN extraction_confidence;

ALTER TABLE github_workflow_metric_schemas DROP COLUMN recipes;
