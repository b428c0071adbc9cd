SELECT date_bin(make_interval(secs => 86400), m."timestamp", TIMESTAMPTZ '2000-01-03 00:00:00+00') AS time,
       (SELECT coalesce(jsonb_object_agg(g.key, m.dimensions -> g.key), '{}'::jsonb) FROM unnest('{model}'::text[]) AS g(key)) AS "group",
       mf.name AS metric, avg(v.value) AS value, count(*) AS count
FROM github_workflow_metrics m
CROSS JOIN LATERAL unnest('{throughput}'::text[]) AS mf(name)
CROSS JOIN LATERAL (SELECT (m.metrics -> mf.name)::float8 AS value) v
WHERE m.config_id = 1 AND m."timestamp" >= '2000-01-01T00:00:00Z' AND jsonb_typeof(m.metrics -> mf.name) = 'number'
GROUP BY 1, 2, 3 ORDER BY 3, 2, 1
