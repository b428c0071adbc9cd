SELECT mf.name AS metric, count(*) AS count, min(v.value) AS min, max(v.value) AS max, avg(v.value) AS avg,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY v.value) AS p50,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY v.value) AS p95,
       (array_agg(v.value ORDER BY m."timestamp" DESC, m.id DESC))[1] AS latest, max(m."timestamp") AS latest_at
FROM github_workflow_metrics m
CROSS JOIN LATERAL unnest('{throughput,latency_ms,tflops,mem_gb,power_w}'::text[]) AS mf(name)
CROSS JOIN LATERAL (SELECT (m.metrics -> mf.name)::float8 AS value) v
WHERE m.config_id = 1 AND m."timestamp" >= now() - interval '7 days' AND m."timestamp" <= now()
  AND jsonb_typeof(m.metrics -> mf.name) = 'number'
GROUP BY 1
