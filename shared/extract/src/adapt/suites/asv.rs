//! asv (airspeed velocity) results, one file per machine × commit × env:
//! `{commit_hash, date, env_name?, params: {machine, python…}, results,
//! version}`. Version 1 maps each benchmark to a number or to `{result,
//! params, stats}`; version 2 to a row of `result_columns` (`result`,
//! `params`, `version`, `started_at`, `duration`, `stats_ci_99_a`…).
//!
//! One record per benchmark × parameter combination: a parameterised
//! benchmark's `result` list runs over the cartesian product of its
//! parameter lists, the first list varying slowest (as asv's
//! `itertools.product`). Parameters are dimensions `param1`, `param2`… —
//! asv's own default names; the real names live in `benchmarks.json`, a
//! different file. Values stay as asv writes them (`'lz4'` with its quotes).
//!
//! `result` is in seconds for `time_*` benchmarks and bytes for `mem_*` and
//! `peakmem_*`; `track_*` values have the unit the benchmark declares
//! elsewhere. A file mixing kinds keeps `unit` as a dimension (see the
//! family doc). v1 `stats` take the v2 column names (`stats_q_25`…), as asv
//! itself does when it upgrades old results.

use serde_json::{Map, Value};

use super::{Adapter, agreement, param_dim, put, shared};
use crate::adapt::{Emit, Input};
use crate::error::ExtractError;
use crate::format::Format;
use crate::schema::Direction;

pub(crate) const ADAPTER: Adapter = Adapter {
    name: "asv-results",
    formats: &[Format::Json],
    detect,
    read,
};

/// Machine facts copied from `params` into every record.
const MACHINE_KEYS: &[&str] = &["machine", "arch", "cpu", "os", "ram", "num_cpu"];

fn results(root: &Value) -> Option<&Map<String, Value>> {
    root.get("commit_hash")?;
    root.get("results")?.as_object()
}

fn detect(input: &Input<'_>) -> Option<&'static str> {
    let head = input.head();
    if !(head.contains("\"commit_hash\"") && head.contains("\"results\"")) {
        return None;
    }
    let root = input.json()?;
    results(root)?;
    Some(if root.get("result_columns").is_some() {
        "`commit_hash` and `results` rows of `result_columns` (asv, version 2)"
    } else {
        "`commit_hash` and a `results` map of benchmarks (asv, version 1)"
    })
}

/// What a benchmark's name says its result measures.
fn kind(benchmark: &str) -> (Option<&'static str>, Option<Direction>) {
    let last = benchmark.rsplit('.').next().unwrap_or(benchmark);
    if last.starts_with("time_") {
        (Some("seconds"), Some(Direction::LowerIsBetter))
    } else if last.starts_with("mem_") || last.starts_with("peakmem_") {
        (Some("bytes"), Some(Direction::LowerIsBetter))
    } else {
        (None, None)
    }
}

/// The converted unit the table knows for asv's unit words.
fn table_unit(unit: Option<&str>) -> Option<&'static str> {
    match unit? {
        "seconds" => Some("s"),
        "bytes" => Some("B"),
        _ => None,
    }
}

/// One benchmark's results, whichever version wrote them.
struct Row<'a> {
    results: Vec<Option<f64>>,
    params: Vec<Vec<&'a Value>>,
    /// Per-combination statistics, named as v2 names them.
    stats: Vec<(String, Vec<Option<f64>>)>,
    duration: Option<f64>,
}

fn num(v: &Value) -> Option<f64> {
    v.as_f64().filter(|x| x.is_finite())
}

/// A scalar or a list, as a list.
fn list(v: Option<&Value>) -> Vec<Option<f64>> {
    match v {
        Some(Value::Array(a)) => a.iter().map(num).collect(),
        Some(Value::Null) | None => Vec::new(),
        Some(x) => vec![num(x)],
    }
}

fn param_lists(v: Option<&Value>) -> Vec<Vec<&Value>> {
    v.and_then(Value::as_array)
        .map(|lists| {
            lists
                .iter()
                .map(|l| l.as_array().map(|a| a.iter().collect()).unwrap_or_default())
                .collect()
        })
        .unwrap_or_default()
}

fn row_v1(v: &Value) -> Option<Row<'_>> {
    match v {
        Value::Object(o) => {
            let results = list(o.get("result"));
            let mut stats: Vec<(String, Vec<Option<f64>>)> = Vec::new();
            let per_case: Vec<&Value> = o
                .get("stats")
                .and_then(Value::as_array)
                .map(|a| a.iter().collect())
                .unwrap_or_default();
            let mut names: Vec<String> = Vec::new();
            for s in per_case.iter().filter_map(|s| s.as_object()) {
                for k in s.keys() {
                    if !names.contains(k) {
                        names.push(k.clone());
                    }
                }
            }
            for name in names {
                if name == "ci_99" {
                    for (i, end) in ["a", "b"].into_iter().enumerate() {
                        let values = per_case
                            .iter()
                            .map(|s| s.get("ci_99").and_then(|c| c.get(i)).and_then(num))
                            .collect();
                        stats.push((format!("stats_ci_99_{end}"), values));
                    }
                } else {
                    let values = per_case
                        .iter()
                        .map(|s| s.get(&name).and_then(num))
                        .collect();
                    stats.push((format!("stats_{name}"), values));
                }
            }
            Some(Row {
                results,
                params: param_lists(o.get("params")),
                stats,
                duration: None,
            })
        }
        Value::Null => None,
        x => Some(Row {
            results: vec![num(x)],
            params: Vec::new(),
            stats: Vec::new(),
            duration: None,
        }),
    }
}

