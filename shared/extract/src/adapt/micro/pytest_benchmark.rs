//! pytest-benchmark's `--benchmark-json` (and its saved runs under
//! `.benchmarks/`): `{machine_info, commit_info, benchmarks: [{group, name,
//! fullname, params, param, extra_info, options, stats: {min, max, mean,
//! …}}], datetime, version}`. One record per benchmark: `name`, `fullname`,
//! `group`, `param`, `params.*` and `options.*` identify it, with the
//! document's `machine_info.*`, `commit_info.*`, `datetime` and `version`;
//! `stats.*` are the metrics, named as the generic JSON reading names them
//! (`stats.mean`). Times are in seconds (the tool's unit whatever the
//! console showed); `stats.ops` is operations per second, better higher;
//! `stats.data` (raw samples) and `stats.outliers` (`"1;2"`) are skipped.
//! Numeric `extra_info.*` values are metrics, others dimensions.

use serde_json::{Map, Value};

use super::{Report, dims_flat};
use crate::adapt::{Adapter, Emit, Input};
use crate::error::ExtractError;
use crate::format::Format;
use crate::schema::Direction;

pub(super) const JSON: Adapter = Adapter {
    name: "pytest-benchmark-json",
    formats: &[Format::Json],
    detect,
    read,
};

/// Statistics measured in seconds.
const SECONDS: &[&str] = &[
    "min", "max", "mean", "stddev", "median", "iqr", "q1", "q3", "ld15iqr", "hd15iqr", "total",
];

fn is_row(row: &Map<String, Value>) -> bool {
    row.get("stats").is_some_and(Value::is_object)
}

fn detect(input: &Input<'_>) -> Option<&'static str> {
    let head = input.head();
    (head.contains("\"benchmarks\"") && head.contains("\"stats\""))
        .then_some("{machine_info, benchmarks: [{name, fullname, stats}]}")
}

fn read(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let Some(report) = Report::read(input, "benchmarks") else {
        return Ok(());
    };
    if !report.first().is_some_and(|row| is_row(&row)) {
        return Ok(());
    }
    report.rows(|fields| {
        if !is_row(fields) {
            return Ok(());
        }
        for (key, value) in fields {
            match (key.as_str(), value) {
                ("stats", Value::Object(stats)) => {
                    for (stat, v) in stats {
                        let Some(v) = v.as_f64() else {
                            continue;
                        };
                        let name = format!("stats.{stat}");
                        match stat.as_str() {
                            "ops" => {
                                out.metric_dir(&name, v, Some("ops/s"), Direction::HigherIsBetter)?
                            }
                            s if SECONDS.contains(&s) => {
                                out.metric_dir(&name, v, Some("s"), Direction::LowerIsBetter)?
                            }
                            _ => out.metric(&name, v, None)?,
                        }
                    }
                }
                ("extra_info", Value::Object(extra)) => {
                    for (k, v) in extra {
                        match v.as_f64() {
                            Some(x) => out.metric(&format!("extra_info.{k}"), x, None)?,
                            None => dims_flat(out, &format!("extra_info.{k}"), v)?,
                        }
                    }
                }
                (_, Value::Object(_)) => dims_flat(out, key, value)?,
                _ => out.dim_json(key, value)?,
            }
        }
        report.doc_dims(out)?;
        out.end_record();
        Ok(())
    })
}
