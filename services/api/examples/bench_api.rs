//! Latency of the dashboard queries and export throughput against a running
//! wfm-api, seeded by `scripts/bench-api` (1,000,000 or 5,000,000 rows, 90
//! days, 50 dimension combinations, 5 metrics). Requests are sent one at a
//! time, so the numbers are per-request latencies, not a saturation test.
//!
//! Next to each request it times a plain-SQL baseline: one statement over the
//! raw `github_workflow_metrics` rows (JSONB, no rollups) computing the same
//! answer, timed the same way (one at a time) on a direct connection to
//! `DATABASE_URL`, with the `work_mem` the api's aggregations get (64 MB).
//! Then it checks the api's percentiles (summary p50/p95, aggregate p95)
//! against the baselines' exact `percentile_cont`. Each request and baseline
//! runs once untimed, then 40 timed rounds after 2 more untimed ones; 10 when
//! the first run took over 200 ms, 3 when it took over 1 s.
//!
//! Usage: `DATABASE_URL=… bench_api <base-url> <config-id>`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::Jsonb;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::{Value, json};
use wfm_db::DbConfig;

/// Timed requests per row, after [`WARMUP`] untimed ones.
const ROUNDS: usize = 40;
const WARMUP: usize = 3;
/// Requests and baselines whose first run takes longer get fewer rounds.
const SLOW: Duration = Duration::from_millis(200);
const SLOW_ROUNDS: usize = 10;
const VERY_SLOW: Duration = Duration::from_secs(1);
const VERY_SLOW_ROUNDS: usize = 3;

/// The seeded schema's metrics (`scripts/bench-api`).
const METRICS: &str = "{throughput,latency_ms,tflops,mem_gb,power_w}";
const ALL_TIME: &str = "2000-01-01T00:00:00Z";

/// p50 and p95 of a row's timed rounds, in ms.
#[derive(Clone, Copy)]
struct Timing {
    p50: f64,
    p95: f64,
    rounds: usize,
}

impl Timing {
    fn of(mut samples: Vec<Duration>) -> Self {
        samples.sort();
        let at = |q: f64| ms(samples[((samples.len() - 1) as f64 * q).round() as usize]);
        Self {
            p50: at(0.5),
            p95: at(0.95),
            rounds: samples.len(),
        }
    }

    /// A line on stderr as each row is done (the table comes at the end).
    fn progress(&self, side: &str, name: &str) {
        eprintln!(
            "  {side} {name}: p50 {:.1} ms, p95 {:.1} ms ({} rounds)",
            self.p50, self.p95, self.rounds
        );
    }
}

/// One line of the table.
struct Line {
    request: &'static str,
    wfm: Timing,
    sql: Option<Timing>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let base = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:18080".into());
    let config: i64 = args.next().unwrap_or_else(|| "1".into()).parse()?;
    let api = format!("{base}/v1/github-workflow-metrics/configs/{config}");
    let client = reqwest::Client::new();
    let url = std::env::var("DATABASE_URL").context("DATABASE_URL is required")?;
    let mut db = DbConfig::new(url, "bench-api");
    db.statement_timeout = Duration::from_secs(1800);
    let mut conn = wfm_db::pool::connect(&db.url, &db).await?;
    diesel::sql_query("SET work_mem = '64MB'")
        .execute(&mut conn)
        .await?;

    let mut lines = Vec::new();

    let trends = json!({"metric": "throughput", "group_by": ["model"], "interval": "1d",
                        "start": ALL_TIME});
    let (wfm, _) = time_api("trends", || {
        client.post(format!("{api}/metrics/trends")).json(&trends)
    })
    .await?;
    let (sql, _) = time_sql(&mut conn, "trends", &daily_by_model(config, "avg(v)")).await?;
    lines.push(Line {
        request: "trends, 90 d, daily, by model",
        wfm,
        sql: Some(sql),
    });

    let (wfm, _) = time_api("summary 7 d", || {
        client.get(format!("{api}/metrics/summary"))
    })
    .await?;
    let (sql, _) = time_sql(
        &mut conn,
        "summary 7 d",
        &summary(config, "now() - interval '7 days'"),
    )
    .await?;
    lines.push(Line {
        request: "summary, last 7 d, 5 metrics",
        wfm,
        sql: Some(sql),
    });

    let (wfm, summary_api) = time_api("summary 90 d", || {
        client.get(format!("{api}/metrics/summary?start={ALL_TIME}"))
    })
    .await?;
    let (sql, summary_exact) = time_sql(
        &mut conn,
        "summary 90 d",
        &summary(config, &format!("TIMESTAMPTZ '{ALL_TIME}'")),
    )
    .await?;
    lines.push(Line {
        request: "summary, 90 d, 5 metrics",
        wfm,
        sql: Some(sql),
    });

