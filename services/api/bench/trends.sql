WITH series AS (
    SELECT s.id, (SELECT coalesce(jsonb_object_agg(g.key, s.dimensions -> g.key), '{}'::jsonb)
                  FROM unnest('{model}'::text[]) AS g(key)) AS grp
    FROM github_workflow_metric_series s WHERE s.config_id = 1)
SELECT date_bin(make_interval(secs => 86400), p.hour, TIMESTAMPTZ '2000-01-03 00:00:00+00') AS time,
       series.grp AS "group", p.metric AS metric, sum(p.total) / sum(p.n) AS value, sum(p.n)::int8 AS count
FROM wfm_metric_partials(1, '{throughput}'::text[], '2000-01-01T00:00:00Z', NULL) p
JOIN series ON series.id = p.series_id
GROUP BY 1, 2, 3 ORDER BY 3, 2, 1
