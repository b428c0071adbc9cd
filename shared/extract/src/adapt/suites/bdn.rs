//! BenchmarkDotNet's JSON reports (`*-report-full.json`,
//! `*-report-brief.json`, `*-report-full-compressed.json`): `{Title,
//! HostEnvironmentInfo, Benchmarks: [{DisplayInfo, Namespace, Type, Method,
//! Parameters, Statistics: {N, Min, Mean…, Percentiles, ConfidenceInterval},
//! Memory: {Gen0Collections…, BytesAllocatedPerOperation}, Metrics?}]}`.
//! One record per benchmark case (method × parameters × job).
//!
//! Statistics are in nanoseconds (BenchmarkDotNet's unit for all of them
//! but `N`, `Skewness`, `Kurtosis` and `Variance`); allocations in bytes.
//! Metrics keep the JSON's key names (`Mean`, `StandardDeviation`,
//! `BytesAllocatedPerOperation`, percentiles `P95`); `Parameters`
//! (`Size=10, Mode=fast`) is kept whole and split into one dimension per
//! parameter.

use serde_json::{Map, Value};

use super::{Adapter, param_dim};
use crate::adapt::{Emit, Input};
use crate::error::ExtractError;
use crate::format::Format;
use crate::schema::Direction;

pub(crate) const JSON_ADAPTER: Adapter = Adapter {
    name: "benchmarkdotnet-json",
    formats: &[Format::Json],
    detect,
    read,
};

/// Statistics that are not durations.
const UNITLESS: &[&str] = &["N", "Skewness", "Kurtosis", "Variance"];

/// Case identity, in the order BenchmarkDotNet writes it.
const CASE_KEYS: &[&str] = &[
    "DisplayInfo",
    "Namespace",
    "Type",
    "Method",
    "MethodTitle",
    "Parameters",
    "FullName",
];

/// Environment facts copied into every record.
const HOST_KEYS: &[&str] = &[
    "BenchmarkDotNetVersion",
    "OsVersion",
    "ProcessorName",
    "RuntimeVersion",
    "Architecture",
];

fn benchmarks(root: &Value) -> Option<&Vec<Value>> {
    let list = root.get("Benchmarks")?.as_array()?;
    let cases = list.iter().all(|b| {
        b.get("Statistics")
            .is_some_and(|s| s.is_object() || s.is_null())
            || b.get("Method").is_some_and(Value::is_string)
    });
    (cases && !list.is_empty()).then_some(list)
}

fn detect(input: &Input<'_>) -> Option<&'static str> {
    let head = input.head();
    if !(head.contains("\"Benchmarks\"")
        && (head.contains("\"HostEnvironmentInfo\"") || head.contains("\"Statistics\"")))
    {
        return None;
    }
    benchmarks(input.json()?)
        .map(|_| "`Benchmarks` with `Statistics` (BenchmarkDotNet JSON exporter)")
}

fn read(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let Some(root) = input.json() else {
        return Ok(());
    };
    let Some(list) = benchmarks(root) else {
        return Ok(());
    };
    for case in list {
        for key in CASE_KEYS {
            if let Some(s) = case.get(*key).and_then(Value::as_str)
                && !s.is_empty()
            {
                out.dim(key, s)?;
            }
        }
        if let Some(params) = case.get("Parameters").and_then(Value::as_str) {
            for (k, v) in split_parameters(params) {
                if !CASE_KEYS.contains(&k) {
                    out.dim(k, param_dim(v))?;
                }
            }
        }
        if let Some(title) = root.get("Title").and_then(Value::as_str) {
            out.dim("Title", title)?;
        }
        for key in HOST_KEYS {
            if let Some(s) = root["HostEnvironmentInfo"]
                .get(*key)
                .and_then(Value::as_str)
            {
                out.dim(key, s)?;
            }
        }
        if let Some(stats) = case.get("Statistics").and_then(Value::as_object) {
            statistics(stats, out)?;
        }
        if let Some(memory) = case.get("Memory").and_then(Value::as_object) {
            for (k, v) in memory {
                let Some(v) = v.as_f64() else { continue };
                if k == "BytesAllocatedPerOperation" {
                    out.metric_dir(k, v, Some("B"), Direction::LowerIsBetter)?;
                } else if k.starts_with("Gen") {
                    out.metric_dir(k, v, None, Direction::LowerIsBetter)?;
                } else {
                    out.metric(k, v, None)?;
                }
            }
        }
        for m in case
            .get("Metrics")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let descriptor = &m["Descriptor"];
            let name = descriptor
                .get("Id")
                .or_else(|| descriptor.get("DisplayName"))
                .and_then(Value::as_str);
            let (Some(name), Some(v)) = (name, m.get("Value").and_then(Value::as_f64)) else {
                continue;
            };
            let unit = descriptor
                .get("Unit")
                .and_then(Value::as_str)
                .filter(|u| !u.is_empty());
            let lower = descriptor
                .get("TheGreaterTheBetter")
                .and_then(Value::as_bool);
            match lower {
                Some(true) => out.metric_dir(name, v, unit, Direction::HigherIsBetter)?,
                Some(false) => out.metric_dir(name, v, unit, Direction::LowerIsBetter)?,
                None => out.metric(name, v, unit)?,
            }
        }
        out.end_record();
    }
    Ok(())
}

