//! A small repository in GitHub's own JSON shapes, worked out by hand in
//! tests/metrics.rs and served by a fake GitHub in tests/gather.rs.
#![allow(dead_code)]

pub mod fake;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use wfm_repo_health::Snapshot;

pub const T: &str = "2026-12-04T12:00:00Z";

pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("time")
        .with_timezone(&Utc)
}

pub fn parse<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).expect("GitHub's shape")
}

pub fn pull(
    number: i64,
    state: &str,
    created: &str,
    closed: Option<&str>,
    merged: Option<&str>,
) -> Value {
    json!({"number": number, "state": state, "created_at": created, "closed_at": closed, "merged_at": merged,
           "title": "t", "user": {"login": "u"}})
}

pub fn commit(sha: &str, login: Option<&str>, email: &str, date: &str, message: &str) -> Value {
    json!({"sha": sha, "author": login.map(|l| json!({"login": l, "id": 1})),
           "commit": {"message": message,
                      "author": {"name": "n", "email": email, "date": date},
                      "committer": {"name": "GitHub", "email": "noreply@github.com", "date": date}}})
}

pub fn detail(sha: &str, added: u64, deleted: u64, files: &[&str]) -> Value {
    json!({"sha": sha, "stats": {"additions": added, "deletions": deleted, "total": added + deleted},
           "files": files.iter().map(|f| json!({"filename": f, "status": "modified"})).collect::<Vec<_>>()})
}

pub fn run(
    id: i64,
    branch: &str,
    created: &str,
    status: &str,
    conclusion: Option<&str>,
    started: &str,
    updated: &str,
) -> Value {
    json!({"id": id, "head_branch": branch, "status": status, "conclusion": conclusion, "created_at": created,
           "run_started_at": started, "updated_at": updated, "name": "CI", "event": "push"})
}

pub fn pulls() -> Value {
    json!([
        pull(1, "open", "2026-11-20T00:00:00Z", None, None),
        pull(2, "open", "2026-12-01T00:00:00Z", None, None),
        // merged in the window after 36 h and 48 h
        pull(
            3,
            "closed",
            "2026-12-01T00:00:00Z",
            Some("2026-12-02T12:00:00Z"),
            Some("2026-12-02T12:00:00Z")
        ),
        pull(
            4,
            "closed",
            "2026-11-28T00:00:00Z",
            Some("2026-11-30T00:00:00Z"),
            Some("2026-11-30T00:00:00Z")
        ),
        pull(
            5,
            "closed",
            "2026-11-29T00:00:00Z",
            Some("2026-12-03T00:00:00Z"),
            None
        ),
        // before the window
        pull(
            6,
            "closed",
            "2026-11-10T00:00:00Z",
            Some("2026-11-20T00:00:00Z"),
            Some("2026-11-20T00:00:00Z")
        ),
        pull(
            7,
            "closed",
            "2026-11-10T00:00:00Z",
            Some("2026-11-25T00:00:00Z"),
            None
        ),
    ])
}

pub const BRANCHES: u64 = 12;

pub fn commits() -> Value {
    json!([
        commit(
            "a",
            Some("ana"),
            "ana@example.com",
            "2026-12-04T10:00:00Z",
            "Add kernel"
        ),
        commit(
            "b",
            Some("ben"),
            "ben@example.com",
            "2026-12-03T00:00:00Z",
            "Hotfix: overflow\n\nin the tiler"
        ),
        commit(
            "c",
            None,
            "Cy@Example.com",
            "2026-12-02T00:00:00Z",
            "Revert \"Add kernel\""
        ),
        commit(
            "d",
            Some("ana"),
            "ana@example.com",
            "2026-12-01T00:00:00Z",
            "fix the HOT FIX path"
        ),
        commit(
            "e",
            Some("dan"),
            "dan@example.com",
            "2026-11-26T00:00:00Z",
            "hotfix before the window"
        ),
        commit(
            "a",
            Some("ana"),
            "ana@example.com",
            "2026-12-04T10:00:00Z",
            "Add kernel"
        ),
        commit(
            "g",
            None,
            "cy@example.com",
            "2026-11-30T00:00:00Z",
            "revert a typo\n\nHotfix in the body only"
        ),
    ])
}

pub fn details() -> Value {
    json!([
        detail("a", 10, 2, &["src/a.rs", "src/b.rs"]),
        detail("b", 3, 1, &["src/a.rs"]),
        detail("c", 2, 10, &["src/a.rs", "src/c.rs"]),
        detail("d", 1, 1, &["docs/x.md"]),
        detail("e", 100, 100, &["old.rs"]),
    ])
}

pub fn runs() -> Value {
    json!([
        run(
            1,
            "main",
            "2026-12-04T08:00:00Z",
            "completed",
            Some("success"),
            "2026-12-04T08:01:00Z",
            "2026-12-04T08:11:00Z"
        ),
        run(
            2,
            "pr-9",
            "2026-12-03T00:00:00Z",
            "completed",
            Some("failure"),
            "2026-12-03T00:00:00Z",
            "2026-12-03T00:20:00Z"
        ),
        run(
            3,
            "main",
            "2026-12-02T00:00:00Z",
            "completed",
            Some("failure"),
            "2026-12-02T00:00:00Z",
            "2026-12-02T00:05:00Z"
        ),
        run(
            4,
            "main",
            "2026-12-01T00:00:00Z",
            "completed",
            Some("success"),
            "2026-12-01T00:00:00Z",
            "2026-12-01T00:30:00Z"
        ),
        run(
            5,
            "main",
            "2026-12-04T11:00:00Z",
            "in_progress",
            None,
            "2026-12-04T11:00:00Z",
            "2026-12-04T11:30:00Z"
        ),
        run(
            6,
            "main",
            "2026-11-20T00:00:00Z",
            "completed",
            Some("failure"),
            "2026-11-20T00:00:00Z",
            "2026-11-20T01:40:00Z"
        ),
    ])
}

pub fn snapshot() -> Snapshot {
    Snapshot {
        default_branch: "main".into(),
        pulls: parse(pulls()),
        branches: BRANCHES,
        commits: parse(commits()),
        details: parse(details()),
        runs: parse(runs()),
    }
}
