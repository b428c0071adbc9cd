//! The records' series keys and the rollups (migration
//! `series_keys_and_sketches`): what Postgres computes agrees with what the
//! readers decode, a run's records leave with it, queued hours refresh once,
//! and rows written by SQL become queryable after a rebuild.

use chrono::{DateTime, TimeZone, Utc};
use diesel::sql_types::{BigInt, Double, Integer, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use wfm_db::rollups;
use wfm_testing::TestDb;

#[derive(diesel::QueryableByName)]
struct N {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn count(conn: &mut AsyncPgConnection, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<N>(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .n
}

async fn exec(conn: &mut AsyncPgConnection, sql: &str) {
    diesel::sql_query(sql)
        .execute(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A config with two runs: run 1 has three records in two hours of one day
/// (two series), run 2 one record the next day. Written by SQL, in the
/// spec's columns only.
async fn seeded(db: &TestDb) -> AsyncPgConnection {
    let mut conn = db.connect().await;
    exec(
        &mut conn,
        "INSERT INTO github_workflow_configs (id, name, github_owner, github_repo, file_patterns) \
         VALUES (1, 'c', 'o', 'r', '[\"*\"]')",
    )
    .await;
    exec(
        &mut conn,
        "INSERT INTO github_workflow_runs (id, config_id, workload_uid) VALUES (1, 1, 'a'), (2, 1, 'b')",
    )
    .await;
    exec(
        &mut conn,
        "INSERT INTO github_workflow_metrics (config_id, run_id, \"timestamp\", dimensions, metrics) VALUES \
         (1, 1, '2025-01-01T10:10:00Z', '{\"m\": \"x\"}', '{\"t\": 10, \"note\": \"n/a\"}'), \
         (1, 1, '2025-01-01T10:20:00Z', '{\"m\": \"y\"}', '{\"t\": -2.5}'), \
         (1, 1, '2025-01-01T13:00:00Z', '{\"m\": \"x\"}', '{\"t\": 30}'), \
         (1, 2, '2025-01-02T09:00:00Z', '{\"m\": \"x\"}', '{\"t\": 0}')",
    )
    .await;
    conn
}

#[tokio::test]
async fn postgres_bins_values_as_wfm_sketch_does() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    // every decade from 1e-12 to 1e300, both signs, with values near bin edges
    let mut values = vec![0.0, 1.0, -1.0, 1e-9, 2e-9, f64::MAX, f64::MIN_POSITIVE];
    let mut v = 1e-12;
    while v < 1e300 {
        for f in [1.0, 1.0000001, 1.0201, 1.0202, 3.3, 7.77] {
            values.push(v * f);
            values.push(-v * f);
        }
        v *= 10.0;
    }
    #[derive(diesel::QueryableByName)]
    struct Bin {
        #[diesel(sql_type = Integer)]
        bin: i32,
    }
    for value in values {
        let got: Bin = diesel::sql_query("SELECT wfm_sketch_bin($1) AS bin")
            .bind::<Double, _>(value)
            .get_result(&mut conn)
            .await
            .expect("bin");
        assert_eq!(got.bin, wfm_sketch::bin_of(value), "{value}");
    }
}

#[tokio::test]
async fn sql_written_rows_become_queryable_after_a_rebuild() {
    let db = TestDb::new().await;
    let mut conn = seeded(&db).await;
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM github_workflow_metrics WHERE series_key IS NULL"
        )
        .await,
        0,
        "Postgres computes the series key of rows written by SQL"
    );
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM github_workflow_metric_rollups"
        )
        .await,
        0
    );
    assert_eq!(rollups::rebuild(&mut conn, None).await.expect("rebuild"), 1);
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM github_workflow_metric_series"
        )
        .await,
        2
    );
    #[derive(diesel::QueryableByName, Debug, PartialEq)]
    struct Rollup {
        #[diesel(sql_type = Text)]
        grain: String,
        #[diesel(sql_type = Text)]
        bucket: String,
        #[diesel(sql_type = BigInt)]
        count: i64,
        #[diesel(sql_type = Double)]
        sum: f64,
        #[diesel(sql_type = Double)]
        last_value: f64,
        #[diesel(sql_type = BigInt)]
        binned: i64,
    }
    let rows: Vec<Rollup> = diesel::sql_query(
        "SELECT r.grain::text AS grain, to_char(r.bucket AT TIME ZONE 'UTC', 'DD HH24') AS bucket, \
                sum(r.count)::int8 AS count, sum(r.sum) AS sum, max(r.last_value) AS last_value, \
                (SELECT sum(c)::int8 FROM github_workflow_metric_sketches k, unnest(k.counts) c \
                 WHERE k.grain = r.grain AND k.bucket = r.bucket) AS binned \
         FROM github_workflow_metric_rollups r WHERE r.metric = 't' GROUP BY 1, 2, r.grain, r.bucket \
         ORDER BY r.grain::text COLLATE \"C\", 2",
    )
    .load(&mut conn)
    .await
    .expect("rollups");
    let row = |grain: &str, bucket: &str, count, sum, last_value| Rollup {
        grain: grain.into(),
        bucket: bucket.into(),
        count,
        sum,
        last_value,
        binned: count,
    };
    assert_eq!(
        rows,
        vec![
            row("D", "01 00", 3, 37.5, 30.0),
            row("D", "02 00", 1, 0.0, 0.0),
            row("H", "01 10", 2, 7.5, -2.5),
            row("H", "01 13", 1, 30.0, 30.0),
            row("H", "02 09", 1, 0.0, 0.0),
            row("d", "01 00", 3, 37.5, 30.0),
            row("d", "02 00", 1, 0.0, 0.0),
            row("h", "01 10", 2, 7.5, 10.0),
            row("h", "01 13", 1, 30.0, 30.0),
            row("h", "02 09", 1, 0.0, 0.0),
        ],
        "the string is not a metric; each sketch holds its rollup's values"
    );
}

