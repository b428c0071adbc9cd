-- summary: the exact statistics of the last 7 days, 5 metrics (GET metrics/summary)
SELECT p.metric, sum(p.n)::int8 AS count, min(p.lo) AS min, max(p.hi) AS max,
       sum(p.total) / sum(p.n) AS avg, NULL::float8 AS p50, NULL::float8 AS p95,
       (max(ARRAY[extract(epoch FROM p.last_at)::float8, p.last_id::float8, p.last_value]))[3] AS latest,
       max(p.last_at) AS latest_at
FROM wfm_metric_partials(1, '{throughput,latency_ms,tflops,mem_gb,power_w}'::text[], :range_start, :range_end, true) p
GROUP BY 1
