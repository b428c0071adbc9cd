//! vLLM's offline benchmarks, `--output-json`:
//! - `benchmark_throughput.py`: `{elapsed_time, num_requests,
//!   total_num_tokens, requests_per_second, tokens_per_second}`, one record;
//!   `num_requests` is the setting, the rest measured.
//! - `benchmark_latency.py`: `{avg_latency, latencies: […], percentiles:
//!   {"10": …, "99": …}}`, one record: `avg_latency` and
//!   `percentiles.<p>` in seconds (the raw `latencies` are samples).
//!
//! Any other scalar key (a run's metadata) is kept: numbers as metrics,
//! text as dimensions.

use serde_json::{Map, Value};

use super::{Adapter, Emit, documents};
use crate::adapt::Input;
use crate::error::ExtractError;
use crate::format::Format;
use crate::schema::Direction;

pub(crate) const THROUGHPUT: Adapter = Adapter {
    name: "vllm-benchmark-throughput",
    formats: &[Format::Json, Format::Jsonl],
    detect: detect_throughput,
    read: read_throughput,
};

pub(crate) const LATENCY: Adapter = Adapter {
    name: "vllm-benchmark-latency",
    formats: &[Format::Json, Format::Jsonl],
    detect: detect_latency,
    read: read_latency,
};

fn detect_throughput(input: &Input<'_>) -> Option<&'static str> {
    let head = input.head();
    (head.contains("\"requests_per_second\"") && head.contains("\"elapsed_time\"")).then_some(
        "vLLM benchmark_throughput keys (elapsed_time, requests_per_second, tokens_per_second)",
    )
}

fn detect_latency(input: &Input<'_>) -> Option<&'static str> {
    let head = input.head();
    (head.contains("\"avg_latency\"") && head.contains("\"percentiles\""))
        .then_some("vLLM benchmark_latency keys (avg_latency, latencies, percentiles)")
}

/// Scalars not named by the format: numbers measured, text describing.
fn other(out: &mut Emit<'_>, key: &str, value: &Value) -> Result<(), ExtractError> {
    match value {
        Value::Number(n) => out.metric(key, n.as_f64().unwrap_or(f64::NAN), None),
        Value::String(_) | Value::Bool(_) => out.dim_json(key, value),
        _ => Ok(()),
    }
}

fn objects(input: &Input<'_>, required: &str) -> Vec<Map<String, Value>> {
    documents(input.text)
        .into_iter()
        .filter_map(|d| match d {
            Value::Object(o) if o.contains_key(required) => Some(o),
            _ => None,
        })
        .collect()
}

fn read_throughput(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    use Direction::{HigherIsBetter, LowerIsBetter};
    for object in objects(input, "requests_per_second") {
        for (key, value) in &object {
            let spec = match key.as_str() {
                "elapsed_time" => Some((Some("s"), Some(LowerIsBetter))),
                "requests_per_second" => Some((Some("req/s"), Some(HigherIsBetter))),
                "tokens_per_second" | "output_tokens_per_second" => {
                    Some((Some("tok/s"), Some(HigherIsBetter)))
                }
                "total_num_tokens" | "total_output_tokens" => Some((None, None)),
                "num_requests" => {
                    out.dim_json(key, value)?;
                    continue;
                }
                _ => None,
            };
            match (spec, value.as_f64()) {
                (Some((unit, direction)), Some(v)) => out.metric_with(key, v, unit, direction)?,
                (Some(_), None) => {}
                (None, _) => other(out, key, value)?,
            }
        }
        out.end_record();
    }
    Ok(())
}

fn read_latency(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    for object in objects(input, "avg_latency") {
        for (key, value) in &object {
            match (key.as_str(), value) {
                ("avg_latency", Value::Number(n)) => out.metric_dir(
                    key,
                    n.as_f64().unwrap_or(f64::NAN),
                    Some("s"),
                    Direction::LowerIsBetter,
                )?,
                ("percentiles", Value::Object(percentiles)) => {
                    for (p, v) in percentiles {
                        if let Some(v) = v.as_f64() {
                            out.metric_dir(
                                &format!("percentiles.{p}"),
                                v,
                                Some("s"),
                                Direction::LowerIsBetter,
                            )?;
                        }
                    }
                }
                _ => other(out, key, value)?,
            }
        }
        out.end_record();
    }
    Ok(())
}
