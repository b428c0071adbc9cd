-- query: the newest 100 records of model-3 (POST metrics/query), per series along (series_key, timestamp)
SELECT m.id, m.run_id, m."timestamp", m.source_file, m.dimensions, m.metrics
FROM (SELECT s.series_key FROM github_workflow_metric_series s WHERE s.config_id = 1 AND (s.dimensions ->> 'model') = ANY('{model-3}')) k
CROSS JOIN LATERAL (SELECT m.* FROM github_workflow_metrics m WHERE m.series_key = k.series_key AND m.config_id = 1
                    ORDER BY m."timestamp" DESC, m.id DESC LIMIT 100) m
ORDER BY m."timestamp" DESC, m.id DESC LIMIT 100 OFFSET 0
