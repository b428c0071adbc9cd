//! Every metric of a small repository worked out by hand, in GitHub's own
//! JSON shapes. T = 2026-12-04T12:00Z; the window is [11-27T12:00Z, T].

mod common;

use common::{T, at, snapshot};
use wfm_repo_health::{METRICS, compute};

#[test]
fn every_metric_as_worked_out_by_hand() {
    let report = compute(&snapshot(), at(T));
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
        compute(&s, at(T)).get("ci.tests_passing_on_main"),
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
