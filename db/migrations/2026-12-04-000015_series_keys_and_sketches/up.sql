-- Dashboard reads over months and ingest at COPY speed (issue [query]).
--
-- Records: no row-level foreign keys (a run's records go with it through one
-- statement trigger below), no GIN index (dimension filters go through the
-- series table), and a series key computed by Postgres itself, so rows an
-- operator writes by SQL carry it too. The newest-N query walks
-- (series_key, timestamp) instead of filtering JSONB.
--
-- Rollups: per series, metric and UTC hour, and per UTC day, the exact scalar
-- aggregates in one narrow table, and a DDSketch (1 % relative error) in a
-- table of their own, so trends and averages never read sketches.
-- Percentiles of any range come from merging the sketches' bins.
--
-- Freshness: the collector queues the hours a run touched in the
-- transaction that stores it and refreshes them right after commit; a
-- queued hour left by a crash is refreshed by any collector's sweep.

ALTER TABLE github_workflow_metrics
    DROP CONSTRAINT github_workflow_metrics_config_id_fkey,
    DROP CONSTRAINT github_workflow_metrics_run_id_fkey,
    DROP CONSTRAINT github_workflow_metrics_schema_id_fkey;
DROP INDEX github_workflow_metrics_dimensions_idx;

-- 64 bits of the canonical dimensions text, seeded by the config: two
-- different dimension objects of one config share a key with probability
-- ~n²/2^65 (1 in 36 million for a million series).
ALTER TABLE github_workflow_metrics
    ADD COLUMN series_key BIGINT GENERATED ALWAYS AS (hashtextextended(dimensions::text, config_id)) STORED;
CREATE INDEX github_workflow_metrics_series_time_idx
    ON github_workflow_metrics (series_key, "timestamp" DESC, id DESC);

-- A run's records leave with it (deleted directly, or by cascade from its
-- config): one statement per deleting statement, not a trigger per row.
CREATE FUNCTION wfm_delete_records_of_runs() RETURNS trigger AS $$
BEGIN
    DELETE FROM github_workflow_metrics m USING gone_runs g WHERE m.run_id = g.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER github_workflow_runs_delete_records
    AFTER DELETE ON github_workflow_runs REFERENCING OLD TABLE AS gone_runs
    FOR EACH STATEMENT EXECUTE FUNCTION wfm_delete_records_of_runs();

-- A deleted schema leaves its records unattributed, as the foreign key did.
CREATE FUNCTION wfm_detach_records_of_schemas() RETURNS trigger AS $$
BEGIN
    UPDATE github_workflow_metrics m SET schema_id = NULL
    FROM gone_schemas g WHERE m.schema_id = g.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER github_workflow_metric_schemas_detach_records
    AFTER DELETE ON github_workflow_metric_schemas REFERENCING OLD TABLE AS gone_schemas
    FOR EACH STATEMENT EXECUTE FUNCTION wfm_detach_records_of_schemas();

DROP FUNCTION wfm_series_has_records(BIGINT, BIGINT, JSONB, TIMESTAMPTZ, TIMESTAMPTZ);
DROP FUNCTION wfm_metric_partials(BIGINT, TEXT[], TIMESTAMPTZ, TIMESTAMPTZ);
DROP FUNCTION wfm_refresh_metric_rollups(BIGINT, TIMESTAMPTZ[]);
DROP TABLE github_workflow_metric_rollups;
DROP TABLE github_workflow_metric_series;

-- One row per series (distinct dimensions object) of a config.
CREATE TABLE github_workflow_metric_series (
    config_id     BIGINT NOT NULL,
    series_key    BIGINT NOT NULL,
    dimensions    JSONB NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (config_id, series_key)
);

