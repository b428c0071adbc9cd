-- query: its total, counted up to 10,000 matching records, per series along (series_key, timestamp)
SELECT count(*) AS total FROM (SELECT 1
  FROM (SELECT s.series_key FROM github_workflow_metric_series s WHERE s.config_id = 1 AND (s.dimensions ->> 'model') = ANY('{model-3}')) k
  CROSS JOIN LATERAL (SELECT m.* FROM github_workflow_metrics m WHERE m.series_key = k.series_key AND m.config_id = 1 LIMIT 10001) m
  LIMIT 10001) c
