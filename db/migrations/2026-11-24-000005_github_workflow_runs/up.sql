-- One collection of one finished runner's results for one config; also the work queue
-- (see ARCHITECTURE.md, "The queue protocol").
CREATE TABLE github_workflow_runs (
    id                      BIGSERIAL PRIMARY KEY,
    config_id               BIGINT NOT NULL REFERENCES github_workflow_configs (id) ON DELETE CASCADE,
    -- workload reference
    workload_uid            VARCHAR(255) NOT NULL,
    workload_name           VARCHAR(255) NOT NULL DEFAULT '',
    workload_namespace      VARCHAR(255) NOT NULL DEFAULT '',
    -- GitHub reference
    github_run_id           BIGINT,
    github_run_number       INT,
    github_job_id           BIGINT,
    head_sha                VARCHAR(64),
    head_branch             VARCHAR(255),
    -- status
    status                  VARCHAR(50) NOT NULL DEFAULT 'pending'
                            CHECK (status IN ('pending', 'collecting', 'extracting', 'completed', 'failed', 'skipped')),
    trigger_source          VARCHAR(50) NOT NULL DEFAULT 'realtime'
                            CHECK (trigger_source IN ('realtime', 'backfill', 'manual', 'webhook')),
    -- collection info
    files_found             INT NOT NULL DEFAULT 0,
    files_processed         INT NOT NULL DEFAULT 0,
    metrics_count           INT NOT NULL DEFAULT 0,
    -- timestamps
    workload_started_at     TIMESTAMPTZ,
    workload_completed_at   TIMESTAMPTZ,
    collection_started_at   TIMESTAMPTZ,
    collection_completed_at TIMESTAMPTZ,
    -- errors and retries
    error_message           TEXT,
    retry_count             INT NOT NULL DEFAULT 0 CHECK (retry_count >= 0),
    max_retries             INT NOT NULL DEFAULT 5 CHECK (max_retries >= 0),
    -- queue: smaller priority is claimed first; a run is not claimed before next_attempt_at
    priority                SMALLINT NOT NULL DEFAULT 0,
    next_attempt_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    claimed_by              VARCHAR(255),
    lease_expires_at        TIMESTAMPTZ,
    backfill_id             BIGINT REFERENCES github_workflow_backfills (id) ON DELETE SET NULL,
    created_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT github_workflow_runs_workload_key UNIQUE (config_id, workload_uid)
);

CREATE INDEX github_workflow_runs_config_status_idx ON github_workflow_runs (config_id, status);
CREATE INDEX github_workflow_runs_workload_uid_idx ON github_workflow_runs (workload_uid);
CREATE INDEX github_workflow_runs_workload_completed_at_idx ON github_workflow_runs (workload_completed_at);
-- The claim: pending runs in (priority, id) order.
CREATE INDEX github_workflow_runs_claim_idx
    ON github_workflow_runs (priority, id) WHERE status = 'pending';
-- The reaper: in-flight runs by lease expiry.
CREATE INDEX github_workflow_runs_lease_idx
    ON github_workflow_runs (lease_expires_at) WHERE status IN ('collecting', 'extracting');
CREATE INDEX github_workflow_runs_backfill_idx
    ON github_workflow_runs (backfill_id, status) WHERE backfill_id IS NOT NULL;

CREATE TRIGGER github_workflow_runs_updated_at
    BEFORE UPDATE ON github_workflow_runs
    FOR EACH ROW EXECUTE FUNCTION wfm_set_updated_at();

-- Wake collectors when a run becomes pending. The channel is scoped by schema (two
-- installations or parallel tests in one database never wake each other); the payload
-- is the config id, so Postgres folds the many notifications of one bulk insert into a few.
CREATE FUNCTION wfm_notify_run_pending() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify(TG_TABLE_SCHEMA || '.wfm_runs_pending', NEW.config_id::text);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER github_workflow_runs_notify_insert
    AFTER INSERT ON github_workflow_runs
    FOR EACH ROW WHEN (NEW.status = 'pending')
    EXECUTE FUNCTION wfm_notify_run_pending();

CREATE TRIGGER github_workflow_runs_notify_update
    AFTER UPDATE OF status ON github_workflow_runs
    FOR EACH ROW WHEN (NEW.status = 'pending' AND OLD.status <> 'pending')
    EXECUTE FUNCTION wfm_notify_run_pending();