-- grain 'h': a UTC hour; 'd': a UTC day (the sum of its hours); 'H' and 'D':
-- the same of every series at once (series_key 0), what a summary without a
-- dimension filter reads: 90 days of 5 metrics are 450 rows, not one per series.
CREATE TABLE github_workflow_metric_rollups (
    config_id  BIGINT NOT NULL,
    metric     TEXT NOT NULL,
    grain      "char" NOT NULL CHECK (grain IN ('h', 'd', 'H', 'D')),
    bucket     TIMESTAMPTZ NOT NULL,
    series_key BIGINT NOT NULL,
    count      BIGINT NOT NULL,
    sum        DOUBLE PRECISION NOT NULL,
    min        DOUBLE PRECISION NOT NULL,
    max        DOUBLE PRECISION NOT NULL,
    last_value DOUBLE PRECISION NOT NULL,
    last_at    TIMESTAMPTZ NOT NULL,
    -- the record of last_value: ties of last_at go to the newer row
    last_id    BIGINT NOT NULL,
    PRIMARY KEY (config_id, metric, grain, bucket, series_key)
);
-- refreshing an hour or a day deletes its rows
CREATE INDEX github_workflow_metric_rollups_bucket_idx
    ON github_workflow_metric_rollups (config_id, grain, bucket);
-- "has this series a record in this range": dimension listings
CREATE INDEX github_workflow_metric_rollups_series_idx
    ON github_workflow_metric_rollups (config_id, series_key, bucket);

-- The DDSketch of the same rows: bin i holds counts[i] values (see
-- wfm_sketch_bin); bins ascending.
CREATE TABLE github_workflow_metric_sketches (
    config_id  BIGINT NOT NULL,
    metric     TEXT NOT NULL,
    grain      "char" NOT NULL CHECK (grain IN ('h', 'd', 'H', 'D')),
    bucket     TIMESTAMPTZ NOT NULL,
    series_key BIGINT NOT NULL,
    bins       INTEGER[] NOT NULL,
    counts     BIGINT[] NOT NULL,
    PRIMARY KEY (config_id, metric, grain, bucket, series_key)
);
CREATE INDEX github_workflow_metric_sketches_bucket_idx
    ON github_workflow_metric_sketches (config_id, grain, bucket);

