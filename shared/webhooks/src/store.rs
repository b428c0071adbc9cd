//! Delivery rows are written in batches: each request hands its row to a
//! writer task and waits for the commit, and a writer inserts everything
//! waiting in one statement and one commit. Under a burst this turns hundreds
//! of small transactions into a few large ones; alone, a delivery is written
//! at once. A batch that fails is written row by row, so one bad row fails
//! only its own request.

use std::sync::Arc;

use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Bool, Nullable, Text};
use diesel_async::RunQueryDsl as _;
use tokio::sync::{Mutex, mpsc, oneshot};
use wfm_db::DbPool;

use crate::WebhookError;

/// Rows a writer inserts in one statement at most.
const MAX_BATCH: usize = 500;
/// Requests that may wait for a writer before the next one waits for room.
const QUEUE: usize = 4096;

/// A delivery as it will be stored.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub delivery_id: String,
    pub event: String,
    pub action: Option<String>,
    pub hook_id: Option<i64>,
    pub repository: Option<String>,
    /// The payload's text; stored as JSONB, or as a JSON string when `!is_json`.
    pub payload: String,
    pub is_json: bool,
    /// Nothing to apply (a ping, or unreadable): stored as processed.
    pub done: bool,
    pub error: Option<String>,
}

struct Pending {
    row: NewDelivery,
    /// Whether the row was stored now (false: the delivery id was there already).
    reply: oneshot::Sender<Result<bool, String>>,
}

/// Hands rows to the writer tasks; cheap to clone.
#[derive(Debug, Clone)]
pub struct DeliveryWriter {
    queue: mpsc::Sender<Pending>,
}

impl DeliveryWriter {
    /// Starts `writers` writer tasks on the current runtime.
    pub fn start(pool: DbPool, writers: usize) -> Self {
        let (queue, rx) = mpsc::channel(QUEUE);
        let rx = Arc::new(Mutex::new(rx));
        for _ in 0..writers.max(1) {
            tokio::spawn(write_batches(pool.clone(), rx.clone()));
        }
        Self { queue }
    }

    /// Stores `row` unless its delivery id is stored; true when stored now.
    pub async fn store(&self, row: NewDelivery) -> Result<bool, WebhookError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Pending { row, reply })
            .await
            .map_err(|_| WebhookError::WritersStopped)?;
        answer
            .await
            .map_err(|_| WebhookError::WritersStopped)?
            .map_err(WebhookError::Store)
    }
}

/// One writer: takes everything waiting (up to [`MAX_BATCH`]), writes it,
/// answers each request; until every sender is gone.
async fn write_batches(pool: DbPool, rx: Arc<Mutex<mpsc::Receiver<Pending>>>) {
    loop {
        let batch = {
            let mut rx = rx.lock().await;
            let Some(first) = rx.recv().await else { return };
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(next) => batch.push(next),
                    Err(_) => break,
                }
            }
            batch
        };
        let rows: Vec<&NewDelivery> = batch.iter().map(|p| &p.row).collect();
        match insert(&pool, &rows).await {
            Ok(stored) => {
                for (pending, stored) in batch.into_iter().zip(stored) {
                    let _ = pending.reply.send(Ok(stored));
                }
            }
            // one at a time, so a bad row fails alone (and a payload Postgres
            // refuses as JSONB is kept as text)
            Err(_) => {
                for pending in batch {
                    let result = insert_one(&pool, &pending.row).await;
                    let _ = pending.reply.send(result.map_err(|e| format!("{e:#}")));
                }
            }
        }
    }
}

#[derive(QueryableByName)]
struct Inserted {
    #[diesel(sql_type = Text)]
    delivery_id: String,
}

/// Inserts one row; when Postgres refuses its payload as JSONB (an escape
/// serde accepts and Postgres does not), the payload is kept as a JSON string.
/// Any other failure (the database unreachable, restarting) is the request's
/// error: the sender retries, and the payload is never degraded to text.
async fn insert_one(pool: &DbPool, row: &NewDelivery) -> Result<bool, WebhookError> {
    match insert(pool, &[row]).await {
        Ok(stored) => Ok(stored[0]),
        Err(e) if row.is_json && refused_as_jsonb(pool, &row.payload).await => {
            tracing::warn!(
                delivery = row.delivery_id,
                error = format!("{e:#}"),
                "payload refused as JSONB; kept as text"
            );
            let as_text = NewDelivery {
                is_json: false,
                payload: row.payload.replace('\0', "\u{fffd}"),
                ..row.clone()
            };
            Ok(insert(pool, &[&as_text]).await?[0])
        }
        Err(e) => Err(e),
    }
}

/// Whether a healthy connection's server refuses `payload` as JSONB. Asked
/// rather than read from the error's text, which depends on the server's
/// language, and which would not tell a refusal from a dropped connection.
async fn refused_as_jsonb(pool: &DbPool, payload: &str) -> bool {
    let Ok(mut conn) = pool.get().await else {
        return false;
    };
    let probe = diesel::sql_query("SELECT $1::jsonb IS NULL AS refused")
        .bind::<Text, _>(payload)
        .execute(&mut conn)
        .await;
    let refused = matches!(
        probe,
        Err(diesel::result::Error::DatabaseError(kind, _))
            if !matches!(kind, diesel::result::DatabaseErrorKind::ClosedConnection)
    );
    // the server answers other statements: the refusal was the payload's
    refused
        && diesel::sql_query("SELECT 1")
            .execute(&mut conn)
            .await
            .is_ok()
}

/// Inserts `rows` in one statement; per row, whether it was stored now (of
/// two rows with one delivery id, the first).
async fn insert(pool: &DbPool, rows: &[&NewDelivery]) -> Result<Vec<bool>, WebhookError> {
    let mut conn = pool.get().await?;
    let inserted: Vec<Inserted> = diesel::sql_query(
        "INSERT INTO github_webhook_deliveries \
           (delivery_id, event, action, hook_id, repository, payload, processed_at, error_message) \
         SELECT u.d, u.e, left(u.a, 64), u.h, left(u.r, 255), \
                CASE WHEN u.j THEN u.p::jsonb ELSE to_jsonb(u.p) END, CASE WHEN u.done THEN now() END, u.err \
         FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::text[], $6::bool[], $7::text[], \
                     $8::bool[], $9::text[]) WITH ORDINALITY AS u(d, e, a, h, r, j, p, done, err, n) \
         ORDER BY u.n \
         ON CONFLICT (delivery_id) DO NOTHING RETURNING delivery_id",
    )
    .bind::<Array<Text>, _>(rows.iter().map(|r| r.delivery_id.as_str()).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(rows.iter().map(|r| r.event.as_str()).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(rows.iter().map(|r| r.action.as_deref()).collect::<Vec<_>>())
    .bind::<Array<Nullable<BigInt>>, _>(rows.iter().map(|r| r.hook_id).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(rows.iter().map(|r| r.repository.as_deref()).collect::<Vec<_>>())
    .bind::<Array<Bool>, _>(rows.iter().map(|r| r.is_json).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(rows.iter().map(|r| r.payload.as_str()).collect::<Vec<_>>())
    .bind::<Array<Bool>, _>(rows.iter().map(|r| r.done).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(rows.iter().map(|r| r.error.as_deref()).collect::<Vec<_>>())
    .load(&mut conn)
    .await?;
    let mut fresh: std::collections::HashSet<String> =
        inserted.into_iter().map(|i| i.delivery_id).collect();
    Ok(rows.iter().map(|r| fresh.remove(&r.delivery_id)).collect())
}
