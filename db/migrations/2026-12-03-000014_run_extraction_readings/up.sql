-- How each of a run's files was read (the adapter or rule, its confidence and
-- reasons), so a doubtful extraction is visible on the run; the lowest
-- confidence of the run's files is a column of its own, to filter on.
ALTER TABLE github_workflow_runs
    ADD COLUMN extraction JSONB CHECK (extraction IS NULL OR jsonb_typeof(extraction) = 'array'),
    ADD COLUMN extraction_confidence REAL
        CHECK (extraction_confidence IS NULL OR extraction_confidence BETWEEN 0 AND 1);
