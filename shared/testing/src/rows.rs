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
