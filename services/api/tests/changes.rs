//! Benchmark changes over HTTP: the lists and their filters, triage, the
//! series a chart draws, and compare, with numbers worked out by hand.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::TestApi;
use diesel::sql_types::{BigInt, Double, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::json;
use wfm_change_tracking::{Settings, queue};

#[derive(diesel::QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// A config whose schema says latency is better lower.
async fn config(api: &TestApi, name: &str) -> i64 {
    let id = api.create_config(name, "arc", name).await;
    let mut conn = api.conn().await;
    diesel::sql_query(
        "INSERT INTO github_workflow_metric_schemas (config_id, name, version, is_active, fields) \
         VALUES ($1, 's', 1, true, '[{\"name\":\"latency_ms\",\"type\":\"float\",\"direction\":\"lower_is_better\"}]')",
    )
    .bind::<BigInt, _>(id)
    .execute(&mut conn)
    .await
    .expect("schema");
    id
}

/// A completed run with one record of model `a` per latency given.
async fn run(
    conn: &mut AsyncPgConnection,
    config: i64,
    uid: &str,
    sha: &str,
    branch: &str,
    at: DateTime<Utc>,
    latencies: &[f64],
) -> i64 {
    let id = diesel::sql_query(
        "INSERT INTO github_workflow_runs (config_id, workload_uid, head_sha, head_branch, status, workload_completed_at) \
         VALUES ($1, $2, $3, $4, 'completed', $5) RETURNING id",
    )
    .bind::<BigInt, _>(config)
    .bind::<Text, _>(uid)
    .bind::<Nullable<Text>, _>(Some(sha))
    .bind::<Text, _>(branch)
    .bind::<Timestamptz, _>(at)
    .get_result::<Id>(conn)
    .await
    .expect("run")
    .id;
    for latency in latencies {
        diesel::sql_query(
            "INSERT INTO github_workflow_metrics (config_id, run_id, \"timestamp\", source_file, dimensions, metrics) \
             VALUES ($1, $2, $3, 'r.csv', '{\"model\":\"a\"}', jsonb_build_object('latency_ms', $4))",
        )
        .bind::<BigInt, _>(config)
        .bind::<BigInt, _>(id)
        .bind::<Timestamptz, _>(at)
        .bind::<Double, _>(*latency)
        .execute(conn)
        .await
        .expect("record");
    }
    id
}

/// 30 nightly runs on main, 10 ms then 12 ms from night 20, examined as
/// they arrive; the run ids.
async fn nightly(api: &TestApi, config: i64) -> Vec<i64> {
    let mut conn = api.conn().await;
    let start = Utc::now() - Duration::days(30);
    let mut ids = Vec::new();
    for i in 0..30i64 {
        let wobble = [0.1, -0.1, 0.05, -0.05, 0.0][(i % 5) as usize];
        let level = if i < 20 { 10.0 } else { 12.0 };
        let sha = format!("{i:040x}");
        let id = run(
            &mut conn,
            config,
            &format!("n{i}"),
            &sha,
            "main",
            start + Duration::days(i),
            &[level + wobble],
        )
        .await;
        queue::queue_run(&mut conn, config, id)
            .await
            .expect("queue");
        queue::examine(&mut conn, &Settings::default(), Some(id), 10)
            .await
            .expect("examine");
        ids.push(id);
    }
    ids
}

#[tokio::test]
async fn changes_are_listed_filtered_and_triaged() {
    let api = TestApi::start().await;
    let c = config(&api, "bench").await;
    let other = config(&api, "other").await;
    let runs = nightly(&api, c).await;

    let all = api.get("changes").await.data();
    assert_eq!(all["total"], 1, "{all}");
    let change = &all["changes"][0];
    assert_eq!(change["config_id"], c);
    assert_eq!(change["metric"], "latency_ms");
    assert_eq!(change["dimensions"], json!({"model": "a"}));
    assert_eq!(change["branch"], "main");
    assert_eq!(change["before_run_id"], runs[19]);
    assert_eq!(change["after_run_id"], runs[20]);
    assert_eq!(change["after_commit"], format!("{:040x}", 20));
    assert_eq!(change["direction"], "regression");
    assert_eq!(change["status"], "new");
    let pct = change["change_percent"].as_f64().expect("percent");
    assert!((pct - 20.0).abs() < 1.5, "10 → 12 ms is +20 %: {pct}");
    let id = change["id"].as_i64().expect("id");

    for (query, total) in [
        ("status=new", 1),
        ("status=ignored", 0),
        ("direction=regression", 1),
        ("direction=improvement", 0),
        ("metric=latency_ms", 1),
        ("metric=other", 0),
        ("branch=main", 1),
        ("branch=", 0), // runs without a branch
        ("min_change_percent=15", 1),
        ("min_change_percent=25", 0),
        ("since=2000-01-01T00:00:00Z", 1),
        ("until=2000-01-01T00:00:00Z", 0),
        ("cluster=elsewhere", 0),
    ] {
        assert_eq!(
            api.get(&format!("changes?{query}")).await.data()["total"],
            total,
            "{query}"
        );
    }
    assert_eq!(
        api.get(&format!("changes?config_id={other}")).await.data()["total"],
        0
    );
    assert_eq!(
        api.get(&format!("configs/{c}/changes")).await.data()["total"],
        1
    );
    assert_eq!(
        api.get(&format!("configs/{other}/changes")).await.data()["total"],
        0
    );
    for (query, field) in [
        ("status=done", "status"),
        ("direction=up", "direction"),
        ("min_change_percent=-1", "min_change_percent"),
        ("since=yesterday", "since"),
        (
            "since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z",
            "since",
        ),
    ] {
        let reply = api.get(&format!("changes?{query}")).await;
        let (code, message) = reply.error();
        assert_eq!(code, 4000, "{query}");
        assert!(message.contains(field), "{query}: {message}");
    }

    assert_eq!(api.get(&format!("changes/{id}")).await.data()["id"], id);
    assert_eq!(
        api.get(&format!("changes/{}", id + 1000)).await.error().0,
        4040
    );
    assert_eq!(
        api.get(&format!("changes/{id}?cluster=elsewhere"))
            .await
            .error()
            .0,
        4040
    );
    assert_eq!(api.get("changes/zero").await.error().0, 4000);

    // triage
    let triaged = api
        .patch(
            &format!("changes/{id}"),
            json!({"status": "acknowledged", "note": "allocator change, #123", "by": "ana"}),
        )
        .await
        .data();
    assert_eq!(triaged["status"], "acknowledged");
    assert_eq!(triaged["note"], "allocator change, #123");
    assert_eq!(triaged["triaged_by"], "ana");
    assert!(triaged["triaged_at"].is_string());
    let ignored = api
        .patch(&format!("changes/{id}"), json!({"status": "ignored"}))
        .await
        .data();
    assert_eq!(
        ignored["note"], "allocator change, #123",
        "a note left out stays"
    );
    assert_eq!(api.get("changes?status=ignored").await.data()["total"], 1);
    for (body, field) in [
        (json!({"status": "gone"}), "status"),
        (json!({}), "status"),
        (json!({"status": "fixed", "colour": "red"}), "colour"),
        (json!({"status": "fixed", "note": "x".repeat(4001)}), "note"),
        (json!({"status": "fixed", "by": "x".repeat(256)}), "by"),
    ] {
        let reply = api.patch(&format!("changes/{id}"), body.clone()).await;
        let (code, message) = reply.error();
        assert_eq!(code, 4000, "{body}");
        assert!(message.contains(field), "{body}: {message}");
    }
    assert_eq!(
        api.patch(
            &format!("changes/{}", id + 1000),
            json!({"status": "fixed"})
        )
        .await
        .error()
        .0,
        4040
    );
}

#[tokio::test]
async fn a_series_comes_with_its_changes() {
    let api = TestApi::start().await;
    let c = config(&api, "bench").await;
    let runs = nightly(&api, c).await;
    let by_dims = api
        .get(&format!(
            "configs/{c}/series?metric=latency_ms&dimensions=%7B%22model%22%3A%22a%22%7D"
        ))
        .await
        .data();
    assert_eq!(by_dims["branch"], "main");
    let points = by_dims["points"].as_array().expect("points");
    assert_eq!(points.len(), 30);
    assert_eq!(points[0]["run_id"], runs[0]);
    assert_eq!(points[20]["value"], 12.1, "12 ms and night 20's wobble");
    assert_eq!(points[20]["commit"], format!("{:040x}", 20));
    assert_eq!(by_dims["changes"].as_array().expect("changes").len(), 1);
    assert_eq!(by_dims["changes"][0]["after_run_id"], runs[20]);
    // a 64-bit key travels as a string: JavaScript would round a number
    let key: i64 = by_dims["series_key"]
        .as_str()
        .expect("key")
        .parse()
        .expect("decimal");
    let by_key = api
        .get(&format!(
            "configs/{c}/series?metric=latency_ms&series_key={key}&limit=10"
        ))
        .await
        .data();
    assert_eq!(
        by_key["points"].as_array().expect("points").len(),
        10,
        "the newest 10"
    );
    assert_eq!(by_key["points"][9]["run_id"], runs[29]);
    let none = api
        .get(&format!(
            "configs/{c}/series?metric=latency_ms&series_key={key}&branch=dev"
        ))
        .await
        .data();
    assert_eq!(none["points"], json!([]));
    assert_eq!(
        api.get(&format!(
            "configs/{c}/series?metric=latency_ms&dimensions=%7B%22model%22%3A%22b%22%7D"
        ))
        .await
        .error()
        .0,
        4040
    );
    for (query, field) in [
        (format!("series_key={key}"), "metric"),
        ("metric=latency_ms".to_owned(), "series_key"),
        (
            format!("metric=latency_ms&series_key={key}&dimensions=%7B%7D"),
            "series_key",
        ),
        (
            "metric=latency_ms&dimensions=%5B1%5D".to_owned(),
            "dimensions",
        ),
        (
            format!("metric=latency_ms&series_key={key}&limit=0"),
            "limit",
        ),
    ] {
        let (code, message) = api
            .get(&format!("configs/{c}/series?{query}"))
            .await
            .error();
        assert_eq!(code, 4000, "{query}");
        assert!(message.contains(field), "{query}: {message}");
    }
}

#[tokio::test]
async fn compare_two_commits_runs_and_branches() {
    let api = TestApi::start().await;
    let c = config(&api, "bench").await;
    let mut conn = api.conn().await;
    let t = Utc::now() - Duration::days(1);
    let (a, b) = ("a".repeat(40), "b".repeat(40));
    // commit a: three runs at 10.0, 10.2, 9.8; commit b: 12.0, 12.3, 11.9
    let mut a_runs = Vec::new();
    for (i, v) in [10.0, 10.2, 9.8].into_iter().enumerate() {
        a_runs.push(
            run(
                &mut conn,
                c,
                &format!("a{i}"),
                &a,
                "main",
                t + Duration::minutes(i as i64),
                &[v],
            )
            .await,
        );
    }
    let mut b_runs = Vec::new();
    for (i, v) in [12.0, 12.3, 11.9].into_iter().enumerate() {
        b_runs.push(
            run(
                &mut conn,
                c,
                &format!("b{i}"),
                &b,
                "pr-1",
                t + Duration::minutes(10 + i as i64),
                &[v],
            )
            .await,
        );
    }

    let cmp = api
        .get(&format!(
            "configs/{c}/compare?base=commit:aaaaaaa&head=commit:{b}"
        ))
        .await
        .data();
    assert_eq!(cmp["base"]["commits"], json!([a]));
    assert_eq!(cmp["base"]["run_ids"].as_array().expect("runs").len(), 3);
    assert_eq!(
        (cmp["regressions"].clone(), cmp["improvements"].clone()),
        (json!(1), json!(0))
    );
    let row = &cmp["rows"][0];
    assert_eq!(row["dimensions"], json!({"model": "a"}));
    assert_eq!(
        (row["base"]["n"].clone(), row["base"]["median"].clone()),
        (json!(3), json!(10.0))
    );
    assert_eq!(
        (row["head"]["median"].clone(), row["head"]["min"].clone()),
        (json!(12.0), json!(11.9))
    );
    // (12 - 10) / 10 = +20 %; 3 vs 3 fully apart: U = 0, z = -4.5/√5.25, p = 0.0495
    assert!((row["delta_percent"].as_f64().expect("delta") - 20.0).abs() < 1e-9);
    assert!(
        (row["p_value"].as_f64().expect("p") - 0.0495).abs() < 1e-3,
        "{row}"
    );
    assert_eq!(row["better"], "lower");
    assert_eq!(row["verdict"], "regression");

    // two runs: one value each, no test; 10.2 → 9.8 is -3.9 %, under 5 %
    let runs = api
        .get(&format!(
            "configs/{c}/compare?base=run:{}&head={}",
            a_runs[1], a_runs[2]
        ))
        .await
        .data();
    let row = &runs["rows"][0];
    assert!(row["p_value"].is_null());
    assert!((row["delta_percent"].as_f64().expect("delta") - (-0.4 / 10.2 * 100.0)).abs() < 1e-9);
    assert_eq!(row["verdict"], "unchanged");
    let strict = api
        .get(&format!(
            "configs/{c}/compare?base={}&head={}&threshold_percent=1",
            a_runs[1], a_runs[2]
        ))
        .await
        .data();
    assert_eq!(strict["rows"][0]["verdict"], "improvement");

    // branches: the newest 2 runs of each
    let branches = api
        .get(&format!(
            "configs/{c}/compare?base=branch:main&head=branch:pr-1&branch_runs=2"
        ))
        .await
        .data();
    assert_eq!(branches["base"]["run_ids"], json!([a_runs[2], a_runs[1]]));
    assert_eq!(branches["rows"][0]["base"]["median"], json!(10.0));
    assert_eq!(branches["rows"][0]["head"]["median"], json!(12.1));

    let (code, message) = api
        .get(&format!(
            "configs/{c}/compare?base=branch:nope&head=branch:main"
        ))
        .await
        .error();
    assert_eq!(code, 4040);
    assert!(message.contains("branch:nope"), "{message}");
    for (query, field) in [
        ("head=branch:main", "base"),
        ("base=branch:main", "head"),
        ("base=tag:v1&head=branch:main", "base"),
        ("base=commit:xyz&head=branch:main", "base"),
        (
            "base=branch:main&head=branch:main&branch_runs=0",
            "branch_runs",
        ),
        (
            "base=branch:main&head=branch:main&threshold_percent=-2",
            "threshold_percent",
        ),
    ] {
        let (code, message) = api
            .get(&format!("configs/{c}/compare?{query}"))
            .await
            .error();
        assert_eq!(code, 4000, "{query}");
        assert!(message.contains(field), "{query}: {message}");
    }
}
