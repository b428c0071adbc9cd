//! Metric queries on seeded rows: query filters, aggregate/trends/summary
//! numbers against values computed here, dimensions, injection-safe keys.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{TestApi, at};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};
use wfm_db::RunStatus;
use wfm_db::schema::github_workflow_metrics as metrics;

/// (time, model, gpus, throughput, latency)
type Seed = (&'static str, &'static str, i64, f64, Option<f64>);

const SEED: &[Seed] = &[
    ("2025-01-01T10:00:00Z", "a", 1, 10.0, Some(1.0)),
    ("2025-01-01T10:00:00Z", "b", 1, 20.0, Some(2.0)),
    ("2025-01-01T12:00:00Z", "a", 2, 30.0, None),
    ("2025-01-02T10:00:00Z", "a", 1, 40.0, Some(4.0)),
    ("2025-01-02T10:00:00Z", "b", 2, 60.0, Some(3.0)),
    ("2025-01-03T10:00:00Z", "a", 1, 50.0, Some(5.0)),
];

struct Seeded {
    api: TestApi,
    config: i64,
    run: i64,
}

async fn seeded() -> Seeded {
    seeded_on(TestApi::start().await).await
}

async fn seeded_on(api: TestApi) -> Seeded {
    let config = api.create_config("bench", "arc", "set").await;
    let schema = api
        .put(
            &format!("configs/{config}/schema"),
            json!({
                "fields": [
                    {"name": "model", "type": "string"},
                    {"name": "throughput", "type": "float", "unit": "tokens/s"},
                    {"name": "gpus", "type": "int"},
                    {"name": "latency", "type": "float", "unit": "ms"}
                ],
                "dimension_fields": ["gpus", "model"],
                "metric_fields": ["latency", "throughput"]
            }),
        )
        .await;
    schema.data();
    let run = api.insert_run(config, "w1", RunStatus::Completed).await.id;
    let mut conn = api.conn().await;
    for (time, model, gpus, throughput, latency) in SEED {
        let mut values = json!({"throughput": throughput});
        if let Some(latency) = latency {
            values["latency"] = json!(latency);
        }
        diesel::insert_into(metrics::table)
            .values((
                metrics::config_id.eq(config),
                metrics::run_id.eq(run),
                metrics::timestamp.eq(at(time)),
                metrics::source_file.eq("results/summary.csv"),
                metrics::dimensions.eq(json!({"model": model, "gpus": gpus})),
                metrics::metrics.eq(values),
            ))
            .execute(&mut conn)
            .await
            .expect("seeding a metric row");
    }
    refresh_rollups(&api, config).await;
    Seeded { api, config, run }
}

/// What wfm-collector does after storing a run: recompute the hourly rollups.
async fn refresh_rollups(api: &TestApi, config: i64) {
    let mut conn = api.conn().await;
    diesel::sql_query("SELECT wfm_refresh_metric_rollups($1, NULL::timestamptz[])")
        .bind::<diesel::sql_types::BigInt, _>(config)
        .execute(&mut conn)
        .await
        .expect("refreshing the rollups");
}

fn day(time: &str) -> String {
    format!("{}T00:00:00Z", &time[..10])
}

/// `percentile_cont` as Postgres computes it.
fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = p * (sorted.len() - 1) as f64;
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo as f64)
}

fn close(a: &Value, b: f64) -> bool {
    a.as_f64().is_some_and(|a| (a - b).abs() < 1e-9)
}

/// A sketch estimate of quantile `q`: within 1 % of the value of rank
/// ⌊q·(n−1)⌋ (the guarantee `wfm-sketch` states).
fn estimated(a: &Value, values: &[f64], q: f64) -> bool {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let truth = sorted[(q * (sorted.len() - 1) as f64).floor() as usize];
    a.as_f64()
        .is_some_and(|a| (a - truth).abs() <= 0.01 * truth.abs() + 1e-9)
}

