//! The delivery processor: claims stored, unapplied deliveries in id order
//! (`FOR UPDATE SKIP LOCKED`, so every api replica can run one) and applies
//! a batch at once, in a savepoint; when that fails, each delivery alone, so a
//! delivery that cannot be applied keeps its error (and is not retried) while
//! the rest of its batch commits.

use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Text};
use diesel_async::{AsyncConnection as _, RunQueryDsl as _};
use tokio_util::sync::CancellationToken;
use wfm_db::DbPool;
use wfm_github::Event;

use crate::apply::Changes;
use crate::handoff::ParsedEvents;
use crate::{WebhookError, Webhooks};

/// How often applied deliveries past their retention are deleted.
const PRUNE_EVERY: Duration = Duration::from_secs(600);

/// Applies deliveries until `shutdown`: woken by this process's handler, and
/// every poll interval for deliveries other replicas stored.
pub async fn run(pool: DbPool, hooks: Arc<Webhooks>, shutdown: CancellationToken) {
    let config = &hooks.config;
    let mut pruned: Option<Instant> = None;
    tracing::info!(poll = ?config.poll_interval, batch = config.batch, "webhook processor started");
    loop {
        let applied = apply_pending(&pool, config.batch, &hooks.handoff).await;
        match applied {
            // a full batch: more may be waiting (unless it is time to stop)
            Ok(n) if n as i64 == config.batch && !shutdown.is_cancelled() => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(
                error = format!("{e:#}"),
                "applying webhook deliveries failed; retrying"
            ),
        }
        if pruned.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
            match prune(&pool, config.retention).await {
                Ok(n) if n > 0 => tracing::info!(deleted = n, "pruned applied webhook deliveries"),
                Ok(_) => {}
                Err(e) => tracing::warn!(
                    error = format!("{e:#}"),
                    "pruning webhook deliveries failed"
                ),
            }
            pruned = Some(Instant::now());
        }
        tokio::select! {
            () = hooks.stored.notified() => {}
            () = tokio::time::sleep(config.poll_interval) => {}
            () = shutdown.cancelled() => break,
        }
    }
    tracing::info!("webhook processor stopped");
}

#[derive(QueryableByName)]
struct Pending {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    delivery_id: String,
    #[diesel(sql_type = Text)]
    event: String,
}

#[derive(QueryableByName)]
struct Payload {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    payload: String,
}

