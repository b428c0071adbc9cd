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
    /// A GitHub App installed, deleted, suspended or unsuspended.
    Installation(InstallationEvent),
    /// Repositories added to or removed from an installation.
    InstallationRepositories(InstallationRepositoriesEvent),
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
        matches!(
            name,
            "ping" | "workflow_job" | "workflow_run" | "installation" | "installation_repositories"
        )
    }

    /// The action and the repository (`owner/name`) of a job or run event.
    pub fn action_and_repository(&self) -> Option<(&str, &str)> {
        match self {
            Self::WorkflowJob(e) => Some((&e.action, &e.repository.full_name)),
            Self::WorkflowRun(e) => Some((&e.action, &e.repository.full_name)),
            Self::Ping | Self::Installation(_) | Self::InstallationRepositories(_) => None,
        }
    }

    /// The event in `body`; `Ok(None)` for an event wfm does not read.
    pub fn parse(name: &str, body: &[u8]) -> Result<Option<Self>, EventError> {
        Ok(Some(match name {
            "ping" => Self::Ping,
            "workflow_job" => {
                let mut event: WorkflowJobEvent = read(name, body)?;
                // GitHub sends "" before a runner is assigned: no runner, as the database has it
                let job = &mut event.workflow_job;
                job.runner_name = job.runner_name.take().filter(|n| !n.is_empty());
                Self::WorkflowJob(event)
            }
            "workflow_run" => Self::WorkflowRun(read(name, body)?),
            "installation" => Self::Installation(read(name, body)?),
            "installation_repositories" => Self::InstallationRepositories(read(name, body)?),
            _ => return Ok(None),
        }))
    }
}

/// `installation` (`created`, `deleted`, `suspend`, `unsuspend`,
/// `new_permissions_accepted`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct InstallationEvent {
    pub action: String,
    pub installation: Installation,
    /// The repositories granted (`created`), when not all.
    #[serde(default)]
    pub repositories: Vec<InstalledRepository>,
}

/// `installation_repositories` (`added`, `removed`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct InstallationRepositoriesEvent {
    pub action: String,
    pub installation: Installation,
    #[serde(default)]
    pub repository_selection: Option<String>,
    #[serde(default)]
    pub repositories_added: Vec<InstalledRepository>,
    #[serde(default)]
    pub repositories_removed: Vec<InstalledRepository>,
}

/// A GitHub App installation (the fields wfm keeps).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Installation {
    pub id: i64,
    pub account: Account,
    /// `all` or `selected`.
    #[serde(default)]
    pub repository_selection: Option<String>,
    #[serde(default)]
    pub app_id: Option<i64>,
    /// `Organization` or `User`.
    #[serde(default)]
    pub target_type: Option<String>,
    #[serde(default)]
    pub suspended_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Account {
    /// An enterprise account has none, but a `slug`.
    #[serde(default)]
    pub login: Option<String>,
    #[serde(default)]
    pub slug: Option<String>,
    /// `Organization` or `User`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

impl Account {
    /// The login, else the slug.
    pub fn name(&self) -> &str {
        self.login.as_deref().or(self.slug.as_deref()).unwrap_or("")
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct InstalledRepository {
    pub id: i64,
    pub full_name: String,
}

fn read<T: for<'de> Deserialize<'de>>(event: &str, body: &[u8]) -> Result<T, EventError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| EventError {
        event: event.to_owned(),
        path: e.path().to_string(),
        message: e.into_inner().to_string(),
    })
}

/// Where a job or run stands; events may arrive out of order (see [`Status::rank`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
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
    /// How far along: an event of a lower rank never replaces a higher one
    /// (`wfm_github_status_rank` in the database agrees).
    pub fn rank(self) -> u8 {
        match self {
            Self::Requested => 0,
            Self::Pending | Self::Queued => 1,
            Self::Waiting => 2,
            Self::InProgress => 3,
            Self::Completed => 4,
        }
    }

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
    /// The job's steps so far (queued events have none).
    #[serde(default)]
    pub steps: Vec<Step>,
}

/// A step of a workflow job, as `workflow_job` events carry it.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
pub struct Step {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub conclusion: Option<String>,
    #[serde(default)]
    pub number: i64,
    #[serde(default)]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub completed_at: Option<DateTime<Utc>>,
}

