-- summary: the p50/p95 sketch bins of 90 days, 5 metrics, merged per metric (GET metrics/summary?start=…)
SELECT NULL::timestamptz AS time, '{}'::jsonb AS "group", b.metric, array_agg(b.bin) AS bins, array_agg(b.n) AS counts
FROM (SELECT u.metric, u.bin, sum(u.n)::int8 AS n
      FROM (SELECT p.metric, unnest(p.bins) AS bin, unnest(p.counts) AS n
            FROM wfm_metric_sketch_partials(1, '{throughput,latency_ms,tflops,mem_gb,power_w}'::text[], '2000-01-01T00:00:00Z', now(), true) p) u
      GROUP BY 1, 2) b
GROUP BY 3
