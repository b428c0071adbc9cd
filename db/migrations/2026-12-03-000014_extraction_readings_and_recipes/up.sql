-- How each of a run's files was read (the adapter or rule, its confidence and
-- reasons), so a doubtful extraction is visible on the run; the lowest
-- confidence of the run's files is a column of its own, to filter on.
ALTER TABLE github_workflow_runs
    ADD COLUMN extraction JSONB CHECK (extraction IS NULL OR jsonb_typeof(extraction) = 'array'),
    ADD COLUMN extraction_confidence REAL
        CHECK (extraction_confidence IS NULL OR extraction_confidence BETWEEN 0 AND 1);

-- Recipes kept with a schema version: a declarative parser per file shape
-- (`[{fingerprint, recipe, status: proposed|confirmed, source: llm|user,
-- example_path, updated_at}]`). Files of a known shape are read by their
-- recipe with no LLM call; the user reviews, edits or confirms them.
ALTER TABLE github_workflow_metric_schemas
    ADD COLUMN recipes JSONB NOT NULL DEFAULT '[]'::jsonb
        CHECK (jsonb_typeof(recipes) = 'array');

-- A user's request (schema/regenerate) that the next collection ask the LLM
-- for every file, adapters and stored recipes notwithstanding, so that it
-- writes recipes afresh; the collector clears it once a run has done so.
ALTER TABLE github_workflow_configs ADD COLUMN recipes_requested_at TIMESTAMPTZ;

-- Clearing that request is bookkeeping too, not an edit.
CREATE OR REPLACE FUNCTION wfm_config_set_updated_at() RETURNS trigger AS $$
BEGIN
    IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at
       AND to_jsonb(NEW) - 'last_processed_workload_uid' - 'last_checked_at' - 'recipes_requested_at'
           IS DISTINCT FROM to_jsonb(OLD) - 'last_processed_workload_uid' - 'last_checked_at' - 'recipes_requested_at'
    THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
