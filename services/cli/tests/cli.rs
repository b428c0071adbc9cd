//! `wfm` as a process against a real database.

use std::time::Duration;

use wfm_db::migrate::migration_count;
use wfm_testing::{ServiceProcess, TestDb};

const BIN: &str = env!("CARGO_BIN_EXE_wfm");

/// Runs `wfm args…` with `env`; returns (exit code, output).
fn wfm(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    ServiceProcess::run_to_end(BIN, args, env, Duration::from_secs(60))
}

fn line(what: &str) -> String {
    format!("migrations: {} {what}", migration_count())
}

#[tokio::test]
async fn migrate_applies_then_reports_up_to_date() {
    let db = TestDb::empty().await;
    let env = [("DATABASE_URL", db.url())];

    let (code, out) = wfm(&["migrate", "status"], &env);
    assert_eq!(code, Some(1), "pending migrations make status fail: {out}");
    assert!(out.contains(&line("pending")), "{out}");

    let (code, out) = wfm(&["migrate"], &env);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains(&line("applied")), "{out}");

    let (code, out) = wfm(&["migrate", "up"], &env);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("migrations: up to date"), "{out}");

    let (code, out) = wfm(&["migrate", "status"], &env);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("migrations: 0 pending"), "{out}");
}

#[tokio::test]
async fn revert_all_needs_confirmation() {
    let db = TestDb::new().await;
    let env = [("DATABASE_URL", db.url())];

    let (code, out) = wfm(&["migrate", "revert-all"], &env);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("pass --yes"), "{out}");

    let (code, out) = wfm(&["migrate", "revert-all", "--yes"], &env);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains(&line("reverted")), "{out}");
}

#[tokio::test]
async fn bad_configuration_exits_2_naming_the_variable() {
    let (code, out) = wfm(&["migrate"], &[]);
    assert_eq!(code, Some(2));
    assert_eq!(
        out.trim(),
        "wfm: configuration error: DATABASE_URL is required but not set"
    );

    let (code, out) = wfm(&["migrate"], &[("DATABASE_URL", "postgres://h:port/db")]);
    assert_eq!(code, Some(2));
    assert!(
        out.starts_with("wfm: configuration error: invalid value for DATABASE_URL"),
        "{out}"
    );
}

#[tokio::test]
async fn an_unreachable_database_is_a_clear_failure() {
    let url = format!(
        "postgres://postgres@127.0.0.1:{}/postgres",
        wfm_testing::free_port()
    );
    let (code, out) = wfm(
        &["migrate"],
        &[("DATABASE_URL", &url), ("WFM_DB_CONNECT_TIMEOUT", "1s")],
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.starts_with("wfm: cannot connect to the database"),
        "{out}"
    );
}

#[tokio::test]
async fn runs_requeue_and_reap() {
    use diesel_async::RunQueryDsl;
    let db = TestDb::new().await;
    let env = [("DATABASE_URL", db.url())];
    let mut conn = db.connect().await;
    diesel::sql_query(
        "INSERT INTO github_workflow_configs (name, github_owner, github_repo, file_patterns) \
         VALUES ('c', 'o', 'r', '[\"*.csv\"]')",
    )
    .execute(&mut conn)
    .await
    .expect("config");
    diesel::sql_query(
        "INSERT INTO github_workflow_runs (config_id, workload_uid, status, claimed_by, lease_expires_at) \
         SELECT id, 'failed-1', 'failed', NULL, NULL FROM github_workflow_configs UNION ALL \
         SELECT id, 'stuck-1', 'collecting', 'gone', now() - interval '1 minute' FROM github_workflow_configs",
    )
    .execute(&mut conn)
    .await
    .expect("runs");

    let (code, out) = wfm(&["runs", "requeue", "--status", "failed"], &env);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("runs: 1 requeued"), "{out}");
    let (code, out) = wfm(&["runs", "reap"], &env);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("runs: 1 reaped"), "{out}");
    let (code, out) = wfm(&["runs", "requeue", "--status", "pending"], &env);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("not finished"), "{out}");
}

#[tokio::test]
async fn rollups_refresh_rebuilds_from_the_records() {
    use diesel_async::RunQueryDsl;
    let db = TestDb::new().await;
    let env = [("DATABASE_URL", db.url())];
    let mut conn = db.connect().await;
    diesel::sql_query(
        "WITH c AS (INSERT INTO github_workflow_configs (name, github_owner, github_repo, file_patterns) \
                    VALUES ('c', 'o', 'r', '[\"*.csv\"]') RETURNING id), \
              r AS (INSERT INTO github_workflow_runs (config_id, workload_uid) SELECT id, 'w' FROM c RETURNING id, config_id) \
         INSERT INTO github_workflow_metrics (config_id, run_id, \"timestamp\", dimensions, metrics) \
         SELECT config_id, id, '2025-01-01T10:20:00Z'::timestamptz, '{\"m\": \"a\"}'::jsonb, '{\"x\": 2}'::jsonb FROM r UNION ALL \
         SELECT config_id, id, '2025-01-01T10:40:00Z', '{\"m\": \"a\"}', '{\"x\": 4, \"note\": \"n/a\"}' FROM r",
    )
    .execute(&mut conn)
    .await
    .expect("records written behind the collector's back");
    let (code, out) = wfm(&["rollups", "refresh"], &env);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("rollups: 1 configs refreshed"), "{out}");
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        summary: String,
    }
    let row: Row = diesel::sql_query(
        "SELECT string_agg(metric || ' ' || count || ' ' || sum || ' ' || last_value, ';' ORDER BY grain) AS summary \
         FROM github_workflow_metric_rollups",
    )
    .get_result(&mut conn)
    .await
    .expect("rollups");
    // the day and the hour of every series and of the one series; the
    // string is not a metric
    assert_eq!(row.summary, "x 2 6 4;x 2 6 4;x 2 6 4;x 2 6 4");
}
