-- Analyses of workflow jobs (issue [runner-obs]): Markdown for people and
-- structured findings for tools, marked with how they were made
-- ('deterministic' without an LLM, 'llm' with the model's name).
CREATE TABLE github_job_analyses (
    id            BIGSERIAL PRIMARY KEY,
    github_job_id BIGINT NOT NULL,
    kind          VARCHAR(16) NOT NULL CHECK (kind IN ('deterministic', 'llm')),
    model         VARCHAR(255),
    markdown      TEXT NOT NULL,
    findings      JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(findings) = 'array'),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX github_job_analyses_job_idx ON github_job_analyses (github_job_id, id DESC);
