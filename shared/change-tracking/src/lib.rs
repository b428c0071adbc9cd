//! Benchmark changes as data arrives (issue [changes], deliverables 3–5).
//!
//! - [`queue`]: a store queues its run in its own transaction; a collector
//!   claims queued runs with `FOR UPDATE SKIP LOCKED` after commit (and in
//!   its sweep) and re-examines the series they touched, so detection never
//!   holds up a store and a crash loses nothing.
//! - [`points`]: a series' recent points, one per run (the median of the
//!   run's records), per branch.
//! - [`evaluate`]: `wfm_changes::detect` on those points, matched against
//!   the changes already filed, which are updated in place or filed anew.
//! - [`changes`]: the filed changes, listed and triaged.
//! - [`series`]: one series of one metric with its changes, for charts.
//! - [`notify`]: the outbox of notifications filed changes owe, delivered
//!   with retries (signed webhooks, Slack, GitHub commit statuses).
//! - [`export`]: opted-in series on the api's `/metrics` (latest value,
//!   active regression), capped.
//! - [`compare`]: two runs, commits or branches of a config, series by series.
//!
//! Exactly once: a series is examined under a transaction-scoped advisory
//! lock, so two collectors never file the same step twice, and the queue
//! rows leave in the transaction that files.

pub mod changes;
pub mod compare;
pub mod evaluate;
pub mod export;
pub mod notify;
pub mod points;
pub mod queue;
pub mod series;

pub use changes::{Change, ChangeFilter, Triage};
pub use evaluate::{Settings, Verdicts};

/// What can go wrong; a database error leaves the queued runs queued.
#[derive(Debug, thiserror::Error)]
pub enum TrackingError {
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
    #[error("change {0} does not exist")]
    NoSuchChange(i64),
}
