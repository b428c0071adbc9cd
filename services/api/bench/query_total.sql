-- query: its total, counted up to 10,000 matching records
SELECT count(*) AS total FROM (SELECT 1 FROM github_workflow_metrics m WHERE m.config_id = 1
  AND m.series_key IN (SELECT s.series_key FROM github_workflow_metric_series s WHERE s.config_id = 1 AND (s.dimensions ->> 'model') = ANY('{model-3}'))
  LIMIT 10001) c