#[tokio::test]
async fn query_filters_records() {
    let s = seeded().await;
    let path = format!("configs/{}/metrics/query", s.config);
    let all = s.api.post(&path, json!({})).await.data();
    assert_eq!(all["total"], 6);
    assert_eq!(
        all["records"][0]["timestamp"], "2025-01-03T10:00:00Z",
        "newest first"
    );
    assert_eq!(all["records"][0]["run_id"], s.run);
    assert_eq!(all["records"][0]["source_file"], "results/summary.csv");

    let a_only = s
        .api
        .post(&path, json!({"dimensions": {"model": "a"}, "order": "asc"}))
        .await
        .data();
    assert_eq!(a_only["total"], 4);
    assert_eq!(a_only["records"][0]["metrics"]["throughput"], 10.0);
    let listed = s
        .api
        .post(
            &path,
            json!({"dimensions": {"model": ["a", "b"], "gpus": 2}}),
        )
        .await
        .data();
    assert_eq!(
        listed["total"], 2,
        "numbers match the stored number: {listed}"
    );
    let ranged = s
        .api
        .post(&path, json!({"start": "2025-01-02T00:00:00Z", "end": "2025-01-02T23:59:59Z", "metrics": ["latency"]}))
        .await
        .data();
    assert_eq!(ranged["total"], 2);
    assert_eq!(
        ranged["records"][0]["metrics"],
        json!({"latency": 3.0}),
        "only the metrics asked for"
    );
    let paged = s
        .api
        .post(&path, json!({"limit": 2, "offset": 4}))
        .await
        .data();
    assert_eq!(
        (
            paged["total"].as_i64(),
            paged["records"].as_array().map(Vec::len)
        ),
        (Some(6), Some(2))
    );
    assert_eq!(
        s.api.post(&path, json!({"run_id": s.run + 1})).await.data()["total"],
        0
    );

    // a hostile key is only ever a key
    let hostile = s
        .api
        .post(
            &path,
            json!({"dimensions": {"x') OR 1=1 --": "a", "model": "a"}}),
        )
        .await
        .data();
    assert_eq!(hostile["total"], 0);
    let hostile_value = s
        .api
        .post(&path, json!({"dimensions": {"model": "a' OR '1'='1"}}))
        .await
        .data();
    assert_eq!(hostile_value["total"], 0);

    for (body, expected) in [
        (json!({"start": "yesterday"}), "invalid JSON body at start:"),
        (
            json!({"start": "2025-02-01T00:00:00Z", "end": "2025-01-01T00:00:00Z"}),
            "invalid start: it is after end",
        ),
        (
            json!({"dimensions": {"model": {"nested": 1}}}),
            "invalid dimensions.model: values are strings, numbers or booleans",
        ),
        (
            json!({"dimensions": {"model": []}}),
            "invalid dimensions.model: give at least one value",
        ),
        (
            json!({"limit": 1000}),
            "invalid limit: 1000 is outside 1..=100",
        ),
        (
            json!({"order": "sideways"}),
            "invalid JSON body at order: unknown variant `sideways`",
        ),
        (json!({"colour": "red"}), "invalid JSON body"),
    ] {
        let (code, message) = s.api.post(&path, body.clone()).await.error();
        assert_eq!(code, 4000, "{body}");
        assert!(message.starts_with(expected), "{body}: {message}");
    }
    assert_eq!(
        s.api
            .post("configs/999/metrics/query", json!({}))
            .await
            .error()
            .0,
        4040
    );
}

