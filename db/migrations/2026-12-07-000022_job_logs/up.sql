-- Workflow job logs (issue [runner-obs]). A row is added, pending, when a
-- job's completion is applied from its webhook; a collector claims it
-- (`FOR UPDATE SKIP LOCKED`, its next attempt moved a lease ahead, and
-- `claimed_by` guarding what it writes), fetches the log through GitHub's
-- REST API and stores it gzip-compressed here (`content`) or in an
-- S3-compatible bucket (`object_key`). A retention sweep drops the content
-- of old logs and keeps the row, marked 'expired'.
CREATE TABLE github_job_logs (
    github_job_id    BIGINT PRIMARY KEY,
    repository       VARCHAR(255) NOT NULL,
    state            VARCHAR(16) NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'stored', 'unavailable', 'expired')),
    attempts         INT NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    claimed_by       TEXT,
    -- why the last attempt failed, or why the log is unavailable
    detail           TEXT,
    storage          VARCHAR(16) CHECK (storage IN ('postgres', 's3')),
    content          BYTEA,
    object_key       TEXT,
    -- bytes GitHub served, bytes kept (at most the size cap), bytes stored
    original_bytes   BIGINT,
    stored_bytes     BIGINT,
    compressed_bytes BIGINT,
    truncated        BOOLEAN NOT NULL DEFAULT false,
    fetched_at       TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (state <> 'stored' OR (content IS NOT NULL) OR (object_key IS NOT NULL))
);

CREATE INDEX github_job_logs_due_idx ON github_job_logs (next_attempt_at) WHERE state = 'pending';
CREATE INDEX github_job_logs_age_idx ON github_job_logs (created_at);

-- An analysis made without the LLM because it failed (timed out, answered
-- nothing usable) says why.
ALTER TABLE github_job_analyses ADD COLUMN fallback_reason TEXT;
