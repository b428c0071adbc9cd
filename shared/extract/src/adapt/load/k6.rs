//! k6's end-of-test summary as JSON: `--summary-export` (each metric a map
//! of its statistics: `{"avg", "min", "med", "max", "p(90)", "p(95)"}`,
//! `{"count", "rate"}`, `{"passes", "fails", "value"}`) and the
//! `handleSummary` data (`{"type", "contains", "values": {…},
//! "thresholds"}`). One record per k6 metric: dimension `metric` = its name,
//! kept whole with tags (`http_req_duration{expected_response:true}`), plus
//! `type` and `contains` when written; each statistic is a metric under k6's
//! name. Trends of `contains: time` (and, in the older export, the built-in
//! timings `http_req_*`, `iteration_duration`, `group_duration`) are in ms;
//! `contains: data` in bytes. Which way is better differs per k6 metric, so
//! no direction is stated.

use serde_json::{Map, Value};

use super::text::JSON_REPORT;
use crate::adapt::{Adapter, Emit, Input};
use crate::error::ExtractError;

pub(super) const ADAPTER: Adapter = Adapter {
    name: "k6-summary",
    formats: JSON_REPORT,
    detect,
    read,
};

/// Statistic keys k6 writes; a metric map must use only these (and
/// `thresholds`) to be k6's.
const STATS: &[&str] = &[
    "avg", "min", "med", "max", "count", "rate", "value", "passes", "fails",
];

fn is_stat(key: &str) -> bool {
    STATS.contains(&key) || (key.starts_with("p(") && key.ends_with(')'))
}

/// One k6 metric: its statistics, `type` and `contains` (newer layout).
type Stats<'a> = (&'a Map<String, Value>, Option<&'a str>, Option<&'a str>);

/// The statistics of one metric, in either layout, and its type/contains.
fn stats(metric: &Value) -> Option<Stats<'_>> {
    let object = metric.as_object()?;
    if let Some(values) = object.get("values").and_then(Value::as_object) {
        let kind = object.get("type").and_then(Value::as_str);
        let contains = object.get("contains").and_then(Value::as_str);
        return Some((values, kind, contains));
    }
    let numeric: Vec<&String> = object
        .iter()
        .filter(|(_, v)| v.is_number())
        .map(|(k, _)| k)
        .collect();
    (!numeric.is_empty() && numeric.iter().all(|k| is_stat(k))).then_some((object, None, None))
}

fn metrics(root: &Value) -> Option<&Map<String, Value>> {
    let metrics = root.get("metrics")?.as_object()?;
    (!metrics.is_empty() && metrics.values().all(|m| stats(m).is_some())).then_some(metrics)
}

fn detect(input: &Input<'_>) -> Option<&'static str> {
    let head = input.head();
    if !head.contains("\"metrics\"") {
        return None;
    }
    let k6_words = [
        "\"root_group\"",
        "\"http_req",
        "\"iterations\"",
        "\"vus\"",
        "\"checks\"",
        "\"contains\"",
    ];
    if !k6_words.iter().any(|w| head.contains(w)) {
        return None;
    }
    metrics(input.json()?).map(|_| "k6's summary: `metrics` of trend/counter/rate/gauge statistics")
}

/// Built-in k6 timings, in ms in the older export that does not say so.
fn builtin_time(name: &str) -> bool {
    let base = name.split('{').next().unwrap_or(name);
    base.starts_with("http_req_")
        || matches!(base, "iteration_duration" | "group_duration")
        || base.ends_with("_duration")
}

fn read(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let Some(metrics) = input.json().and_then(metrics) else {
        return Ok(());
    };
    for (name, metric) in metrics {
        let Some((values, kind, contains)) = stats(metric) else {
            continue;
        };
        out.dim("metric", name.as_str())?;
        if let Some(k) = kind {
            out.dim("type", k)?;
        }
        if let Some(c) = contains {
            out.dim("contains", c)?;
        }
        let trend_unit = match contains {
            Some("time") => Some("ms"),
            Some("data") => Some("B"),
            Some(_) => None,
            None if builtin_time(name) => Some("ms"),
            None => None,
        };
        for (stat, v) in values {
            let Some(x) = v.as_f64() else { continue };
            // Counts, rates and pass/fail tallies are not in the trend's unit.
            let unit = match stat.as_str() {
                "count" | "passes" | "fails" | "value" => None,
                "rate" if contains == Some("data") => Some("B/s"),
                "rate" => None,
                _ => trend_unit,
            };
            out.metric(stat, x, unit)?;
        }
        out.end_record();
    }
    Ok(())
}
