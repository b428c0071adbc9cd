//! optimum-benchmark's reports: `benchmark.json` (`{"config": {…},
//! "report": {…}}`) and `benchmark_report.json` (the report alone). A
//! report maps each stage (`load_model`, `prefill`, `decode`, `per_token`,
//! `forward`…) to its measures (`memory`, `latency`, `throughput`, `energy`,
//! `efficiency`), each an object with a `unit`. One record per stage:
//! `stage` = its key; each measure's numbers are metrics named
//! `<measure>.<key>` (`latency.mean`, `memory.max_ram`,
//! `throughput.value`) in the measure's unit (`latency.count` has none,
//! `latency.stdev_` is a percentage); the raw `latency.values` are samples.
//! The config's scalars (`config.backend.name`, `config.backend.model`,
//! `config.scenario.input_shapes.batch_size`…) are dimensions.

use serde_json::{Map, Value};

use super::{Adapter, Emit};
use crate::adapt::Input;
use crate::error::ExtractError;
use crate::format::Format;
use crate::schema::Direction;

pub(crate) const ADAPTER: Adapter = Adapter {
    name: "optimum-benchmark",
    formats: &[Format::Json],
    detect,
    read,
};

const MEASURES: &[&str] = &["memory", "latency", "throughput", "energy", "efficiency"];

/// Config dimensions kept at most (a config has a hundred-odd settings).
const MAX_CONFIG_FIELDS: usize = 200;

fn detect(input: &Input<'_>) -> Option<&'static str> {
    let head = input.head();
    let signature = head.contains("\"unit\"")
        && head.contains("\"latency\"")
        && (head.contains("\"max_ram\"")
            || head.contains("\"p50\"")
            || head.contains("\"memory\""));
    if !signature {
        return None;
    }
    stages(input.json()?).map(|_| "optimum-benchmark report: stages of {memory, latency, throughput, energy, efficiency} with units")
}

/// Whether `v` is a stage: an object whose keys are measures (object or
/// null), at least one of them present.
fn is_stage(v: &Value) -> bool {
    v.as_object().is_some_and(|m| {
        !m.is_empty()
            && m.keys().all(|k| MEASURES.contains(&k.as_str()))
            && m.values().any(Value::is_object)
    })
}

fn stages(root: &Value) -> Option<&Map<String, Value>> {
    let report = root.get("report").unwrap_or(root).as_object()?;
    (!report.is_empty() && report.values().all(|v| is_stage(v) || v.is_null())).then_some(report)
}

fn direction_of(measure: &str, key: &str) -> Option<Direction> {
    match (measure, key) {
        ("latency", "count") | (_, "unit") => None,
        ("throughput" | "efficiency", _) => Some(Direction::HigherIsBetter),
        ("latency" | "memory" | "energy", _) => Some(Direction::LowerIsBetter),
        _ => None,
    }
}

/// The config's scalar leaves as `config.a.b` dimensions.
fn config_fields<'v>(prefix: String, v: &'v Value, into: &mut Vec<(String, &'v Value)>) {
    if into.len() >= MAX_CONFIG_FIELDS {
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                config_fields(format!("{prefix}.{k}"), child, into);
            }
        }
        Value::String(_) | Value::Number(_) | Value::Bool(_) => into.push((prefix, v)),
        _ => {}
    }
}

fn read(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let Some(root) = input.json() else {
        return Ok(());
    };
    let Some(stages) = stages(root) else {
        return Ok(());
    };
    let mut config = Vec::new();
    if let Some(c) = root.get("config") {
        config_fields("config".to_owned(), c, &mut config);
    }
    for (stage, measures) in stages {
        let Some(measures) = measures
            .as_object()
            .filter(|m| m.values().any(Value::is_object))
        else {
            continue;
        };
        out.dim("stage", stage.as_str())?;
        for (name, value) in &config {
            out.dim_json(name, value)?;
        }
        for (measure, fields) in measures {
            let Some(fields) = fields.as_object() else {
                continue;
            };
            let unit = fields.get("unit").and_then(Value::as_str);
            for (key, v) in fields {
                let Some(v) = v.as_f64() else { continue };
                let name = format!("{measure}.{key}");
                let unit = match (measure.as_str(), key.as_str()) {
                    ("latency", "count") => None,
                    ("latency", "stdev_") => Some("%"),
                    _ => unit,
                };
                match direction_of(measure, key) {
                    Some(d) => out.metric_dir(&name, v, unit, d)?,
                    None => out.metric(&name, v, unit)?,
                }
            }
        }
        out.end_record();
    }
    Ok(())
}
