//! The notification outbox: a change filed owes each configured target one
//! delivery (`github_workflow_change_notifications`, written in the filing's
//! transaction). [`Notifier::deliver_due`] claims one due row at a time with
//! `FOR UPDATE SKIP LOCKED`, moving its next attempt a lease (3 × the send
//! timeout) ahead so no other replica takes it while it is sent, sends, and
//! records the outcome (only if the row is still that attempt's): delivered,
//! or retried with exponential backoff until `max_attempts`, then failed.
//!
//! A crash between sending and recording sends again after the lease: a
//! delivery is at least once, and every attempt carries the row's id
//! (`X-Wfm-Delivery`) so a receiver can drop a repeat.

mod message;
mod settings;

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use wfm_db::DbPool;
use wfm_github::rest::{GithubClient, RestError};

pub use message::{ChangeContext, console_link};
pub use settings::{
    NotifySettings, TARGET_GITHUB_STATUS, TARGET_SLACK, TARGET_WEBHOOK, WebhookTarget,
};

/// Sends what the outbox owes.
#[derive(Debug, Clone)]
pub struct Notifier {
    settings: NotifySettings,
    http: reqwest::Client,
    github: Option<GithubClient>,
}

/// What one round of deliveries did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

#[derive(diesel::QueryableByName)]
struct Due {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    change_id: i64,
    #[diesel(sql_type = Text)]
    target: String,
    #[diesel(sql_type = Integer)]
    attempts: i32,
}

