//! GitHub webhooks: `POST /v1/webhooks/github` (and the actions exporter's
//! `POST /webhook`) checks each delivery and stores it once ([`receive`]);
//! storing, applying and the processor are wfm-webhooks'.

pub(crate) mod receive;

pub use wfm_webhooks::{
    ReceiptLabels, RejectionLabels, WebhookConfig, WebhookError, Webhooks, handoff, process, store,
};

/// The route GitHub posts to.
pub const WEBHOOK_PATH: &str = "/v1/webhooks/github";
/// The actions exporter's path (actions-exporter.md), served by the same receiver.
pub const WEBHOOK_ALIAS: &str = "/webhook";
