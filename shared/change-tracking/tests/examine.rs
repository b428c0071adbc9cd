//! Detection as data arrives, on a real database: a run that shifts a
//! series files one change, once, however the runs are examined (one by
//! one, re-collected, by four examiners at once); branches stay apart;
//! triage survives a later look; old steps owe no notification.

use chrono::{DateTime, Duration, Utc};
use diesel::sql_types::{BigInt, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use wfm_change_tracking::{ChangeFilter, Settings, Triage, changes, queue};
use wfm_db::{ChangeDirection, ChangeStatus};
use wfm_testing::TestDb;

#[derive(diesel::QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

async fn config(conn: &mut AsyncPgConnection) -> i64 {
    let config = wfm_testing::repo_config(conn, serde_json::json!(["*.csv"])).await;
    diesel::sql_query(
        "INSERT INTO github_workflow_metric_schemas (config_id, name, version, is_active, fields) \
         VALUES ($1, 's', 1, true, '[{\"name\":\"model\",\"type\":\"string\"}, \
           {\"name\":\"latency_ms\",\"type\":\"float\",\"direction\":\"lower_is_better\"}, \
           {\"name\":\"tokens_per_s\",\"type\":\"float\",\"direction\":\"higher_is_better\"}]')",
    )
    .bind::<BigInt, _>(config.id)
    .execute(conn)
    .await
    .expect("schema");
    config.id
}

/// A completed run on `branch` with one record per `(model, latency)`.
async fn run(
    conn: &mut AsyncPgConnection,
    config: i64,
    n: i64,
    branch: &str,
    at: DateTime<Utc>,
    records: &[(&str, f64)],
) -> i64 {
    let id = diesel::sql_query(
        "INSERT INTO github_workflow_runs (config_id, workload_uid, head_sha, head_branch, status) \
         VALUES ($1, $2, $3, $4, 'completed') RETURNING id",
    )
    .bind::<BigInt, _>(config)
    .bind::<Text, _>(format!("{branch}-{n}"))
    .bind::<Text, _>(format!("{n:07x}{branch}"))
    .bind::<Text, _>(branch)
    .get_result::<Id>(conn)
    .await
    .expect("run")
    .id;
    for (model, latency) in records {
        diesel::sql_query(
            "INSERT INTO github_workflow_metrics (config_id, run_id, \"timestamp\", source_file, dimensions, metrics) \
             VALUES ($1, $2, $3, 'r.csv', jsonb_build_object('model', $4::text), \
                     jsonb_build_object('latency_ms', $5::float8, 'tokens_per_s', 1000.0 / $5::float8))",
        )
        .bind::<BigInt, _>(config)
        .bind::<BigInt, _>(id)
        .bind::<Timestamptz, _>(at)
        .bind::<Text, _>(*model)
        .bind::<diesel::sql_types::Double, _>(*latency)
        .execute(conn)
        .await
        .expect("record");
    }
    id
}

/// 40 nightly latencies of model `a`: 10 ms ± 0.2, then 13 ms from night 25;
/// model `b` stays at 20 ms.
fn nightly(i: i64) -> [(&'static str, f64); 2] {
    level(i, i >= 25)
}

fn level(i: i64, slow: bool) -> [(&'static str, f64); 2] {
    let wobble = [0.1, -0.2, 0.15, -0.05, 0.2, -0.1, 0.0][(i % 7) as usize];
    let a = if slow { 13.0 } else { 10.0 };
    [("a", a + wobble), ("b", 20.0 - wobble)]
}

fn start() -> DateTime<Utc> {
    Utc::now() - Duration::days(40)
}

fn notifying() -> Settings {
    Settings {
        notify_targets: vec!["webhook:ops".into(), "slack:perf".into()],
        notify_max_age: Duration::days(60),
        ..Settings::default()
    }
}

async fn all_changes(conn: &mut AsyncPgConnection) -> Vec<wfm_change_tracking::Change> {
    changes::list(conn, &ChangeFilter::default(), 0, 100)
        .await
        .expect("list")
        .0
}

async fn count(conn: &mut AsyncPgConnection, sql: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    diesel::sql_query(sql)
        .get_result::<N>(conn)
        .await
        .expect(sql)
        .n
}

#[tokio::test]
async fn a_shift_is_filed_once_as_runs_arrive_one_by_one() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    let c = config(&mut conn).await;
    let settings = notifying();
    let mut runs = Vec::new();
    for i in 0..40 {
        let id = run(
            &mut conn,
            c,
            i,
            "main",
            start() + Duration::days(i),
            &nightly(i),
        )
        .await;
        runs.push(id);
        queue::queue_run(&mut conn, c, id).await.expect("queue");
        let v = queue::examine(&mut conn, &settings, Some(id), 10)
            .await
            .expect("examine");
        assert_eq!((v.runs, v.series), (1, 2), "run {i}: {v:?}");
    }
    let filed = all_changes(&mut conn).await;
    assert_eq!(
        filed.len(),
        2,
        "latency and tokens/s of model a: {filed:#?}"
    );
    for change in &filed {
        assert_eq!(change.dimensions, serde_json::json!({"model": "a"}));
        assert_eq!(
            (change.before_run_id, change.after_run_id),
            (runs[24], runs[25])
        );
        assert_eq!(change.branch, "main");
        assert_eq!(change.after_commit.as_deref(), Some("0000019main"));
        assert_eq!(change.status, ChangeStatus::New);
        assert_eq!(
            change.direction,
            ChangeDirection::Regression,
            "slower is worse both ways round"
        );
    }
    let latency = filed
        .iter()
        .find(|c| c.metric == "latency_ms")
        .expect("latency");
    assert!((latency.before_value - 10.0).abs() < 0.25, "{latency:?}");
    assert!((latency.after_value - 13.0).abs() < 0.25, "{latency:?}");
    let pct = latency.change_percent.expect("percent");
    assert!((pct - 30.0).abs() < 3.0, "{pct}");
    assert!(latency.p_value < 1e-4 && latency.magnitude_sigma.expect("σ") > 5.0);
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM github_workflow_change_notifications"
        )
        .await,
        4,
        "two changes, two targets each"
    );
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM github_workflow_metric_change_queue"
        )
        .await,
        0
    );

    // a re-collected run (its records replaced, queued again) re-examines
    // its series: the step is the same change, triage and all
    let triaged = changes::triage(
        &mut conn,
        latency.id,
        None,
        &Triage {
            status: ChangeStatus::Acknowledged,
            note: Some("the new allocator".into()),
            by: Some("ana".into()),
        },
    )
    .await
    .expect("triage");
    assert_eq!(triaged.status, ChangeStatus::Acknowledged);
    assert!(triaged.triaged_at.is_some());
    diesel::sql_query("DELETE FROM github_workflow_metrics WHERE run_id = $1")
        .bind::<BigInt, _>(runs[30])
        .execute(&mut conn)
        .await
        .expect("delete");
    diesel::sql_query(
        "INSERT INTO github_workflow_metrics (config_id, run_id, \"timestamp\", source_file, dimensions, metrics) \
         VALUES ($1, $2, $3, 'r.csv', '{\"model\":\"a\"}', '{\"latency_ms\": 13.1, \"tokens_per_s\": 76.3}')",
    )
    .bind::<BigInt, _>(c)
    .bind::<BigInt, _>(runs[30])
    .bind::<Timestamptz, _>(start() + Duration::days(30))
    .execute(&mut conn)
    .await
    .expect("re-collected");
    queue::queue_run(&mut conn, c, runs[30])
        .await
        .expect("queue");
    let v = queue::examine_all(&mut conn, &settings, 10)
        .await
        .expect("examine");
    assert_eq!((v.runs, v.series, v.filed), (1, 1, 0), "{v:?}");
    let again = all_changes(&mut conn).await;
    assert_eq!(again.len(), 2);
    let latency = again
        .iter()
        .find(|c| c.metric == "latency_ms")
        .expect("latency");
    assert_eq!(latency.status, ChangeStatus::Acknowledged);
    assert_eq!(latency.note.as_deref(), Some("the new allocator"));
    assert_eq!(latency.triaged_by.as_deref(), Some("ana"));
}

