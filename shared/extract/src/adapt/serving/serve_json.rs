//! The result JSON of vLLM's `benchmark_serving.py` / `vllm bench serve
//! --save-result` and the JSON Lines of sglang's `bench_serving
//! --output-file`: one flat object per run (`date`, `backend`, `model_id`,
//! `request_rate`, `max_concurrency`, `completed`, `mean_ttft_ms`, …), one
//! record per object. The knobs of the run (`request_rate`, `burstiness`,
//! `max_concurrency`, `num_prompts`, `*_len`…) are dimensions; every other
//! number, counts included (`completed`, `total_input_tokens`), is measured
//! and a metric. Per-request arrays (`input_lens`, `ttfts`, `itls`,
//! `generated_texts`, `errors`) are raw samples, not records, and skipped.

use serde_json::{Map, Value};

use super::{Adapter, Emit, documents};
use crate::adapt::Input;
use crate::error::ExtractError;
use crate::format::Format;
use crate::schema::Direction;

pub(crate) const SGLANG: Adapter = Adapter {
    name: "sglang-bench-serving",
    formats: &[Format::Json, Format::Jsonl],
    detect: detect_sglang,
    read,
};

pub(crate) const VLLM: Adapter = Adapter {
    name: "vllm-bench-serve",
    formats: &[Format::Json, Format::Jsonl],
    detect: detect_vllm,
    read,
};

/// Keys only a serving benchmark's summary has.
fn has_serving_keys(text: &str) -> bool {
    (text.contains("_ttft_ms\"")
        || text.contains("\"request_throughput\"")
        || text.contains("\"output_throughput\""))
        && (text.contains("\"backend\"")
            || text.contains("\"completed\"")
            || text.contains("\"duration\""))
}

/// sglang writes keys vLLM does not (`total_output_tokens_retokenized`,
/// `*_e2e_latency_ms`) and names itself as the backend.
fn is_sglang(head: &str) -> bool {
    head.contains("\"total_output_tokens_retokenized\"")
        || head.contains("_e2e_latency_ms\"")
        || head.contains("\"backend\": \"sglang")
}

fn detect_sglang(input: &Input<'_>) -> Option<&'static str> {
    let head = input.head();
    (has_serving_keys(head) && is_sglang(head)).then_some(
        "sglang bench_serving summary keys (backend, *_e2e_latency_ms, total_output_tokens_retokenized)",
    )
}

fn detect_vllm(input: &Input<'_>) -> Option<&'static str> {
    let head = input.head();
    (has_serving_keys(head) && !is_sglang(head))
        .then_some("vLLM serving benchmark summary keys (backend, *_ttft_ms, request_throughput)")
}

/// Whether an object is a serving summary rather than something that
/// merely mentions its keys.
fn is_summary(object: &Map<String, Value>) -> bool {
    object
        .keys()
        .any(|k| k.ends_with("_ttft_ms") || k == "request_throughput" || k == "output_throughput")
}

/// Settings of the run, not measurements, whatever their type.
fn is_knob(key: &str) -> bool {
    const STATS: &[&str] = &["mean_", "median_", "std_", "min_", "max_", "avg_"];
    let percentile = key
        .strip_prefix('p')
        .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()));
    let stat =
        percentile || STATS.iter().any(|s| key.starts_with(s)) && !key.starts_with("max_num_");
    matches!(
        key,
        "request_rate"
            | "burstiness"
            | "max_concurrency"
            | "num_prompts"
            | "best_of"
            | "use_beam_search"
            | "seed"
            | "run_number"
            | "random_range_ratio"
            | "num_warmups"
            | "tensor_parallel_size"
            | "pipeline_parallel_size"
            | "tp"
            | "pp"
            | "dp"
            | "ep"
    ) || key.starts_with("max_num_")
        || key.starts_with("num_")
        || (key.ends_with("_len") && !stat)
}

/// The unit a serving benchmark key is in, by its documented naming.
fn unit_of(key: &str) -> Option<&'static str> {
    if key.ends_with("_ms") {
        Some("ms")
    } else if (key.ends_with("_s") && !key.ends_with("_per_s"))
        || matches!(key, "duration" | "elapsed_time")
    {
        Some("s")
    } else if key.starts_with("request_") && (key.contains("throughput") || key.contains("goodput"))
    {
        Some("req/s")
    } else if key.contains("throughput") || key.ends_with("tokens_per_s") {
        Some("tok/s")
    } else {
        None
    }
}

fn direction_of(key: &str) -> Option<Direction> {
    if key.ends_with("_ms") || matches!(key, "duration" | "failed") {
        Some(Direction::LowerIsBetter)
    } else if key.contains("throughput")
        || key.contains("goodput")
        || key.ends_with("_per_s")
        || matches!(key, "completed" | "rtfx")
    {
        Some(Direction::HigherIsBetter)
    } else {
        None
    }
}

fn read(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    for doc in documents(input.text) {
        let Some(object) = doc.as_object().filter(|o| is_summary(o)) else {
            continue;
        };
        for (key, value) in object {
            if is_knob(key) || key == "label" {
                match value {
                    Value::Null => out.dim_null(key),
                    _ => out.dim_json(key, value)?,
                }
                continue;
            }
            match value {
                Value::Number(n) => {
                    let v = n.as_f64().unwrap_or(f64::NAN);
                    out.metric_with(key, v, unit_of(key), direction_of(key))?;
                }
                // `inf`/`nan` where a number was measured: missing.
                Value::String(s) if matches!(s.as_str(), "inf" | "-inf" | "nan") => {}
                Value::String(_) | Value::Bool(_) => out.dim_json(key, value)?,
                // Per-request samples and nested detail are not records.
                _ => {}
            }
        }
        out.end_record();
    }
    Ok(())
}
