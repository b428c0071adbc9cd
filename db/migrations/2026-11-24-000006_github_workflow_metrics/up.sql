-- Extracted records: one row per result record, dimensions and metrics as JSONB.
CREATE TABLE github_workflow_metrics (
    id          BIGSERIAL PRIMARY KEY,
    config_id   BIGINT NOT NULL REFERENCES github_workflow_configs (id) ON DELETE CASCADE,
    run_id      BIGINT NOT NULL REFERENCES github_workflow_runs (id) ON DELETE CASCADE,
    schema_id   BIGINT REFERENCES github_workflow_metric_schemas (id) ON DELETE SET NULL,
    "timestamp" TIMESTAMPTZ NOT NULL,
    source_file VARCHAR(1024) NOT NULL DEFAULT '',
    dimensions  JSONB NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(dimensions) = 'object'),
    metrics     JSONB NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(metrics) = 'object'),
    raw_data    JSONB,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX github_workflow_metrics_config_time_idx
    ON github_workflow_metrics (config_id, "timestamp" DESC);
CREATE INDEX github_workflow_metrics_run_idx ON github_workflow_metrics (run_id);
CREATE INDEX github_workflow_metrics_dimensions_idx
    ON github_workflow_metrics USING GIN (dimensions);