    let aggregate = json!({"metrics": ["throughput"], "group_by": ["model"], "interval": "1d",
                           "aggregation": "p95", "start": ALL_TIME});
    let (wfm, aggregate_api) = time_api("aggregate", || {
        client
            .post(format!("{api}/metrics/aggregate"))
            .json(&aggregate)
    })
    .await?;
    let (sql, aggregate_exact) = time_sql(
        &mut conn,
        "aggregate",
        &daily_by_model(config, "percentile_cont(0.95) WITHIN GROUP (ORDER BY v)"),
    )
    .await?;
    lines.push(Line {
        request: "aggregate, 90 d, daily p95, by model",
        wfm,
        sql: Some(sql),
    });

    let query = json!({"dimensions": {"model": "model-3"}, "limit": 100});
    let (wfm, _) = time_api("query", || {
        client.post(format!("{api}/metrics/query")).json(&query)
    })
    .await?;
    let (sql, _) = time_sql(&mut conn, "query", &newest_of_model(config)).await?;
    lines.push(Line {
        request: "query, newest 100 of one model",
        wfm,
        sql: Some(sql),
    });

    let (wfm, _) = time_api("dimensions", || client.get(format!("{api}/dimensions"))).await?;
    let (sql, _) = time_sql(&mut conn, "dimensions", &dimensions(config)).await?;
    lines.push(Line {
        request: "dimensions",
        wfm,
        sql: Some(sql),
    });

    let (wfm, _) = time_api("dimension values", || {
        client.get(format!("{api}/dimensions/model/values"))
    })
    .await?;
    lines.push(Line {
        request: "dimensions/model/values",
        wfm,
        sql: None,
    });

    print_table(&lines);
    println!();
    summary_accuracy(&summary_api, &summary_exact)?;
    println!();
    aggregate_accuracy(&aggregate_api, &aggregate_exact)?;
    println!();
    export(&client, &api).await
}

fn print_table(lines: &[Line]) {
    println!(
        "{:<38} | {:>10} | {:>10} | {:>10} | {:>10}",
        "request", "wfm p50", "wfm p95", "SQL p50", "SQL p95"
    );
    println!("{}", "-".repeat(38 + 4 * 13));
    let cell = |t: Option<Timing>, p95: bool| match t {
        Some(t) => format!("{:.1} ms", if p95 { t.p95 } else { t.p50 }),
        None => "-".into(),
    };
    for line in lines {
        println!(
            "{:<38} | {:>10} | {:>10} | {:>10} | {:>10}",
            line.request,
            cell(Some(line.wfm), false),
            cell(Some(line.wfm), true),
            cell(line.sql, false),
            cell(line.sql, true),
        );
    }
    let rounds: Vec<String> = lines
        .iter()
        .map(|l| {
            let sql = l.sql.map_or("-".into(), |s| s.rounds.to_string());
            format!("{} {}/{sql}", l.request, l.wfm.rounds)
        })
        .collect();
    println!(
        "(timed rounds wfm/SQL, sequential, after warm-up: {})",
        rounds.join("; ")
    );
}

/// Untimed and timed rounds after a first, untimed run that took `first`:
/// [`WARMUP`] and [`ROUNDS`], fewer for what takes long.
fn rounds_after(first: Duration) -> (usize, usize) {
    if first > VERY_SLOW {
        (0, VERY_SLOW_ROUNDS)
    } else if first > SLOW {
        (0, SLOW_ROUNDS)
    } else {
        (WARMUP - 1, ROUNDS)
    }
}

/// Sends `request` once to warm up, then as many rounds as that allows; the
/// timings and the last response's JSON.
async fn time_api<F>(name: &str, request: F) -> anyhow::Result<(Timing, Value)>
where
    F: Fn() -> reqwest::RequestBuilder,
{
    let send = async || -> anyhow::Result<(Duration, Value)> {
        let start = Instant::now();
        let response = request().send().await?;
        let status = response.status();
        let text = response.text().await?;
        let took = start.elapsed();
        if !status.is_success() {
            anyhow::bail!("{name}: {status} {text}");
        }
        let json = serde_json::from_str(&text).with_context(|| format!("{name}: response"))?;
        Ok((took, json))
    };
    let (first, mut last) = send().await?;
    let (warmup, rounds) = rounds_after(first);
    let mut samples = Vec::with_capacity(rounds);
    for round in 0..warmup + rounds {
        let (took, json) = send().await?;
        if round >= warmup {
            samples.push(took);
        }
        last = json;
    }
    let timing = Timing::of(samples);
    timing.progress("wfm", name);
    Ok((timing, last))
}

#[derive(QueryableByName)]
struct JsonRows {
    #[diesel(sql_type = Jsonb)]
    rows: Value,
}