#[tokio::test]
async fn four_examiners_at_once_file_each_change_once() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    let c = config(&mut conn).await;
    for i in 0..40 {
        let id = run(
            &mut conn,
            c,
            i,
            "main",
            start() + Duration::days(i),
            &nightly(i),
        )
        .await;
        queue::queue_run(&mut conn, c, id).await.expect("queue");
        // and every run queued twice, as a retry would
        queue::queue_run(&mut conn, c, id).await.expect("queue");
    }
    let settings = notifying();
    let examiners = (0..4).map(|_| {
        let settings = settings.clone();
        let db = &db;
        async move {
            let mut conn = db.connect().await;
            let mut total = wfm_change_tracking::Verdicts::default();
            loop {
                let v = queue::examine(&mut conn, &settings, None, 1)
                    .await
                    .expect("examine");
                if v.runs == 0 {
                    return total;
                }
                total += v;
            }
        }
    });
    let verdicts = futures_util::future::join_all(examiners).await;
    let runs: usize = verdicts.iter().map(|v| v.runs).sum();
    let filed: usize = verdicts.iter().map(|v| v.filed).sum();
    assert!(runs >= 40, "{verdicts:?}");
    assert_eq!(filed, 2, "{verdicts:?}");
    assert_eq!(all_changes(&mut conn).await.len(), 2);
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM github_workflow_change_notifications"
        )
        .await,
        4
    );
}

