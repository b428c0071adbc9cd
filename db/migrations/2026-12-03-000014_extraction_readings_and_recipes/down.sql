CREATE OR REPLACE FUNCTION wfm_config_set_updated_at() RETURNS trigger AS $$
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

ALTER TABLE github_workflow_configs DROP COLUMN recipes_requested_at;

ALTER TABLE github_workflow_metric_schemas DROP COLUMN recipes;

ALTER TABLE github_workflow_runs
    DROP COLUMN extraction,
    DROP COLUMN extraction_confidence;
