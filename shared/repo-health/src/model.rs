//! What the collector gathers from GitHub's REST API, in the API's own JSON
//! shapes (only the fields the metrics read): `GET /repos/{o}/{r}/pulls`,
//! `…/commits`, `…/commits/{sha}`, `…/actions/runs`.

use chrono::{DateTime, Utc};
use serde::Deserialize;

/// An item of `GET /repos/{owner}/{repo}/pulls?state=all`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PullRequest {
    pub number: i64,
    /// `open` or `closed`.
    pub state: String,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub closed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub merged_at: Option<DateTime<Utc>>,
}

/// An item of `GET /repos/{owner}/{repo}/commits?sha=<default branch>&since=…`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Commit {
    pub sha: String,
    pub commit: CommitData,
    /// The GitHub account of the author, when the e-mail maps to one.
    #[serde(default)]
    pub author: Option<Account>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CommitData {
    pub message: String,
    #[serde(default)]
    pub author: Option<Signature>,
    pub committer: Signature,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Signature {
    #[serde(default)]
    pub email: Option<String>,
    pub date: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Account {
    pub login: String,
}

impl Commit {
    /// Who wrote it: the login, else the author's e-mail (lower case).
    pub fn developer(&self) -> Option<String> {
        if let Some(account) = &self.author {
            return Some(account.login.clone());
        }
        self.commit
            .author
            .as_ref()
            .and_then(|a| a.email.as_ref())
            .map(|e| e.to_ascii_lowercase())
    }

    /// The first line of the message.
    pub fn subject(&self) -> &str {
        self.commit.message.lines().next().unwrap_or("")
    }
}

/// `GET /repos/{owner}/{repo}/commits/{sha}`: the stats and files the list
/// leaves out (the spec's option A: one call per commit, cached by SHA).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CommitDetail {
    pub sha: String,
    pub stats: CommitStats,
    #[serde(default)]
    pub files: Vec<ChangedFile>,
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct CommitStats {
    pub additions: u64,
    pub deletions: u64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ChangedFile {
    pub filename: String,
}

/// An item of `GET /repos/{owner}/{repo}/actions/runs`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WorkflowRun {
    pub id: i64,
    #[serde(default)]
    pub head_branch: Option<String>,
    /// `queued`, `in_progress`, `completed`, …
    pub status: String,
    #[serde(default)]
    pub conclusion: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub run_started_at: Option<DateTime<Utc>>,
}

/// Everything one collection of one repository gathered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub default_branch: String,
    /// Pull requests: every open one, and the closed ones updated in the window.
    pub pulls: Vec<PullRequest>,
    /// The number of branches.
    pub branches: u64,
    /// Commits of the default branch since the window's start.
    pub commits: Vec<Commit>,
    /// The details of those commits, by SHA (a commit without one counts
    /// no lines and no files).
    pub details: Vec<CommitDetail>,
    /// Workflow runs created since the window's start, and the newest
    /// completed run of the default branch (which may be older).
    pub runs: Vec<WorkflowRun>,
}
