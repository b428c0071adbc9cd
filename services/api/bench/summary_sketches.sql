-- summary: the sketches of 90 days, 5 metrics (GET metrics/summary?start=…); the api merges their bins per metric
SELECT NULL::timestamptz AS time, '{}'::jsonb AS "group", p.metric, p.bins, p.counts
FROM wfm_metric_sketch_partials(1, '{throughput,latency_ms,tflops,mem_gb,power_w}'::text[], '2000-01-01T00:00:00Z', now(), true) p
