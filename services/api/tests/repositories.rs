//! Repository health over HTTP: watching repositories (bad names, bad
//! intervals, duplicates in any case), changing and removing them, making
//! one due now, and the metrics over time with their sources and intervals.

mod common;

use common::{TestApi, at};
use diesel::sql_types::{BigInt, Double, Text, Timestamptz};
use diesel_async::RunQueryDsl;
use serde_json::json;

#[tokio::test]
async fn repositories_are_added_changed_and_removed() {
    let api = TestApi::start().await;
    let added = api
        .post("repositories", json!({"repository": "Metta-AI/metta"}))
        .await;
    assert_eq!(added.status, 201);
    let added = added.data();
    let id = added["id"].as_i64().expect("id");
    assert_eq!(added["owner"], "Metta-AI");
    assert_eq!(added["interval_seconds"], 900);
    assert_eq!(added["enabled"], true);
    assert_eq!(added["collection"]["attempts"], 0);
    assert!(added["collection"]["last_collected_at"].is_null());

    // GitHub's names ignore case: the same repository twice is a conflict
    let (code, message) = api
        .post("repositories", json!({"repository": "metta-ai/METTA"}))
        .await
        .error();
    assert_eq!(code, 4090);
    assert!(message.contains("already watched"), "{message}");
    for (body, why) in [
        (json!({"repository": "no-slash"}), "not a repository name"),
        (json!({"repository": "a/b/c"}), "not a repository name"),
        (json!({"repository": "a/b c"}), "not a repository name"),
        (
            json!({"repository": "o/r", "interval_seconds": 5}),
            "interval_seconds",
        ),
        (json!({"repository": "o/r", "colour": "red"}), "colour"),
    ] {
        let (code, message) = api.post("repositories", body.clone()).await.error();
        assert_eq!(code, 4000, "{body}");
        assert!(message.contains(why), "{body}: {message}");
    }

    let changed = api
        .patch(
            &format!("repositories/{id}"),
            json!({"interval_seconds": 3600, "enabled": false}),
        )
        .await
        .data();
    assert_eq!(changed["interval_seconds"], 3600);
    assert_eq!(changed["enabled"], false);
    let (code, _) = api
        .patch(
            &format!("repositories/{id}"),
            json!({"interval_seconds": 0}),
        )
        .await
        .error();
    assert_eq!(code, 4000);

    // a shorter interval takes effect now, not when the old one runs out
    let mut conn = api.conn().await;
    diesel::sql_query(
        "UPDATE github_repository_collections SET next_run_at = now() + interval '7 days', \
            last_collected_at = now()",
    )
    .execute(&mut conn)
    .await
    .expect("due in a week");
    let sooner = api
        .patch(
            &format!("repositories/{id}"),
            json!({"interval_seconds": 60}),
        )
        .await
        .data();
    let next = chrono::DateTime::parse_from_rfc3339(
        sooner["collection"]["next_run_at"].as_str().expect("next"),
    )
    .expect("a time");
    let wait = next.signed_duration_since(chrono::Utc::now()).num_seconds();
    assert!(
        (0..=61).contains(&wait),
        "due within the new interval: {wait}s"
    );

    let listed = api.get("repositories").await.data();
    assert_eq!(listed["repositories"].as_array().expect("list").len(), 1);
    let due = api
        .post(&format!("repositories/{id}/collect"), json!({}))
        .await
        .data();
    assert!(due["collection"]["next_run_at"].is_string());

    assert_eq!(
        api.delete(&format!("repositories/{id}")).await.data()["removed"],
        true
    );
    for path in [
        format!("repositories/{id}"),
        format!("repositories/{id}/health"),
    ] {
        assert_eq!(api.get(&path).await.error().0, 4040, "{path}");
    }
    assert_eq!(
        api.post(&format!("repositories/{id}/collect"), json!({}))
            .await
            .error()
            .0,
        4040
    );
    assert_eq!(api.get("repositories/0").await.error().0, 4000);
}

#[tokio::test]
async fn health_over_time_with_sources_and_intervals() {
    let api = TestApi::start().await;
    let id = api
        .post("repositories", json!({"repository": "o/r"}))
        .await
        .data()["id"]
        .as_i64()
        .expect("id");
    let mut conn = api.conn().await;
    // two collections in one hour, one the next day
    for (t, open, failed) in [
        ("2026-12-01T10:00:00Z", 4.0, 1.0),
        ("2026-12-01T10:15:00Z", 6.0, 3.0),
        ("2026-12-02T09:00:00Z", 8.0, 2.0),
    ] {
        for (metric, value, source) in [
            ("prs.open", open, "rest"),
            ("ci.failed_workflows_7d", failed, "webhooks"),
        ] {
            diesel::sql_query(
                "INSERT INTO github_repository_health (repository_id, metric, collected_at, value, source) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind::<BigInt, _>(id)
            .bind::<Text, _>(metric)
            .bind::<Timestamptz, _>(at(t))
            .bind::<Double, _>(value)
            .bind::<Text, _>(source)
            .execute(&mut conn)
            .await
            .expect("row");
        }
    }
    let range = "from=2026-11-30T00:00:00Z&to=2026-12-03T00:00:00Z";
    let raw = api
        .get(&format!("repositories/{id}/health?{range}"))
        .await
        .data();
    let series = raw["series"].as_array().expect("series");
    assert_eq!(series.len(), 2);
    let failed = &series[0];
    assert_eq!(failed["metric"], "ci.failed_workflows_7d");
    assert_eq!(failed["points"][0]["source"], "webhooks");
    let open = &series[1];
    assert_eq!(open["metric"], "prs.open");
    let values: Vec<f64> = open["points"]
        .as_array()
        .expect("points")
        .iter()
        .map(|p| p["value"].as_f64().expect("value"))
        .collect();
    assert_eq!(values, [4.0, 6.0, 8.0]);

    // hourly: the two collections of 10:00 are one point, their mean
    let hourly = api
        .get(&format!(
            "repositories/{id}/health?{range}&interval=hour&metric=prs.open"
        ))
        .await
        .data();
    let points = hourly["series"][0]["points"]
        .as_array()
        .expect("points")
        .clone();
    assert_eq!(hourly["series"].as_array().expect("one").len(), 1);
    assert_eq!(points.len(), 2);
    assert_eq!(points[0]["t"], "2026-12-01T10:00:00Z");
    assert_eq!(points[0]["value"], 5.0);
    let daily = api
        .get(&format!("repositories/{id}/health?{range}&interval=day"))
        .await
        .data();
    assert_eq!(daily["series"][1]["points"][1]["t"], "2026-12-02T00:00:00Z");

    for (query, why) in [
        ("metric=prs.opened", "not a repository health metric"),
        ("interval=week", "interval"),
        ("from=2026-12-03T00:00:00Z&to=2026-12-01T00:00:00Z", "after"),
        ("from=yesterday", "from"),
    ] {
        let (code, message) = api
            .get(&format!("repositories/{id}/health?{query}"))
            .await
            .error();
        assert_eq!(code, 4000, "{query}");
        assert!(message.contains(why), "{query}: {message}");
    }
}
