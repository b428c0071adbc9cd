//! Migrations apply, revert and re-apply cleanly on an empty schema.

use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;
use wfm_db::migrate::{self, migration_count};
use wfm_testing::TestDb;

const WFM_TABLES: [&str; 24] = [
    "github_actions_runs",
    "github_app_installation_repositories",
    "github_app_installations",
    "github_job_analyses",
    "github_job_logs",
    "github_job_resource_samples",
    "github_repositories",
    "github_repository_collections",
    "github_repository_health",
    "github_webhook_deliveries",
    "github_workflow_backfills",
    "github_workflow_change_notifications",
    "github_workflow_configs",
    "github_workflow_jobs",
    "github_workflow_metric_change_queue",
    "github_workflow_metric_changes",
    "github_workflow_metric_rollup_queue",
    "github_workflow_metric_rollups",
    "github_workflow_metric_schemas",
    "github_workflow_metric_series",
    "github_workflow_metric_sketches",
    "github_workflow_metrics",
    "github_workflow_runs",
    "gpu_workloads",
];

#[derive(diesel::deserialize::QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(diesel::deserialize::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn tables(db: &TestDb) -> Vec<String> {
    let mut conn = db.pool().get().await.expect("a connection");
    let rows: Vec<Name> = diesel::sql_query(
        "SELECT table_name::text AS name FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_\\_diesel%'
         ORDER BY 1",
    )
    .load(&mut conn)
    .await
    .expect("listing tables");
    rows.into_iter().map(|r| r.name).collect()
}

/// Functions and triggers the migrations own (they must go with `down` too).
async fn routines(db: &TestDb) -> i64 {
    let mut conn = db.pool().get().await.expect("a connection");
    let row: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = current_schema()",
    )
    .get_result(&mut conn)
    .await
    .expect("counting functions");
    row.n
}

#[tokio::test]
async fn up_down_up_on_an_empty_schema() {
    let db = TestDb::empty().await;
    let config = db.config();

    let applied = migrate::run_pending(&config).await.unwrap();
    assert_eq!(applied.len(), migration_count());
    assert_eq!(tables(&db).await, WFM_TABLES);
    assert!(migrate::pending(&config).await.unwrap().is_empty());
    assert!(
        migrate::run_pending(&config).await.unwrap().is_empty(),
        "second run is a no-op"
    );

    let reverted = migrate::revert_all(&config).await.unwrap();
    assert_eq!(reverted.len(), migration_count());
    assert!(tables(&db).await.is_empty(), "down leaves no table behind");
    assert_eq!(routines(&db).await, 0, "down leaves no function behind");
    assert_eq!(
        migrate::pending(&config).await.unwrap().len(),
        migration_count()
    );

    let reapplied = migrate::run_pending(&config).await.unwrap();
    assert_eq!(reapplied, applied);
    assert_eq!(tables(&db).await, WFM_TABLES);
}

#[tokio::test]
async fn concurrent_migrations_apply_once() {
    let db = TestDb::empty().await;
    let config = db.config();
    let (a, b) = tokio::join!(migrate::run_pending(&config), migrate::run_pending(&config));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(
        a.len() + b.len(),
        migration_count(),
        "each migration ran exactly once: {a:?} {b:?}"
    );
    assert_eq!(tables(&db).await, WFM_TABLES);
}