/// Why a round of deliveries stopped (what it recorded stays recorded).
#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    #[error("no database connection: {0}")]
    Pool(#[from] diesel_async::pooled_connection::deadpool::PoolError),
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

/// Why one attempt did not deliver.
#[derive(Debug, thiserror::Error)]
enum SendError {
    /// Worth another attempt.
    #[error("{0}")]
    Retry(String),
    /// GitHub asks to wait this long.
    #[error("rate limited for {0:?}")]
    Wait(Duration),
    /// No attempt can succeed (nothing to send it to).
    #[error("{0}")]
    Never(String),
}

impl Notifier {
    pub fn new(settings: NotifySettings, github: Option<GithubClient>) -> reqwest::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .user_agent("wfm")
            .build()?;
        Ok(Self {
            settings,
            http,
            github,
        })
    }

    pub fn settings(&self) -> &NotifySettings {
        &self.settings
    }

    /// Sends up to `batch` due deliveries, claiming one at a time (a claim
    /// holds its row for a lease of 3 × the timeout, longer than one send)
    /// and holding no connection while it sends.
    pub async fn deliver_due(
        &self,
        pool: &DbPool,
        batch: usize,
    ) -> Result<Delivered, DeliverError> {
        let mut done = Delivered::default();
        for _ in 0..batch {
            let claimed = {
                let mut conn = pool.get().await?;
                match self.claim(&mut conn).await? {
                    Some(row) => {
                        let context = message::context(&mut conn, row.change_id).await?;
                        (row, context)
                    }
                    None => break,
                }
            };
            let (row, context) = claimed;
            let outcome = match &context {
                Some(context) => self.send(&row, context).await,
                None => Err(SendError::Never("the change is gone".into())),
            };
            let mut conn = pool.get().await?;
            match outcome {
                Ok(()) => {
                    record(&mut conn, &row, "delivered", None, None).await?;
                    done.sent += 1;
                }
                Err(SendError::Never(why)) => {
                    tracing::warn!(notification = row.id, target = %row.target, reason = %why, "notification cannot be delivered");
                    record(&mut conn, &row, "failed", None, Some(&why)).await?;
                    done.failed += 1;
                }
                Err(e) if row.attempts >= self.settings.max_attempts => {
                    let why = format!("gave up after {} attempts: {e}", row.attempts);
                    tracing::warn!(notification = row.id, target = %row.target, reason = %why, "notification failed");
                    record(&mut conn, &row, "failed", None, Some(&why)).await?;
                    done.failed += 1;
                }
                Err(e) => {
                    let wait = match e {
                        SendError::Wait(wait) => wait,
                        _ => self.settings.backoff(row.attempts),
                    };
                    let next = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
                    record(&mut conn, &row, "pending", Some(next), Some(&e.to_string())).await?;
                    done.retrying += 1;
                }
            }
        }
        Ok(done)
    }

    /// The oldest due delivery, its next attempt moved a lease ahead so no
    /// other replica takes it while this one sends.
    async fn claim(&self, conn: &mut AsyncPgConnection) -> diesel::QueryResult<Option<Due>> {
        let lease = self.settings.timeout * 3;
        diesel::sql_query(
            "UPDATE github_workflow_change_notifications n \
             SET next_attempt_at = now() + make_interval(secs => $1), attempts = n.attempts + 1 \
             WHERE n.id = (SELECT id FROM github_workflow_change_notifications \
                 WHERE state = 'pending' AND next_attempt_at <= now() \
                 ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) \
             RETURNING n.id, n.change_id, n.target, n.attempts",
        )
        .bind::<diesel::sql_types::Double, _>(lease.as_secs_f64())
        .get_result(conn)
        .await
        .optional()
    }

    async fn send(&self, row: &Due, context: &ChangeContext) -> Result<(), SendError> {
        let console = self.settings.console_url.as_deref();
        match row.target.as_str() {
            TARGET_WEBHOOK => {
                let Some(hook) = &self.settings.webhook else {
                    return Err(SendError::Never(
                        "no WFM_NOTIFY_WEBHOOK_URL configured".into(),
                    ));
                };
                let body = message::webhook_body(row.id, context, console);
                let bytes =
                    serde_json::to_vec(&body).map_err(|e| SendError::Never(e.to_string()))?;
                let mut request = self
                    .http
                    .post(&hook.url)
                    .header("Content-Type", "application/json")
                    .header("X-Wfm-Event", "benchmark_change")
                    .header("X-Wfm-Delivery", row.id.to_string());
                if let Some(signature) = hook.secret.as_ref().and_then(|s| s.sign(&bytes)) {
                    request = request.header("X-Wfm-Signature-256", signature);
                }
                post(request.body(bytes)).await
            }
            TARGET_SLACK => {
                let Some(url) = &self.settings.slack_url else {
                    return Err(SendError::Never(
                        "no WFM_NOTIFY_SLACK_URL configured".into(),
                    ));
                };
                let body = message::slack_body(context, console);
                post(self.http.post(url).json(&body)).await
            }
            TARGET_GITHUB_STATUS => {
                let Some(github) = &self.github else {
                    return Err(SendError::Never("no GitHub client configured".into()));
                };
                let (Some((owner, repo)), Some(sha)) =
                    (context.repository(), context.change.after_commit.as_deref())
                else {
                    return Err(SendError::Never(
                        "the change's run has no known repository or commit".into(),
                    ));
                };
                let status = message::commit_status(context, console);
                match github.create_commit_status(owner, repo, sha, &status).await {
                    Ok(()) => Ok(()),
                    Err(RestError::RateLimited { retry_after }) => {
                        Err(SendError::Wait(retry_after))
                    }
                    Err(
                        e @ RestError::Status {
                            status: 404 | 422, ..
                        },
                    ) => Err(SendError::Never(e.to_string())),
                    Err(e) => Err(SendError::Retry(e.to_string())),
                }
            }
            other => Err(SendError::Never(format!("unknown target {other:?}"))),
        }
    }
}

/// Delivered on a 2xx answer; anything else is worth another attempt.
async fn post(request: reqwest::RequestBuilder) -> Result<(), SendError> {
    let response = request
        .send()
        .await
        .map_err(|e| SendError::Retry(format!("cannot reach it: {e}")))?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let body = response.text().await.unwrap_or_default();
    let body: String = body.chars().take(200).collect();
    Err(SendError::Retry(format!("answered {status}: {body}")))
}

/// Records an attempt's outcome, unless the row moved on meanwhile (its
/// lease ran out and another attempt claimed it): that attempt records its own.
async fn record(
    conn: &mut AsyncPgConnection,
    row: &Due,
    state: &str,
    next: Option<DateTime<Utc>>,
    error: Option<&str>,
) -> diesel::QueryResult<usize> {
    diesel::sql_query(
        "UPDATE github_workflow_change_notifications SET state = $2, \
             next_attempt_at = coalesce($3, next_attempt_at), last_error = $4, \
             delivered_at = CASE WHEN $2 = 'delivered' THEN now() END \
         WHERE id = $1 AND state = 'pending' AND attempts = $5",
    )
    .bind::<BigInt, _>(row.id)
    .bind::<Text, _>(state)
    .bind::<Nullable<Timestamptz>, _>(next)
    .bind::<Nullable<Text>, _>(error)
    .bind::<Integer, _>(row.attempts)
    .execute(conn)
    .await
}
