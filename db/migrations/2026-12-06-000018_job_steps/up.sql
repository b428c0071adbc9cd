-- A workflow job's steps as its workflow_job events carry them (name,
-- status, conclusion, number, started_at, completed_at), for the job pages
-- of runner observability (issue [runner-obs]); a later event without steps
-- keeps those known.
ALTER TABLE github_workflow_jobs ADD COLUMN steps JSONB NOT NULL DEFAULT '[]'
    CHECK (jsonb_typeof(steps) = 'array');