fn row_v2<'a>(v: &'a Value, columns: &[&str]) -> Option<Row<'a>> {
    let cells = v.as_array()?;
    let column = |name: &str| {
        columns
            .iter()
            .position(|c| *c == name)
            .and_then(|i| cells.get(i))
    };
    let stats = columns
        .iter()
        .filter(|c| c.starts_with("stats_"))
        .map(|c| (c.to_string(), list(column(c))))
        .collect();
    Some(Row {
        results: list(column("result")),
        params: param_lists(column("params")),
        stats,
        duration: column("duration").and_then(num),
    })
}

/// The parameter values of combination `index` of the cartesian product,
/// the first list varying slowest.
fn combination<'a>(params: &[Vec<&'a Value>], mut index: usize) -> Option<Vec<&'a Value>> {
    let mut picked = vec![&Value::Null; params.len()];
    for (slot, values) in params.iter().enumerate().rev() {
        if values.is_empty() {
            return None;
        }
        picked[slot] = values[index % values.len()];
        index /= values.len();
    }
    Some(picked)
}

fn read(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let Some(root) = input.json() else {
        return Ok(());
    };
    let Some(benchmarks) = results(root) else {
        return Ok(());
    };
    let columns: Option<Vec<&str>> = root
        .get("result_columns")
        .and_then(Value::as_array)
        .map(|c| c.iter().filter_map(Value::as_str).collect());
    let result_unit = shared(benchmarks.keys().map(|b| kind(b).0));
    let direction = agreement(benchmarks.keys().map(|b| kind(b).1));
    for (benchmark, value) in benchmarks {
        let row = match &columns {
            Some(columns) => row_v2(value, columns),
            None => row_v1(value),
        };
        let Some(row) = row else {
            out.warn(format!("{benchmark}: no result (it failed or was skipped)"));
            continue;
        };
        let (unit, _) = kind(benchmark);
        let expected: usize = row.params.iter().map(Vec::len).product();
        if !row.params.is_empty() && expected != row.results.len() {
            out.warn(format!(
                "{benchmark}: {} results for {expected} parameter combinations",
                row.results.len()
            ));
        }
        for (i, result) in row.results.iter().enumerate() {
            let Some(result) = result else { continue };
            out.dim("benchmark", benchmark.as_str())?;
            if let Some(combo) = combination(&row.params, i) {
                for (k, v) in combo.iter().enumerate() {
                    let name = format!("param{}", k + 1);
                    match v {
                        Value::String(s) => out.dim(&name, param_dim(s))?,
                        Value::Number(n) => out.dim(&name, n.as_f64().unwrap_or(f64::NAN))?,
                        other => out.dim(&name, other.to_string().as_str())?,
                    }
                }
            }
            file_dims(root, out)?;
            if let Some(u) = unit {
                out.dim("unit", u)?;
            }
            let field_unit = table_unit(result_unit);
            put(out, "result", *result, field_unit, direction)?;
            for (name, values) in &row.stats {
                // Counts (`stats_number`, `stats_repeat`) have no unit; the
                // rest are in the result's.
                let counted = matches!(name.as_str(), "stats_number" | "stats_repeat");
                let stat_unit = if counted { None } else { field_unit };
                if let Some(Some(v)) = values.get(i) {
                    out.metric(name, *v, stat_unit)?;
                }
            }
            if let Some(d) = row.duration {
                out.metric_dir("duration", d, Some("s"), Direction::LowerIsBetter)?;
            }
            out.end_record();
        }
    }
    Ok(())
}

/// What identifies the run: commit, date, environment, machine.
fn file_dims(root: &Value, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    for key in ["commit_hash", "env_name", "python"] {
        if let Some(s) = root.get(key).and_then(Value::as_str) {
            out.dim(key, s)?;
        }
    }
    if let Some(date) = root.get("date").and_then(Value::as_i64) {
        out.dim("date", date)?;
    }
    let params = root.get("params");
    for key in MACHINE_KEYS {
        if let Some(s) = params.and_then(|p| p.get(*key)).and_then(Value::as_str)
            && !s.is_empty()
        {
            out.dim(key, param_dim(s))?;
        }
    }
    Ok(())
}
