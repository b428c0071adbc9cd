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

/// Commit details kept at most; past it the cache starts over (a week of a
/// busy repository is a few thousand commits).
const CACHED_COMMITS: usize = 50_000;

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

/// `GET /repos/{owner}/{repo}`: the names as GitHub spells them.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct RepoInfo {
    /// `owner/name` in GitHub's own case (the webhooks' `repository.full_name`).
    pub full_name: String,
    pub default_branch: String,
}

/// The answer as read: `full_name` may be missing from a proxy's or an old
/// server's answer, and is then the name asked for.
#[derive(serde::Deserialize)]
struct RepoAnswer {
    #[serde(default)]
    full_name: Option<String>,
    default_branch: String,
}

/// Where the workflow runs (the `ci.*` metrics) come from.
#[derive(Debug, Clone)]
pub enum CiSource {
    /// GitHub's REST API (`/actions/runs`).
    Rest,
    /// Runs already at hand (those wfm's webhooks received): no REST call.
    Given(Vec<WorkflowRun>),
}

/// What one collection gathered, and whether every list ended within the cap.
#[derive(Debug, Clone)]
pub struct Gathered {
    /// `owner/name` as GitHub spells it.
    pub repository: String,
    pub snapshot: Snapshot,
    /// False when a list had more pages than [`MAX_PAGES`]: its counts are
    /// lower bounds.
    pub complete: bool,
    /// REST calls made (commit details from the cache are not).
    pub calls: usize,
}

/// The repository's names and default branch.
pub async fn repo_info(
    client: &GithubClient,
    owner: &str,
    repo: &str,
) -> Result<RepoInfo, RestError> {
    let answer: RepoAnswer = client.get_one(&format!("/repos/{owner}/{repo}")).await?;
    Ok(RepoInfo {
        full_name: answer
            .full_name
            .filter(|n| n.split('/').count() == 2)
            .unwrap_or_else(|| format!("{owner}/{repo}")),
        default_branch: answer.default_branch,
    })
}

/// Gathers `owner/repo` for the 7 days ending at `at`, everything through REST.
pub async fn gather(
    client: &GithubClient,
    owner: &str,
    repo: &str,
    at: DateTime<Utc>,
    cache: &mut CommitCache,
) -> Result<Gathered, RestError> {
    let info = repo_info(client, owner, repo).await?;
    let mut gathered = gather_from(client, &info, at, cache, CiSource::Rest).await?;
    gathered.calls += 1;
    Ok(gathered)
}

/// Gathers the repository `info` names, its workflow runs from `ci`.
pub async fn gather_from(
    client: &GithubClient,
    info: &RepoInfo,
    at: DateTime<Utc>,
    cache: &mut CommitCache,
    ci: CiSource,
) -> Result<Gathered, RestError> {
    let base = format!("/repos/{}", info.full_name);
    let since = (at - Duration::days(7)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let until = at.to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut calls = 0;
    let branch = info.default_branch.clone();
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
        .list_window::<crate::Commit>(
            &format!("{base}/commits?sha={branch}&since={since}&until={until}&per_page=100"),
            None,
            MAX_PAGES,
        )
        .await?;
    calls += 4;
    let (all_runs, runs_complete) = match ci {
        CiSource::Given(runs) => (runs, true),
        CiSource::Rest => {
            let runs = client
                .list_window::<WorkflowRun>(
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
            calls += 2;
            let mut all = runs.items;
            all.extend(latest.items);
            (all, runs.complete)
        }
    };
    let mut details = Vec::new();
    let start = at - Duration::days(7);
    for commit in &commits.items {
        // a server that ignores since/until lists older commits: their
        // stats are not the window's, and are not fetched
        let date = commit.commit.committer.date;
        if date < start || date > at {
            continue;
        }
        if !cache.details.contains_key(&commit.sha) {
            if cache.details.len() >= CACHED_COMMITS {
                cache.details.clear();
            }
            let detail: CommitDetail = client
                .get_once(&format!("{base}/commits/{}", commit.sha))
                .await?;
            calls += 1;
            cache.details.insert(commit.sha.clone(), detail);
        }
        if let Some(detail) = cache.details.get(&commit.sha) {
            details.push(detail.clone());
        }
    }
    let complete = open.complete && closed.complete && commits.complete && runs_complete;
    Ok(Gathered {
        repository: info.full_name.clone(),
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
