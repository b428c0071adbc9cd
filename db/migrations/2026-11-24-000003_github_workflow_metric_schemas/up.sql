-- Versioned metric schemas of a config: which fields are dimensions and which are metrics.
CREATE TABLE github_workflow_metric_schemas (
    id               BIGSERIAL PRIMARY KEY,
    config_id        BIGINT NOT NULL REFERENCES github_workflow_configs (id) ON DELETE CASCADE,
    name             VARCHAR(255) NOT NULL,
    version          INT NOT NULL CHECK (version >= 1),
    fields           JSONB NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(fields) = 'array'),
    dimension_fields JSONB NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(dimension_fields) = 'array'),
    metric_fields    JSONB NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(metric_fields) = 'array'),
    -- the field holding each record's time, when the results carry one
    timestamp_field  VARCHAR(255),
    is_active        BOOLEAN NOT NULL DEFAULT false,
    generated_by     VARCHAR(50) NOT NULL DEFAULT 'user'
                     CHECK (generated_by IN ('ai', 'inference', 'user')),
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT github_workflow_metric_schemas_version_key UNIQUE (config_id, version)
);

-- At most one active schema per config.
CREATE UNIQUE INDEX github_workflow_metric_schemas_one_active
    ON github_workflow_metric_schemas (config_id) WHERE is_active;

CREATE TRIGGER github_workflow_metric_schemas_updated_at
    BEFORE UPDATE ON github_workflow_metric_schemas
    FOR EACH ROW EXECUTE FUNCTION wfm_set_updated_at();

ALTER TABLE github_workflow_configs
    ADD CONSTRAINT github_workflow_configs_metric_schema_fk
    FOREIGN KEY (metric_schema_id) REFERENCES github_workflow_metric_schemas (id) ON DELETE SET NULL;
