DROP TABLE github_workflow_runs;
DROP FUNCTION wfm_notify_run_pending();
