DROP FUNCTION wfm_series_has_records(BIGINT, BIGINT, TIMESTAMPTZ, TIMESTAMPTZ);
DROP FUNCTION wfm_metric_sketch_partials(BIGINT, TEXT[], TIMESTAMPTZ, TIMESTAMPTZ, BOOLEAN, BOOLEAN);
DROP FUNCTION wfm_metric_partials(BIGINT, TEXT[], TIMESTAMPTZ, TIMESTAMPTZ, BOOLEAN, BOOLEAN);
DROP FUNCTION wfm_metric_edges(BIGINT, TEXT[], TIMESTAMPTZ, TIMESTAMPTZ);
DROP FUNCTION wfm_rollup_tiers(TIMESTAMPTZ, TIMESTAMPTZ, BOOLEAN);
DROP FUNCTION wfm_refresh_metric_rollups(BIGINT, TIMESTAMPTZ[]);
DROP FUNCTION wfm_metric_values(BIGINT, TIMESTAMPTZ, TIMESTAMPTZ, TIMESTAMPTZ[]);
DROP FUNCTION wfm_sketch_bin(DOUBLE PRECISION);
DROP TRIGGER github_workflow_configs_delete_rollups ON github_workflow_configs;
DROP FUNCTION wfm_delete_rollups_of_configs();
DROP TABLE github_workflow_metric_rollup_queue;
DROP TABLE github_workflow_metric_sketches;
DROP TABLE github_workflow_metric_rollups;
DROP TABLE github_workflow_metric_series;
DROP TRIGGER github_workflow_metric_schemas_detach_records ON github_workflow_metric_schemas;
DROP FUNCTION wfm_detach_records_of_schemas();
DROP TRIGGER github_workflow_runs_delete_records ON github_workflow_runs;
DROP FUNCTION wfm_delete_records_of_runs();
DROP INDEX github_workflow_metrics_series_time_idx;
ALTER TABLE github_workflow_metrics DROP COLUMN series_key;
CREATE INDEX github_workflow_metrics_dimensions_idx ON github_workflow_metrics USING GIN (dimensions);
DELETE FROM github_workflow_metrics m WHERE NOT EXISTS (SELECT 1 FROM github_workflow_runs r WHERE r.id = m.run_id)
    OR NOT EXISTS (SELECT 1 FROM github_workflow_configs c WHERE c.id = m.config_id);
UPDATE github_workflow_metrics m SET schema_id = NULL
    WHERE schema_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM github_workflow_metric_schemas s WHERE s.id = m.schema_id);
ALTER TABLE github_workflow_metrics
    ADD CONSTRAINT github_workflow_metrics_config_id_fkey FOREIGN KEY (config_id) REFERENCES github_workflow_configs (id) ON DELETE CASCADE,
    ADD CONSTRAINT github_workflow_metrics_run_id_fkey FOREIGN KEY (run_id) REFERENCES github_workflow_runs (id) ON DELETE CASCADE,
    ADD CONSTRAINT github_workflow_metrics_schema_id_fkey FOREIGN KEY (schema_id) REFERENCES github_workflow_metric_schemas (id) ON DELETE SET NULL;

-- migration metric_rollups, as it was

CREATE TABLE github_workflow_metric_series (
    id            BIGSERIAL PRIMARY KEY,
    config_id     BIGINT NOT NULL REFERENCES github_workflow_configs (id) ON DELETE CASCADE,
    dimensions    JSONB NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL
);

CREATE UNIQUE INDEX github_workflow_metric_series_key
    ON github_workflow_metric_series (config_id, md5(dimensions::text));

CREATE TABLE github_workflow_metric_rollups (
    config_id  BIGINT NOT NULL REFERENCES github_workflow_configs (id) ON DELETE CASCADE,
    metric     TEXT NOT NULL,
    bucket     TIMESTAMPTZ NOT NULL,
    series_id  BIGINT NOT NULL REFERENCES github_workflow_metric_series (id) ON DELETE CASCADE,
    count      BIGINT NOT NULL,
    sum        DOUBLE PRECISION NOT NULL,
    min        DOUBLE PRECISION NOT NULL,
    max        DOUBLE PRECISION NOT NULL,
    last_value DOUBLE PRECISION NOT NULL,
    last_at    TIMESTAMPTZ NOT NULL,
    -- the metrics row of last_value: ties of last_at go to the newer row
    last_id    BIGINT NOT NULL,
    vals       DOUBLE PRECISION[] NOT NULL,
    PRIMARY KEY (config_id, metric, bucket, series_id)
);

