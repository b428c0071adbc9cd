//! GitHub's formats as wfm reads them: the `X-Hub-Signature-256` of a webhook
//! delivery ([`signature`]) and the `workflow_job` / `workflow_run` events
//! ([`events`]), modelled on GitHub's own payloads (fixtures/github).

pub mod events;
pub mod signature;

pub use events::{Event, EventError, Repository, WorkflowJob, WorkflowRun};
pub use signature::{SignatureError, WebhookSecrets};
