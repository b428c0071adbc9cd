-- When the queue has nothing due, a collector sleeps until the next pending
-- run comes due (a retry's backoff, a deferred run) instead of a whole poll
-- interval: this answers "when is that" without reading every pending row.
CREATE INDEX github_workflow_runs_due_idx
    ON github_workflow_runs (next_attempt_at) WHERE status = 'pending';
