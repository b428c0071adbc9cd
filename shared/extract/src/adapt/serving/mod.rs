//! LLM serving and inference benchmarks: vLLM's and sglang's serving
//! benchmarks (result JSON / JSON Lines and the console summary), vLLM's
//! offline throughput and latency benchmarks, llama.cpp's `llama-bench`
//! (markdown, CSV, JSON, JSON Lines), optimum-benchmark reports and the
//! PyTorch dynamo/TorchBench CSVs and userbenchmark JSON.
//!
//! These tools name their fields well (`mean_ttft_ms`, `avg_ts`,
//! `abs_latency`); what generic inference gets wrong is which numbers are
//! settings (`request_rate`, `num_prompts`, `n_prompt`) and which are
//! measured, and that raw per-request arrays are not records. Each adapter
//! states that, keeping the tool's own names.

mod console;
mod dynamo;
mod llama_bench;
mod offline;
mod optimum;
mod serve_json;

use serde_json::Value;

use super::{Adapter, Emit};
use crate::error::ExtractError;

pub(crate) const ADAPTERS: &[Adapter] = &[
    serve_json::SGLANG,
    serve_json::VLLM,
    offline::THROUGHPUT,
    offline::LATENCY,
    console::ADAPTER,
    llama_bench::JSON,
    llama_bench::CSV,
    llama_bench::MARKDOWN,
    optimum::ADAPTER,
    dynamo::CSV,
    dynamo::USERBENCHMARK,
];

/// Parses JSON as Python's `json.dump` writes it: bare `Infinity`,
/// `-Infinity` and `NaN` outside strings become `"inf"`, `"-inf"` and
/// `null`. Serving benchmarks write `"request_rate": Infinity` for an
/// unthrottled run, and that setting must stay a value (`inf`), not vanish.
fn python_json(text: &str) -> Option<Value> {
    if let Ok(v) = serde_json::from_str(text) {
        return Some(v);
    }
    let mut fixed = String::with_capacity(text.len() + 16);
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
        } else {
            let replaced = [
                ("-Infinity", "\"-inf\""),
                ("Infinity", "\"inf\""),
                ("NaN", "null"),
            ]
            .into_iter()
            .find(|(token, _)| rest.starts_with(token));
            if let Some((token, with)) = replaced {
                fixed.push_str(with);
                rest = &rest[token.len()..];
                continue;
            }
        }
        fixed.push(c);
        rest = &rest[c.len_utf8()..];
    }
    serde_json::from_str(&fixed).ok()
}

/// The JSON documents of a file: the document itself (each element when it
/// is an array), or else each line of JSON Lines.
fn documents(text: &str) -> Vec<Value> {
    if let Some(doc) = python_json(text.trim()) {
        return match doc {
            Value::Array(items) => items,
            other => vec![other],
        };
    }
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .filter_map(python_json)
        .collect()
}

/// A text cell as a dimension: a whole number, a number, a boolean or the
/// text itself.
fn dim_text(out: &mut Emit<'_>, name: &str, raw: &str) -> Result<(), ExtractError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(());
    }
    if let Ok(i) = raw.parse::<i64>() {
        return out.dim(name, i);
    }
    if let Ok(f) = raw.parse::<f64>()
        && f.is_finite()
    {
        return out.dim(name, f);
    }
    match raw {
        "true" | "True" => out.dim(name, true),
        "false" | "False" => out.dim(name, false),
        _ => out.dim(name, raw),
    }
}
