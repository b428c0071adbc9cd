//! Opted-in series on `/metrics`: the newest value and the active-regression
//! flag per series and metric, nothing of other configs, and the cap.

use std::time::Duration;

use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use prometheus_client::registry::Registry;
use wfm_change_tracking::export::{ExportConfig, SeriesExport};
use wfm_testing::TestDb;

#[derive(diesel::QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

async fn config(conn: &mut AsyncPgConnection, name: &str, export: bool) -> i64 {
    let id = diesel::sql_query(
        "INSERT INTO github_workflow_configs (name, github_owner, github_repo, file_patterns, export_series) \
         VALUES ($1, 'o', $1, '[\"*.csv\"]', $2) RETURNING id",
    )
    .bind::<Text, _>(name)
    .bind::<diesel::sql_types::Bool, _>(export)
    .get_result::<Id>(conn)
    .await
    .expect("config")
    .id;
    let run = diesel::sql_query(
        "INSERT INTO github_workflow_runs (config_id, workload_uid, status) VALUES ($1, 'w', 'completed') RETURNING id",
    )
    .bind::<BigInt, _>(id)
    .get_result::<Id>(conn)
    .await
    .expect("run")
    .id;
    // two series; model x's newest value is 12
    diesel::sql_query(
        "INSERT INTO github_workflow_metrics (config_id, run_id, \"timestamp\", source_file, dimensions, metrics) VALUES \
         ($1, $2, now() - interval '3 hours', 'r.csv', '{\"model\":\"x\"}', '{\"ms\": 10}'), \
         ($1, $2, now() - interval '1 hour', 'r.csv', '{\"model\":\"x\"}', '{\"ms\": 12}'), \
         ($1, $2, now() - interval '1 hour', 'r.csv', '{\"model\":\"y\"}', '{\"ms\": 7.5}'), \
         ($1, $2, now() - interval '90 days', 'r.csv', '{\"model\":\"old\"}', '{\"ms\": 1}')",
    )
    .bind::<BigInt, _>(id)
    .bind::<BigInt, _>(run)
    .execute(conn)
    .await
    .expect("records");
    wfm_db::rollups::rebuild(conn, Some(id))
        .await
        .expect("rollups");
    id
}

async fn regression(conn: &mut AsyncPgConnection, config: i64, model: &str, status: &str) {
    diesel::sql_query(
        "INSERT INTO github_workflow_metric_changes (config_id, series_key, dimensions, metric, branch, at, \
             before_run_id, after_run_id, before_value, after_value, p_value, direction, status) \
         VALUES ($1, hashtextextended(jsonb_build_object('model', $2::text)::text, $1), \
             jsonb_build_object('model', $2::text), 'ms', 'main', now(), 1, 2, 10, 12, 1e-6, 'regression', $3)",
    )
    .bind::<BigInt, _>(config)
    .bind::<Text, _>(model)
    .bind::<Text, _>(status)
    .execute(conn)
    .await
    .expect("change");
}

async fn scrape(db: &TestDb, max_series: usize) -> String {
    let export = SeriesExport::new(
        db.pool().clone(),
        ExportConfig {
            max_series,
            cache: Duration::from_secs(30),
        },
    );
    export.refresh_if_stale().await;
    let mut registry = Registry::default();
    registry.register_collector(export.collector());
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry).expect("encode");
    text
}

#[tokio::test]
async fn opted_in_series_are_exported_with_their_regressions_and_capped() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    let bench = config(&mut conn, "bench", true).await;
    let quiet = config(&mut conn, "quiet", false).await;
    regression(&mut conn, bench, "x", "acknowledged").await;
    regression(&mut conn, bench, "y", "fixed").await;
    regression(&mut conn, quiet, "x", "new").await;

    let text = scrape(&db, 1000).await;
    let key = |model: &str| -> String {
        let dims = serde_json::json!({ "model": model }).to_string();
        // what Postgres computes for the series (the generated column)
        let sql = format!("SELECT hashtextextended('{dims}'::jsonb::text, {bench}) AS id");
        sql
    };
    let mut keys = Vec::new();
    for model in ["x", "y"] {
        keys.push(
            diesel::sql_query(key(model))
                .get_result::<Id>(&mut conn)
                .await
                .expect("key")
                .id,
        );
    }
    let labels = |model: &str, k: i64| {
        format!(
            r#"config_id="{bench}",config="bench",metric="ms",series="model={model}",series_key="{k}""#
        )
    };
    for line in [
        format!(
            "wfm_benchmark_latest_value{{{}}} 12.0",
            labels("x", keys[0])
        ),
        format!("wfm_benchmark_latest_value{{{}}} 7.5", labels("y", keys[1])),
        format!(
            "wfm_benchmark_regression_active{{{}}} 1",
            labels("x", keys[0])
        ),
        format!(
            "wfm_benchmark_regression_active{{{}}} 0",
            labels("y", keys[1])
        ),
        "wfm_benchmark_series_truncated 0".to_owned(),
    ] {
        assert!(text.contains(line.as_str()), "{line} missing from:\n{text}");
    }
    assert!(
        !text.contains("quiet"),
        "a config that did not opt in:\n{text}"
    );
    assert!(!text.contains("model=old"), "nothing in 30 days:\n{text}");

    let capped = scrape(&db, 1).await;
    assert_eq!(
        capped.matches("wfm_benchmark_latest_value{").count(),
        1,
        "{capped}"
    );
    assert!(
        capped.contains("wfm_benchmark_series_truncated 1"),
        "{capped}"
    );
    let off = scrape(&db, 0).await;
    assert!(!off.contains("wfm_benchmark_latest_value{"), "{off}");
}