-- Hours whose rollups are behind their records. No unique key: a store never
-- waits on a refresh that holds an equal row.
CREATE TABLE github_workflow_metric_rollup_queue (
    id        BIGSERIAL PRIMARY KEY,
    config_id BIGINT NOT NULL,
    hour      TIMESTAMPTZ NOT NULL,
    queued_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX github_workflow_metric_rollup_queue_config_idx
    ON github_workflow_metric_rollup_queue (config_id);

-- What is derived from a deleted config's records goes with it: one
-- statement, not a foreign-key check per rollup row written.
CREATE FUNCTION wfm_delete_rollups_of_configs() RETURNS trigger AS $$
BEGIN
    DELETE FROM github_workflow_metric_rollups r USING gone_configs g WHERE r.config_id = g.id;
    DELETE FROM github_workflow_metric_sketches k USING gone_configs g WHERE k.config_id = g.id;
    DELETE FROM github_workflow_metric_series s USING gone_configs g WHERE s.config_id = g.id;
    DELETE FROM github_workflow_metric_rollup_queue q USING gone_configs g WHERE q.config_id = g.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER github_workflow_configs_delete_rollups
    AFTER DELETE ON github_workflow_configs REFERENCING OLD TABLE AS gone_configs
    FOR EACH STATEMENT EXECUTE FUNCTION wfm_delete_rollups_of_configs();

-- The DDSketch bin of a value, relative accuracy 1 % (gamma = 1.01 / 0.99):
-- 0 for |v| <= 1e-9; for v > 0, 50000 + floor(log_gamma(v)), the key of
-- sketches-ddsketch's default mapping shifted positive; for v < 0, minus the
-- bin of -v. wfm-sketch decodes the same bins (its tests compare the two).
CREATE FUNCTION wfm_sketch_bin(v DOUBLE PRECISION) RETURNS INTEGER AS $$
    SELECT CASE
        WHEN v > 1e-9 THEN 50000 + floor(ln(v) / ln(1.01::float8 / 0.99::float8))::int4
        WHEN v < -1e-9 THEN -(50000 + floor(ln(-v) / ln(1.01::float8 / 0.99::float8))::int4)
        ELSE 0
    END
$$ LANGUAGE sql IMMUTABLE PARALLEL SAFE;

-- The numeric metric values of a config's records in [p_from, p_to) whose
-- UTC hour is one of p_hours (NULL: any).
CREATE FUNCTION wfm_metric_values(p_config BIGINT, p_from TIMESTAMPTZ, p_to TIMESTAMPTZ, p_hours TIMESTAMPTZ[])
RETURNS TABLE (metric TEXT, hour TIMESTAMPTZ, series_key BIGINT, at TIMESTAMPTZ, id BIGINT, value DOUBLE PRECISION) AS $$
    SELECT e.key, date_trunc('hour', m."timestamp", 'UTC'), m.series_key, m."timestamp", m.id, (e.val)::float8
    FROM github_workflow_metrics m
    CROSS JOIN LATERAL jsonb_each(m.metrics) AS e(key, val)
    WHERE m.config_id = p_config AND m."timestamp" >= p_from AND m."timestamp" < p_to
      AND (p_hours IS NULL OR date_trunc('hour', m."timestamp", 'UTC') = ANY (p_hours))
      AND jsonb_typeof(e.val) = 'number'
$$ LANGUAGE sql STABLE;

-- Recomputes the rollups and sketches of `p_hours` (UTC hour starts; NULL:
-- every hour of the config) and of their days from the stored records, and
-- adds their series. The advisory lock orders concurrent refreshes of one
-- config, so the last one sees every committed record (READ COMMITTED takes a
-- new snapshot per statement, after the lock is granted).
CREATE FUNCTION wfm_refresh_metric_rollups(p_config BIGINT, p_hours TIMESTAMPTZ[])
RETURNS VOID AS $$
DECLARE
    v_from TIMESTAMPTZ := '-infinity';
    v_to   TIMESTAMPTZ := 'infinity';
    v_days TIMESTAMPTZ[];
    -- the hourly rows of those days lie in [v_day_from, v_day_to)
    v_day_from TIMESTAMPTZ := '-infinity';
    v_day_to   TIMESTAMPTZ := 'infinity';
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('wfm_metric_rollups:' || p_config, 0));
    IF p_hours IS NULL THEN
        -- day by day: each step reads one day's records through the index
        -- and its working set stays small however long the history
        DELETE FROM github_workflow_metric_rollups WHERE config_id = p_config;
        DELETE FROM github_workflow_metric_sketches WHERE config_id = p_config;
        SELECT date_trunc('day', min("timestamp"), 'UTC') INTO v_day_from
        FROM github_workflow_metrics WHERE config_id = p_config;
        WHILE v_day_from IS NOT NULL LOOP
            PERFORM wfm_refresh_metric_rollups(p_config,
                ARRAY(SELECT generate_series(v_day_from, v_day_from + interval '23 hours', interval '1 hour')));
            SELECT date_trunc('day', min("timestamp"), 'UTC') INTO v_day_from
            FROM github_workflow_metrics
            WHERE config_id = p_config AND "timestamp" >= v_day_from + interval '1 day';
        END LOOP;
        RETURN;
    ELSE
        SELECT min(h), max(h) + interval '1 hour', array_agg(DISTINCT date_trunc('day', h, 'UTC'))
        INTO v_from, v_to, v_days FROM unnest(p_hours) AS h;
        IF v_from IS NULL THEN
            RETURN;
        END IF;
        v_day_from := date_trunc('day', v_from, 'UTC');
        v_day_to := date_trunc('day', v_to - interval '1 microsecond', 'UTC') + interval '1 day';
        DELETE FROM github_workflow_metric_rollups WHERE config_id = p_config
            AND bucket >= v_day_from AND bucket < v_day_to
            AND ((grain IN ('h', 'H') AND bucket = ANY (p_hours)) OR (grain IN ('d', 'D') AND bucket = ANY (v_days)));
        DELETE FROM github_workflow_metric_sketches WHERE config_id = p_config
            AND bucket >= v_day_from AND bucket < v_day_to
            AND ((grain IN ('h', 'H') AND bucket = ANY (p_hours)) OR (grain IN ('d', 'D') AND bucket = ANY (v_days)));
    END IF;

    INSERT INTO github_workflow_metric_series AS s (config_id, series_key, dimensions, first_seen_at, last_seen_at)
    SELECT p_config, m.series_key, min(m.dimensions::text)::jsonb, min(m."timestamp"), max(m."timestamp")
    FROM github_workflow_metrics m
    WHERE m.config_id = p_config AND m."timestamp" >= v_from AND m."timestamp" < v_to
      AND date_trunc('hour', m."timestamp", 'UTC') = ANY (p_hours)
    GROUP BY m.series_key
    ON CONFLICT (config_id, series_key) DO UPDATE
        SET first_seen_at = least(s.first_seen_at, excluded.first_seen_at),
            last_seen_at = greatest(s.last_seen_at, excluded.last_seen_at)
        WHERE s.first_seen_at > excluded.first_seen_at OR s.last_seen_at < excluded.last_seen_at;

    -- the hours, from the records; the newest value without a sort: float8
    -- arrays compare element by element
    WITH v AS MATERIALIZED (SELECT * FROM wfm_metric_values(p_config, v_from, v_to, p_hours)),
    scalars AS (
        INSERT INTO github_workflow_metric_rollups
            (config_id, metric, grain, bucket, series_key, count, sum, min, max, last_value, last_at, last_id)
        SELECT p_config, v.metric, 'h', v.hour, v.series_key, count(*), sum(v.value), min(v.value), max(v.value),
               (max(ARRAY[extract(epoch FROM v.at)::float8, v.id::float8, v.value]))[3], max(v.at),
               (max(ARRAY[extract(epoch FROM v.at)::float8, v.id::float8]))[2]::int8
        FROM v GROUP BY v.metric, v.hour, v.series_key)
    INSERT INTO github_workflow_metric_sketches (config_id, metric, grain, bucket, series_key, bins, counts)
    SELECT p_config, b.metric, 'h', b.hour, b.series_key, array_agg(b.bin ORDER BY b.bin), array_agg(b.n ORDER BY b.bin)
    FROM (SELECT v.metric, v.hour, v.series_key, wfm_sketch_bin(v.value) AS bin, count(*) AS n
          FROM v GROUP BY 1, 2, 3, 4) b
    GROUP BY b.metric, b.hour, b.series_key;

    -- the hours of every series at once, from the hours
    INSERT INTO github_workflow_metric_rollups
        (config_id, metric, grain, bucket, series_key, count, sum, min, max, last_value, last_at, last_id)
    SELECT p_config, r.metric, 'H', r.bucket, 0, sum(r.count), sum(r.sum), min(r.min), max(r.max),
           (max(ARRAY[extract(epoch FROM r.last_at)::float8, r.last_id::float8, r.last_value]))[3], max(r.last_at),
           (max(ARRAY[extract(epoch FROM r.last_at)::float8, r.last_id::float8]))[2]::int8
    FROM github_workflow_metric_rollups r
    WHERE r.config_id = p_config AND r.grain = 'h' AND r.bucket >= v_from AND r.bucket < v_to
      AND r.bucket = ANY (p_hours)
    GROUP BY r.metric, r.bucket;

    INSERT INTO github_workflow_metric_sketches (config_id, metric, grain, bucket, series_key, bins, counts)
    SELECT p_config, b.metric, 'H', b.bucket, 0, array_agg(b.bin ORDER BY b.bin), array_agg(b.n ORDER BY b.bin)
    FROM (SELECT k.metric, k.bucket, u.bin, sum(u.n)::int8 AS n
          FROM github_workflow_metric_sketches k
          CROSS JOIN LATERAL unnest(k.bins, k.counts) AS u(bin, n)
          WHERE k.config_id = p_config AND k.grain = 'h' AND k.bucket >= v_from AND k.bucket < v_to
            AND k.bucket = ANY (p_hours)
          GROUP BY 1, 2, 3) b
    GROUP BY b.metric, b.bucket;

    -- the days, from their hours
    INSERT INTO github_workflow_metric_rollups
        (config_id, metric, grain, bucket, series_key, count, sum, min, max, last_value, last_at, last_id)
    SELECT p_config, r.metric, 'd', date_trunc('day', r.bucket, 'UTC'), r.series_key, sum(r.count), sum(r.sum),
           min(r.min), max(r.max),
           (max(ARRAY[extract(epoch FROM r.last_at)::float8, r.last_id::float8, r.last_value]))[3], max(r.last_at),
           (max(ARRAY[extract(epoch FROM r.last_at)::float8, r.last_id::float8]))[2]::int8
    FROM github_workflow_metric_rollups r
    WHERE r.config_id = p_config AND r.grain = 'h' AND r.bucket >= v_day_from AND r.bucket < v_day_to
      AND date_trunc('day', r.bucket, 'UTC') = ANY (v_days)
    GROUP BY r.metric, date_trunc('day', r.bucket, 'UTC'), r.series_key;

    INSERT INTO github_workflow_metric_sketches (config_id, metric, grain, bucket, series_key, bins, counts)
    SELECT p_config, b.metric, 'd', b.day, b.series_key, array_agg(b.bin ORDER BY b.bin), array_agg(b.n ORDER BY b.bin)
    FROM (SELECT k.metric, date_trunc('day', k.bucket, 'UTC') AS day, k.series_key, u.bin, sum(u.n)::int8 AS n
          FROM github_workflow_metric_sketches k
          CROSS JOIN LATERAL unnest(k.bins, k.counts) AS u(bin, n)
          WHERE k.config_id = p_config AND k.grain = 'h' AND k.bucket >= v_day_from AND k.bucket < v_day_to
            AND date_trunc('day', k.bucket, 'UTC') = ANY (v_days)
          GROUP BY 1, 2, 3, 4) b
    GROUP BY b.metric, b.day, b.series_key;

    -- the days of every series at once, from the days
    INSERT INTO github_workflow_metric_rollups
        (config_id, metric, grain, bucket, series_key, count, sum, min, max, last_value, last_at, last_id)
    SELECT p_config, r.metric, 'D', r.bucket, 0, sum(r.count), sum(r.sum), min(r.min), max(r.max),
           (max(ARRAY[extract(epoch FROM r.last_at)::float8, r.last_id::float8, r.last_value]))[3], max(r.last_at),
           (max(ARRAY[extract(epoch FROM r.last_at)::float8, r.last_id::float8]))[2]::int8
    FROM github_workflow_metric_rollups r
    WHERE r.config_id = p_config AND r.grain = 'd' AND r.bucket >= v_day_from AND r.bucket < v_day_to
      AND r.bucket = ANY (v_days)
    GROUP BY r.metric, r.bucket;

    INSERT INTO github_workflow_metric_sketches (config_id, metric, grain, bucket, series_key, bins, counts)
    SELECT p_config, b.metric, 'D', b.bucket, 0, array_agg(b.bin ORDER BY b.bin), array_agg(b.n ORDER BY b.bin)
    FROM (SELECT k.metric, k.bucket, u.bin, sum(u.n)::int8 AS n
          FROM github_workflow_metric_sketches k
          CROSS JOIN LATERAL unnest(k.bins, k.counts) AS u(bin, n)
          WHERE k.config_id = p_config AND k.grain = 'd' AND k.bucket >= v_day_from AND k.bucket < v_day_to
            AND k.bucket = ANY (v_days)
          GROUP BY 1, 2, 3) b
    GROUP BY b.metric, b.bucket;
