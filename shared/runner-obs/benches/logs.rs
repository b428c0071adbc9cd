//! What serving a large job log costs: a 16 MiB log shaped like GitHub's
//! (eight steps, timestamped lines, a few errors) captured within the cap
//! and gzipped (the collector, once per log), then un-gzipped, split by
//! step and searched (the api, on every `GET …/logs`).
//!
//! `cargo bench -p wfm-runner-obs --bench logs -- --warm-up-time 1 --measurement-time 5`

use std::hint::black_box;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use criterion::{Criterion, Throughput};
use wfm_runner_obs::logs::capture::{Capture, compress, decompress};
use wfm_runner_obs::logs::text::{search, step_ranges};
use wfm_runner_obs::navigation::Step;

const SIZE: usize = 16 << 20;
const STEPS: i64 = 8;

fn log() -> (Vec<u8>, Vec<Step>) {
    let start: DateTime<Utc> = "2026-12-05T10:00:00Z".parse().expect("a time");
    let mut text = String::with_capacity(SIZE + 200);
    let mut steps = Vec::new();
    let per_step = SIZE / STEPS as usize;
    let mut line = 0u64;
    for n in 1..=STEPS {
        let begun = start + TimeDelta::seconds(n * 600);
        steps.push(Step {
            name: format!("Run step {n}"),
            conclusion: Some("success".into()),
            number: n,
            started_at: Some(begun),
            completed_at: Some(begun + TimeDelta::seconds(599)),
        });
        text.push_str(&format!(
            "{} ##[group]Run step {n}\n",
            begun.format("%Y-%m-%dT%H:%M:%S%.6f0Z")
        ));
        let end = n as usize * per_step;
        while text.len() < end {
            line += 1;
            let t = begun + TimeDelta::milliseconds((line % 599_000) as i64);
            let kind = if line.is_multiple_of(50_000) {
                "##[error]"
            } else {
                ""
            };
            text.push_str(&format!(
                "{} {kind}gemm m=8192 n=8192 k=8192 rank {} iteration {line}: 603.75 TFLOPS\n",
                t.format("%Y-%m-%dT%H:%M:%S%.6f0Z"),
                line % 8
            ));
        }
    }
    (text.into_bytes(), steps)
}

fn main() {
    let (log, steps) = log();
    let packed = compress(&log);
    println!(
        "log: {} bytes, {} gzipped ({:.1} %)",
        log.len(),
        packed.len(),
        100.0 * packed.len() as f64 / log.len() as f64
    );
    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("job log, 16 MiB");
    group.throughput(Throughput::Bytes(log.len() as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("capture within the cap and gzip (collector)", |b| {
        b.iter(|| {
            let mut capture = Capture::new(SIZE);
            for chunk in log.chunks(64 << 10) {
                capture.push(chunk);
            }
            black_box(compress(&capture.finish().text))
        });
    });
    group.bench_function("gunzip and split by step (api)", |b| {
        b.iter(|| {
            let text = decompress(&packed, log.len() as u64).expect("gzip");
            black_box(step_ranges(&text, &steps))
        });
    });
    group.bench_function("search the whole log (api)", |b| {
        b.iter(|| black_box(search(&log, 0, log.len(), "##[error]", 500)));
    });
    group.finish();
    c.final_summary();
}