CREATE INDEX github_workflow_metric_rollups_bucket_idx
    ON github_workflow_metric_rollups (config_id, bucket);

CREATE INDEX github_workflow_metric_rollups_series_idx
    ON github_workflow_metric_rollups (config_id, series_id, bucket);

CREATE FUNCTION wfm_refresh_metric_rollups(p_config BIGINT, p_hours TIMESTAMPTZ[])
RETURNS VOID AS $$
DECLARE
    -- the records of the hours lie in [v_from, v_to): an index range, not a join
    v_all  BOOLEAN := p_hours IS NULL;
    v_from TIMESTAMPTZ := '-infinity';
    v_to   TIMESTAMPTZ := 'infinity';
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('wfm_metric_rollups:' || p_config, 0));
    IF v_all THEN
        DELETE FROM github_workflow_metric_rollups WHERE config_id = p_config;
    ELSE
        SELECT min(h), max(h) + interval '1 hour' INTO v_from, v_to FROM unnest(p_hours) AS h;
        IF v_from IS NULL THEN
            RETURN;
        END IF;
        DELETE FROM github_workflow_metric_rollups
        WHERE config_id = p_config AND bucket >= v_from AND bucket < v_to AND bucket = ANY (p_hours);
    END IF;

    -- grouped by text, the series key: jsonb equality would fold {"bs":1} and
    -- {"bs":1.0} into one group and leave the other form's records out
    INSERT INTO github_workflow_metric_series AS s (config_id, dimensions, first_seen_at, last_seen_at)
    SELECT p_config, m.dimensions::text::jsonb, min(m."timestamp"), max(m."timestamp")
    FROM github_workflow_metrics m
    WHERE m.config_id = p_config AND m."timestamp" >= v_from AND m."timestamp" < v_to
      AND (v_all OR date_trunc('hour', m."timestamp", 'UTC') = ANY (p_hours))
    GROUP BY m.dimensions::text
    ON CONFLICT (config_id, md5(dimensions::text)) DO UPDATE
        SET first_seen_at = least(s.first_seen_at, excluded.first_seen_at),
            last_seen_at = greatest(s.last_seen_at, excluded.last_seen_at);

    INSERT INTO github_workflow_metric_rollups
        (config_id, metric, bucket, series_id, count, sum, min, max, last_value, last_at, last_id, vals)
    SELECT p_config, e.key, date_trunc('hour', m."timestamp", 'UTC'), s.id,
           count(*), sum(v.value), min(v.value), max(v.value),
           (array_agg(v.value ORDER BY m."timestamp" DESC, m.id DESC))[1],
           max(m."timestamp"), (array_agg(m.id ORDER BY m."timestamp" DESC, m.id DESC))[1],
           array_agg(v.value)
    FROM github_workflow_metrics m
    JOIN github_workflow_metric_series s
      ON s.config_id = p_config AND md5(s.dimensions::text) = md5(m.dimensions::text)
    CROSS JOIN LATERAL jsonb_each(m.metrics) AS e(key, val)
    CROSS JOIN LATERAL (SELECT CASE WHEN jsonb_typeof(e.val) = 'number' THEN (e.val)::float8 END AS value) v
    WHERE m.config_id = p_config AND m."timestamp" >= v_from AND m."timestamp" < v_to
      AND (v_all OR date_trunc('hour', m."timestamp", 'UTC') = ANY (p_hours))
      AND v.value IS NOT NULL
    GROUP BY e.key, date_trunc('hour', m."timestamp", 'UTC'), s.id;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION wfm_metric_partials(
    p_config BIGINT, p_metrics TEXT[], p_start TIMESTAMPTZ, p_end TIMESTAMPTZ)
