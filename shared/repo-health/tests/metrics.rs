//! Every metric of a small repository worked out by hand, in GitHub's own
//! JSON shapes. T = 2026-12-04T12:00Z; the window is [11-27T12:00Z, T].

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use wfm_repo_health::{METRICS, Snapshot, compute};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("time")
        .with_timezone(&Utc)
}

fn parse<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).expect("GitHub's shape")
}

fn pull(
    number: i64,
    state: &str,
    created: &str,
    closed: Option<&str>,
    merged: Option<&str>,
) -> Value {
    json!({"number": number, "state": state, "created_at": created, "closed_at": closed, "merged_at": merged,
           "title": "t", "user": {"login": "u"}})
}

fn commit(sha: &str, login: Option<&str>, email: &str, date: &str, message: &str) -> Value {
    json!({"sha": sha, "author": login.map(|l| json!({"login": l, "id": 1})),
           "commit": {"message": message,
                      "author": {"name": "n", "email": email, "date": date},
                      "committer": {"name": "GitHub", "email": "noreply@github.com", "date": date}}})
}

fn detail(sha: &str, added: u64, deleted: u64, files: &[&str]) -> Value {
    json!({"sha": sha, "stats": {"additions": added, "deletions": deleted, "total": added + deleted},
           "files": files.iter().map(|f| json!({"filename": f, "status": "modified"})).collect::<Vec<_>>()})
}

fn run(
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

fn snapshot() -> Snapshot {
    Snapshot {
        default_branch: "main".into(),
        pulls: parse(json!([
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
        ])),
        branches: 12,
        commits: parse(json!([
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
        ])),
        details: parse(json!([
            detail("a", 10, 2, &["src/a.rs", "src/b.rs"]),
            detail("b", 3, 1, &["src/a.rs"]),
            detail("c", 2, 10, &["src/a.rs", "src/c.rs"]),
            detail("d", 1, 1, &["docs/x.md"]),
            detail("e", 100, 100, &["old.rs"]),
        ])),
        runs: parse(json!([
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
        ])),
    }
}

#[test]
fn every_metric_as_worked_out_by_hand() {
    let report = compute(&snapshot(), at("2026-12-04T12:00:00Z"));
    let expected: [(&str, Option<f64>); 23] = [
        ("prs.open", Some(2.0)),
        ("prs.merged_7d", Some(2.0)),
        ("prs.closed_without_merge_7d", Some(1.0)),
        ("prs.avg_time_to_merge_hours", Some(42.0)), // (36 + 48) / 2
        ("branches.active", Some(12.0)),
        ("commits.total_7d", Some(5.0)), // a, b, c, d, g (a listed twice, e too old)
        ("commits.per_developer_7d", Some(5.0 / 3.0)), // ana, ben, cy@example.com
        ("commits.hotfix", Some(2.0)),   // b ("Hotfix:"), d ("HOT FIX")
        ("commits.reverts", Some(1.0)),  // c; g's "revert" is lower case
        ("developers.active_7d", Some(3.0)),
        ("code.lines_added_7d", Some(16.0)), // 10 + 3 + 2 + 1 (g has no detail)
        ("code.lines_deleted_7d", Some(14.0)), // 2 + 1 + 10 + 1
        ("code.files_changed_7d", Some(4.0)), // src/a.rs, src/b.rs, src/c.rs, docs/x.md
        ("ci.workflow_runs_7d", Some(5.0)),  // 1–5
        ("ci.failed_workflows_7d", Some(2.0)), // 2, 3
        ("ci.avg_workflow_duration_minutes", Some(16.25)), // completed 10, 20, 5, 30
        ("ci.tests_passing_on_main", Some(1.0)), // run 1 (run 5 is still going)
        ("ci.workflow_duration_minutes.min", Some(5.0)),
        ("ci.workflow_duration_minutes.p50", Some(15.0)), // h = 1.5 of [5, 10, 20, 30]
        ("ci.workflow_duration_minutes.p75", Some(22.5)), // h = 2.25
        ("ci.workflow_duration_minutes.p90", Some(27.0)), // h = 2.7
        ("ci.workflow_duration_minutes.p95", Some(28.5)), // h = 2.85
        ("ci.workflow_duration_minutes.max", Some(30.0)),
    ];
    for (name, value) in expected {
        let got = report.get(name);
        match (got, value) {
            (Some(g), Some(v)) => assert!((g - v).abs() < 1e-9, "{name}: {g} ≠ {v}"),
            _ => assert_eq!(got, value, "{name}"),
        }
    }
    assert_eq!(report.values.len(), METRICS.len());
    let names: Vec<&str> = report.values.keys().copied().collect();
    let mut all = METRICS.to_vec();
    all.sort_unstable();
    assert_eq!(names, all);
    // percentiles are ordered
    let p = |n: &str| {
        report
            .get(&format!("ci.workflow_duration_minutes.{n}"))
            .unwrap_or(f64::NAN)
    };
    assert!(
        p("min") <= p("p50")
            && p("p50") <= p("p75")
            && p("p75") <= p("p90")
            && p("p90") <= p("p95")
            && p("p95") <= p("max")
    );
}

#[test]
fn a_failed_latest_run_on_main_and_a_quiet_week() {
    let mut s = snapshot();
    s.runs[0].conclusion = Some("failure".into());
    assert_eq!(
        compute(&s, at("2026-12-04T12:00:00Z")).get("ci.tests_passing_on_main"),
        Some(0.0)
    );

    // nothing in the window: counts are 0, means and percentiles have no value
    let quiet = compute(&snapshot(), at("2027-03-01T00:00:00Z"));
    for name in [
        "prs.merged_7d",
        "commits.total_7d",
        "ci.workflow_runs_7d",
        "code.lines_added_7d",
    ] {
        assert_eq!(quiet.get(name), Some(0.0), "{name}");
    }
    for name in [
        "prs.avg_time_to_merge_hours",
        "commits.per_developer_7d",
        "ci.avg_workflow_duration_minutes",
        "ci.workflow_duration_minutes.p95",
    ] {
        assert_eq!(quiet.get(name), None, "{name}");
    }
    // still open, still counted; the last completed run on main still says
    assert_eq!(quiet.get("prs.open"), Some(2.0));
    assert_eq!(quiet.get("ci.tests_passing_on_main"), Some(1.0));
}
