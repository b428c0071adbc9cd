//! The webhook events wfm reads, with the fields it keeps. Everything else in
//! a payload is ignored, so GitHub adding fields never breaks parsing.

use chrono::{DateTime, Utc};
use serde::Deserialize;

/// A delivery's event, by its `X-GitHub-Event` header.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Ping,
    WorkflowJob(WorkflowJobEvent),
    WorkflowRun(WorkflowRunEvent),
}

/// A payload of a known event that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("invalid {event} payload at {path}: {message}")]
pub struct EventError {
    pub event: String,
    /// Where in the payload it went wrong (`workflow_job.status`), `.` for the whole.
    pub path: String,
    pub message: String,
}

impl Event {
    /// Whether wfm reads events of this name (others are acknowledged and dropped).
    pub fn is_known(name: &str) -> bool {
        matches!(name, "ping" | "workflow_job" | "workflow_run")
    }

    /// The event in `body`; `Ok(None)` for an event wfm does not read.
    pub fn parse(name: &str, body: &[u8]) -> Result<Option<Self>, EventError> {
        Ok(Some(match name {
            "ping" => Self::Ping,
            "workflow_job" => Self::WorkflowJob(read(name, body)?),
            "workflow_run" => Self::WorkflowRun(read(name, body)?),
            _ => return Ok(None),
        }))
    }
}

fn read<T: for<'de> Deserialize<'de>>(event: &str, body: &[u8]) -> Result<T, EventError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| EventError {
        event: event.to_owned(),
        path: e.path().to_string(),
        message: e.into_inner().to_string(),
    })
}

/// Where a job or run stands; GitHub's order, which events may arrive out of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Requested,
    Pending,
    Queued,
    Waiting,
    InProgress,
    Completed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Pending => "pending",
            Self::Queued => "queued",
            Self::Waiting => "waiting",
            Self::InProgress => "in_progress",
            Self::Completed => "completed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Repository {
    /// `owner/name`
    pub full_name: String,
    pub name: String,
    pub owner: Owner,
}

impl Repository {
    /// `(owner, name)` from `full_name`, the canonical spelling (an
    /// organization's payload may carry another login under `owner`).
    pub fn owner_and_name(&self) -> (&str, &str) {
        self.full_name
            .split_once('/')
            .unwrap_or((self.owner.login.as_str(), self.name.as_str()))
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Owner {
    pub login: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WorkflowJobEvent {
    pub action: String,
    pub workflow_job: WorkflowJob,
    pub repository: Repository,
}

/// A job; on an ARC runner, `runner_name` is the EphemeralRunner's name.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WorkflowJob {
    pub id: i64,
    pub run_id: i64,
    #[serde(default = "first_attempt")]
    pub run_attempt: i32,
    pub name: String,
    pub workflow_name: Option<String>,
    pub head_branch: Option<String>,
    pub head_sha: Option<String>,
    pub status: Status,
    pub conclusion: Option<String>,
    /// When the job was queued.
    pub created_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub labels: Vec<String>,
    pub runner_id: Option<i64>,
    pub runner_name: Option<String>,
    pub runner_group_name: Option<String>,
    pub html_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WorkflowRunEvent {
    pub action: String,
    pub workflow_run: WorkflowRun,
    pub workflow: Option<Workflow>,
    pub repository: Repository,
}

impl WorkflowRunEvent {
    /// The workflow's name: the run's own `name` is the run's title and may be empty.
    pub fn workflow_name(&self) -> Option<&str> {
        self.workflow
            .as_ref()
            .map(|w| w.name.as_str())
            .or(self.workflow_run.name.as_deref())
            .filter(|n| !n.is_empty())
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Workflow {
    pub name: String,
}

/// One attempt of a workflow run.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WorkflowRun {
    pub id: i64,
    #[serde(default = "first_attempt")]
    pub run_attempt: i32,
    pub name: Option<String>,
    pub workflow_id: Option<i64>,
    pub run_number: Option<i32>,
    pub event: Option<String>,
    pub head_branch: Option<String>,
    pub head_sha: Option<String>,
    pub status: Status,
    pub conclusion: Option<String>,
    pub html_url: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub run_started_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
}

fn first_attempt() -> i32 {
    1
}