RETURNS TABLE (hour TIMESTAMPTZ, series_id BIGINT, metric TEXT, n BIGINT, total DOUBLE PRECISION,
               lo DOUBLE PRECISION, hi DOUBLE PRECISION, last_value DOUBLE PRECISION,
               last_at TIMESTAMPTZ, last_id BIGINT, vals DOUBLE PRECISION[]) AS $$
    SELECT r.bucket, r.series_id, r.metric, r.count, r.sum, r.min, r.max, r.last_value, r.last_at,
           r.last_id, r.vals
    FROM github_workflow_metric_rollups r
    WHERE r.config_id = p_config AND r.metric = ANY (p_metrics)
      AND (p_start IS NULL OR r.bucket >= date_trunc('hour', p_start + interval '1 hour' - interval '1 microsecond', 'UTC'))
      AND (p_end IS NULL OR r.bucket <= p_end - interval '1 hour')
    UNION ALL
    -- the hour cut by the start: [start, next whole hour)
    SELECT date_trunc('hour', m."timestamp", 'UTC'), s.id, e.key, 1, v.value, v.value, v.value, v.value,
           m."timestamp", m.id, ARRAY[v.value]
    FROM github_workflow_metrics m
    JOIN github_workflow_metric_series s
      ON s.config_id = p_config AND md5(s.dimensions::text) = md5(m.dimensions::text)
    CROSS JOIN LATERAL jsonb_each(m.metrics) AS e(key, val)
    CROSS JOIN LATERAL (SELECT CASE WHEN jsonb_typeof(e.val) = 'number' THEN (e.val)::float8 END AS value) v
    WHERE m.config_id = p_config AND e.key = ANY (p_metrics) AND v.value IS NOT NULL
      AND p_start IS NOT NULL
      AND m."timestamp" >= p_start
      AND m."timestamp" < date_trunc('hour', p_start + interval '1 hour' - interval '1 microsecond', 'UTC')
      AND (p_end IS NULL OR m."timestamp" <= p_end)
    UNION ALL
    -- the hour cut by the end: [its whole hour, end], unless the start's branch has it
    SELECT date_trunc('hour', m."timestamp", 'UTC'), s.id, e.key, 1, v.value, v.value, v.value, v.value,
           m."timestamp", m.id, ARRAY[v.value]
    FROM github_workflow_metrics m
    JOIN github_workflow_metric_series s
      ON s.config_id = p_config AND md5(s.dimensions::text) = md5(m.dimensions::text)
    CROSS JOIN LATERAL jsonb_each(m.metrics) AS e(key, val)
    CROSS JOIN LATERAL (SELECT CASE WHEN jsonb_typeof(e.val) = 'number' THEN (e.val)::float8 END AS value) v
    WHERE m.config_id = p_config AND e.key = ANY (p_metrics) AND v.value IS NOT NULL
      AND p_end IS NOT NULL
      AND m."timestamp" >= date_trunc('hour', p_end, 'UTC')
      AND m."timestamp" <= p_end
      AND (p_start IS NULL OR m."timestamp" >= date_trunc('hour', p_start + interval '1 hour' - interval '1 microsecond', 'UTC'))
$$ LANGUAGE sql STABLE;

CREATE FUNCTION wfm_series_has_records(
    p_config BIGINT, p_series BIGINT, p_dims JSONB, p_start TIMESTAMPTZ, p_end TIMESTAMPTZ)
RETURNS BOOLEAN AS $$
    SELECT EXISTS (
               SELECT 1 FROM github_workflow_metric_rollups r
               WHERE r.config_id = p_config AND r.series_id = p_series
                 AND (p_start IS NULL OR r.bucket >= date_trunc('hour', p_start + interval '1 hour' - interval '1 microsecond', 'UTC'))
                 AND (p_end IS NULL OR r.bucket <= p_end - interval '1 hour'))
        OR (p_start IS NOT NULL AND EXISTS (
               SELECT 1 FROM github_workflow_metrics m
               WHERE m.config_id = p_config AND md5(m.dimensions::text) = md5(p_dims::text)
                 AND EXISTS (SELECT 1 FROM jsonb_each(m.metrics) AS e(key, val) WHERE jsonb_typeof(e.val) = 'number')
                 AND m."timestamp" >= p_start
                 AND m."timestamp" < date_trunc('hour', p_start + interval '1 hour' - interval '1 microsecond', 'UTC')
                 AND (p_end IS NULL OR m."timestamp" <= p_end)))
        OR (p_end IS NOT NULL AND EXISTS (
               SELECT 1 FROM github_workflow_metrics m
               WHERE m.config_id = p_config AND md5(m.dimensions::text) = md5(p_dims::text)
                 AND EXISTS (SELECT 1 FROM jsonb_each(m.metrics) AS e(key, val) WHERE jsonb_typeof(e.val) = 'number')
                 AND m."timestamp" >= date_trunc('hour', p_end, 'UTC') AND m."timestamp" <= p_end
                 AND (p_start IS NULL OR m."timestamp" >= p_start)))
$$ LANGUAGE sql STABLE;

SELECT wfm_refresh_metric_rollups(id, NULL) FROM github_workflow_configs;