/// Runs `sql` as one statement returning its rows as one JSON array (the api
/// answers JSON too): once to warm up, then as many rounds as its first run
/// allows; the timings and the rows.
async fn time_sql(
    conn: &mut AsyncPgConnection,
    name: &str,
    sql: &str,
) -> anyhow::Result<(Timing, Value)> {
    let wrapped = format!("SELECT coalesce(jsonb_agg(q), '[]'::jsonb) AS rows FROM ({sql}) q");
    let mut run = async || -> anyhow::Result<(Duration, Value)> {
        let start = Instant::now();
        let rows = diesel::sql_query(&wrapped)
            .get_result::<JsonRows>(conn)
            .await
            .with_context(|| format!("{name} baseline: {sql}"))?;
        Ok((start.elapsed(), rows.rows))
    };
    let (first, mut last) = run().await?;
    let (warmup, rounds) = rounds_after(first);
    let mut samples = Vec::with_capacity(rounds);
    for round in 0..warmup + rounds {
        let (took, rows) = run().await?;
        if round >= warmup {
            samples.push(took);
        }
        last = rows;
    }
    let timing = Timing::of(samples);
    timing.progress("SQL", name);
    Ok((timing, last))
}

/// `metric` per UTC day and model, all time: `aggregate` over `v`, the
/// throughput, as the api's daily buckets (Monday-based `date_bin`).
fn daily_by_model(config: i64, aggregate: &str) -> String {
    format!(
        "SELECT date_bin(interval '1 day', m.\"timestamp\", TIMESTAMPTZ '2000-01-03 00:00:00+00') AS time, \
                jsonb_build_object('model', m.dimensions -> 'model') AS \"group\", \
                {aggregate} AS value, count(*) AS count \
         FROM github_workflow_metrics m \
         CROSS JOIN LATERAL (SELECT CASE WHEN jsonb_typeof(m.metrics -> 'throughput') = 'number' \
                             THEN (m.metrics -> 'throughput')::float8 END AS v) x \
         WHERE m.config_id = {config} AND m.\"timestamp\" >= TIMESTAMPTZ '{ALL_TIME}' AND x.v IS NOT NULL \
         GROUP BY 1, 2 ORDER BY 2, 1"
    )
}

/// The summary of [start, now()] per metric, with the previous period of
/// equal length's count and average.
fn summary(config: i64, start: &str) -> String {
    format!(
        "SELECT mf.name, \
                count(*) FILTER (WHERE x.cur) AS count, min(x.v) FILTER (WHERE x.cur) AS min, \
                max(x.v) FILTER (WHERE x.cur) AS max, avg(x.v) FILTER (WHERE x.cur) AS avg, \
                percentile_cont(0.5) WITHIN GROUP (ORDER BY x.v) FILTER (WHERE x.cur) AS p50, \
                percentile_cont(0.95) WITHIN GROUP (ORDER BY x.v) FILTER (WHERE x.cur) AS p95, \
                (max(ARRAY[extract(epoch FROM m.\"timestamp\")::float8, m.id::float8, x.v]) FILTER (WHERE x.cur))[3] AS latest, \
                max(m.\"timestamp\") FILTER (WHERE x.cur) AS latest_at, \
                count(*) FILTER (WHERE NOT x.cur) AS previous_count, \
                avg(x.v) FILTER (WHERE NOT x.cur) AS previous_avg \
         FROM github_workflow_metrics m \
         CROSS JOIN LATERAL unnest('{METRICS}'::text[]) AS mf(name) \
         CROSS JOIN LATERAL (SELECT CASE WHEN jsonb_typeof(m.metrics -> mf.name) = 'number' \
                                    THEN (m.metrics -> mf.name)::float8 END AS v, \
                                    m.\"timestamp\" >= ({start}) AS cur) x \
         WHERE m.config_id = {config} \
           AND m.\"timestamp\" >= ({start}) - (now() - ({start})) AND m.\"timestamp\" <= now() \
           AND x.v IS NOT NULL \
         GROUP BY 1"
    )
}

/// The newest 100 records of model-3 and how many there are.
fn newest_of_model(config: i64) -> String {
    format!(
        "WITH page AS (SELECT m.id, m.run_id, m.\"timestamp\", m.source_file, m.dimensions, m.metrics \
                       FROM github_workflow_metrics m \
                       WHERE m.config_id = {config} AND m.dimensions @> '{{\"model\":\"model-3\"}}' \
                       ORDER BY m.\"timestamp\" DESC, m.id DESC LIMIT 100) \
         SELECT page.*, (SELECT count(*) FROM github_workflow_metrics m \
                         WHERE m.config_id = {config} AND m.dimensions @> '{{\"model\":\"model-3\"}}') AS total \
         FROM page"
    )
}

