-- The spec's config fields wfm lacked: `file_types` narrows which matched files
-- are extracted (empty: every one); `custom_prompt` is sent to the LLM with
-- each file. A schema version keeps the LLM's explanation of what it drafted.
ALTER TABLE github_workflow_configs
    ADD COLUMN file_types JSONB NOT NULL DEFAULT '[]'::jsonb
        CHECK (jsonb_typeof(file_types) = 'array'),
    ADD COLUMN custom_prompt TEXT;

ALTER TABLE github_workflow_metric_schemas
    ADD COLUMN explanation TEXT;

-- A config's bookkeeping (the last runner processed, the last scan) is not an
-- edit: only the other columns move updated_at.
CREATE FUNCTION wfm_config_set_updated_at() RETURNS trigger AS $$
BEGIN
    IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at
       AND to_jsonb(NEW) - 'last_processed_workload_uid' - 'last_checked_at'
           IS DISTINCT FROM to_jsonb(OLD) - 'last_processed_workload_uid' - 'last_checked_at'
    THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER github_workflow_configs_updated_at ON github_workflow_configs;
CREATE TRIGGER github_workflow_configs_updated_at
    BEFORE UPDATE ON github_workflow_configs
    FOR EACH ROW EXECUTE FUNCTION wfm_config_set_updated_at();

-- A repository-bound config's workflow_filter names the workflow as the spec
-- does (its file, `benchmark.yml`) or by its display name: workflow_run events
-- carry the file's path, kept here for the jobs of the run.
ALTER TABLE github_actions_runs ADD COLUMN workflow_path VARCHAR(1024);

CREATE FUNCTION wfm_workflow_matches(filter text, name text, path text) RETURNS boolean
    LANGUAGE sql IMMUTABLE AS $$
    SELECT COALESCE(
        filter IS NULL OR filter = name OR filter = path
            OR filter = regexp_replace(path, '^.*/', ''),
        false)
$$;
