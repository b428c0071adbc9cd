//! Latency of the dashboard queries and export throughput against a running
//! wfm-api, seeded by `scripts/bench-api` (1,000,000 rows, 90 days, 50
//! dimension combinations, 5 metrics). Requests are sent one at a time, so the
//! numbers are per-request latencies, not a saturation test.
//!
//! Usage: `bench_api <base-url> <config-id>`.

use std::time::{Duration, Instant};

use serde_json::json;

const ROUNDS: usize = 40;
const WARMUP: usize = 3;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let base = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:18080".into());
    let config: i64 = args.next().unwrap_or_else(|| "1".into()).parse()?;
    let api = format!("{base}/v1/github-workflow-metrics/configs/{config}");
    let client = reqwest::Client::new();
    let all_time = json!({"start": "2000-01-01T00:00:00Z"});

    println!(
        "{:<58} {:>8} {:>8} {:>8}",
        "request", "p50 ms", "p95 ms", "max ms"
    );
    let trends = json!({"metric": "throughput", "group_by": ["model"], "interval": "1d",
                        "start": all_time["start"]});
    time(
        "POST metrics/trends (90 d, daily, by model, 1 metric)",
        || client.post(format!("{api}/metrics/trends")).json(&trends),
    )
    .await?;
    let aggregate = json!({"metrics": ["throughput"], "group_by": ["model"], "interval": "1d",
                           "aggregation": "p95", "start": all_time["start"]});
    time("POST metrics/aggregate (90 d, daily p95, by model)", || {
        client
            .post(format!("{api}/metrics/aggregate"))
            .json(&aggregate)
    })
    .await?;
    time("GET metrics/summary (default: last 7 d, 5 metrics)", || {
        client.get(format!("{api}/metrics/summary"))
    })
    .await?;
    time("GET metrics/summary (all 90 d, 5 metrics)", || {
        client.get(format!("{api}/metrics/summary?start=2000-01-01T00:00:00Z"))
    })
    .await?;
    time("GET dimensions (all time)", || {
        client.get(format!("{api}/dimensions"))
    })
    .await?;
    time("GET dimensions/model/values (all time)", || {
        client.get(format!("{api}/dimensions/model/values"))
    })
    .await?;
    time("POST metrics/query (newest 100 of model-3)", || {
        client
            .post(format!("{api}/metrics/query"))
            .json(&json!({"dimensions": {"model": "model-3"}, "limit": 100}))
    })
    .await?;

    // export: every row, streamed
    let start = Instant::now();
    let mut response = client
        .get(format!(
            "{api}/export?limit=10000000&start=2000-01-01T00:00:00Z"
        ))
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

async fn time<F>(name: &str, request: F) -> anyhow::Result<()>
where
    F: Fn() -> reqwest::RequestBuilder,
{
    let mut samples = Vec::with_capacity(ROUNDS);
    for round in 0..WARMUP + ROUNDS {
        let start = Instant::now();
        let response = request().send().await?;
        let status = response.status();
        let text = response.text().await?;
        if !status.is_success() {
            anyhow::bail!("{name}: {status} {text}");
        }
        if round >= WARMUP {
            samples.push(start.elapsed());
        }
    }
    samples.sort();
    let at = |q: f64| ms(samples[((samples.len() - 1) as f64 * q).round() as usize]);
    println!(
        "{name:<58} {:>8.1} {:>8.1} {:>8.1}",
        at(0.5),
        at(0.95),
        at(1.0)
    );
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
