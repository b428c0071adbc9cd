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
