//! Runner observability (issue [runner-obs]): what wfm's GitHub webhooks
//! recorded, navigated as the spec's console does — organizations →
//! repositories → workflow runs → jobs, each job with its steps, runner,
//! labels and timings; and the GitHub App installations (`installations`)
//! the `installation` and `installation_repositories` events reported;
//! each completed job's log (`logs`), its runner's resource samples
//! (`resources`) and analyses of it (`analysis`).
//!
//! A run is the `workflow_run` event's row when wfm received one; an
//! installation that sends only `workflow_job` events still has its runs,
//! put together from their jobs (status: completed when every job is;
//! conclusion: failure when a job failed, else cancelled when one was, else
//! success).

pub mod analysis;
pub mod installations;
pub mod logs;
pub mod navigation;
pub mod resources;

pub use navigation::{JobView, Organization, RepositorySummary, RunFilter, RunSummary};
