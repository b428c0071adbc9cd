//! Schema invariants: the spec's unique keys, the CHECK constraints that mirror
//! the Rust enums, the NOTIFY triggers, and the session settings of pooled connections.

use std::time::Duration;

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::Text;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::StreamExt;
use wfm_db::models::{Config, NewConfig, NewRun, Run};
use wfm_db::schema::{github_workflow_configs as configs, github_workflow_runs as runs};
use wfm_db::{
    BackfillState, ChangeDirection, ChangeStatus, GeneratedBy, JobStatus, NotificationState,
    ReaderKind, RunStatus, TriggerSource, WorkloadKind, WorkloadStatus, notify,
};
use wfm_testing::{TestDb, insert_config};

fn runner_set_config(name: &str, ns: &str, set: &str, cluster: &str) -> NewConfig {
    NewConfig {
        name: name.into(),
        runner_set_namespace: Some(ns.into()),
        runner_set_name: Some(set.into()),
        cluster_name: Some(cluster.into()),
        file_patterns: Some(serde_json::json!(["results/**/*.json"])),
        ..NewConfig::default()
    }
}

async fn insert_run(conn: &mut AsyncPgConnection, new: &NewRun) -> QueryResult<Run> {
    diesel::insert_into(runs::table)
        .values(new)
        .returning(Run::as_returning())
        .get_result(conn)
        .await
}

