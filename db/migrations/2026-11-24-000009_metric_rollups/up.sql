-- Hourly rollups of github_workflow_metrics, so dashboard queries over months
-- read thousands of pre-aggregated rows instead of millions of JSONB records.
-- wfm-collector refreshes the hours a run touched (wfm_refresh_metric_rollups)
-- in the transaction that stores the run; `wfm rollups refresh` rebuilds them.

-- One row per distinct dimensions object of a config: a series.
CREATE TABLE github_workflow_metric_series (
    id            BIGSERIAL PRIMARY KEY,
    config_id     BIGINT NOT NULL REFERENCES github_workflow_configs (id) ON DELETE CASCADE,
    dimensions    JSONB NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL
);

-- md5: a dimensions object may be longer than a btree entry allows.
CREATE UNIQUE INDEX github_workflow_metric_series_key
    ON github_workflow_metric_series (config_id, md5(dimensions::text));

-- Per series, metric and UTC hour: count, sum, min, max, the newest value, and
-- the values themselves as float8 (percentiles need every value; reading them
-- here costs a tenth of reading them out of the JSONB records).
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

-- Refreshing an hour deletes its rows.
CREATE INDEX github_workflow_metric_rollups_bucket_idx
    ON github_workflow_metric_rollups (config_id, bucket);

-- "Has this series any record in this range": dimension listings.
CREATE INDEX github_workflow_metric_rollups_series_idx
    ON github_workflow_metric_rollups (config_id, series_id, bucket);

-- Recomputes the rollups of `p_hours` (UTC hour starts; NULL: every hour of the
-- config) from the stored records. Callers run it in the transaction that
-- changed the records; the advisory lock orders concurrent refreshes of one
-- config, so the last one sees every committed record (READ COMMITTED takes a
-- new snapshot per statement, after the lock is granted).
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

-- Partial aggregates of a range, per UTC hour, series and metric: whole hours
-- inside [p_start, p_end] from the rollups, the records of the hours cut by
-- either end from the table. Combining them gives exact counts, sums, minima,
-- maxima and newest values for any range. NULL bounds are open.
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

-- Whether series `p_series` (dimensions `p_dims`) of a config has a record
-- with a numeric metric in [p_start, p_end]: whole hours from the rollups,
-- the cut hours from the table.
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

-- Records stored before this migration.
SELECT wfm_refresh_metric_rollups(id, NULL) FROM github_workflow_configs;
