DROP TABLE github_workflow_backfills;
DROP FUNCTION wfm_notify_backfill_pending();