/// Applies up to `batch` unapplied deliveries in one transaction; returns how
/// many. Events this process parsed on receipt come from `handoff`; only the
/// others are read back and parsed.
pub async fn apply_pending(
    pool: &DbPool,
    batch: i64,
    handoff: &ParsedEvents,
) -> Result<usize, WebhookError> {
    let mut conn = pool.get().await?;
    let count = conn
        .transaction::<_, diesel::result::Error, _>(async |conn| {
                let pending: Vec<Pending> = diesel::sql_query(
                    "SELECT id, delivery_id, event FROM github_webhook_deliveries \
                     WHERE processed_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
                )
                .bind::<BigInt, _>(batch)
                .load(conn)
                .await?;
                let mut failed: Vec<(i64, String)> = Vec::new();
                let mut events = Vec::with_capacity(pending.len());
                let mut unparsed = Vec::new();
                for delivery in &pending {
                    match handoff.take(&delivery.delivery_id) {
                        Some(event) => events.push((delivery.id, event)),
                        None => unparsed.push(delivery),
                    }
                }
                if !unparsed.is_empty() {
                    let ids: Vec<i64> = unparsed.iter().map(|d| d.id).collect();
                    let payloads: std::collections::HashMap<i64, String> = diesel::sql_query(
                        "SELECT id, CASE WHEN jsonb_typeof(payload) = 'string' THEN payload #>> '{}' \
                                ELSE payload::text END AS payload \
                         FROM github_webhook_deliveries WHERE id = ANY($1)",
                    )
                    .bind::<Array<BigInt>, _>(&ids)
                    .load::<Payload>(conn)
                    .await?
                    .into_iter()
                    .map(|p| (p.id, p.payload))
                    .collect();
                    for delivery in unparsed {
                        handoff.count_parsed();
                        let payload = payloads.get(&delivery.id).map_or("", String::as_str);
                        match Event::parse(&delivery.event, payload.as_bytes()) {
                            Ok(Some(event)) => events.push((delivery.id, event)),
                            Ok(None) => {}
                            Err(e) => failed.push((delivery.id, e.to_string())),
                        }
                    }
                    // applied in id order, as received
                    events.sort_by_key(|(id, _)| *id);
                }
                let mut changes = Changes::default();
                for (_, event) in &events {
                    changes.add(event.clone());
                }
                let applied = conn
                    .transaction::<_, diesel::result::Error, _>(async |conn| changes.apply(conn).await)
                    .await;
                if let Err(e) = applied {
                    // a passing failure (deadlock, timeout, connection): all of it again later
                    if is_passing(&e) {
                        return Err(e);
                    }
                    // one bad delivery fails the batch: apply each alone, so it fails alone
                    tracing::warn!(error = %e, "applying a batch of webhook deliveries failed; applying one by one");
                    for (id, event) in events {
                        let mut one = Changes::default();
                        one.add(event);
                        let applied = conn
                            .transaction::<_, diesel::result::Error, _>(async |conn| one.apply(conn).await)
                            .await;
                        match applied {
                            Err(e) if is_passing(&e) => return Err(e),
                            Err(e) => failed.push((id, format!("applying: {e}"))),
                            Ok(()) => {}
                        }
                    }
                }
                for (id, reason) in &failed {
                    tracing::warn!(delivery = id, reason, "webhook delivery not applied");
                }
                let (failed, failures): (Vec<i64>, Vec<String>) = failed.into_iter().unzip();
                let ids: Vec<i64> = pending.iter().map(|d| d.id).collect();
                diesel::sql_query(
                    "UPDATE github_webhook_deliveries d SET processed_at = now(), error_message = f.reason \
                     FROM unnest($1::int8[]) AS a(id) \
                     LEFT JOIN unnest($2::int8[], $3::text[]) AS f(id, reason) ON f.id = a.id \
                     WHERE d.id = a.id",
                )
                .bind::<Array<BigInt>, _>(&ids)
                .bind::<Array<BigInt>, _>(&failed)
                .bind::<Array<Text>, _>(&failures)
                .execute(conn)
                .await?;
                Ok(pending.len())
        })
        .await?;
    Ok(count)
}

/// Whether a failure says nothing about the delivery (a deadlock, a timeout,
/// a lost connection): then nothing is marked, and the batch is tried again.
fn is_passing(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind as Kind, Error};
    match e {
        Error::DatabaseError(
            Kind::SerializationFailure | Kind::ClosedConnection | Kind::UnableToSendCommand,
            _,
        ) => true,
        Error::DatabaseError(Kind::Unknown, info) => {
            let message = info.message();
            [
                "deadlock detected",
                "canceling statement",
                "could not obtain lock",
                "terminating connection",
            ]
            .iter()
            .any(|m| message.contains(m))
        }
        Error::DatabaseError(..) | Error::NotFound => false,
        _ => true,
    }
}

/// Deletes deliveries applied without error more than `retention` ago.
async fn prune(pool: &DbPool, retention: Duration) -> Result<usize, WebhookError> {
    let mut conn = pool.get().await?;
    let seconds = i64::try_from(retention.as_secs()).unwrap_or(i64::MAX);
    let deleted = diesel::sql_query(
        "DELETE FROM github_webhook_deliveries WHERE error_message IS NULL \
         AND processed_at < now() - make_interval(secs => $1)",
    )
    .bind::<BigInt, _>(seconds)
    .execute(&mut conn)
    .await?;
    Ok(deleted)
}
