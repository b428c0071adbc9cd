//! One collection of one repository through GitHub's REST API: what
//! [`crate::compute`] needs, each list followed through its pagination
//! (capped at [`MAX_PAGES`] pages), each commit's stats fetched once
//! ([`CommitCache`], by SHA). A rate limit comes back as
//! `RestError::RateLimited` with GitHub's wait, for the caller to defer.

use std::collections::HashMap;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use wfm_github::rest::{GithubClient, RestError};

use crate::model::{CommitDetail, PullRequest, Snapshot, WorkflowRun};

/// Pages of 100 read at most per list.
pub const MAX_PAGES: usize = 20;

/// Commit details by SHA: a commit's stats never change, so none is fetched twice.
#[derive(Debug, Default, Clone)]
pub struct CommitCache {
    details: HashMap<String, CommitDetail>,
}

impl CommitCache {
    pub fn len(&self) -> usize {
        self.details.len()
    }

    pub fn is_empty(&self) -> bool {
        self.details.is_empty()
    }
}

#[derive(serde::Deserialize)]
struct Repo {
    default_branch: String,
}

/// What one collection gathered, and whether every list ended within the cap.
#[derive(Debug, Clone)]
pub struct Gathered {
    pub snapshot: Snapshot,
    /// False when a list had more pages than [`MAX_PAGES`]: its counts are
    /// lower bounds.
    pub complete: bool,
    /// REST calls made (commit details from the cache are not).
    pub calls: usize,
}

/// Gathers `owner/repo` for the 7 days ending at `at`.
pub async fn gather(
    client: &GithubClient,
    owner: &str,
    repo: &str,
    at: DateTime<Utc>,
    cache: &mut CommitCache,
) -> Result<Gathered, RestError> {
    let base = format!("/repos/{owner}/{repo}");
    let since = (at - Duration::days(7)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let until = at.to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut calls = 1;
    let info: Repo = client.get_one(&base).await?;
    let branch = info.default_branch;
    let open = client
        .list::<PullRequest>(
            &format!("{base}/pulls?state=open&per_page=100"),
            None,
            MAX_PAGES,
        )
        .await?;
    // closed ones, most recently updated first: one closed in the window
    // was updated in it too
    let closed = client
        .list::<PullRequest>(
            &format!("{base}/pulls?state=closed&sort=updated&direction=desc&per_page=100"),
            None,
            MAX_PAGES,
        )
        .await?;
    let branches = client.count(&format!("{base}/branches")).await?;
    let commits = client
        .list::<crate::Commit>(
            &format!("{base}/commits?sha={branch}&since={since}&until={until}&per_page=100"),
            None,
            MAX_PAGES,
        )
        .await?;
    let runs = client
        .list::<WorkflowRun>(
            &format!("{base}/actions/runs?created=%3E%3D{since}&per_page=100"),
            Some("workflow_runs"),
            MAX_PAGES,
        )
        .await?;
    // the newest completed run of the default branch, however old
    let latest = client
        .list::<WorkflowRun>(
            &format!("{base}/actions/runs?branch={branch}&status=completed&per_page=1"),
            Some("workflow_runs"),
            1,
        )
        .await?;
    calls += 6;
    let mut details = Vec::new();
    for commit in &commits.items {
        if !cache.details.contains_key(&commit.sha) {
            let detail: CommitDetail = client
                .get_one(&format!("{base}/commits/{}", commit.sha))
                .await?;
            calls += 1;
            cache.details.insert(commit.sha.clone(), detail);
        }
        if let Some(detail) = cache.details.get(&commit.sha) {
            details.push(detail.clone());
        }
    }
    let complete = open.complete && closed.complete && commits.complete && runs.complete;
    let mut all_runs = runs.items;
    all_runs.extend(latest.items);
    Ok(Gathered {
        snapshot: Snapshot {
            default_branch: branch,
            pulls: open.items.into_iter().chain(closed.items).collect(),
            branches,
            commits: commits.items,
            details,
            runs: all_runs,
        },
        complete,
        calls,
    })
}
