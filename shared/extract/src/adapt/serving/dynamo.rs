//! PyTorch's dynamo benchmark harness (`benchmarks/dynamo/*.py`, run over
//! TorchBench, Hugging Face and TIMM models) and TorchBench's
//! userbenchmarks.
//!
//! CSV, one record per model row:
//! - performance: `dev,name,batch_size,speedup,abs_latency,
//!   compilation_latency,compression_ratio,eager_peak_mem,dynamo_peak_mem,
//!   calls_captured,unique_graphs,graph_breaks,…`. `dev`, `name`,
//!   `batch_size` identify the case; `speedup` (×, higher is better),
//!   `abs_latency` (ms), `compilation_latency` (s), `*_peak_mem` (GB) and
//!   the graph counts (lower is better) are metrics;
//! - accuracy: `dev,name,batch_size,accuracy,calls_captured,…`, and the CI's
//!   expected results `name,accuracy,graph_breaks`: `accuracy` (`pass`,
//!   `fail_accuracy`, `pass_due_to_skip`) is a result stated in words, kept
//!   as a dimension; the counts are metrics.
//!
//! Other columns: numbers are metrics, text dimensions.
//!
//! Userbenchmark JSON: `{"name": …, "environ": {…}, "metrics": {"<model>-<test>_latency": 1.2, …}}`:
//! one record, `name` and the `environ` scalars (`environ.pytorch_git_version`)
//! as dimensions, each `metrics` key a metric under its own name.

use serde_json::Value;

use super::{Adapter, Emit, dim_text};
use crate::adapt::Input;
use crate::error::ExtractError;
use crate::format::Format;
use crate::schema::Direction;

pub(crate) const CSV: Adapter = Adapter {
    name: "pytorch-dynamo-benchmark-csv",
    formats: &[Format::Csv],
    detect: detect_csv,
    read: read_csv,
};

pub(crate) const USERBENCHMARK: Adapter = Adapter {
    name: "torchbench-userbenchmark",
    formats: &[Format::Json],
    detect: detect_userbenchmark,
    read: read_userbenchmark,
};

/// Columns that identify a case.
const KEYS: &[&str] = &["dev", "name", "batch_size", "accuracy"];

fn unit_and_direction(column: &str) -> (Option<&'static str>, Option<Direction>) {
    use Direction::{HigherIsBetter, LowerIsBetter};
    match column {
        "speedup" => (Some("x"), Some(HigherIsBetter)),
        "compression_ratio" => (None, Some(HigherIsBetter)),
        "abs_latency" => (Some("ms"), Some(LowerIsBetter)),
        "compilation_latency" => (Some("s"), Some(LowerIsBetter)),
        "eager_peak_mem" | "dynamo_peak_mem" => (Some("GB"), Some(LowerIsBetter)),
        "graph_breaks"
        | "unique_graph_breaks"
        | "unique_graphs"
        | "cudagraph_skips"
        | "recompiles" => (None, Some(LowerIsBetter)),
        _ => (None, None),
    }
}

fn detect_csv(input: &Input<'_>) -> Option<&'static str> {
    let first = input.head_lines(1).next()?;
    let columns: Vec<&str> = first.split(',').map(str::trim).collect();
    let performance = columns.starts_with(&["dev", "name", "batch_size"])
        && columns
            .iter()
            .any(|c| matches!(*c, "speedup" | "abs_latency" | "accuracy"));
    let expected = columns.starts_with(&["name", "accuracy", "graph_breaks"]);
    (performance || expected).then_some(
        "a dynamo benchmark CSV header (dev,name,batch_size,speedup|accuracy,… or name,accuracy,graph_breaks)",
    )
}

fn read_csv(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(input.text.as_bytes());
    let Ok(header) = reader.headers().cloned() else {
        return Ok(());
    };
    for row in reader.records() {
        let Ok(row) = row else {
            out.warn("dynamo benchmark CSV: a row that is not CSV was skipped");
            continue;
        };
        for (column, cell) in header.iter().zip(row.iter()) {
            if KEYS.contains(&column) {
                dim_text(out, column, cell)?;
                continue;
            }
            match cell.parse::<f64>() {
                Ok(v) => {
                    let (unit, direction) = unit_and_direction(column);
                    match direction {
                        Some(d) => out.metric_dir(column, v, unit, d)?,
                        None => out.metric(column, v, unit)?,
                    }
                }
                Err(_) => dim_text(out, column, cell)?,
            }
        }
        out.end_record();
    }
    Ok(())
}

fn detect_userbenchmark(input: &Input<'_>) -> Option<&'static str> {
    let head = input.head();
    if !(head.contains("\"environ\"") && head.contains("\"metrics\"")) {
        return None;
    }
    let root = input.json()?;
    (root.get("environ")?.is_object() && root.get("metrics")?.is_object())
        .then_some("a TorchBench userbenchmark result ({name, environ, metrics})")
}

fn read_userbenchmark(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let Some(root) = input.json() else {
        return Ok(());
    };
    let Some(metrics) = root.get("metrics").and_then(Value::as_object) else {
        return Ok(());
    };
    if let Some(name) = root.get("name") {
        out.dim_json("name", name)?;
    }
    for (key, value) in root
        .get("environ")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        out.dim_json(&format!("environ.{key}"), value)?;
    }
    let mut any = false;
    for (key, value) in metrics {
        if let Some(v) = value.as_f64() {
            out.metric(key, v, None)?;
            any = true;
        }
    }
    if any {
        out.end_record();
    } else {
        out.discard_record();
    }
    Ok(())
}
