//! Rows that many tests need, inserted the one way.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use wfm_db::models::{Config, NewConfig};
use wfm_db::schema::github_workflow_configs as configs;

/// Inserts `new`; the row as stored, or the database's refusal.
pub async fn insert_config(conn: &mut AsyncPgConnection, new: &NewConfig) -> QueryResult<Config> {
    diesel::insert_into(configs::table)
        .values(new)
        .returning(Config::as_returning())
        .get_result(conn)
        .await
}

/// A config named `bench`, bound to repository `o/r`, with `file_patterns`.
pub async fn repo_config(conn: &mut AsyncPgConnection, file_patterns: serde_json::Value) -> Config {
    let new = NewConfig {
        name: "bench".into(),
        github_owner: Some("o".into()),
        github_repo: Some("r".into()),
        file_patterns: Some(file_patterns),
        ..NewConfig::default()
    };
    insert_config(conn, &new)
        .await
        .expect("inserting a repository-bound config")
}

/// Inserts `n` completed runners of runner set `namespace/set` (uids
/// `hist-<i>`), one a minute back from 2026-01-01: every `match_every`-th
/// ran `bench.yml` on `main`, the others `nightly.yml`. One statement.
pub async fn seed_finished_runners(
    conn: &mut AsyncPgConnection,
    namespace: &str,
    set: &str,
    n: i64,
    match_every: i64,
) -> QueryResult<usize> {
    use diesel::sql_types::{BigInt, Text};
    diesel::sql_query(
        "INSERT INTO gpu_workloads (kind, uid, name, namespace, runner_set_name, status,
             github_repository, github_workflow_ref, github_head_branch, github_run_id,
             started_at, completed_at)
         SELECT 'EphemeralRunner', 'hist-' || i, 'runner-' || i, $1, $2, 'completed',
             'octo-org/bench-suite',
             'octo-org/bench-suite/.github/workflows/'
               || CASE WHEN i % $4 = 0 THEN 'bench.yml' ELSE 'nightly.yml' END || '@refs/heads/main',
             'main', 1000000 + i,
             timestamptz '2026-01-01' - make_interval(mins => i::int) - interval '10 minutes',
             timestamptz '2026-01-01' - make_interval(mins => i::int)
         FROM generate_series(1, $3) AS i",
    )
    .bind::<Text, _>(namespace)
    .bind::<Text, _>(set)
    .bind::<BigInt, _>(n)
    .bind::<BigInt, _>(match_every)
    .execute(conn)
    .await
}

/// A config bound to runner set `namespace/set`, named after the set,
/// collecting `*.json` with the `mounted` reader; tests change what they need.
pub fn runner_set_config(namespace: &str, set: &str) -> NewConfig {
    NewConfig {
        name: set.into(),
        runner_set_namespace: Some(namespace.into()),
        runner_set_name: Some(set.into()),
        file_patterns: Some(serde_json::json!(["*.json"])),
        ..NewConfig::default()
    }
}
