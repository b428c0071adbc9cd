-- Benchmark changes (issue [changes]): what the detector found in each
-- series, its triage, and the notifications it owes.

-- A config opts in to exporting its series (latest value, active regression)
-- on the api's /metrics: labels are the series' dimensions, so it is a
-- choice per config, and the api caps the series exported.
ALTER TABLE github_workflow_configs ADD COLUMN export_series BOOLEAN NOT NULL DEFAULT false;
--
-- A store queues its run here in the transaction that stores the records; a
-- collector claims queue rows with FOR UPDATE SKIP LOCKED after commit (or in
-- its sweep), re-examines the series the run's records belong to, and files
-- or updates their changes in the same transaction that deletes the queue
-- rows, so a crash leaves the run queued and nothing is filed twice.
CREATE TABLE github_workflow_metric_change_queue (
    id        BIGSERIAL PRIMARY KEY,
    config_id BIGINT NOT NULL REFERENCES github_workflow_configs (id) ON DELETE CASCADE,
    run_id    BIGINT NOT NULL,
    queued_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- examinations of it that failed: it goes behind fresh runs, and after
    -- five it is left for an operator (logged each time)
    attempts  INTEGER NOT NULL DEFAULT 0
);
-- the examination right after a store takes its own run's rows
CREATE INDEX github_workflow_metric_change_queue_run_idx
    ON github_workflow_metric_change_queue (run_id);

-- One change point of one metric in one series (the records of a config with
-- one dimensions object), on one branch ('' when runs have none): a series
-- of pull-request runs never moves the default branch's. A point is a run:
-- the median of its records in the series. `after_run_id` is the first run
-- after the step; a later look may move it by a few runs (more points place
-- a step better), which updates the row rather than filing another.
CREATE TABLE github_workflow_metric_changes (
    id              BIGSERIAL PRIMARY KEY,
    config_id       BIGINT NOT NULL REFERENCES github_workflow_configs (id) ON DELETE CASCADE,
    series_key      BIGINT NOT NULL,
    dimensions      JSONB NOT NULL,
    metric          TEXT NOT NULL,
    branch          VARCHAR(255) NOT NULL,
    -- when the first point after the step was recorded
    at              TIMESTAMPTZ NOT NULL,
    before_run_id   BIGINT NOT NULL,
    after_run_id    BIGINT NOT NULL,
    before_commit   VARCHAR(64),
    after_commit    VARCHAR(64),
    -- medians of the points each side (within the test's windows)
    before_value    DOUBLE PRECISION NOT NULL,
    after_value     DOUBLE PRECISION NOT NULL,
    -- NULL when before_value is 0
    change_percent  DOUBLE PRECISION,
    -- |after - before| in units of the series' noise; NULL when it has none
    magnitude_sigma DOUBLE PRECISION,
    p_value         DOUBLE PRECISION NOT NULL,
    direction       VARCHAR(16) NOT NULL
        CHECK (direction IN ('regression', 'improvement', 'unknown')),
    status          VARCHAR(16) NOT NULL DEFAULT 'new'
        CHECK (status IN ('new', 'acknowledged', 'ignored', 'fixed')),
    note            TEXT,
    triaged_by      VARCHAR(255),
    triaged_at      TIMESTAMPTZ,
    detected_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (config_id, series_key, metric, branch, after_run_id)
);
CREATE INDEX github_workflow_metric_changes_at_idx
    ON github_workflow_metric_changes (at DESC, id DESC);
CREATE INDEX github_workflow_metric_changes_config_at_idx
    ON github_workflow_metric_changes (config_id, at DESC, id DESC);

-- What a filed change owes each notification target configured when it was
-- filed: delivered at least once, retried with backoff; every attempt
-- carries the row's id so a receiver can drop a repeat.
CREATE TABLE github_workflow_change_notifications (
    id              BIGSERIAL PRIMARY KEY,
    change_id       BIGINT NOT NULL REFERENCES github_workflow_metric_changes (id) ON DELETE CASCADE,
    target          VARCHAR(255) NOT NULL,
    state           VARCHAR(16) NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_error      TEXT,
    delivered_at    TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (change_id, target)
);
CREATE INDEX github_workflow_change_notifications_due_idx
    ON github_workflow_change_notifications (next_attempt_at) WHERE state = 'pending';
