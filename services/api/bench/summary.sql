WITH p AS MATERIALIZED (SELECT p.* FROM wfm_metric_partials(1, '{throughput,latency_ms,tflops,mem_gb,power_w}'::text[],
         (now() - interval '7 days')::timestamptz(0), now()::timestamptz(0)) p),
latest AS (SELECT DISTINCT ON (metric) metric, last_value, last_at FROM p ORDER BY metric, last_at DESC, last_id DESC),
stats AS (SELECT p.metric, sum(p.n)::int8 AS count, min(p.lo) AS min, max(p.hi) AS max,
          sum(p.total) / sum(p.n) AS avg, NULL::float8 AS p50, NULL::float8 AS p95 FROM p GROUP BY 1)
SELECT stats.*, latest.last_value AS latest, latest.last_at AS latest_at FROM stats JOIN latest USING (metric)
