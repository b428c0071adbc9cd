//! The 23 metrics of a [`Snapshot`] at time T.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::model::Snapshot;
use crate::percentile::percentile;

/// Every metric, in the spec's order.
pub const METRICS: [&str; 23] = [
    "prs.open",
    "prs.merged_7d",
    "prs.closed_without_merge_7d",
    "prs.avg_time_to_merge_hours",
    "branches.active",
    "commits.total_7d",
    "commits.per_developer_7d",
    "commits.hotfix",
    "commits.reverts",
    "developers.active_7d",
    "code.lines_added_7d",
    "code.lines_deleted_7d",
    "code.files_changed_7d",
    "ci.workflow_runs_7d",
    "ci.failed_workflows_7d",
    "ci.avg_workflow_duration_minutes",
    "ci.tests_passing_on_main",
    "ci.workflow_duration_minutes.min",
    "ci.workflow_duration_minutes.p50",
    "ci.workflow_duration_minutes.p75",
    "ci.workflow_duration_minutes.p90",
    "ci.workflow_duration_minutes.p95",
    "ci.workflow_duration_minutes.max",
];

/// The metrics at one time: a value per name of [`METRICS`], or none.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub at: DateTime<Utc>,
    pub values: BTreeMap<&'static str, Option<f64>>,
}

impl Report {
    pub fn get(&self, name: &str) -> Option<f64> {
        self.values.get(name).copied().flatten()
    }
}

/// The metrics of `snapshot` over the 7 days ending at `at`.
pub fn compute(snapshot: &Snapshot, at: DateTime<Utc>) -> Report {
    let start = at - Duration::days(7);
    let within = |t: DateTime<Utc>| start <= t && t <= at;
    let mut v: BTreeMap<&'static str, Option<f64>> = BTreeMap::new();
    let count = |n: usize| Some(n as f64);

    // pull requests, each once (the open and the closed lists may overlap
    // while one closes)
    let mut numbers = BTreeSet::new();
    let pulls: Vec<_> = snapshot
        .pulls
        .iter()
        .filter(|p| numbers.insert(p.number))
        .collect();
    v.insert(
        "prs.open",
        count(pulls.iter().filter(|p| p.state == "open").count()),
    );
    let merged: Vec<f64> = pulls
        .iter()
        .filter_map(|p| {
            p.merged_at
                .filter(|m| within(*m))
                .map(|m| hours(m - p.created_at))
        })
        .collect();
    v.insert("prs.merged_7d", count(merged.len()));
    v.insert(
        "prs.closed_without_merge_7d",
        count(
            pulls
                .iter()
                .filter(|p| p.merged_at.is_none() && p.closed_at.is_some_and(within))
                .count(),
        ),
    );
    v.insert("prs.avg_time_to_merge_hours", mean(&merged));
    v.insert("branches.active", Some(snapshot.branches as f64));

    // commits of the default branch (each once, however often listed)
    let mut seen = BTreeSet::new();
    let commits: Vec<_> = snapshot
        .commits
        .iter()
        .filter(|c| within(c.commit.committer.date) && seen.insert(c.sha.as_str()))
        .collect();
    let developers: BTreeSet<String> = commits.iter().filter_map(|c| c.developer()).collect();
    v.insert("commits.total_7d", count(commits.len()));
    v.insert("developers.active_7d", count(developers.len()));
    v.insert(
        "commits.per_developer_7d",
        (!developers.is_empty()).then(|| commits.len() as f64 / developers.len() as f64),
    );
    v.insert(
        "commits.hotfix",
        count(
            commits
                .iter()
                .filter(|c| {
                    let s = c.subject().to_lowercase();
                    s.contains("hotfix") || s.contains("hot fix")
                })
                .count(),
        ),
    );
    v.insert(
        "commits.reverts",
        count(
            commits
                .iter()
                .filter(|c| c.subject().starts_with("Revert"))
                .count(),
        ),
    );
    let details: HashMap<&str, _> = snapshot
        .details
        .iter()
        .map(|d| (d.sha.as_str(), d))
        .collect();
    let (mut added, mut deleted) = (0u64, 0u64);
    let mut files = BTreeSet::new();
    for c in &commits {
        if let Some(d) = details.get(c.sha.as_str()) {
            added += d.stats.additions;
            deleted += d.stats.deletions;
            files.extend(d.files.iter().map(|f| f.filename.as_str()));
        }
    }
    v.insert("code.lines_added_7d", Some(added as f64));
    v.insert("code.lines_deleted_7d", Some(deleted as f64));
    v.insert("code.files_changed_7d", count(files.len()));

    // CI: runs created in the window, all branches, each once (the newest
    // completed run of the default branch is listed on its own as well)
    let mut ids = BTreeSet::new();
    let all_runs: Vec<_> = snapshot.runs.iter().filter(|r| ids.insert(r.id)).collect();
    let runs: Vec<_> = all_runs.iter().filter(|r| within(r.created_at)).collect();
    v.insert("ci.workflow_runs_7d", count(runs.len()));
    v.insert(
        "ci.failed_workflows_7d",
        count(
            runs.iter()
                .filter(|r| r.conclusion.as_deref() == Some("failure"))
                .count(),
        ),
    );
    let durations: Vec<f64> = runs
        .iter()
        .filter(|r| r.status == "completed")
        .filter_map(|r| r.run_started_at.map(|s| minutes(r.updated_at - s)))
        .collect();
    v.insert("ci.avg_workflow_duration_minutes", mean(&durations));
    for (name, p) in [
        ("ci.workflow_duration_minutes.min", 0.0),
        ("ci.workflow_duration_minutes.p50", 50.0),
        ("ci.workflow_duration_minutes.p75", 75.0),
        ("ci.workflow_duration_minutes.p90", 90.0),
        ("ci.workflow_duration_minutes.p95", 95.0),
        ("ci.workflow_duration_minutes.max", 100.0),
    ] {
        v.insert(name, percentile(&durations, p));
    }
    // the newest completed run of the default branch, whenever it ran
    let latest = all_runs
        .iter()
        .filter(|r| {
            r.status == "completed" && r.head_branch.as_deref() == Some(&snapshot.default_branch)
        })
        .filter(|r| r.created_at <= at)
        .max_by_key(|r| (r.created_at, r.id));
    v.insert(
        "ci.tests_passing_on_main",
        Some(
            if latest.is_some_and(|r| r.conclusion.as_deref() == Some("success")) {
                1.0
            } else {
                0.0
            },
        ),
    );
    debug_assert_eq!(v.len(), METRICS.len());
    Report { at, values: v }
}

fn hours(d: Duration) -> f64 {
    d.num_milliseconds() as f64 / 3_600_000.0
}

fn minutes(d: Duration) -> f64 {
    d.num_milliseconds() as f64 / 60_000.0
}

fn mean(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
}
