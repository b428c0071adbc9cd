//! Queries on `github_workflow_metric_schemas` that more than one service
//! makes: the collector extracts under a config's active schema, the api
//! shows it.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::models::MetricSchema;
use crate::schema::github_workflow_metric_schemas as schemas;

/// The config's active schema, or `None` when it has none (a partial unique
/// index allows at most one per config).
pub async fn active(
    conn: &mut AsyncPgConnection,
    config_id: i64,
) -> QueryResult<Option<MetricSchema>> {
    schemas::table
        .filter(schemas::config_id.eq(config_id))
        .filter(schemas::is_active.eq(true))
        .select(MetricSchema::as_select())
        .first(conn)
        .await
        .optional()
}

#[cfg(test)]
mod tests {
    use diesel::sql_types::BigInt;

    use super::*;

    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }

    async fn insert(conn: &mut AsyncPgConnection, sql: &str) -> i64 {
        diesel::sql_query(sql)
            .get_result::<Id>(conn)
            .await
            .expect(sql)
            .id
    }

    #[tokio::test]
    async fn the_active_schema_of_a_config_or_none() {
        let db = wfm_testing::TestDb::new().await;
        let mut conn = db.connect().await;
        let config = |name: &str| {
            format!(
                "INSERT INTO github_workflow_configs (name, github_owner, github_repo, file_patterns) \
                 VALUES ('{name}', 'o', '{name}', '[\"*.csv\"]') RETURNING id AS id"
            )
        };
        let (a, b) = (
            insert(&mut conn, &config("a")).await,
            insert(&mut conn, &config("b")).await,
        );
        assert_eq!(active(&mut conn, a).await.expect("query"), None);
        let schema = |config: i64, version: i32, on: bool| {
            format!(
                "INSERT INTO github_workflow_metric_schemas (config_id, name, version, is_active) \
                 VALUES ({config}, 's', {version}, {on}) RETURNING id AS id"
            )
        };
        insert(&mut conn, &schema(a, 1, false)).await;
        let current = insert(&mut conn, &schema(a, 2, true)).await;
        insert(&mut conn, &schema(b, 1, true)).await;
        let found = active(&mut conn, a).await.expect("query").expect("active");
        assert_eq!((found.id, found.config_id, found.version), (current, a, 2));
        assert_eq!(active(&mut conn, i64::MAX).await.expect("query"), None);
    }
}
