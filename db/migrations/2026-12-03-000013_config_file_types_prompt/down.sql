DROP FUNCTION wfm_workflow_matches(text, text, text);
ALTER TABLE github_actions_runs DROP COLUMN workflow_path;
DROP TRIGGER github_workflow_configs_updated_at ON github_workflow_configs;
CREATE TRIGGER github_workflow_configs_updated_at
    BEFORE UPDATE ON github_workflow_configs
    FOR EACH ROW EXECUTE FUNCTION wfm_set_updated_at();
DROP FUNCTION wfm_config_set_updated_at();
ALTER TABLE github_workflow_metric_schemas DROP COLUMN explanation;
ALTER TABLE github_workflow_configs DROP COLUMN custom_prompt, DROP COLUMN file_types;
