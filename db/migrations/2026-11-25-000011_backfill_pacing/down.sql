ALTER TABLE github_workflow_backfills DROP COLUMN next_batch_at;
