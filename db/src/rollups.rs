//! The hourly metric rollups (migration `metric_rollups`): the collector
//! refreshes the hours it writes; this rebuilds a config's whole history.

use diesel::sql_types::{BigInt, Nullable};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// Recomputes every rollup of `config` (every config when `None`) from the
/// stored records; the number of configs refreshed.
pub async fn rebuild(
    conn: &mut AsyncPgConnection,
    config: Option<i64>,
) -> diesel::QueryResult<usize> {
    diesel::sql_query(
        "SELECT wfm_refresh_metric_rollups(id, NULL::timestamptz[]) FROM github_workflow_configs \
         WHERE $1::int8 IS NULL OR id = $1 ORDER BY id",
    )
    .bind::<Nullable<BigInt>, _>(config)
    .execute(conn)
    .await
}
