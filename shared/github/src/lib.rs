//! GitHub's formats as wfm reads them: the `X-Hub-Signature-256` of a webhook
//! delivery ([`signature`]) and the `workflow_job` / `workflow_run` events
//! ([`events`]), modelled on GitHub's own payloads (fixtures/github), and the
//! REST calls that fetch a run's artifacts ([`rest`]) and list through
//! GitHub's pagination ([`listing`]).

pub mod app;
pub mod events;
pub mod listing;
pub mod names;
pub mod rest;
pub mod signature;

pub use events::{Event, EventError, Repository, WorkflowJob, WorkflowRun};
pub use names::split_repository;
pub use signature::{SignatureError, WebhookSecrets};
