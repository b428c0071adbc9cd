//! MLPerf training/HPC logs: `:::MLLOG {json}` lines (`mlperf_logging`),
//! each an event `{"time_ms", "event_type", "key", "value", "metadata"}`,
//! possibly after a log prefix. Settings are logged before `run_start`
//! (`submission_*`, `global_batch_size`, `opt_base_learning_rate`…): each
//! becomes a dimension of every record. After it, numeric events are
//! measurements: the events at one point of progress (the metadata besides
//! `file`/`lineno`: `epoch_num`, `step`, `samples_count`…) make one record,
//! that progress as dimensions and each event's key a metric
//! (`eval_accuracy`, `train_loss`); an object value contributes its
//! numbers under their own names (`tracked_stats` → `throughput`). With
//! `run_start` and `run_stop`, one more record holds `run_duration` (ms,
//! the time to train) and the stop `status`.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

use super::super::{Adapter, Emit, Input};
use crate::error::ExtractError;
use crate::format::Format;
use crate::schema::Direction;

pub(crate) const ADAPTER: Adapter = Adapter {
    name: "mlperf-mllog",
    formats: &[
        Format::Text,
        Format::Jsonl,
        Format::Markdown,
        Format::Csv,
        Format::Tsv,
    ],
    detect,
    read,
};

const MARK: &str = ":::MLLOG";

/// Settings logged after `run_start` in some implementations.
static SETTING: LazyLock<Option<Regex>> = LazyLock::new(|| {
    super::regex(
        r"^(?:submission_|opt_|seed$|.*batch_size$|.*_samples$|max_|gradient_accumulation)",
    )
});

fn detect(input: &Input<'_>) -> Option<&'static str> {
    input
        .head()
        .contains(MARK)
        .then_some("`:::MLLOG {json}` event lines (mlperf_logging)")
}

struct Event {
    time_ms: Option<f64>,
    key: String,
    value: Value,
    metadata: Map<String, Value>,
}

fn events(input: &Input<'_>, out: &mut Emit<'_>) -> Vec<Event> {
    let mut events = Vec::new();
    for (n, line) in input.text.lines().enumerate() {
        let Some(at) = line.find(MARK) else { continue };
        let json = line[at + MARK.len()..].trim();
        let parsed: Option<Value> = serde_json::from_str(json).ok().or_else(|| {
            let (fixed, _) = crate::parse::json::lenient::recover(json)?;
            serde_json::from_str(&fixed).ok()
        });
        let Some(Value::Object(mut event)) = parsed else {
            out.warn(format!(
                "line {}: an :::MLLOG event that is not JSON",
                n + 1
            ));
            continue;
        };
        let Some(Value::String(key)) = event.remove("key") else {
            continue;
        };
        events.push(Event {
            time_ms: event.get("time_ms").and_then(Value::as_f64),
            key,
            value: event.remove("value").unwrap_or(Value::Null),
            metadata: match event.remove("metadata") {
                Some(Value::Object(m)) => m,
                _ => Map::new(),
            },
        });
    }
    events
}

/// The metadata that places an event in the run (not where it was logged).
fn progress(metadata: &Map<String, Value>) -> Vec<(String, Value)> {
    metadata
        .iter()
        .filter(|(k, v)| {
            !matches!(k.as_str(), "file" | "lineno" | "status")
                && (v.is_number() || v.is_string() || v.is_boolean())
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn numbers(key: &str, value: &Value) -> Vec<(String, f64)> {
    match value {
        Value::Number(n) => n
            .as_f64()
            .map(|x| vec![(key.to_owned(), x)])
            .unwrap_or_default(),
        Value::Object(m) => m
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_f64()?)))
            .collect(),
        _ => Vec::new(),
    }
}

fn is_setting(key: &str) -> bool {
    super::captures(&SETTING, key).is_some()
}

/// One point of progress and what was measured there.
struct Point {
    at: Vec<(String, Value)>,
    metrics: Vec<(String, f64)>,
}

fn read(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let events = events(input, out);
    let started = events.iter().any(|e| e.key == "run_start");
    let mut settings: Vec<(String, Value)> = Vec::new();
    let mut points: Vec<Point> = Vec::new();
    let mut running = false;
    let (mut start, mut stop, mut status) = (None, None, None);
    for e in &events {
        match e.key.as_str() {
            "run_start" => {
                running = true;
                start = e.time_ms;
                continue;
            }
            "run_stop" => {
                stop = e.time_ms;
                status = e.metadata.get("status").and_then(Value::as_str);
                continue;
            }
            _ => {}
        }
        let at = progress(&e.metadata);
        let scalar = matches!(e.value, Value::String(_) | Value::Bool(_));
        let setting = scalar
            || (started && !running)
            || (!started && at.is_empty())
            || (e.value.is_number() && at.is_empty() && is_setting(&e.key));
        if setting {
            if !matches!(e.value, Value::Null | Value::Object(_) | Value::Array(_))
                && !settings.iter().any(|(k, _)| *k == e.key)
            {
                settings.push((e.key.clone(), e.value.clone()));
            }
            continue;
        }
        let measured = numbers(&e.key, &e.value);
        if measured.is_empty() {
            continue;
        }
        // Events at the same point join its record unless one repeats.
        let joins = points.last().is_some_and(|p| {
            p.at == at
                && measured
                    .iter()
                    .all(|(k, _)| p.metrics.iter().all(|(m, _)| m != k))
        });
        if joins {
            if let Some(p) = points.last_mut() {
                p.metrics.extend(measured);
            }
        } else {
            points.push(Point {
                at,
                metrics: measured,
            });
        }
    }
    for p in &points {
        write_dims(out, &settings)?;
        write_dims(out, &p.at)?;
        for (name, v) in &p.metrics {
            match direction(name) {
                Some(d) => out.metric_dir(name, *v, None, d)?,
                None => out.metric(name, *v, None)?,
            }
        }
        out.end_record();
    }
    if let (Some(start), Some(stop)) = (start, stop) {
        write_dims(out, &settings)?;
        if let Some(status) = status {
            out.dim("status", status)?;
        }
        out.metric_dir(
            "run_duration",
            stop - start,
            Some("ms"),
            Direction::LowerIsBetter,
        )?;
        out.end_record();
    }
    Ok(())
}

fn write_dims(out: &mut Emit<'_>, dims: &[(String, Value)]) -> Result<(), ExtractError> {
    for (k, v) in dims {
        match v {
            Value::String(s) => out.dim(k, s.as_str())?,
            Value::Bool(b) => out.dim(k, *b)?,
            Value::Number(n) => match n.as_i64() {
                Some(i) => out.dim(k, i)?,
                None => {
                    if let Some(x) = n.as_f64() {
                        out.dim(k, x)?;
                    }
                }
            },
            _ => {}
        }
    }
    Ok(())
}

fn direction(name: &str) -> Option<Direction> {
    let lower = name.to_ascii_lowercase();
    if lower.contains("loss") || lower.contains("error") || lower.ends_with("time") {
        Some(Direction::LowerIsBetter)
    } else if lower.contains("accuracy") || lower.contains("throughput") || lower.contains("score")
    {
        Some(Direction::HigherIsBetter)
    } else {
        None
    }
}

#[cfg(test)]
pub(super) fn grammars_compile() -> bool {
    SETTING.as_ref().is_some()
}
