//! LISTEN for new pending runs on one dedicated connection (never a pooled
//! one), waking the claim loop; reconnects with backoff (1 s doubling to
//! 60 s). Polling in the claim loop stays on as the fallback.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use wfm_db::DbConfig;
use wfm_db::notify::{RUNS_PENDING, listen};

const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Wakes `wake` on every notification until `shutdown`.
pub async fn run(db: DbConfig, wake: Arc<Notify>, shutdown: CancellationToken) {
    let mut backoff = Duration::from_secs(1);
    while !shutdown.is_cancelled() {
        match wfm_db::pool::connect(&db.url, &db).await {
            Ok(mut conn) => match listen(&mut conn, RUNS_PENDING).await {
                Ok(channel) => {
                    tracing::debug!(channel, "listening for pending runs");
                    backoff = Duration::from_secs(1);
                    // Runs may have arrived while we were not listening.
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
