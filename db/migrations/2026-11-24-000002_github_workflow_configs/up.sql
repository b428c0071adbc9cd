-- A collection config: which runners (an AutoscalingRunnerSet, or a repository
-- for webhook-triggered collection), which files, and how to read them.
CREATE TABLE github_workflow_configs (
    id                          BIGSERIAL PRIMARY KEY,
    name                        VARCHAR(255) NOT NULL CHECK (btrim(name) <> ''),
    description                 TEXT NOT NULL DEFAULT '',
    -- AutoscalingRunnerSet binding
    runner_set_namespace        VARCHAR(255),
    runner_set_name             VARCHAR(255),
    runner_set_uid              VARCHAR(255),
    -- GitHub
    github_owner                VARCHAR(255),
    github_repo                 VARCHAR(255),
    workflow_filter             VARCHAR(255),
    branch_filter               VARCHAR(255),
    -- file collection
    file_patterns               JSONB NOT NULL DEFAULT '[]'::jsonb
                                CHECK (jsonb_typeof(file_patterns) = 'array'),
    reader                      VARCHAR(50) NOT NULL DEFAULT 'mounted'
                                CHECK (reader IN ('mounted', 'temp-pod', 'github-artifacts', 'node-exporter')),
    reader_options              JSONB NOT NULL DEFAULT '{}'::jsonb
                                CHECK (jsonb_typeof(reader_options) = 'object'),
    keep_raw_data               BOOLEAN NOT NULL DEFAULT false,
    -- extraction (FK added with the schemas table)
    metric_schema_id            BIGINT,
    -- status
    enabled                     BOOLEAN NOT NULL DEFAULT true,
    last_processed_workload_uid VARCHAR(255),
    last_checked_at             TIMESTAMPTZ,
    cluster_name                VARCHAR(255) NOT NULL DEFAULT 'default',
    created_at                  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at                  TIMESTAMPTZ NOT NULL DEFAULT now(),

    -- A config is bound to a runner set (both parts) or, failing that, to a repository.
    CONSTRAINT github_workflow_configs_runner_set_pair
        CHECK ((runner_set_namespace IS NULL) = (runner_set_name IS NULL)),
    CONSTRAINT github_workflow_configs_binding
        CHECK (runner_set_name IS NOT NULL OR (github_owner IS NOT NULL AND github_repo IS NOT NULL)),
    -- The spec's key: one config per runner set and cluster.
    CONSTRAINT github_workflow_configs_runner_set_key
        UNIQUE (runner_set_namespace, runner_set_name, cluster_name)
);

-- One webhook-triggered config per repository and cluster (configs without a runner set).
CREATE UNIQUE INDEX github_workflow_configs_repo_key
    ON github_workflow_configs (cluster_name, github_owner, github_repo)
    WHERE runner_set_name IS NULL;

CREATE INDEX github_workflow_configs_enabled_idx
    ON github_workflow_configs (cluster_name, enabled);

CREATE TRIGGER github_workflow_configs_updated_at
    BEFORE UPDATE ON github_workflow_configs
    FOR EACH ROW EXECUTE FUNCTION wfm_set_updated_at();