#[tokio::test]
async fn aggregate_numbers_match_the_rows() {
    let s = seeded().await;
    let path = format!("configs/{}/metrics/aggregate", s.config);
    for aggregation in [
        "avg", "min", "max", "sum", "count", "p50", "p90", "p95", "p99", "last",
    ] {
        let data = s
            .api
            .post(&path, json!({"metrics": ["throughput"], "group_by": ["model"], "interval": "1d", "aggregation": aggregation}))
            .await
            .data();
        let points = data["points"].as_array().expect("points");
        // expected: per (day, model) from SEED
        let mut expected: std::collections::BTreeMap<(String, String), Vec<f64>> =
            Default::default();
        for (time, model, _, throughput, _) in SEED {
            expected
                .entry((model.to_string(), day(time)))
                .or_default()
                .push(*throughput);
        }
        assert_eq!(points.len(), expected.len(), "{aggregation}: {data}");
        for p in points {
            let key = (
                p["group"]["model"].as_str().unwrap().to_owned(),
                p["time"].as_str().unwrap().to_owned(),
            );
            let values = &expected[&key];
            let quantile = match aggregation {
                "p50" => Some(0.5),
                "p90" => Some(0.9),
                "p95" => Some(0.95),
                "p99" => Some(0.99),
                _ => None,
            };
            if let Some(q) = quantile {
                assert!(
                    estimated(&p["value"], values, q),
                    "{aggregation} {key:?}: {} is not within 1 % of {values:?}",
                    p["value"]
                );
                assert_eq!(
                    data["percentiles"],
                    json!({"method": "sketch", "relative_error": 0.01})
                );
                assert_eq!(p["count"], values.len(), "{key:?}");
                continue;
            }
            assert_eq!(data["percentiles"], Value::Null, "{aggregation}");
            let want = match aggregation {
                "avg" => values.iter().sum::<f64>() / values.len() as f64,
                "min" => values.iter().copied().fold(f64::INFINITY, f64::min),
                "max" => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                "sum" => values.iter().sum(),
                "count" => values.len() as f64,
                _ => *values.last().unwrap(), // SEED is in time order
            };
            assert!(
                close(&p["value"], want),
                "{aggregation} {key:?}: {} != {want}",
                p["value"]
            );
            assert_eq!(p["count"], values.len(), "{key:?}");
            assert_eq!(p["metric"], "throughput");
        }
    }
    // asked for exact values: percentile_cont over the records
    let exact = s
        .api
        .post(&path, json!({"metrics": ["throughput"], "interval": "1d", "aggregation": "p90", "exact": true}))
        .await
        .data();
    assert_eq!(
        exact["percentiles"],
        json!({"method": "exact", "relative_error": 0.0})
    );
    let day1 = [10.0, 20.0, 30.0];
    assert!(
        close(&exact["points"][0]["value"], percentile(&day1, 0.9)),
        "{exact}"
    );
    // a metric named twice counts once, on the row path (30m) as on the rollup path
    let twice = s
        .api
        .post(&path, json!({"metrics": ["throughput"], "metric": "throughput", "interval": "30m", "aggregation": "count"}))
        .await
        .data();
    let counted: i64 = twice["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["count"].as_i64().unwrap())
        .sum();
    assert_eq!(counted, SEED.len() as i64);
    // no interval, no group: one value per metric over everything (schema metrics by default)
    let whole = s.api.post(&path, json!({})).await.data();
    assert_eq!(whole["metrics"], json!(["latency", "throughput"]));
    let points = whole["points"].as_array().unwrap();
    assert_eq!(points.len(), 2);
    let latencies: Vec<f64> = SEED.iter().filter_map(|s| s.4).collect();
    assert!(close(
        &points[0]["value"],
        latencies.iter().sum::<f64>() / latencies.len() as f64
    ));
    assert_eq!(
        points[0]["count"],
        latencies.len(),
        "a record without the metric is not counted"
    );
    assert_eq!(points[0]["time"], Value::Null);
    assert_eq!(points[0]["group"], json!({}));

    for (body, expected) in [
        (
            json!({"interval": "1y"}),
            "invalid JSON body at interval: \"1y\" is not an interval",
        ),
        (
            json!({"aggregation": "median"}),
            "invalid JSON body at aggregation: unknown variant `median`",
        ),
        (
            json!({"interval": "1m", "start": "2000-01-01T00:00:00Z", "end": "2025-01-01T00:00:00Z"}),
            "invalid interval: 1m makes",
        ),
        (
            json!({"group_by": "model"}),
            "invalid JSON body at group_by: invalid type: string",
        ),
    ] {
        let (code, message) = s.api.post(&path, body.clone()).await.error();
        assert_eq!(code, 4000);
        assert!(message.starts_with(expected), "{body}: {message}");
    }
}

#[tokio::test]
async fn trends_have_series_and_changes() {
    let s = seeded().await;
    let path = format!("configs/{}/metrics/trends", s.config);
    let data = s
        .api
        .post(
            &path,
            json!({"metric": "throughput", "group_by": ["model"]}),
        )
        .await
        .data();
    assert_eq!(data["interval"], "1d", "daily by default");
    let series = data["series"].as_array().unwrap();
    assert_eq!(series.len(), 2);
    let a = series.iter().find(|s| s["group"]["model"] == "a").unwrap();
    // model a: day1 avg(10, 30) = 20, day2 40, day3 50
    let values: Vec<f64> = a["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["value"].as_f64().unwrap())
        .collect();
    assert_eq!(values, vec![20.0, 40.0, 50.0]);
    assert_eq!(a["points"][0]["time"], "2025-01-01T00:00:00Z");
    assert_eq!(a["change"], json!({"absolute": 30.0, "percent": 150.0}));
    assert_eq!(a["last_change"], json!({"absolute": 10.0, "percent": 25.0}));
    let b = series.iter().find(|s| s["group"]["model"] == "b").unwrap();
    assert_eq!(b["change"], json!({"absolute": 40.0, "percent": 200.0}));
    assert_eq!(
        (b["first"].as_f64(), b["last"].as_f64()),
        (Some(20.0), Some(60.0))
    );

    let weekly = s
        .api
        .post(&path, json!({"metric": "throughput", "interval": "1w"}))
        .await
        .data();
    let only = &weekly["series"][0];
    assert_eq!(only["points"].as_array().unwrap().len(), 1, "{weekly}");
    assert_eq!(
        only["points"][0]["time"], "2024-12-30T00:00:00Z",
        "weeks start on Monday"
    );
    assert_eq!(only["change"], Value::Null, "one point has no change");
}

/// Percentiles are sketch estimates unless a request asks for exact values,
/// which are refused past `summary_max_values`, naming the way out.
#[tokio::test]
async fn summary_percentiles_are_estimates_or_exact_on_request() {
    let roomy = seeded().await;
    let tight = seeded_on(TestApi::with_state(|state| state.summary_max_values = 5).await).await;
    let path = |s: &Seeded| {
        format!(
            "configs/{}/metrics/summary?start=2025-01-01T00:00:00Z&end=2025-01-04T00:00:00Z",
            s.config
        )
    };
    let throughput = |data: &Value| {
        data["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == "throughput")
            .unwrap()
            .clone()
    };
    let all = [10.0, 20.0, 30.0, 40.0, 60.0, 50.0];
    let estimate = roomy.api.get(&path(&roomy)).await.data();
    assert_eq!(
        estimate["percentiles"],
        json!({"method": "sketch", "relative_error": 0.01})
    );
    let tp = throughput(&estimate);
    assert!(estimated(&tp["p50"], &all, 0.5), "{tp}");
    assert!(estimated(&tp["p95"], &all, 0.95), "{tp}");
    assert!(close(&tp["avg"], 35.0), "the other numbers stay exact");

    let exact = roomy
        .api
        .get(&format!("{}&exact=true", path(&roomy)))
        .await
        .data();
    assert_eq!(exact["percentiles"]["method"], "exact");
    let tp = throughput(&exact);
    assert!(close(&tp["p50"], percentile(&all, 0.5)), "{tp}");
    assert!(close(&tp["p95"], percentile(&all, 0.95)), "{tp}");

    // 6 throughput + 5 latency values > 5
    let (code, message) = tight
        .api
        .get(&format!("{}&exact=true", path(&tight)))
        .await
        .error();
    assert_eq!(code, 4000);
    assert!(
        message
            .starts_with("invalid exact: exact percentiles over 11 values exceed the limit of 5"),
        "{message}"
    );
    let fine = tight.api.get(&path(&tight)).await.data();
    assert_eq!(
        throughput(&fine),
        throughput(&estimate),
        "estimates need no cap"
    );
}

#[tokio::test]
async fn summary_compares_with_the_previous_period() {
    let s = seeded().await;
    let path = format!(
        "configs/{}/metrics/summary?start=2025-01-02T00:00:00Z&end=2025-01-04T00:00:00Z",
        s.config
    );
    let data = s.api.get(&path).await.data();
    assert_eq!(data["previous_start"], "2024-12-31T00:00:00Z");
    let tp = data["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "throughput")
        .unwrap();
    let now = [40.0, 60.0, 50.0];
    let before = [10.0, 20.0, 30.0];
    assert_eq!(tp["count"], 3);
    assert!(close(&tp["min"], 40.0) && close(&tp["max"], 60.0));
    assert!(close(&tp["avg"], 50.0));
    assert!(estimated(&tp["p50"], &now, 0.5));
    assert!(estimated(&tp["p95"], &now, 0.95));
    assert!(close(&tp["latest"], 50.0));
    assert_eq!(tp["latest_at"], "2025-01-03T10:00:00Z");
    assert_eq!(tp["previous_count"], 3);
    assert!(close(&tp["previous_avg"], before.iter().sum::<f64>() / 3.0));
    assert_eq!(tp["change"], json!({"absolute": 30.0, "percent": 150.0}));

    let filtered = s
        .api
        .get(&format!(
            "{path}&metrics=throughput&dimensions=%7B%22model%22%3A%22b%22%7D"
        ))
        .await
        .data();
    assert_eq!(filtered["metrics"].as_array().unwrap().len(), 1);
    assert_eq!(filtered["metrics"][0]["count"], 1);
    assert!(close(&filtered["metrics"][0]["avg"], 60.0));

    // the default period is the last 7 days: nothing seeded there
    let recent = s
        .api
        .get(&format!("configs/{}/metrics/summary", s.config))
        .await
        .data();
    let end: DateTime<Utc> = recent["end"].as_str().unwrap().parse().unwrap();
    let start: DateTime<Utc> = recent["start"].as_str().unwrap().parse().unwrap();
    assert_eq!(end - start, Duration::days(7));
    assert_eq!(recent["metrics"][0]["count"], 0);
    assert_eq!(recent["metrics"][0]["avg"], Value::Null);

    let (code, message) = s
        .api
        .get(&format!(
            "configs/{}/metrics/summary?dimensions=%5B1%5D",
            s.config
        ))
        .await
        .error();
    assert_eq!(code, 4000);
    assert!(message.starts_with("invalid dimensions:"), "{message}");
}

#[tokio::test]
async fn dimensions_and_values() {
    let s = seeded().await;
    let all = s
        .api
        .get(&format!("configs/{}/dimensions", s.config))
        .await
        .data();
    assert_eq!(
        all["dimensions"],
        json!({"gpus": ["1", "2"], "model": ["a", "b"]})
    );
    assert_eq!(all["truncated"], json!([]));
    let limited = s
        .api
        .get(&format!("configs/{}/dimensions?limit=1", s.config))
        .await
        .data();
    assert_eq!(limited["dimensions"]["model"], json!(["a"]));
    assert_eq!(limited["truncated"], json!(["gpus", "model"]));
    let late = s
        .api
        .get(&format!(
            "configs/{}/dimensions?start=2025-01-03T00:00:00Z",
            s.config
        ))
        .await
        .data();
    assert_eq!(late["dimensions"], json!({"gpus": ["1"], "model": ["a"]}));

    let values = s
        .api
        .get(&format!("configs/{}/dimensions/model/values", s.config))
        .await
        .data();
    assert_eq!(
        values,
        json!({"dimension": "model", "values": ["a", "b"], "total": 2})
    );
    let one = s
        .api
        .get(&format!(
            "configs/{}/dimensions/model/values?limit=1",
            s.config
        ))
        .await
        .data();
    assert_eq!(
        one,
        json!({"dimension": "model", "values": ["a"], "total": 2})
    );
    let hostile = s
        .api
        .get(&format!(
            "configs/{}/dimensions/x')%20OR%201=1%20--/values",
            s.config
        ))
        .await
        .data();
    assert_eq!(
        hostile,
        json!({"dimension": "x') OR 1=1 --", "values": [], "total": 0})
    );
    let (code, message) = s
        .api
        .get(&format!("configs/{}/dimensions?limit=0", s.config))
        .await
        .error();
    assert_eq!(
        (code, message.as_str()),
        (4000, "invalid limit: 0 is outside 1..=1000")
    );
    let (code, _) = s
        .api
        .get(&format!("configs/{}/dimensions?end=soon", s.config))
        .await
        .error();
    assert_eq!(code, 4000);
    assert_eq!(s.api.get("configs/999/dimensions").await.error().0, 4040);
}

#[tokio::test]
async fn export_streams_csv_in_schema_order() {
    let s = seeded().await;
    let reply = s.api.get(&format!("configs/{}/export", s.config)).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.headers["content-type"], "text/csv; charset=utf-8");
    let disposition = reply.headers["content-disposition"].to_str().unwrap();
    let today = Utc::now().format("%Y%m%d");
    assert_eq!(
        disposition,
        format!(
            "attachment; filename=\"metrics-config-{}-{today}.csv\"",
            s.config
        )
    );
    let lines: Vec<&str> = reply.text.lines().collect();
    // schema field order: model, throughput, gpus, latency → dims (model, gpus) then metrics (throughput, latency)
    assert_eq!(
        lines[0],
        "model,gpus,throughput,latency,collected_at,source_file,run_id"
    );
    assert_eq!(
        lines[1],
        format!(
            "a,1,10.0,1.0,2025-01-01T10:00:00Z,results/summary.csv,{}",
            s.run
        )
    );
    assert_eq!(
        lines[3],
        format!(
            "a,2,30.0,,2025-01-01T12:00:00Z,results/summary.csv,{}",
            s.run
        ),
        "a missing metric is empty"
    );
    assert_eq!(lines.len(), 1 + SEED.len());

    let narrowed = s
        .api
        .get(&format!(
            "configs/{}/export?metric_fields=latency&dimensions=%7B%22model%22%3A%22b%22%7D&limit=1",
            s.config
        ))
        .await;
    let lines: Vec<&str> = narrowed.text.lines().collect();
    assert_eq!(
        lines,
        vec![
            "model,gpus,latency,collected_at,source_file,run_id".to_owned(),
            format!("b,1,2.0,2025-01-01T10:00:00Z,results/summary.csv,{}", s.run),
        ]
    );
    let (code, message) = s
        .api
        .get(&format!("configs/{}/export?metric_fields=power", s.config))
        .await
        .error();
    assert_eq!(
        (code, message.as_str()),
        (
            4000,
            "invalid metric_fields: \"power\" is not a metric of this config"
        )
    );
    let (code, _) = s
        .api
        .get(&format!("configs/{}/export?limit=-1", s.config))
        .await
        .error();
    assert_eq!(code, 4000);
    assert_eq!(s.api.get("configs/999/export").await.error().0, 4040);
}

/// Ranges that cut hours mix rollups (whole hours) and rows (cut hours); the
/// answer must equal the one computed from the rows alone, here and by the
/// percentile path (which reads rows only).
#[tokio::test]
async fn rollups_and_rows_agree_on_any_range() {
    let s = seeded().await;
    // records inside the hours, not only on them
    let mut conn = s.api.conn().await;
    let extra = [
        ("2025-01-01T10:15:00Z", 11.0),
        ("2025-01-01T10:45:00Z", 13.0),
        ("2025-01-02T09:59:59Z", 17.0),
    ];
    for (i, (time, throughput)) in extra.into_iter().enumerate() {
        // `1.0` and `1` are equal as JSON numbers but are two series keys: both must count
        let gpus = if i == 0 { json!(1.0) } else { json!(1) };
        diesel::insert_into(metrics::table)
            .values((
                metrics::config_id.eq(s.config),
                metrics::run_id.eq(s.run),
                metrics::timestamp.eq(at(time)),
                metrics::dimensions.eq(json!({"model": "a", "gpus": gpus})),
                metrics::metrics.eq(json!({"throughput": throughput})),
            ))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    refresh_rollups(&s.api, s.config).await;
    let mut rows: Vec<(DateTime<Utc>, f64)> = SEED.iter().map(|r| (at(r.0), r.3)).collect();
    rows.extend(extra.iter().map(|(t, v)| (at(t), *v)));
    let path = format!("configs/{}/metrics/aggregate", s.config);
    for (start, end) in [
        ("2025-01-01T10:30:00Z", "2025-01-02T10:00:00Z"),
        ("2025-01-01T10:00:00Z", "2025-01-01T10:30:00Z"),
        ("2025-01-01T10:14:00Z", "2025-01-01T10:46:00Z"),
        ("2025-01-01T00:00:00Z", "2025-01-03T00:00:00Z"),
        ("2025-01-01T11:00:00Z", "2025-01-02T09:59:59Z"),
    ] {
        let inside: Vec<f64> = rows
            .iter()
            .filter(|(t, _)| *t >= at(start) && *t <= at(end))
            .map(|(_, v)| *v)
            .collect();
        for (aggregation, want) in [
            ("avg", inside.iter().sum::<f64>() / inside.len() as f64),
            ("sum", inside.iter().sum::<f64>()),
            ("min", inside.iter().copied().fold(f64::INFINITY, f64::min)),
            (
                "max",
                inside.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            ),
            ("count", inside.len() as f64),
        ] {
            let data = s
                .api
                .post(&path, json!({"metrics": ["throughput"], "aggregation": aggregation, "start": start, "end": end}))
                .await
                .data();
            let value = &data["points"][0]["value"];
            assert!(
                close(value, want),
                "{aggregation} over [{start}, {end}]: {value} != {want}"
            );
            assert_eq!(data["points"][0]["count"], inside.len(), "[{start}, {end}]");
        }
        let last = rows
            .iter()
            .filter(|(t, _)| *t >= at(start) && *t <= at(end))
            .max_by_key(|(t, _)| *t)
            .unwrap()
            .1;
        let data = s
            .api
            .post(&path, json!({"metrics": ["throughput"], "aggregation": "last", "start": start, "end": end}))
            .await
            .data();
        assert!(
            close(&data["points"][0]["value"], last),
            "last over [{start}, {end}]: {data}"
        );
        let median = s
            .api
            .post(&path, json!({"metrics": ["throughput"], "aggregation": "p50", "start": start, "end": end}))
            .await
            .data();
        assert!(
            estimated(&median["points"][0]["value"], &inside, 0.5),
            "p50 over [{start}, {end}]: {median}"
        );
        assert_eq!(
            median["points"][0]["count"],
            inside.len(),
            "[{start}, {end}]"
        );
    }
}

#[tokio::test]
async fn the_specs_get_forms_answer_as_the_post_forms() {
    let s = seeded().await;
    let c = s.config;
    let range = "start_time=2025-01-01T00:00:00Z&end_time=2025-01-03T23:00:00Z";
    // collector-design.md: GET /metrics?config_id=1&metrics=throughput&group_by=model_name&interval=1d…
    let got = s
        .api
        .get(&format!(
            "metrics?config_id={c}&metrics=throughput&group_by=model&interval=1d&{range}&dimensions[gpus]=1&dimensions[gpus]=2"
        ))
        .await
        .data();
    let posted = s
        .api
        .post(
            &format!("configs/{c}/metrics/aggregate"),
            json!({"metrics": ["throughput"], "group_by": ["model"], "interval": "1d",
                   "start": "2025-01-01T00:00:00Z", "end": "2025-01-03T23:00:00Z",
                   "dimensions": {"gpus": [1, 2]}}),
        )
        .await
        .data();
    assert_eq!(got, posted);
    assert_eq!(got["points"].as_array().map(Vec::len), Some(5), "{got}");
    // one dimension value narrows, as the body's filter does
    let narrowed = s
        .api
        .get(&format!(
            "metrics?config_id={c}&metrics=throughput&dimensions[model]=b"
        ))
        .await
        .data();
    let posted = s
        .api
        .post(
            &format!("configs/{c}/metrics/aggregate"),
            json!({"metrics": ["throughput"], "dimensions": {"model": "b"}}),
        )
        .await
        .data();
    assert_eq!(narrowed, posted);
    assert_eq!(
        narrowed["points"].as_array().map(Vec::len),
        Some(1),
        "{narrowed}"
    );
    let trends = s
        .api
        .get(&format!(
            "metrics/trends?config_id={c}&metrics=throughput&group_by=model"
        ))
        .await
        .data();
    let posted = s
        .api
        .post(
            &format!("configs/{c}/metrics/trends"),
            json!({"metric": "throughput", "group_by": ["model"]}),
        )
        .await
        .data();
    assert_eq!(trends, posted);

    let summary = s
        .api
        .get(&format!(
            "metrics/summary?config_id={c}&start=2025-01-02T00:00:00Z&end=2025-01-04T00:00:00Z"
        ))
        .await
        .data();
    let by_path = s
        .api
        .get(&format!(
            "configs/{c}/metrics/summary?start=2025-01-02T00:00:00Z&end=2025-01-04T00:00:00Z"
        ))
        .await
        .data();
    assert_eq!(summary, by_path);

    let dims = s
        .api
        .get(&format!("metrics/dimensions?config_id={c}"))
        .await
        .data();
    assert_eq!(
        dims,
        s.api.get(&format!("configs/{c}/dimensions")).await.data()
    );

    // the config is required, and must be of the cluster
    let (code, message) = s.api.get("metrics?metrics=throughput").await.error();
    assert_eq!((code, message.as_str()), (4000, "missing config_id"));
    let (code, _) = s
        .api
        .get(&format!("metrics?config_id={c}&cluster=other"))
        .await
        .error();
    assert_eq!(code, 4040);
    let (code, message) = s
        .api
        .get(&format!("metrics?config_id={c}&interval=1y"))
        .await
        .error();
    assert_eq!(code, 4000);
    assert!(message.starts_with("invalid interval"), "{message}");
}

/// The newest-N query reads each matching series newest first and merges the
/// pages: the same records, in the same order, as one sort of everything;
/// `total` stops at 10,000 unless asked for the exact count.
#[tokio::test]
async fn query_pages_series_in_time_order_and_caps_its_total() {
    let api = TestApi::start().await;
    let config = api.create_config("many", "arc", "many").await;
    let run = api.insert_run(config, "w1", RunStatus::Completed).await.id;
    let mut conn = api.conn().await;
    // 10,050 records over 3 series, timestamps interleaved and tied
    diesel::sql_query(
        "INSERT INTO github_workflow_metrics (config_id, run_id, \"timestamp\", dimensions, metrics) \
         SELECT $1, $2, '2025-01-01T00:00:00Z'::timestamptz + (i / 2) * interval '1 minute', \
                jsonb_build_object('model', (ARRAY['x', 'y', 'z'])[1 + i % 3]), jsonb_build_object('v', i) \
         FROM generate_series(1, 10050) i",
    )
    .bind::<diesel::sql_types::BigInt, _>(config)
    .bind::<diesel::sql_types::BigInt, _>(run)
    .execute(&mut conn)
    .await
    .expect("seeding");
    refresh_rollups(&api, config).await;
    let path = format!("configs/{config}/metrics/query");
    let values = |data: &Value| -> Vec<i64> {
        data["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["metrics"]["v"].as_i64().unwrap())
            .collect()
    };
    for order in ["desc", "asc"] {
        let page = api
            .post(&path, json!({"dimensions": {"model": ["x", "y"]}, "order": order, "limit": 7, "offset": 3}))
            .await
            .data();
        // the truth: i % 3 is 0 (x) or 1 (y); time i / 2, ties by id (= i)
        let mut want: Vec<i64> = (1..=10050).filter(|i| i % 3 != 2).collect();
        want.sort_by_key(|i| (i / 2, *i));
        if order == "desc" {
            want.reverse();
        }
        assert_eq!(values(&page), want[3..10].to_vec(), "{order}");
        assert_eq!(page["total"], 6700, "{order}");
        assert_eq!(page["total_capped"], false);
    }
    let all = api.post(&path, json!({"limit": 1})).await.data();
    assert_eq!(
        (all["total"].as_i64(), all["total_capped"].as_bool()),
        (Some(10_000), Some(true))
    );
    let exact = api
        .post(&path, json!({"limit": 1, "exact_total": true}))
        .await
        .data();
    assert_eq!(
        (exact["total"].as_i64(), exact["total_capped"].as_bool()),
        (Some(10_050), Some(false))
    );
}