impl WorkflowJob {
    /// This job after a later event `next` about it, as the database upsert
    /// does: a lower status changes nothing, otherwise `next` wins field by
    /// field where it has a value.
    pub fn merge(&mut self, next: Self) {
        if next.status.rank() < self.status.rank() {
            return;
        }
        let prev = std::mem::replace(self, next);
        self.workflow_name = self.workflow_name.take().or(prev.workflow_name);
        self.head_branch = self.head_branch.take().or(prev.head_branch);
        self.head_sha = self.head_sha.take().or(prev.head_sha);
        self.conclusion = self.conclusion.take().or(prev.conclusion);
        self.runner_name = self.runner_name.take().or(prev.runner_name);
        self.runner_group_name = self.runner_group_name.take().or(prev.runner_group_name);
        self.html_url = self.html_url.take().or(prev.html_url);
        self.runner_id = self.runner_id.or(prev.runner_id);
        self.created_at = self.created_at.or(prev.created_at);
        self.started_at = self.started_at.or(prev.started_at);
        self.completed_at = self.completed_at.or(prev.completed_at);
        // a job's step list only grows: a shorter one is an earlier or a
        // trimmed event's
        if self.steps.len() < prev.steps.len() {
            self.steps = prev.steps;
        }
    }
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

impl WorkflowRunEvent {
    /// This run attempt after a later event `next` about it (see [`WorkflowJob::merge`]).
    pub fn merge(&mut self, next: Self) {
        if next.workflow_run.status.rank() < self.workflow_run.status.rank() {
            return;
        }
        let prev = std::mem::replace(self, next);
        if self.workflow.is_none() {
            self.workflow = prev.workflow;
        }
        let (run, old) = (&mut self.workflow_run, prev.workflow_run);
        run.name = run.name.take().or(old.name);
        run.event = run.event.take().or(old.event);
        run.head_branch = run.head_branch.take().or(old.head_branch);
        run.head_sha = run.head_sha.take().or(old.head_sha);
        run.conclusion = run.conclusion.take().or(old.conclusion);
        run.html_url = run.html_url.take().or(old.html_url);
        run.workflow_id = run.workflow_id.or(old.workflow_id);
        run.path = run.path.take().or(old.path);
        run.run_number = run.run_number.or(old.run_number);
        run.created_at = run.created_at.or(old.created_at);
        run.run_started_at = run.run_started_at.or(old.run_started_at);
        run.updated_at = run.updated_at.or(old.updated_at);
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
    /// The workflow's file, `.github/workflows/benchmark.yml`.
    pub path: Option<String>,
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

/// `payload` with every JSON `\u0000` escape turned into `\ufffd`: Postgres
/// text and JSONB cannot hold U+0000, and a delivery must not be refused for
/// one. Escaped backslashes (`\\u0000` is text, not an escape) are left alone.
pub fn without_nul_escapes(payload: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    const NUL: &[u8] = b"u0000";
    if !payload
        .windows(NUL.len())
        .any(|w| w.eq_ignore_ascii_case(NUL))
    {
        return std::borrow::Cow::Borrowed(payload);
    }
    let mut out = Vec::with_capacity(payload.len());
    let mut i = 0;
    while i < payload.len() {
        if payload[i] == b'\\' {
            let escape = payload.get(i + 1..i + 6);
            if escape.is_some_and(|e| e.eq_ignore_ascii_case(NUL)) {
                out.extend_from_slice(b"\\ufffd");
                i += 6;
            } else {
                // an escape pair: `\\`, `\"`, `\n`, or the start of another `\uXXXX`
                out.extend_from_slice(&payload[i..(i + 2).min(payload.len())]);
                i += 2;
            }
        } else {
            out.push(payload[i]);
            i += 1;
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::without_nul_escapes;

    #[test]
    fn nul_escapes_become_replacement_characters() {
        let fixed = without_nul_escapes(br#"{"a":"x\u0000y","b":"\\u0000","c":"\U0000"}"#);
        assert_eq!(
            std::str::from_utf8(&fixed).unwrap(),
            r#"{"a":"x\ufffdy","b":"\\u0000","c":"\ufffd"}"#
        );
        let plain = br#"{"a":"u0000"}"#;
        assert_eq!(&*without_nul_escapes(plain), plain);
    }
}
