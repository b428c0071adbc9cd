DROP FUNCTION wfm_series_has_records(BIGINT, BIGINT, JSONB, TIMESTAMPTZ, TIMESTAMPTZ);
DROP FUNCTION wfm_metric_partials(BIGINT, TEXT[], TIMESTAMPTZ, TIMESTAMPTZ);
DROP FUNCTION wfm_refresh_metric_rollups(BIGINT, TIMESTAMPTZ[]);
DROP TABLE github_workflow_metric_rollups;
DROP TABLE github_workflow_metric_series;
