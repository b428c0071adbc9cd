-- A backfill request and its progress; wfm-backfill claims rows with SKIP LOCKED.
CREATE TABLE github_workflow_backfills (
    id                    BIGSERIAL PRIMARY KEY,
    config_id             BIGINT NOT NULL REFERENCES github_workflow_configs (id) ON DELETE CASCADE,
    state                 VARCHAR(50) NOT NULL DEFAULT 'pending'
                          CHECK (state IN ('pending', 'in_progress', 'completed', 'cancelled', 'failed')),
    start_time            TIMESTAMPTZ,
    end_time              TIMESTAMPTZ,
    -- explicit workloads instead of a time range
    workload_uids         JSONB CHECK (workload_uids IS NULL OR jsonb_typeof(workload_uids) = 'array'),
    -- runs per minute this backfill may enqueue; NULL means the service default
    rate_limit_per_minute INT CHECK (rate_limit_per_minute IS NULL OR rate_limit_per_minute > 0),
    -- progress, committed per batch
    total_workloads       INT NOT NULL DEFAULT 0,
    enqueued_count        INT NOT NULL DEFAULT 0,
    -- keyset cursor: the last workload enqueued, ordered by (completed_at, uid)
    cursor_completed_at   TIMESTAMPTZ,
    cursor_workload_uid   VARCHAR(255),
    -- lease of the backfill worker executing it
    claimed_by            VARCHAR(255),
    lease_expires_at      TIMESTAMPTZ,
    error_message         TEXT,
    requested_by          VARCHAR(255),
    started_at            TIMESTAMPTZ,
    finished_at           TIMESTAMPTZ,
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT github_workflow_backfills_range
        CHECK (start_time IS NULL OR end_time IS NULL OR start_time <= end_time)
);

-- One active backfill per config.
CREATE UNIQUE INDEX github_workflow_backfills_one_active
    ON github_workflow_backfills (config_id) WHERE state IN ('pending', 'in_progress');

-- The backfill worker's claim: oldest pending (or lease-expired) request first.
CREATE INDEX github_workflow_backfills_claim_idx
    ON github_workflow_backfills (id) WHERE state IN ('pending', 'in_progress');

CREATE TRIGGER github_workflow_backfills_updated_at
    BEFORE UPDATE ON github_workflow_backfills
    FOR EACH ROW EXECUTE FUNCTION wfm_set_updated_at();

-- Wake wfm-backfill when a request is filed.
CREATE FUNCTION wfm_notify_backfill_pending() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify(TG_TABLE_SCHEMA || '.wfm_backfills_pending', NEW.config_id::text);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER github_workflow_backfills_notify_insert
    AFTER INSERT ON github_workflow_backfills
    FOR EACH ROW WHEN (NEW.state = 'pending')
    EXECUTE FUNCTION wfm_notify_backfill_pending();