/// `Statistics`: numbers under their keys; `Percentiles` children under
/// theirs (`P95`); `ConfidenceInterval` as `ConfidenceInterval.Lower`…
/// Arrays (`OriginalValues`, `AllMeasurements`) are samples, not results.
fn statistics(stats: &Map<String, Value>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    for (key, value) in stats {
        match value {
            Value::Number(n) => {
                let Some(v) = n.as_f64() else { continue };
                if UNITLESS.contains(&key.as_str()) {
                    out.metric(key, v, None)?;
                } else {
                    out.metric(key, v, Some("ns"))?;
                }
            }
            Value::Object(inner) if key == "Percentiles" => {
                for (p, v) in inner {
                    if let Some(v) = v.as_f64() {
                        out.metric(p, v, Some("ns"))?;
                    }
                }
            }
            Value::Object(inner) if key == "ConfidenceInterval" => {
                for k in ["Mean", "Margin", "Lower", "Upper"] {
                    if let Some(v) = inner.get(k).and_then(Value::as_f64) {
                        out.metric(&format!("ConfidenceInterval.{k}"), v, Some("ns"))?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// `Size=10, Mode=fast` → (`Size`, `10`), (`Mode`, `fast`). A value may
/// itself hold commas (`Items=[1, 2]`): a piece without `=` belongs to the
/// value before it.
pub(super) fn split_parameters(text: &str) -> Vec<(&str, &str)> {
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    let mut start = 0;
    let mut current: Option<(&str, usize)> = None;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i <= bytes.len() {
        let at_end = i == bytes.len();
        if at_end || bytes[i] == b',' {
            let piece = &text[start..i];
            if let Some((key, _)) = piece.split_once('=')
                && is_name(key.trim())
            {
                if let Some((k, vs)) = current.take() {
                    pairs.push((k, text[vs..start.saturating_sub(1)].trim()));
                }
                let value_start = start + key.len() + 1;
                current = Some((key.trim(), value_start));
            }
            start = i + 1;
        }
        i += 1;
    }
    if let Some((k, vs)) = current {
        pairs.push((k, text[vs.min(text.len())..].trim()));
    }
    pairs
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::split_parameters;

    #[test]
    fn parameters_split_at_top_level_commas() {
        assert_eq!(
            split_parameters("Size=10, Mode=fast"),
            [("Size", "10"), ("Mode", "fast")]
        );
        assert_eq!(
            split_parameters("Items=[1, 2], N=3"),
            [("Items", "[1, 2]"), ("N", "3")]
        );
        assert!(split_parameters("").is_empty());
    }
}
