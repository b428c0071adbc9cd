DROP TABLE github_repository_health;
DROP TABLE github_repository_collections;
DROP TABLE github_repositories;
DROP FUNCTION wfm_repository_collections();
