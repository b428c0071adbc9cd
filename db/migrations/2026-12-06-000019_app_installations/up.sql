-- GitHub App installations as their installation and
-- installation_repositories events report them (issue [runner-obs]): which
-- accounts installed the app, whether it is suspended or deleted, and the
-- repositories it was given.

CREATE TABLE github_app_installations (
    installation_id      BIGINT PRIMARY KEY,
    account_login        VARCHAR(255) NOT NULL,
    account_type         VARCHAR(32),
    app_id               BIGINT,
    repository_selection VARCHAR(16),
    suspended_at         TIMESTAMPTZ,
    -- set by `deleted`; the row stays, so what it was is still known
    deleted_at           TIMESTAMPTZ,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TRIGGER github_app_installations_updated_at
    BEFORE UPDATE ON github_app_installations
    FOR EACH ROW EXECUTE FUNCTION wfm_set_updated_at();

CREATE TABLE github_app_installation_repositories (
    installation_id BIGINT NOT NULL REFERENCES github_app_installations (installation_id) ON DELETE CASCADE,
    repository_id   BIGINT NOT NULL,
    full_name       VARCHAR(255) NOT NULL,
    added_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (installation_id, repository_id)
);
