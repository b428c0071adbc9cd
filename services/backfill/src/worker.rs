//! The loop: do batches while some backfill is due, then sleep until the
//! next one is (its pacing), a NOTIFY of a new request, or the poll interval.
//! A batch is short and atomic, so shutdown just stops between batches.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use wfm_db::BackfillState;

use crate::Backfiller;
use crate::batch::{next_batch, next_due};

pub async fn run(backfiller: Arc<Backfiller>, shutdown: CancellationToken) -> anyhow::Result<()> {
    let wake = Arc::new(Notify::new());
    let background = CancellationToken::new();
    tokio::spawn(wfm_db::notify::wake_on(
        backfiller.db.clone(),
        wfm_db::notify::BACKFILLS_PENDING,
        wake.clone(),
        background.clone(),
    ));
    let poll = backfiller.config.poll_interval;
    while !shutdown.is_cancelled() {
        let sleep = match work(&backfiller, &shutdown).await {
            Ok(Some(due)) => (due - Utc::now()).to_std().unwrap_or_default().min(poll),
            Ok(None) => poll,
            Err(e) => {
                tracing::warn!(
                    error = format!("{e:#}"),
                    "backfill batch failed; trying again shortly"
                );
                Duration::from_secs(1)
            }
        };
        tokio::select! {
            () = tokio::time::sleep(sleep) => {}
            () = wake.notified() => {}
            () = shutdown.cancelled() => {}
        }
    }
    background.cancel();
    Ok(())
}

/// Batches until none is due; then when the next one will be.
async fn work(
    backfiller: &Backfiller,
    shutdown: &CancellationToken,
) -> anyhow::Result<Option<chrono::DateTime<Utc>>> {
    let mut conn = backfiller.pool.get().await?;
    while !shutdown.is_cancelled() {
        let Some(batch) = next_batch(&mut conn, &backfiller.worker, &backfiller.config).await?
        else {
            break;
        };
        let m = &backfiller.metrics;
        m.batches.inc();
        m.enqueued.inc_by(batch.enqueued as u64);
        match batch.state {
            BackfillState::Completed => {
                m.completed.inc();
                tracing::info!(backfill = batch.backfill_id, "backfill enqueued everything");
            }
            BackfillState::Failed => {
                m.failed.inc();
            }
            _ => tracing::debug!(
                backfill = batch.backfill_id,
                runs = batch.enqueued,
                "batch enqueued"
            ),
        }
    }
    Ok(next_due(&mut conn).await?)
}
