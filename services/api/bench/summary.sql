SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v.value) AS p50,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY v.value) AS p95
FROM github_workflow_metrics m
CROSS JOIN LATERAL (SELECT m.metrics -> 'throughput' AS raw) j
CROSS JOIN LATERAL (SELECT CASE WHEN jsonb_typeof(j.raw) = 'number' THEN (j.raw)::float8 END AS value) v
WHERE m.config_id = 1 AND m."timestamp" >= now() - interval '7 days' AND m."timestamp" <= now() AND v.value IS NOT NULL
