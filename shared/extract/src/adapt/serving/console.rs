//! The console summary vLLM (`benchmark_serving.py`, `vllm bench serve`)
//! and sglang (`bench_serving`) print:
//!
//! ```text
//! ============ Serving Benchmark Result ============
//! Backend:                                 sglang
//! Successful requests:                     1000
//! Benchmark duration (s):                  12.3
//! ---------------Time to First Token----------------
//! Mean TTFT (ms):                          12.3
//! ==================================================
//! ```
//!
//! One record per block (a log may hold several runs, numbered `run` 1, 2…). Names stay as
//! printed (`Mean TTFT (ms)`), the unit comes from the parentheses. The
//! run's settings are dimensions: those printed inside the block (`Backend`,
//! `Traffic request rate`, `Max request concurrency`) and those vLLM prints
//! before it (`Traffic request rate: inf`, `Burstiness factor: 1.0 (Poisson
//! process)`, `Maximum request concurrency: 32`). Lines may carry a `# `
//! prefix (results pasted into a script).

use std::sync::LazyLock;

use regex::Regex;

use super::{Adapter, Emit, dim_text};
use crate::adapt::Input;
use crate::cell::parse_number;
use crate::error::ExtractError;
use crate::format::Format;
use crate::schema::Direction;

pub(crate) const ADAPTER: Adapter = Adapter {
    name: "serving-benchmark-console",
    formats: &[Format::Text, Format::Markdown],
    detect,
    read,
};

const TITLE: &str = "Serving Benchmark Result";

/// `Name (unit):   value`, optionally behind `# ` (a constant pattern:
/// `None` never happens, and then nothing matches).
static LINE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^\s*(?:#\s*)?([A-Za-z][^:]*?)\s*:\s*(.*?)\s*$").ok());

fn name_value(line: &str) -> Option<regex::Captures<'_>> {
    LINE.as_ref()?.captures(line)
}

/// Settings, by their printed names (lowercase).
const SETTINGS: &[&str] = &[
    "backend",
    "traffic request rate",
    "max request concurrency",
    "maximum request concurrency",
    "request rate configured (rps)",
    "burstiness factor",
    "model",
    "dataset",
];

fn detect(input: &Input<'_>) -> Option<&'static str> {
    input
        .head()
        .contains(TITLE)
        .then_some("a `==== Serving Benchmark Result ====` block of `Name (unit): value` lines")
}

fn strip_prefix(line: &str) -> &str {
    let t = line.trim();
    t.strip_prefix('#').map_or(t, str::trim)
}

fn is_rule(line: &str, c: char) -> bool {
    let t = strip_prefix(line);
    t.len() >= 10 && t.chars().all(|x| x == c)
}

/// `==== Serving Benchmark Result ====`: a rule with the title in it.
fn is_title(line: &str) -> bool {
    let t = strip_prefix(line);
    t.starts_with("===") && t.contains(TITLE)
}

fn is_setting(name: &str) -> bool {
    SETTINGS.contains(&name.to_ascii_lowercase().as_str())
}

/// A setting's value: the leading number of `1.0 (Poisson process)`, the
/// text otherwise; `None`/`not set` is no value.
fn setting_value(raw: &str) -> Option<&str> {
    let raw = raw.trim();
    if raw.is_empty() || matches!(raw.to_ascii_lowercase().as_str(), "none" | "not set") {
        return None;
    }
    let first = raw.split_whitespace().next().unwrap_or(raw);
    Some(if first.parse::<f64>().is_ok() {
        first
    } else {
        raw
    })
}

fn direction_of(name: &str, unit: Option<&str>) -> Option<Direction> {
    let lower = name.to_ascii_lowercase();
    if lower.contains("throughput")
        || lower.contains("goodput")
        || lower.contains("acceptance")
        || lower.starts_with("successful")
    {
        Some(Direction::HigherIsBetter)
    } else if lower.starts_with("failed") || matches!(unit, Some("ms" | "s")) {
        Some(Direction::LowerIsBetter)
    } else {
        None
    }
}

fn read(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    // Settings printed since the last block, for the next one.
    let mut before: Vec<(String, String)> = Vec::new();
    // A log of several runs may print the same settings for each (a sweep
    // over something the summary does not show): their order tells them apart.
    let several = input.text.matches(TITLE).nth(1).is_some();
    let mut lines = input.text.lines();
    while let Some(line) = lines.next() {
        if !is_title(line) {
            if let Some(c) = name_value(line)
                && is_setting(&c[1])
                && let Some(v) = setting_value(&c[2])
            {
                before.retain(|(n, _)| n != &c[1]);
                before.push((c[1].to_owned(), v.to_owned()));
            }
            continue;
        }
        let mut settings = std::mem::take(&mut before);
        let mut metrics: Vec<(String, f64, Option<String>)> = Vec::new();
        for line in lines.by_ref() {
            if is_rule(line, '=') {
                break;
            }
            let Some(c) = name_value(line) else {
                continue;
            };
            let (name, raw) = (c[1].trim(), &c[2]);
            if is_setting(name) {
                if let Some(v) = setting_value(raw) {
                    settings.retain(|(n, _)| n != name);
                    settings.push((name.to_owned(), v.to_owned()));
                }
                continue;
            }
            let Some(number) = parse_number(raw.trim()) else {
                continue;
            };
            let unit = crate::units::name_unit(name)
                .1
                .filter(|u| crate::units::is_known(u))
                .map(str::to_owned);
            metrics.push((name.to_owned(), number.value, unit));
        }
        if metrics.is_empty() {
            continue;
        }
        if several {
            out.dim("run", out.records() + 1)?;
        }
        for (name, value) in &settings {
            dim_text(out, name, value)?;
        }
        for (name, value, unit) in &metrics {
            let unit = unit.as_deref();
            out.metric_with(name, *value, unit, direction_of(name, unit))?;
        }
        out.end_record();
    }
    Ok(())
}
