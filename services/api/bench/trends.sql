-- trends: 90 d, daily, by model, throughput (POST metrics/trends); whole days from the daily rollups
WITH series AS MATERIALIZED (SELECT s.series_key, (SELECT coalesce(jsonb_object_agg(g.key, s.dimensions -> g.key), '{}'::jsonb) FROM unnest('{model}'::text[]) AS g(key)) AS grp FROM github_workflow_metric_series s WHERE s.config_id = 1)
SELECT p.time, series.grp AS "group", p.metric, sum(p.total) / sum(p.n) AS value, sum(p.n)::int8 AS count FROM (
  SELECT date_bin(make_interval(secs => 86400), p.bucket, TIMESTAMPTZ '2000-01-03 00:00:00+00') AS time, p.series_key, p.metric, sum(p.n) AS n, sum(p.total) AS total, min(p.lo) AS lo, max(p.hi) AS hi
  FROM wfm_metric_partials(1, '{throughput}'::text[], '2000-01-01T00:00:00Z', NULL, true) p WHERE p.series_key IN (SELECT series_key FROM series) GROUP BY 1, 2, 3) p
JOIN series ON series.series_key = p.series_key GROUP BY 1, 2, 3 ORDER BY 3, 2, 1