#[tokio::test]
async fn a_runs_records_leave_with_it() {
    let db = TestDb::new().await;
    let mut conn = seeded(&db).await;
    exec(&mut conn, "DELETE FROM github_workflow_runs WHERE id = 1").await;
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM github_workflow_metrics"
        )
        .await,
        1,
        "the deleted run's three records went, the other run's stayed"
    );
    // by cascade from the config, through its runs; what was derived from
    // its records goes with it
    rollups::rebuild(&mut conn, None).await.expect("rebuild");
    rollups::queue_hours(&mut conn, 1, &[Utc::now()])
        .await
        .expect("queue");
    exec(&mut conn, "DELETE FROM github_workflow_configs").await;
    for table in [
        "github_workflow_metrics",
        "github_workflow_metric_series",
        "github_workflow_metric_rollups",
        "github_workflow_metric_sketches",
        "github_workflow_metric_rollup_queue",
    ] {
        let sql = format!("SELECT count(*) AS n FROM {table}");
        assert_eq!(count(&mut conn, &sql).await, 0, "{table}");
    }
}

#[tokio::test]
async fn a_deleted_schema_leaves_its_records_unattributed() {
    let db = TestDb::new().await;
    let mut conn = seeded(&db).await;
    exec(
        &mut conn,
        "INSERT INTO github_workflow_metric_schemas (id, config_id, name, version, fields) \
         VALUES (7, 1, 's', 1, '[]')",
    )
    .await;
    exec(
        &mut conn,
        "UPDATE github_workflow_metrics SET schema_id = 7",
    )
    .await;
    exec(&mut conn, "DELETE FROM github_workflow_metric_schemas").await;
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM github_workflow_metrics WHERE schema_id IS NULL"
        )
        .await,
        4
    );
}

#[tokio::test]
async fn queued_hours_are_refreshed_once() {
    let db = TestDb::new().await;
    let mut conn = seeded(&db).await;
    let hour = |d, h| -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 1, d, h, 0, 0)
            .single()
            .expect("hour")
    };
    // two stores queued the same hour; another queued the next day's
    rollups::queue_hours(&mut conn, 1, &[hour(1, 10), hour(1, 13)])
        .await
        .expect("queue");
    rollups::queue_hours(&mut conn, 1, &[hour(1, 10), hour(2, 9)])
        .await
        .expect("queue");
    assert_eq!(
        rollups::refresh_queued(&mut conn, Some(1))
            .await
            .expect("refresh"),
        3,
        "each hour once"
    );
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM github_workflow_metric_rollup_queue"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM github_workflow_metric_rollups WHERE grain = 'h'"
        )
        .await,
        4,
        "hour 10 has two series; hours 13 and 9 one each"
    );
    assert_eq!(
        rollups::refresh_queued(&mut conn, None)
            .await
            .expect("refresh"),
        0,
        "nothing left"
    );
}
