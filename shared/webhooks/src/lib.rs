//! GitHub webhook deliveries after wfm-api's receiver checked them: stored
//! once per delivery id ([`store`]), then applied by a processor in every
//! api process to the job and run tables, filing collection runs for
//! repository-bound configs ([`process`], [`apply`]); the receiving process
//! hands its parsed events to its own processor ([`handoff`]).

pub(crate) mod apply;
pub mod handoff;
mod installations;
pub mod process;
pub mod store;

use std::sync::Arc;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use tokio::sync::Notify;
use wfm_db::DbPool;
use wfm_env::{Env, EnvError};
use wfm_github::WebhookSecrets;

/// Webhook settings.
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `WFM_WEBHOOK_SECRETS` | none | comma-separated secrets a delivery may be signed with (more than one while rotating); none: the endpoint answers 503 |
/// | `WFM_WEBHOOK_ALLOW_UNSIGNED` | `false` | development only: with no secret set, accept unsigned deliveries |
/// | `WFM_WEBHOOK_MAX_BODY` | `26214400` | largest delivery in bytes (GitHub caps payloads at 25 MiB) |
/// | `WFM_WEBHOOK_PROCESSOR` | `true` | apply stored deliveries in this process |
/// | `WFM_WEBHOOK_POLL_INTERVAL` | `1s` | how often the processor looks for deliveries other replicas stored |
/// | `WFM_WEBHOOK_BATCH` | `500` | deliveries applied per transaction |
/// | `WFM_WEBHOOK_RETENTION` | `7d` | how long applied deliveries are kept (failed ones are kept) |
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    pub secrets: WebhookSecrets,
    pub allow_unsigned: bool,
    pub max_body: usize,
    pub processor: bool,
    pub poll_interval: Duration,
    pub batch: i64,
    pub retention: Duration,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            secrets: WebhookSecrets::default(),
            allow_unsigned: false,
            max_body: 25 * 1024 * 1024,
            processor: true,
            poll_interval: Duration::from_secs(1),
            batch: 500,
            retention: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

impl WebhookConfig {
    pub fn from_env(env: &Env) -> Result<Self, EnvError> {
        let default = Self::default();
        let batch: i64 = env.var_or("WFM_WEBHOOK_BATCH", default.batch)?;
        if !(1..=10_000).contains(&batch) {
            return Err(EnvError::invalid(
                "WFM_WEBHOOK_BATCH",
                batch,
                "must be 1..=10000",
            ));
        }
        Ok(Self {
            secrets: WebhookSecrets::new(env.list("WFM_WEBHOOK_SECRETS")),
            allow_unsigned: env.bool_or("WFM_WEBHOOK_ALLOW_UNSIGNED", default.allow_unsigned)?,
            max_body: env.var_or("WFM_WEBHOOK_MAX_BODY", default.max_body)?,
            processor: env.bool_or("WFM_WEBHOOK_PROCESSOR", default.processor)?,
            poll_interval: env.duration_or("WFM_WEBHOOK_POLL_INTERVAL", default.poll_interval)?,
            batch,
            retention: env.duration_or("WFM_WEBHOOK_RETENTION", default.retention)?,
        })
    }
}

/// Why a delivery was refused before it was stored.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RejectionLabels {
    pub reason: &'static str,
}

/// What became of a delivery this process received and answered 2xx.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReceiptLabels {
    pub outcome: &'static str,
}

/// Delivery writer tasks (each with a connection while it writes).
const WRITERS: usize = 2;

/// What the webhook handler shares.
#[derive(Debug)]
pub struct Webhooks {
    pub config: WebhookConfig,
    writer: store::DeliveryWriter,
    /// Wakes this process's processor when a delivery is stored.
    pub stored: Notify,
    /// Events parsed on receipt, for this process's processor.
    pub handoff: handoff::ParsedEvents,
    /// `wfm_webhook_rejections_total{reason}`: refused deliveries (nothing
    /// stored, so counted per process).
    pub rejections: Family<RejectionLabels, Counter>,
    /// `wfm_webhook_receipts_total{outcome}`: deliveries this process answered
    /// `accepted`, `duplicate` or `ignored` (per process: which replica took what).
    pub receipts: Family<ReceiptLabels, Counter>,
}

impl Webhooks {
    /// The shared state, with its delivery writers started on the current runtime.
    pub fn new(config: WebhookConfig, pool: DbPool) -> Arc<Self> {
        Arc::new(Self {
            config,
            writer: store::DeliveryWriter::start(pool, WRITERS),
            stored: Notify::default(),
            handoff: handoff::ParsedEvents::default(),
            rejections: Family::default(),
            receipts: Family::default(),
        })
    }

    /// Stores `row` unless its delivery id is stored; true when stored now.
    pub async fn store(&self, row: store::NewDelivery) -> Result<bool, WebhookError> {
        self.writer.store(row).await
    }

    /// Counts a delivery answered 2xx with `outcome`.
    pub fn count_receipt(&self, outcome: &'static str) {
        self.receipts
            .get_or_create(&ReceiptLabels { outcome })
            .inc();
    }

    /// Counts a delivery refused before it was stored, for `reason`.
    pub fn reject(&self, reason: &'static str) {
        self.rejections
            .get_or_create(&RejectionLabels { reason })
            .inc();
    }
}

/// What went wrong storing or applying deliveries.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("no database connection: {0}")]
    Pool(#[from] diesel_async::pooled_connection::deadpool::PoolError),
    #[error("{0}")]
    Query(#[from] diesel::result::Error),
    #[error("the delivery writers have stopped")]
    WritersStopped,
    #[error("storing the delivery: {0}")]
    Store(String),
}