END;
$$ LANGUAGE plpgsql;

-- Which rollup rows and records cover [p_start, p_end] (NULL bounds open):
-- whole UTC days [day_from, day_to) from the daily rows when p_days, the
-- other whole hours [hour_from, hour_to) from the hourly rows, and the
-- records of the hours the bounds cut.
CREATE FUNCTION wfm_rollup_tiers(p_start TIMESTAMPTZ, p_end TIMESTAMPTZ, p_days BOOLEAN,
    OUT hour_from TIMESTAMPTZ, OUT hour_to TIMESTAMPTZ, OUT day_from TIMESTAMPTZ, OUT day_to TIMESTAMPTZ) AS $$
    SELECT h.f, h.t,
           CASE WHEN p_days THEN d.f ELSE 'infinity' END,
           CASE WHEN p_days THEN d.t ELSE 'infinity' END
    FROM (SELECT coalesce(date_trunc('hour', p_start + interval '1 hour' - interval '1 microsecond', 'UTC'), '-infinity') AS f,
                 coalesce(date_trunc('hour', p_end, 'UTC'), 'infinity') AS t) h,
         (SELECT coalesce(date_trunc('day', p_start + interval '1 day' - interval '1 microsecond', 'UTC'), '-infinity') AS f,
                 coalesce(date_trunc('day', p_end, 'UTC'), 'infinity') AS t) d