#[tokio::test]
async fn branches_stay_apart_and_old_steps_owe_no_notice() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    let c = config(&mut conn).await;
    // main is steady; a pull-request branch runs 3 ms slower, interleaved
    let long_ago = Utc::now() - Duration::days(400);
    for i in 0..40 {
        let [a, b] = level(i, false);
        let main = run(
            &mut conn,
            c,
            i,
            "main",
            long_ago + Duration::hours(2 * i),
            &[a, b],
        )
        .await;
        queue::queue_run(&mut conn, c, main).await.expect("queue");
        if i % 2 == 0 {
            let slow = [(a.0, a.1 + 3.0)];
            let pr = run(
                &mut conn,
                c,
                i,
                "pr-7",
                long_ago + Duration::hours(2 * i + 1),
                &slow,
            )
            .await;
            queue::queue_run(&mut conn, c, pr).await.expect("queue");
        }
    }
    let settings = notifying();
    queue::examine_all(&mut conn, &settings, 7)
        .await
        .expect("examine");
    assert_eq!(
        all_changes(&mut conn).await,
        Vec::new(),
        "no branch steps by itself"
    );

    // a step on main a year ago is filed, and nobody is paged for it
    for i in 40..70 {
        let [a, b] = level(i, true);
        let id = run(
            &mut conn,
            c,
            i,
            "main",
            long_ago + Duration::hours(2 * i),
            &[a, b],
        )
        .await;
        queue::queue_run(&mut conn, c, id).await.expect("queue");
    }
    queue::examine_all(&mut conn, &settings, 7)
        .await
        .expect("examine");
    let filed = all_changes(&mut conn).await;
    assert_eq!(filed.len(), 2, "{filed:#?}");
    assert!(filed.iter().all(|c| c.branch == "main"));
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM github_workflow_change_notifications"
        )
        .await,
        0
    );
    // the filters (tokens/s fell 23 %, latency rose 30 %)
    let any = ChangeFilter::default;
    let cases = [
        (
            ChangeFilter {
                metric: Some("latency_ms".into()),
                ..any()
            },
            1,
        ),
        (
            ChangeFilter {
                min_change_percent: Some(20.0),
                ..any()
            },
            2,
        ),
        (
            ChangeFilter {
                min_change_percent: Some(25.0),
                ..any()
            },
            1,
        ),
        (
            ChangeFilter {
                min_change_percent: Some(40.0),
                ..any()
            },
            0,
        ),
        (
            ChangeFilter {
                branch: Some("pr-7".into()),
                ..any()
            },
            0,
        ),
        (
            ChangeFilter {
                status: Some(ChangeStatus::Ignored),
                ..any()
            },
            0,
        ),
        (
            ChangeFilter {
                since: Some(Utc::now() - Duration::days(30)),
                ..any()
            },
            0,
        ),
        (
            ChangeFilter {
                config_id: Some(c + 1),
                ..any()
            },
            0,
        ),
        (
            ChangeFilter {
                cluster: Some("default".into()),
                ..any()
            },
            2,
        ),
    ];
    for (filter, expected) in cases {
        let (_, total) = changes::list(&mut conn, &filter, 0, 10)
            .await
            .expect("list");
        assert_eq!(total, expected, "{filter:?}");
    }
    assert!(matches!(
        changes::get(&mut conn, filed[0].id, Some("elsewhere")).await,
        Err(wfm_change_tracking::TrackingError::NoSuchChange(_))
    ));
}
