-- Runner history recorded by wfm-scanner (ARC deletes EphemeralRunners when their job
-- ends, so this table is the only lasting record): runner sets, runner sets' children
-- and runners, with the GitHub context of the job each runner ran.
CREATE TABLE gpu_workloads (
    id                       BIGSERIAL PRIMARY KEY,
    kind                     VARCHAR(64) NOT NULL
                             CHECK (kind IN ('AutoscalingRunnerSet', 'EphemeralRunnerSet', 'EphemeralRunner')),
    uid                      VARCHAR(255) NOT NULL,
    name                     VARCHAR(255) NOT NULL,
    namespace                VARCHAR(255) NOT NULL,
    cluster_name             VARCHAR(255) NOT NULL DEFAULT 'default',
    -- owner (an EphemeralRunner's EphemeralRunnerSet, a set's AutoscalingRunnerSet)
    parent_kind              VARCHAR(64),
    parent_name              VARCHAR(255),
    parent_uid               VARCHAR(255),
    -- the AutoscalingRunnerSet this workload belongs to (label actions.github.com/scale-set-name)
    runner_set_name          VARCHAR(255),
    labels                   JSONB NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(labels) = 'object'),
    annotations              JSONB NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(annotations) = 'object'),
    -- kind-specific detail worth keeping (a runner set's template volumes, for example)
    spec                     JSONB,
    status                   VARCHAR(50) NOT NULL DEFAULT 'pending'
                             CHECK (status IN ('pending', 'running', 'completed', 'failed')),
    -- ARC's own phase string, verbatim
    phase                    VARCHAR(64),
    -- GitHub context of the job (EphemeralRunner status, enriched by webhooks)
    github_repository        VARCHAR(255),
    github_workflow_ref      VARCHAR(1024),
    github_workflow_name     VARCHAR(255),
    github_head_branch       VARCHAR(255),
    github_head_sha          VARCHAR(64),
    github_run_id            BIGINT,
    github_run_number        INT,
    github_job_id            BIGINT,
    github_job_guid          VARCHAR(64),
    github_job_name          VARCHAR(255),
    github_runner_id         BIGINT,
    -- Kubernetes times
    created_at               TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at               TIMESTAMPTZ,
    completed_at             TIMESTAMPTZ,
    -- true when completion was inferred from a relist rather than seen as it happened
    completed_at_approximate BOOLEAN NOT NULL DEFAULT false,
    first_seen_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at               TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT gpu_workloads_uid_key UNIQUE (cluster_name, uid)
);

-- "Completed runners of this runner set since T", for the periodic scan and backfill.
CREATE INDEX gpu_workloads_runner_set_completed_idx
    ON gpu_workloads (cluster_name, namespace, runner_set_name, completed_at, uid)
    WHERE kind = 'EphemeralRunner' AND status = 'completed';
CREATE INDEX gpu_workloads_parent_idx ON gpu_workloads (parent_uid);
-- webhooks join a workflow_job to its runner by name
CREATE INDEX gpu_workloads_name_idx ON gpu_workloads (name) WHERE kind = 'EphemeralRunner';

CREATE TRIGGER gpu_workloads_updated_at
    BEFORE UPDATE ON gpu_workloads
    FOR EACH ROW EXECUTE FUNCTION wfm_set_updated_at();
