//! LISTEN/NOTIFY channel names.
//!
//! The triggers in the migrations notify `<schema>.<topic>`: scoping by schema
//! keeps two installations (or two parallel tests) in one database apart. A
//! listener asks the server for its `current_schema()` and listens to the same name.

use diesel::sql_types::Text;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// A run became `pending` (payload: its config id).
pub const RUNS_PENDING: &str = "wfm_runs_pending";
/// A backfill request was filed (payload: its config id).
pub const BACKFILLS_PENDING: &str = "wfm_backfills_pending";

/// The channel the triggers use for `topic` in `schema`.
pub fn channel(schema: &str, topic: &str) -> String {
    format!("{schema}.{topic}")
}

#[derive(diesel::deserialize::QueryableByName)]
struct CurrentSchema {
    #[diesel(sql_type = Text)]
    schema: String,
}

/// Subscribes `conn` to `topic` in the connection's current schema; returns the channel.
pub async fn listen(conn: &mut AsyncPgConnection, topic: &str) -> diesel::QueryResult<String> {
    let current: CurrentSchema = diesel::sql_query("SELECT current_schema() AS schema")
        .get_result(conn)
        .await?;
    let channel = channel(&current.schema, topic);
    // LISTEN takes an identifier, not a bind parameter: quote it.
    diesel::sql_query(format!("LISTEN \"{}\"", channel.replace('"', "\"\"")))
        .execute(conn)
        .await?;
    Ok(channel)
}
