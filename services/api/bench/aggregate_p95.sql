-- aggregate: 90 d, daily p95 by model, throughput (POST metrics/aggregate): the sketches per day and series; the api merges them per day and model
WITH series AS MATERIALIZED (SELECT s.series_key, (SELECT coalesce(jsonb_object_agg(g.key, s.dimensions -> g.key), '{}'::jsonb) FROM unnest('{model}'::text[]) AS g(key)) AS grp FROM github_workflow_metric_series s WHERE s.config_id = 1)
SELECT date_bin(make_interval(secs => 86400), p.bucket, TIMESTAMPTZ '2000-01-03 00:00:00+00') AS time, series.grp AS "group", p.metric, p.bins, p.counts
FROM wfm_metric_sketch_partials(1, '{throughput}'::text[], '2000-01-01T00:00:00Z', NULL, true) p
JOIN series ON series.series_key = p.series_key