/// Every dimension with its distinct values, all time.
fn dimensions(config: i64) -> String {
    format!(
        "SELECT e.key, array_agg(DISTINCT e.value ORDER BY e.value) AS values \
         FROM github_workflow_metrics m CROSS JOIN LATERAL jsonb_each_text(m.dimensions) AS e(key, value) \
         WHERE m.config_id = {config} GROUP BY 1 ORDER BY 1"
    )
}

fn relative_error(value: f64, exact: f64) -> f64 {
    if exact == 0.0 {
        (value - exact).abs()
    } else {
        ((value - exact) / exact).abs()
    }
}

/// The api's summary p50/p95 (90 d) against `percentile_cont` over the rows.
fn summary_accuracy(api: &Value, exact: &Value) -> anyhow::Result<()> {
    println!(
        "== accuracy: summary 90 d, the api's p50/p95 against percentile_cont over the raw rows"
    );
    println!(
        "(a sketch returns the value at rank floor(q(n-1)) within its relative error; \
         percentile_cont interpolates between neighbouring ranks: reported, not checked)"
    );
    let exact = exact.as_array().context("summary baseline: no rows")?;
    let metrics = api["data"]["metrics"]
        .as_array()
        .context("summary: no data.metrics in the response")?;
    let mut worst: f64 = 0.0;
    println!(
        "{:<12} {:>14} {:>14} {:>9} {:>14} {:>14} {:>9}",
        "metric", "api p50", "exact p50", "err %", "api p95", "exact p95", "err %"
    );
    for metric in metrics {
        let name = metric["name"].as_str().unwrap_or_default();
        let Some(row) = exact.iter().find(|r| r["name"] == name) else {
            println!("{name:<12} (no baseline row)");
            continue;
        };
        let mut cells = Vec::new();
        for q in ["p50", "p95"] {
            match (metric[q].as_f64(), row[q].as_f64()) {
                (Some(value), Some(want)) => {
                    let err = relative_error(value, want);
                    worst = worst.max(err);
                    cells.push(format!("{value:>14.4} {want:>14.4} {:>9.4}", err * 100.0));
                }
                (value, want) => cells.push(format!(
                    "{:>14} {:>14} {:>9}",
                    format!("{value:?}"),
                    format!("{want:?}"),
                    "-"
                )),
            }
        }
        println!("{name:<12} {}", cells.join(" "));
    }
    println!("max relative error: {:.4} %", worst * 100.0);
    Ok(())
}

/// The api's aggregate p95 points (per UTC day and model) against
/// `percentile_cont(0.95)` over the rows.
fn aggregate_accuracy(api: &Value, exact: &Value) -> anyhow::Result<()> {
    println!(
        "== accuracy: aggregate 90 d, daily p95 by model, the api's points against percentile_cont over the raw rows"
    );
    let key = |point: &Value| -> Option<(i64, String)> {
        let time = DateTime::parse_from_rfc3339(point["time"].as_str()?).ok()?;
        Some((
            time.with_timezone(&Utc).timestamp(),
            point["group"].to_string(),
        ))
    };
    let exact: BTreeMap<(i64, String), f64> = exact
        .as_array()
        .context("aggregate baseline: no rows")?
        .iter()
        .filter_map(|row| Some((key(row)?, row["value"].as_f64()?)))
        .collect();
    let points = api["data"]["points"]
        .as_array()
        .context("aggregate: no data.points in the response")?;
    let (mut sum, mut worst, mut matched, mut unmatched) = (0.0, 0.0f64, 0usize, 0usize);
    for point in points {
        match key(point).and_then(|k| Some((point["value"].as_f64()?, exact.get(&k)?))) {
            Some((value, want)) => {
                let err = relative_error(value, *want);
                sum += err;
                worst = worst.max(err);
                matched += 1;
            }
            None => unmatched += 1,
        }
    }
    println!(
        "{matched} points compared ({} exact, {unmatched} api points without an exact one): \
         max relative error {:.4} %, mean {:.4} %",
        exact.len(),
        worst * 100.0,
        if matched > 0 {
            sum / matched as f64 * 100.0
        } else {
            0.0
        }
    );
    Ok(())
}

/// export: every row, streamed.
async fn export(client: &reqwest::Client, api: &str) -> anyhow::Result<()> {
    let start = Instant::now();
    let mut response = client
        .get(format!("{api}/export?limit=10000000&start={ALL_TIME}"))
        .send()
        .await?
        .error_for_status()?;
    let (mut bytes, mut lines) = (0usize, 0usize);
    while let Some(chunk) = response.chunk().await? {
        bytes += chunk.len();
        lines += chunk.iter().filter(|b| **b == b'\n').count();
    }
    let secs = start.elapsed().as_secs_f64();
    let rows = lines.saturating_sub(1);
    println!(
        "GET export: {rows} rows, {:.0} MiB in {secs:.2} s = {:.0} rows/s",
        bytes as f64 / 1048576.0,
        rows as f64 / secs
    );
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
