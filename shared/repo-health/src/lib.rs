//! Repository health (issue [repo-health]): the 23 metrics of
//! `repo-health-metrics.md` computed from what GitHub's REST API returns,
//! over the 7 days ending at the collection time T (UTC). [`compute`] is
//! numbers in, numbers out; [`gather::gather`] makes the REST calls
//! (pagination, rate limits, the per-commit stats cache).
//!
//! The window is `[T − 7 days, T]`, both ends included. Definitions, as the
//! issue states them:
//!
//! | metric | definition |
//! |---|---|
//! | `prs.open` | open pull requests now |
//! | `prs.merged_7d` | pull requests merged in the window |
//! | `prs.closed_without_merge_7d` | closed in the window, never merged |
//! | `prs.avg_time_to_merge_hours` | mean of merged_at − created_at over the PRs merged in the window |
//! | `branches.active` | the number of branches |
//! | `commits.total_7d` | commits on the default branch whose committer date is in the window |
//! | `developers.active_7d` | distinct authors of those commits (by login, else e-mail) |
//! | `commits.per_developer_7d` | `commits.total_7d / developers.active_7d` |
//! | `commits.hotfix` | those whose first message line contains "hotfix" or "hot fix", any case |
//! | `commits.reverts` | those whose first message line starts with "Revert" |
//! | `code.lines_added_7d`, `code.lines_deleted_7d` | sums of each commit's stats (`GET /commits/{sha}`) |
//! | `code.files_changed_7d` | distinct paths those commits touched |
//! | `ci.workflow_runs_7d` | workflow runs created in the window, all branches |
//! | `ci.failed_workflows_7d` | those that concluded `failure` |
//! | `ci.avg_workflow_duration_minutes` | mean of updated_at − run_started_at over those completed |
//! | `ci.workflow_duration_minutes.{min,p50,p75,p90,p95,max}` | the same durations' order statistics, percentiles by linear interpolation between closest ranks |
//! | `ci.tests_passing_on_main` | 1 when the latest completed run on the default branch succeeded, else 0 |
//!
//! A metric with nothing to average (no PR merged, no developer, no
//! completed run) has no value: [`Report::get`] answers `None`, and
//! exporters leave it out rather than send a 0 that never happened.

pub mod collect;
pub mod export;
pub mod gather;
pub mod gauges;
pub mod history;
mod model;
mod percentile;
mod report;
pub mod schedule;
pub mod store;

pub use gather::{CiSource, CommitCache, Gathered, RepoInfo, gather, gather_from, repo_info};
pub use model::{Commit, CommitDetail, PullRequest, Snapshot, WorkflowRun};
pub use percentile::percentile;
pub use report::{METRICS, Report, compute};