fn kind_of(err: QueryResult<impl std::fmt::Debug>) -> DatabaseErrorKind {
    match err {
        Err(DieselError::DatabaseError(kind, _)) => kind,
        other => panic!("expected a database error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_second_run_for_the_same_config_and_workload_is_rejected() {
    let db = TestDb::new().await;
    let mut conn = db.pool().get().await.unwrap();
    let config = insert_config(&mut conn, &runner_set_config("a", "arc", "bench", "c1"))
        .await
        .unwrap();
    let other = insert_config(&mut conn, &runner_set_config("b", "arc", "other", "c1"))
        .await
        .unwrap();
    let run = |config_id| NewRun {
        config_id,
        workload_uid: "uid-1".into(),
        ..NewRun::default()
    };

    let first = insert_run(&mut conn, &run(config.id)).await.unwrap();
    assert_eq!(first.status, RunStatus::Pending);
    assert_eq!(first.trigger_source, TriggerSource::Realtime);

    let again = insert_run(&mut conn, &run(config.id)).await;
    assert_eq!(kind_of(again), DatabaseErrorKind::UniqueViolation);
    // The same workload under another config is a different run.
    insert_run(&mut conn, &run(other.id)).await.unwrap();
}

#[tokio::test]
async fn a_second_config_for_the_same_runner_set_and_cluster_is_rejected() {
    let db = TestDb::new().await;
    let mut conn = db.pool().get().await.unwrap();
    insert_config(&mut conn, &runner_set_config("a", "arc", "bench", "c1"))
        .await
        .unwrap();

    let duplicate = insert_config(&mut conn, &runner_set_config("b", "arc", "bench", "c1")).await;
    assert_eq!(kind_of(duplicate), DatabaseErrorKind::UniqueViolation);
    // Another cluster or namespace is another runner set.
    insert_config(&mut conn, &runner_set_config("c", "arc", "bench", "c2"))
        .await
        .unwrap();
    insert_config(&mut conn, &runner_set_config("d", "arc2", "bench", "c1"))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_config_needs_a_binding_and_repo_bindings_are_unique() {
    let db = TestDb::new().await;
    let mut conn = db.pool().get().await.unwrap();
    let unbound = NewConfig {
        name: "nothing".into(),
        ..NewConfig::default()
    };
    assert_eq!(
        kind_of(insert_config(&mut conn, &unbound).await),
        DatabaseErrorKind::CheckViolation
    );
    let half = NewConfig {
        name: "half".into(),
        runner_set_name: Some("bench".into()),
        ..NewConfig::default()
    };
    assert_eq!(
        kind_of(insert_config(&mut conn, &half).await),
        DatabaseErrorKind::CheckViolation
    );

    let repo = NewConfig {
        name: "webhook".into(),
        github_owner: Some("octo-org".into()),
        github_repo: Some("bench-suite".into()),
        ..NewConfig::default()
    };
    let stored = insert_config(&mut conn, &repo).await.unwrap();
    assert_eq!(stored.reader, ReaderKind::Mounted);
    assert_eq!(stored.cluster_name, "default");
    assert!(stored.enabled);
    assert_eq!(
        kind_of(insert_config(&mut conn, &repo).await),
        DatabaseErrorKind::UniqueViolation
    );
}

#[derive(QueryableByName)]
struct CheckDef {
    #[diesel(sql_type = Text)]
    def: String,
}

/// The quoted values of the CHECK constraint on `table.column`, in order.
async fn check_values(conn: &mut AsyncPgConnection, table: &str, column: &str) -> Vec<String> {
    // The definition is filtered here, not in SQL: the planner may call
    // pg_get_constraintdef on other schemas' constraints before the schema
    // filter, and a parallel test dropping its schema makes that call fail.
    let rows: Vec<CheckDef> = diesel::sql_query(
        "SELECT pg_get_constraintdef(c.oid) AS def
         FROM pg_constraint c
         JOIN pg_class t ON t.oid = c.conrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY (c.conkey)
         WHERE n.nspname = current_schema() AND c.contype = 'c'
           AND t.relname = $1 AND a.attname = $2",
    )
    .bind::<Text, _>(table)
    .bind::<Text, _>(column)
    .load(conn)
    .await
    .unwrap_or_else(|e| panic!("CHECKs on {table}.{column}: {e}"));
    let row = rows
        .into_iter()
        .find(|r| r.def.contains("ARRAY["))
        .unwrap_or_else(|| panic!("no value CHECK on {table}.{column}"));
    row.def
        .split('\'')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

fn strings<T: Copy>(all: &[T], as_str: fn(T) -> &'static str) -> Vec<String> {
    all.iter().map(|v| as_str(*v).to_owned()).collect()
}

#[tokio::test]
async fn check_constraints_match_the_rust_enums() {
    let db = TestDb::new().await;
    let mut conn = db.pool().get().await.unwrap();
    let cases = [
        (
            "github_workflow_runs",
            "status",
            strings(RunStatus::ALL, RunStatus::as_str),
        ),
        (
            "github_workflow_runs",
            "trigger_source",
            strings(TriggerSource::ALL, TriggerSource::as_str),
        ),
        (
            "github_workflow_metric_schemas",
            "generated_by",
            strings(GeneratedBy::ALL, GeneratedBy::as_str),
        ),
        (
            "github_workflow_backfills",
            "state",
            strings(BackfillState::ALL, BackfillState::as_str),
        ),
        (
            "github_workflow_configs",
            "reader",
            strings(ReaderKind::ALL, ReaderKind::as_str),
        ),
        (
            "gpu_workloads",
            "kind",
            strings(WorkloadKind::ALL, WorkloadKind::as_str),
        ),
        (
            "gpu_workloads",
            "status",
            strings(WorkloadStatus::ALL, WorkloadStatus::as_str),
        ),
        (
            "github_workflow_jobs",
            "status",
            strings(JobStatus::ALL, JobStatus::as_str),
        ),
        (
            "github_workflow_metric_changes",
            "status",
            strings(ChangeStatus::ALL, ChangeStatus::as_str),
        ),
        (
            "github_workflow_metric_changes",
            "direction",
            strings(ChangeDirection::ALL, ChangeDirection::as_str),
        ),
        (
            "github_workflow_change_notifications",
            "state",
            strings(NotificationState::ALL, NotificationState::as_str),
        ),
    ];
    for (table, column, expected) in cases {
        assert_eq!(
            check_values(&mut conn, table, column).await,
            expected,
            "{table}.{column}"
        );
    }
}

#[tokio::test]
async fn enums_round_trip_through_the_database_and_bad_strings_are_refused() {
    let db = TestDb::new().await;
    let mut conn = db.pool().get().await.unwrap();
    let config = insert_config(&mut conn, &runner_set_config("a", "arc", "bench", "c1"))
        .await
        .unwrap();
    for (i, source) in TriggerSource::ALL.iter().enumerate() {
        let run = insert_run(
            &mut conn,
            &NewRun {
                config_id: config.id,
                workload_uid: format!("uid-{i}"),
                trigger_source: Some(*source),
                status: Some(RunStatus::Skipped),
                ..NewRun::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            (run.trigger_source, run.status),
            (*source, RunStatus::Skipped)
        );
    }
    let bad = diesel::sql_query("UPDATE github_workflow_runs SET status = 'done'")
        .execute(&mut conn)
        .await;
    assert_eq!(kind_of(bad), DatabaseErrorKind::CheckViolation);
}

#[tokio::test]
async fn updated_at_moves_on_update() {
    let db = TestDb::new().await;
    let mut conn = db.pool().get().await.unwrap();
    let config = insert_config(&mut conn, &runner_set_config("a", "arc", "bench", "c1"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let updated: Config = diesel::update(configs::table.find(config.id))
        .set(configs::enabled.eq(false))
        .returning(Config::as_returning())
        .get_result(&mut conn)
        .await
        .unwrap();
    assert!(updated.updated_at > config.updated_at);
    assert_eq!(updated.created_at, config.created_at);

    // bookkeeping is not an edit
    tokio::time::sleep(Duration::from_millis(5)).await;
    let noted: Config = diesel::update(configs::table.find(config.id))
        .set((
            configs::last_processed_workload_uid.eq("uid-1"),
            configs::last_checked_at.eq(chrono::Utc::now()),
        ))
        .returning(Config::as_returning())
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(noted.updated_at, updated.updated_at);
    assert_eq!(noted.last_processed_workload_uid.as_deref(), Some("uid-1"));
}

#[tokio::test]
async fn workflow_filters_match_a_name_a_path_or_a_file_name() {
    let db = TestDb::new().await;
    let mut conn = db.pool().get().await.unwrap();
    #[derive(QueryableByName)]
    struct Matches {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        m: bool,
    }
    let path = Some(".github/workflows/benchmark.yml");
    for (filter, name, path, expected) in [
        (None, Some("Nightly"), path, true),
        (Some("Nightly"), Some("Nightly"), None, true),
        (Some("benchmark.yml"), Some("Nightly"), path, true),
        (
            Some(".github/workflows/benchmark.yml"),
            Some("Nightly"),
            path,
            true,
        ),
        (Some("benchmark.yml"), Some("Nightly"), None, false),
        (Some("other.yml"), Some("Nightly"), path, false),
        (Some("workflows/benchmark.yml"), None, path, false),
    ] {
        let row: Matches = diesel::sql_query("SELECT wfm_workflow_matches($1, $2, $3) AS m")
            .bind::<diesel::sql_types::Nullable<Text>, _>(filter)
            .bind::<diesel::sql_types::Nullable<Text>, _>(name)
            .bind::<diesel::sql_types::Nullable<Text>, _>(path)
            .get_result(&mut conn)
            .await
            .unwrap();
        assert_eq!(row.m, expected, "{filter:?} {name:?} {path:?}");
    }
}

/// The next notification on `conn`, or `None` after `wait`.
async fn next_notification(
    conn: &mut AsyncPgConnection,
    wait: Duration,
) -> Option<diesel::pg::PgNotification> {
    let mut stream = std::pin::pin!(conn.notifications_stream());
    tokio::time::timeout(wait, stream.next())
        .await
        .ok()
        .flatten()
        .map(|n| n.expect("a notification, not an error"))
}

#[tokio::test]
async fn a_new_pending_run_notifies_its_schema_channel() {
    let db = TestDb::new().await;
    let mut listener = db.connect().await;
    let channel = notify::listen(&mut listener, notify::RUNS_PENDING)
        .await
        .unwrap();
    assert_eq!(channel, format!("{}.wfm_runs_pending", db.schema()));

    let mut conn = db.pool().get().await.unwrap();
    let config = insert_config(&mut conn, &runner_set_config("a", "arc", "bench", "c1"))
        .await
        .unwrap();
    let run = insert_run(
        &mut conn,
        &NewRun {
            config_id: config.id,
            workload_uid: "uid-1".into(),
            ..NewRun::default()
        },
    )
    .await
    .unwrap();

    let note = next_notification(&mut listener, Duration::from_secs(5))
        .await
        .expect("a notification for the new pending run");
    assert_eq!(note.channel, channel);
    assert_eq!(note.payload, config.id.to_string());

    // A run that is not pending wakes nobody…
    insert_run(
        &mut conn,
        &NewRun {
            config_id: config.id,
            workload_uid: "uid-2".into(),
            status: Some(RunStatus::Completed),
            ..NewRun::default()
        },
    )
    .await
    .unwrap();
    assert!(
        next_notification(&mut listener, Duration::from_millis(300))
            .await
            .is_none()
    );

    // …until it goes back to pending (a retry).
    diesel::update(runs::table.find(run.id))
        .set(runs::status.eq(RunStatus::Failed))
        .execute(&mut conn)
        .await
        .unwrap();
    assert!(
        next_notification(&mut listener, Duration::from_millis(300))
            .await
            .is_none()
    );
    diesel::update(runs::table.find(run.id))
        .set(runs::status.eq(RunStatus::Pending))
        .execute(&mut conn)
        .await
        .unwrap();
    let retry = next_notification(&mut listener, Duration::from_secs(5))
        .await
        .expect("a notification for the retried run");
    assert_eq!(retry.payload, config.id.to_string());
}

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = Text)]
    value: String,
}

#[tokio::test]
async fn pooled_connections_carry_wfm_session_settings() {
    let db = TestDb::new().await;
    let mut conn = db.pool().get().await.unwrap();
    let show = |sql: &'static str| diesel::sql_query(sql);
    let timeout: Setting = show("SELECT current_setting('statement_timeout') AS value")
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(timeout.value, "30s");
    let app: Setting = show("SELECT current_setting('application_name') AS value")
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(app.value, "wfm-test");
    let schema: Setting = show("SELECT current_schema()::text AS value")
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(schema.value, db.schema());
}