$$ LANGUAGE sql IMMUTABLE;

-- The numeric values of `p_metrics` of the records in the hours [p_start,
-- p_end] cuts: [p_start, its next whole hour) and [p_end's hour, p_end].
CREATE FUNCTION wfm_metric_edges(p_config BIGINT, p_metrics TEXT[], p_start TIMESTAMPTZ, p_end TIMESTAMPTZ)
RETURNS TABLE (at TIMESTAMPTZ, id BIGINT, series_key BIGINT, metric TEXT, value DOUBLE PRECISION) AS $$
    SELECT m."timestamp", m.id, m.series_key, mf.name, (m.metrics -> mf.name)::float8
    FROM wfm_rollup_tiers(p_start, p_end, false) t
    JOIN github_workflow_metrics m ON m.config_id = p_config
     AND m."timestamp" >= p_start AND m."timestamp" < t.hour_from
     AND (p_end IS NULL OR m."timestamp" <= p_end)
    CROSS JOIN LATERAL unnest(p_metrics) AS mf(name)
    WHERE jsonb_typeof(m.metrics -> mf.name) = 'number'
    UNION ALL
    SELECT m."timestamp", m.id, m.series_key, mf.name, (m.metrics -> mf.name)::float8
    FROM wfm_rollup_tiers(p_start, p_end, false) t
    JOIN github_workflow_metrics m ON m.config_id = p_config
     AND m."timestamp" >= t.hour_to AND m."timestamp" <= p_end
     AND (p_start IS NULL OR m."timestamp" >= t.hour_from)
    CROSS JOIN LATERAL unnest(p_metrics) AS mf(name)
    WHERE jsonb_typeof(m.metrics -> mf.name) = 'number'
$$ LANGUAGE sql STABLE;

-- Partial aggregates of a range per bucket, series and metric: whole days
-- (p_days) and hours from the rollups, records of the cut hours from the
-- table. Combining them gives exact counts, sums, minima, maxima and newest
-- values for any range. p_all_series: whole days and hours come as one row
-- of every series (series_key 0), for callers that neither filter nor group
-- by series.
CREATE FUNCTION wfm_metric_partials(
    p_config BIGINT, p_metrics TEXT[], p_start TIMESTAMPTZ, p_end TIMESTAMPTZ, p_days BOOLEAN,
    p_all_series BOOLEAN DEFAULT false)
RETURNS TABLE (bucket TIMESTAMPTZ, series_key BIGINT, metric TEXT, n BIGINT, total DOUBLE PRECISION,
               lo DOUBLE PRECISION, hi DOUBLE PRECISION, last_value DOUBLE PRECISION,
               last_at TIMESTAMPTZ, last_id BIGINT) AS $$
    SELECT r.bucket, r.series_key, r.metric, r.count, r.sum, r.min, r.max, r.last_value, r.last_at, r.last_id
    FROM wfm_rollup_tiers(p_start, p_end, p_days) t
    JOIN github_workflow_metric_rollups r ON r.config_id = p_config AND r.metric = ANY (p_metrics)
     AND ((r.grain = CASE WHEN p_all_series THEN 'D' ELSE 'd' END::"char"
           AND r.bucket >= t.day_from AND r.bucket < t.day_to)
       OR (r.grain = CASE WHEN p_all_series THEN 'H' ELSE 'h' END::"char"
           AND r.bucket >= t.hour_from AND r.bucket < t.hour_to
           AND NOT (r.bucket >= t.day_from AND r.bucket < t.day_to)))
    UNION ALL
    SELECT date_trunc('hour', e.at, 'UTC'), e.series_key, e.metric, 1, e.value, e.value, e.value, e.value, e.at, e.id
    FROM wfm_metric_edges(p_config, p_metrics, p_start, p_end) e
$$ LANGUAGE sql STABLE;

-- The same cover as wfm_metric_partials, as sketch bins: one row per rollup,
-- one single-bin row per cut-hour value.
CREATE FUNCTION wfm_metric_sketch_partials(
    p_config BIGINT, p_metrics TEXT[], p_start TIMESTAMPTZ, p_end TIMESTAMPTZ, p_days BOOLEAN,
    p_all_series BOOLEAN DEFAULT false)
RETURNS TABLE (bucket TIMESTAMPTZ, series_key BIGINT, metric TEXT, bins INTEGER[], counts BIGINT[]) AS $$
    SELECT k.bucket, k.series_key, k.metric, k.bins, k.counts
    FROM wfm_rollup_tiers(p_start, p_end, p_days) t
    JOIN github_workflow_metric_sketches k ON k.config_id = p_config AND k.metric = ANY (p_metrics)
     AND ((k.grain = CASE WHEN p_all_series THEN 'D' ELSE 'd' END::"char"
           AND k.bucket >= t.day_from AND k.bucket < t.day_to)
       OR (k.grain = CASE WHEN p_all_series THEN 'H' ELSE 'h' END::"char"
           AND k.bucket >= t.hour_from AND k.bucket < t.hour_to
           AND NOT (k.bucket >= t.day_from AND k.bucket < t.day_to)))
    UNION ALL
    SELECT date_trunc('hour', e.at, 'UTC'), e.series_key, e.metric, ARRAY[wfm_sketch_bin(e.value)], ARRAY[1::int8]
    FROM wfm_metric_edges(p_config, p_metrics, p_start, p_end) e
$$ LANGUAGE sql STABLE;

-- Whether a series has a record with a numeric metric in [p_start, p_end]:
-- whole hours from the rollups, the cut hours from the records.
CREATE FUNCTION wfm_series_has_records(
    p_config BIGINT, p_series_key BIGINT, p_start TIMESTAMPTZ, p_end TIMESTAMPTZ)
RETURNS BOOLEAN AS $$
    SELECT EXISTS (
               SELECT 1 FROM wfm_rollup_tiers(p_start, p_end, false) t
               JOIN github_workflow_metric_rollups r ON r.config_id = p_config
                AND r.series_key = p_series_key AND r.grain = 'h'
                AND r.bucket >= t.hour_from AND r.bucket < t.hour_to)
        OR EXISTS (
               SELECT 1 FROM wfm_rollup_tiers(p_start, p_end, false) t
               JOIN github_workflow_metrics m ON m.series_key = p_series_key AND m.config_id = p_config
                AND ((m."timestamp" >= p_start AND m."timestamp" < t.hour_from
                      AND (p_end IS NULL OR m."timestamp" <= p_end))
                  OR (m."timestamp" >= t.hour_to AND m."timestamp" <= p_end
                      AND (p_start IS NULL OR m."timestamp" >= t.hour_from)))
               WHERE EXISTS (SELECT 1 FROM jsonb_each(m.metrics) AS e(key, val) WHERE jsonb_typeof(e.val) = 'number'))
$$ LANGUAGE sql STABLE;

-- Records stored before this migration.
SELECT wfm_refresh_metric_rollups(id, NULL) FROM github_workflow_configs;
