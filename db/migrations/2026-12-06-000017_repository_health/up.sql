-- Repository health (issue [repo-health]): the repositories wfm watches, a
-- row per (repository, collection) that replicas claim when it is due, and
-- the metrics each collection measured, kept as time series.

CREATE TABLE github_repositories (
    id          BIGSERIAL PRIMARY KEY,
    owner       VARCHAR(100) NOT NULL CHECK (owner ~ '^[A-Za-z0-9_.-]+$'),
    name        VARCHAR(100) NOT NULL CHECK (name ~ '^[A-Za-z0-9_.-]+$'),
    enabled     BOOLEAN NOT NULL DEFAULT true,
    -- seconds between collections (the spec's 15 minutes by default)
    interval_seconds INT NOT NULL DEFAULT 900 CHECK (interval_seconds BETWEEN 60 AND 604800),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- GitHub's names are case-insensitive: o/R and O/r are one repository
CREATE UNIQUE INDEX github_repositories_name_key ON github_repositories (lower(owner), lower(name));

CREATE TRIGGER github_repositories_updated_at
    BEFORE UPDATE ON github_repositories
    FOR EACH ROW EXECUTE FUNCTION wfm_set_updated_at();

-- One row per repository and collection ('health' today). A replica claims
-- a due row (FOR UPDATE SKIP LOCKED) with a lease, collects without holding
-- a transaction, and moves next_run_at on by the interval when it records.
CREATE TABLE github_repository_collections (
    repository_id BIGINT NOT NULL REFERENCES github_repositories (id) ON DELETE CASCADE,
    collection    VARCHAR(32) NOT NULL CHECK (collection IN ('health')),
    next_run_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    claimed_by    VARCHAR(255),
    lease_expires_at TIMESTAMPTZ,
    attempts      INT NOT NULL DEFAULT 0,
    last_collected_at TIMESTAMPTZ,
    last_error    TEXT,
    PRIMARY KEY (repository_id, collection)
);

CREATE INDEX github_repository_collections_due_idx
    ON github_repository_collections (next_run_at);

-- What a collection measured: a value per metric at its time T, and which
-- source served it ('rest': GitHub's REST API; 'webhooks': the workflow runs
-- wfm's webhooks received). A metric with nothing to measure has no row.
CREATE TABLE github_repository_health (
    repository_id BIGINT NOT NULL REFERENCES github_repositories (id) ON DELETE CASCADE,
    metric        VARCHAR(64) NOT NULL,
    collected_at  TIMESTAMPTZ NOT NULL,
    value         DOUBLE PRECISION NOT NULL,
    source        VARCHAR(16) NOT NULL CHECK (source IN ('rest', 'webhooks')),
    -- false when a list had more pages than the collector reads: a lower bound
    complete      BOOLEAN NOT NULL DEFAULT true,
    PRIMARY KEY (repository_id, metric, collected_at)
);

-- A repository is collected from the moment it is added, however it is added.
CREATE FUNCTION wfm_repository_collections() RETURNS trigger AS $$
BEGIN
    INSERT INTO github_repository_collections (repository_id, collection)
    VALUES (NEW.id, 'health') ON CONFLICT DO NOTHING;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER github_repositories_collections
    AFTER INSERT ON github_repositories
    FOR EACH ROW EXECUTE FUNCTION wfm_repository_collections();
