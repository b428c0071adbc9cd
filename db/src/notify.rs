//! LISTEN/NOTIFY channel names.
//!
//! The triggers in the migrations notify `<schema>.<topic>`: scoping by schema
//! keeps two installations (or two parallel tests) in one database apart. A
//! listener asks the server for its `current_schema()` and listens to the same name.

use std::sync::Arc;
use std::time::Duration;

use diesel::sql_types::Text;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::StreamExt;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::DbConfig;

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

const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Wakes `wake` on every notification of `topic` until `shutdown`, on one
/// dedicated connection (never a pooled one), reconnecting with backoff
/// (1 s doubling to 60 s); `wake` is also woken after each (re)connect,
/// since notifications may have been missed meanwhile. Callers poll too.
pub async fn wake_on(
    db: DbConfig,
    topic: &'static str,
    wake: Arc<Notify>,
    shutdown: CancellationToken,
) {
    let mut backoff = Duration::from_secs(1);
    while !shutdown.is_cancelled() {
        match crate::pool::connect(&db.url, &db).await {
            Ok(mut conn) => match listen(&mut conn, topic).await {
                Ok(channel) => {
                    tracing::debug!(channel, "listening");
                    backoff = Duration::from_secs(1);
                    wake.notify_one();
                    let mut stream = std::pin::pin!(conn.notifications_stream());
                    loop {
                        tokio::select! {
                            item = stream.next() => match item {
                                Some(Ok(_)) => wake.notify_one(),
                                Some(Err(e)) => { tracing::warn!(error = %e, "LISTEN connection failed"); break; }
                                None => { tracing::warn!("LISTEN connection closed"); break; }
                            },
                            () = shutdown.cancelled() => return,
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot LISTEN"),
            },
            Err(e) => {
                tracing::warn!(error = %e, retry_in = ?backoff, "cannot open the LISTEN connection")
            }
        }
        tokio::select! {
            () = tokio::time::sleep(backoff) => {}
            () = shutdown.cancelled() => return,
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}
