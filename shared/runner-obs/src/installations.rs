//! The GitHub App installations the webhooks recorded, with the
//! repositories each was given.

use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Jsonb, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

/// An installation and where it stands.
#[derive(Debug, Clone, PartialEq, Serialize, diesel::QueryableByName, utoipa::ToSchema)]
pub struct InstallationView {
    #[diesel(sql_type = BigInt)]
    pub installation_id: i64,
    /// The organization or user that installed the app.
    #[diesel(sql_type = Text)]
    pub account: String,
    /// `Organization` or `User`.
    #[diesel(sql_type = Nullable<Text>)]
    pub account_type: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub app_id: Option<i64>,
    /// `all` or `selected`.
    #[diesel(sql_type = Nullable<Text>)]
    pub repository_selection: Option<String>,
    /// `active`, `suspended` or `deleted`.
    #[diesel(sql_type = Text)]
    pub state: String,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub suspended_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub deleted_at: Option<DateTime<Utc>>,
    /// The repositories it was given (`[{id, full_name}]`; with `all`,
    /// those the events named).
    #[diesel(sql_type = Jsonb)]
    #[schema(value_type = Vec<Object>)]
    pub repositories: serde_json::Value,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub updated_at: DateTime<Utc>,
}

/// Every installation, by account.
pub async fn list(conn: &mut AsyncPgConnection) -> diesel::QueryResult<Vec<InstallationView>> {
    diesel::sql_query(
        "SELECT i.installation_id, i.account_login::text AS account, i.account_type::text AS account_type, \
            i.app_id, i.repository_selection::text AS repository_selection, \
            CASE WHEN i.deleted_at IS NOT NULL THEN 'deleted' \
                 WHEN i.suspended_at IS NOT NULL THEN 'suspended' ELSE 'active' END AS state, \
            i.suspended_at, i.deleted_at, \
            coalesce(jsonb_agg(jsonb_build_object('id', r.repository_id, 'full_name', r.full_name) \
                ORDER BY r.full_name) FILTER (WHERE r.repository_id IS NOT NULL), '[]') AS repositories, \
            i.created_at, i.updated_at \
         FROM github_app_installations i \
         LEFT JOIN github_app_installation_repositories r ON r.installation_id = i.installation_id \
         GROUP BY i.installation_id ORDER BY i.account_login, i.installation_id",
    )
    .load(conn)
    .await
}
