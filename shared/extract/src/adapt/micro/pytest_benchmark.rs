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

use serde_json::Value;

use super::{dim_json, dims_flat};
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

fn benchmarks(root: &Value) -> Option<&Vec<Value>> {
    let rows = root.get("benchmarks")?.as_array()?;
    let is_row = |row: &Value| row.get("stats").is_some_and(Value::is_object);
    (!rows.is_empty() && rows.iter().all(is_row)).then_some(rows)
}

fn detect(input: &Input<'_>) -> Option<&'static str> {
    let head = input.head();
    if !head.contains("\"benchmarks\"")
        || !(head.contains("\"machine_info\"") || head.contains("\"stats\""))
    {
        return None;
    }
    benchmarks(input.json()?).map(|_| "{machine_info, benchmarks: [{name, fullname, stats}]}")
}

fn read(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let Some(root) = input.json() else {
        return Ok(());
    };
    let Some(rows) = benchmarks(root) else {
        return Ok(());
    };
    for row in rows {
        let Some(fields) = row.as_object() else {
            continue;
        };
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
                _ => dim_json(out, key, value)?,
            }
        }
        if let Some(doc) = root.as_object() {
            for (key, value) in doc {
                if key != "benchmarks" {
                    dims_flat(out, key, value)?;
                }
            }
        }
        out.end_record();
    }
    Ok(())
}
