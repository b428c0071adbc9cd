//! JMH's JSON report (`-rf json`): an array of runs `{jmhVersion, benchmark,
//! mode, threads, forks, params?, primaryMetric: {score, scoreError,
//! scoreConfidence, scorePercentiles, scoreUnit, rawData},
//! secondaryMetrics: {name: {score, scoreUnit…}}}`. One record per run,
//! which JMH already makes one per benchmark × params × mode.
//!
//! `score` is better higher in `thrpt` mode and lower in `avgt`, `sample`
//! and `ss`; its unit (`ops/ms`, `ns/op`) follows the mode, so a report
//! that mixes modes keeps `scoreUnit` as a dimension and `score` as written
//! (see the family doc). Parameters are dimensions under their own names
//! (`N`), as JMH prints them in its table.

use serde_json::Value;

use super::{Adapter, agreement, param_dim, put, shared};
use crate::adapt::{Emit, Input};
use crate::error::ExtractError;
use crate::format::Format;
use crate::schema::Direction;

pub(crate) const ADAPTER: Adapter = Adapter {
    name: "jmh-json",
    formats: &[Format::Json],
    detect,
    read,
};

/// Settings JMH writes for every run that say how it ran.
const RUN_DIMENSIONS: &[&str] = &[
    "benchmark",
    "mode",
    "threads",
    "forks",
    "jmhVersion",
    "jdkVersion",
    "vmName",
    "vmVersion",
    "warmupIterations",
    "warmupTime",
    "warmupBatchSize",
    "measurementIterations",
    "measurementTime",
    "measurementBatchSize",
];

fn is_run(v: &Value) -> bool {
    v.get("benchmark").is_some_and(Value::is_string)
        && v.get("primaryMetric").is_some_and(Value::is_object)
}

fn runs(root: &Value) -> Option<&Vec<Value>> {
    root.as_array()
        .filter(|runs| !runs.is_empty() && runs.iter().all(is_run))
}

fn detect(input: &Input<'_>) -> Option<&'static str> {
    let head = input.head();
    if !(head.contains("\"primaryMetric\"") && head.contains("\"benchmark\"")) {
        return None;
    }
    runs(input.json()?).map(|_| "an array of runs with `benchmark` and `primaryMetric` (JMH)")
}

fn mode_direction(mode: Option<&str>) -> Option<Direction> {
    match mode? {
        "thrpt" => Some(Direction::HigherIsBetter),
        "avgt" | "sample" | "ss" => Some(Direction::LowerIsBetter),
        _ => None,
    }
}

/// A number JMH may write as a string (`"NaN"`); NaN is missing.
fn number(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|x| x.is_finite())
}

fn unit_of(run: &Value) -> Option<&str> {
    run["primaryMetric"]
        .get("scoreUnit")
        .and_then(Value::as_str)
}

fn read(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let Some(runs) = input.json().and_then(runs) else {
        return Ok(());
    };
    let score_unit = shared(runs.iter().map(unit_of));
    let direction = agreement(
        runs.iter()
            .map(|r| mode_direction(r.get("mode").and_then(Value::as_str))),
    );
    for run in runs {
        for key in RUN_DIMENSIONS {
            match run.get(*key) {
                Some(Value::String(s)) => out.dim(key, s)?,
                Some(Value::Number(n)) => match n.as_i64() {
                    Some(i) => out.dim(key, i)?,
                    None => out.dim(key, n.as_f64().unwrap_or(f64::NAN))?,
                },
                _ => {}
            }
        }
        for (name, value) in run
            .get("params")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let name = if RUN_DIMENSIONS.contains(&name.as_str()) {
                format!("params.{name}")
            } else {
                name.clone()
            };
            match value {
                Value::String(s) => out.dim(&name, param_dim(s))?,
                Value::Number(n) => out.dim(&name, n.as_f64().unwrap_or(f64::NAN))?,
                Value::Bool(b) => out.dim(&name, *b)?,
                _ => {}
            }
        }
        let primary = &run["primaryMetric"];
        let unit = unit_of(run);
        if let Some(u) = unit {
            out.dim("scoreUnit", u)?;
        }
        if let Some(score) = number(primary.get("score")) {
            put(out, "score", score, score_unit, direction)?;
        }
        if let Some(error) = number(primary.get("scoreError")) {
            out.metric("scoreError", error, score_unit)?;
        }
        for (p, v) in primary
            .get("scorePercentiles")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if let Some(v) = number(Some(v)) {
                put(
                    out,
                    &format!("scorePercentiles.{p}"),
                    v,
                    score_unit,
                    direction,
                )?;
            }
        }
        secondary(run, out)?;
        out.end_record();
    }
    Ok(())
}

/// Profiler results (`·gc.alloc.rate`, `·gc.count`, `·cpi`…), each a
/// metric under the name JMH gives it. Allocation and GC numbers are
/// better lower whatever their unit says (`MB/sec` of garbage is no
/// throughput).
fn secondary(run: &Value, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    for (name, m) in run
        .get("secondaryMetrics")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let Some(score) = number(m.get("score")) else {
            continue;
        };
        let unit = m.get("scoreUnit").and_then(Value::as_str);
        let bare = name.trim_start_matches('·');
        if bare.starts_with("gc.") || bare.contains("alloc") {
            out.metric_dir(name, score, unit, Direction::LowerIsBetter)?;
        } else {
            out.metric(name, score, unit)?;
        }
    }
    Ok(())
}
