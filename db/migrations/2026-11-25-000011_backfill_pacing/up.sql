-- wfm-backfill paces each backfill (its runs-per-minute cap): a backfill is
-- not taken up again before this time. Any replica may take the next batch.
ALTER TABLE github_workflow_backfills ADD COLUMN next_batch_at TIMESTAMPTZ;
