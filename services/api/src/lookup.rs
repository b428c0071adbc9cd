//! Rows most handlers look up first, with the 4040 each answers when absent.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use wfm_db::models::Config;
use wfm_db::schema::github_workflow_configs as configs;

use crate::error::{ApiError, ApiResult};

/// Config `id` of `cluster`, or a 4040.
pub async fn config(conn: &mut AsyncPgConnection, id: i64, cluster: &str) -> ApiResult<Config> {
    configs::table
        .filter(configs::id.eq(id).and(configs::cluster_name.eq(cluster)))
        .select(Config::as_select())
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| config_not_found(id, cluster))
}

pub fn config_not_found(id: i64, cluster: &str) -> ApiError {
    ApiError::not_found(format!("config {id} not found in cluster {cluster:?}"))
}
