//! Google Benchmark in its three output formats. One record per row the
//! tool writes: each repetition and each aggregate (`_mean`, `_median`,
//! `_stddev`, `_cv`, `_BigO`, `_RMS`) is its own record, told apart by
//! `name` (kept whole: `BM_Foo/8/real_time_mean`) and, in JSON, by
//! `run_type`, `aggregate_name` and `repetition_index`.
//!
//! - JSON (`--benchmark_format=json`): `{context, benchmarks: [...]}`;
//!   `context.*` scalars are dimensions of every record; `real_time` and
//!   `cpu_time` (and Big-O `*_coefficient`s) are in the row's `time_unit`,
//!   except aggregates in `percentage` (`cv`, `RMS`) which are fractions
//!   and carry no unit; every other number is a user counter.
//! - CSV (`--benchmark_format=csv`): the header row
//!   `name,iterations,real_time,cpu_time,time_unit,…`, possibly after the
//!   context lines the tool prints to stderr.
//! - Console: the `Benchmark  Time  CPU  Iterations` table; cells `12.3 ns`
//!   (a unit per row, converted to the field's first unit) and counters
//!   `bytes_per_second=1.2Gi/s` (converted to the counter's first prefix).

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

use super::{Pins, Report, dim_text, number, pattern, prefix_size, time_unit_size};
use crate::adapt::{Adapter, Emit, Input};
use crate::error::ExtractError;
use crate::format::Format;
use crate::schema::Direction;

pub(super) const JSON: Adapter = Adapter {
    name: "google-benchmark-json",
    formats: &[Format::Json],
    detect: detect_json,
    read: read_json,
};

pub(super) const CSV: Adapter = Adapter {
    name: "google-benchmark-csv",
    formats: &[Format::Csv, Format::Text, Format::Tsv],
    detect: detect_csv,
    read: read_csv,
};

pub(super) const CONSOLE: Adapter = Adapter {
    name: "google-benchmark-console",
    formats: &[Format::Text, Format::Csv, Format::Tsv, Format::Markdown],
    detect: detect_console,
    read: read_console,
};

/// Fields of a benchmark row that identify it rather than measure it.
const JSON_DIMENSIONS: &[&str] = &[
    "family_index",
    "per_family_instance_index",
    "repetitions",
    "repetition_index",
    "threads",
];

fn is_row(row: &Map<String, Value>) -> bool {
    row.get("name").is_some_and(Value::is_string)
        && [
            "real_time",
            "cpu_time",
            "real_coefficient",
            "rms",
            "run_type",
        ]
        .iter()
        .any(|k| row.contains_key(*k))
}

fn detect_json(input: &Input<'_>) -> Option<&'static str> {
    let head = input.head();
    (head.contains("\"benchmarks\"")
        && head.contains("\"name\"")
        && (head.contains("\"real_time\"") || head.contains("\"run_type\"")))
    .then_some("{context, benchmarks: [{name, real_time, cpu_time, time_unit}]}")
}

fn read_json(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let Some(report) = Report::read(input, "benchmarks") else {
        return Ok(());
    };
    if !report.first().is_some_and(|row| is_row(&row)) {
        return Ok(());
    }
    let mut pins = Pins::default();
    report.rows(|fields| {
        if !is_row(fields) {
            return Ok(());
        }
        let unit = fields
            .get("time_unit")
            .and_then(Value::as_str)
            .unwrap_or("ns");
        let fraction = fields.get("aggregate_unit").and_then(Value::as_str) == Some("percentage");
        for (key, value) in fields {
            match (key.as_str(), value) {
                ("time_unit", _) => {}
                (k, v) if JSON_DIMENSIONS.contains(&k) || !v.is_number() => out.dim_json(k, v)?,
                ("real_time" | "cpu_time" | "real_coefficient" | "cpu_coefficient", v) => {
                    let size = if fraction { None } else { time_unit_size(unit) };
                    let v = v.as_f64().unwrap_or(f64::NAN);
                    pins.metric(out, key, v, unit, size, Some(Direction::LowerIsBetter))?;
                }
                (k, v) => counter(out, k, v.as_f64().unwrap_or(f64::NAN), None)?,
            }
        }
        report.doc_dims(out)?;
        out.end_record();
        Ok(())
    })
}

/// A user counter (or `iterations`): rates are better higher.
fn counter(
    out: &mut Emit<'_>,
    name: &str,
    value: f64,
    unit: Option<&str>,
) -> Result<(), ExtractError> {
    if name.ends_with("_per_second") {
        out.metric_dir(name, value, unit, Direction::HigherIsBetter)
    } else {
        out.metric(name, value, unit)
    }
}

const CSV_HEADER: &str = "name,iterations,real_time,cpu_time,time_unit";

/// Byte offset of the CSV header line, within the head.
fn csv_header(input: &Input<'_>) -> Option<usize> {
    let head = input.head();
    let mut offset = 0;
    for line in head.split_inclusive('\n').take(200) {
        if line.trim_start().starts_with(CSV_HEADER) {
            return Some(offset + (line.len() - line.trim_start().len()));
        }
        offset += line.len();
    }
    None
}

fn detect_csv(input: &Input<'_>) -> Option<&'static str> {
    csv_header(input).map(|_| "a `name,iterations,real_time,cpu_time,time_unit,…` header")
}

fn read_csv(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let Some(start) = csv_header(input) else {
        return Ok(());
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(&input.text.as_bytes()[start..]);
    let mut records = reader.records();
    let Some(Ok(header)) = records.next() else {
        return Ok(());
    };
    let header: Vec<String> = header.iter().map(|h| h.trim().to_owned()).collect();
    let mut pins = Pins::default();
    for row in records {
        let Ok(row) = row else {
            out.warn("google-benchmark-csv: a row that is not CSV was skipped");
            continue;
        };
        // Lines after the table (a log tail) are not rows.
        if row.len() < 5 {
            continue;
        }
        let unit = row.get(4).map(str::trim).unwrap_or("ns");
        for (name, cell) in header.iter().zip(row.iter()) {
            let cell = cell.trim();
            match name.as_str() {
                _ if cell.is_empty() => {}
                "time_unit" => {}
                "name" | "label" | "error_message" => out.dim(name, cell)?,
                "error_occurred" => match cell {
                    "true" => out.dim(name, true)?,
                    "false" => out.dim(name, false)?,
                    _ => out.dim(name, cell)?,
                },
                "real_time" | "cpu_time" => {
                    if let Some(v) = number(cell) {
                        let size = time_unit_size(unit);
                        pins.metric(out, name, v, unit, size, Some(Direction::LowerIsBetter))?;
                    }
                }
                _ => match number(cell) {
                    Some(v) => counter(out, name, v, None)?,
                    None => dim_text(out, name, cell)?,
                },
            }
        }
        out.end_record();
    }
    Ok(())
}

pub(super) static CONSOLE_HEADER: LazyLock<Option<Regex>> =
    LazyLock::new(|| pattern(r"^\s*Benchmark\s+Time\s+CPU\s+Iterations\b"));
pub(super) static COUNTER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    pattern(
        r"^(?P<num>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)(?P<prefix>Ki|Mi|Gi|Ti|k|M|G|T|P|E|m|u|n)?(?P<rate>/s)?$",
    )
});
pub(super) static RUN_ON: LazyLock<Option<Regex>> =
    LazyLock::new(|| pattern(r"^Run on \((?P<cpus>\d+) X (?P<mhz>[\d.]+) MHz CPU s?\)"));

fn is_header(line: &str) -> bool {
    CONSOLE_HEADER.as_ref().is_some_and(|re| re.is_match(line))
}

fn detect_console(input: &Input<'_>) -> Option<&'static str> {
    if !input.head().contains("Iterations") {
        return None;
    }
    input
        .head_lines(60)
        .any(is_header)
        .then_some("a `Benchmark  Time  CPU  Iterations` table")
}

/// A console cell: a number followed by its unit token.
fn is_value(token: &str) -> bool {
    token.parse::<f64>().is_ok()
}

fn read_console(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let mut context: Vec<(&str, String)> = Vec::new();
    let mut in_table = false;
    let mut pins = Pins::default();
    // `--benchmark_counters_tabular`: counters are columns named in the header.
    let mut columns: Vec<&str> = Vec::new();
    for line in input.text.lines() {
        let line = line.trim_end();
        if is_header(line) {
            in_table = true;
            columns = line
                .split_whitespace()
                .skip_while(|t| *t != "Iterations")
                .skip(1)
                .filter(|t| *t != "UserCounters...")
                .collect();
            continue;
        }
        if !in_table {
            read_context_line(line, &mut context);
            continue;
        }
        if line.trim().is_empty() || line.trim_start().starts_with("---") {
            continue;
        }
        let tokens: Vec<&str> = line.split_whitespace().collect();
        // The first `value unit value unit` run ends the name.
        let Some(at) = (1..tokens.len().saturating_sub(3))
            .find(|&i| is_value(tokens[i]) && is_value(tokens[i + 2]) && !is_value(tokens[i + 1]))
        else {
            continue;
        };
        let name = tokens[..at].join(" ");
        out.dim("name", name.as_str())?;
        for (field, (value, unit)) in [
            ("real_time", (tokens[at], tokens[at + 1])),
            ("cpu_time", (tokens[at + 2], tokens[at + 3])),
        ] {
            if let Some(v) = number(value) {
                let size = time_unit_size(unit);
                pins.metric(out, field, v, unit, size, Some(Direction::LowerIsBetter))?;
            }
        }
        let mut rest = &tokens[at + 4..];
        if let Some(first) = rest.first()
            && let Ok(iterations) = first.parse::<u64>()
        {
            out.metric("iterations", iterations as f64, None)?;
            rest = &rest[1..];
        }
        if !columns.is_empty()
            && rest.len() >= columns.len()
            && rest[..columns.len()].iter().all(|t| is_counter(t))
        {
            for (key, value) in columns.iter().zip(rest) {
                console_counter(out, &mut pins, key, value)?;
            }
            rest = &rest[columns.len()..];
        }
        let mut label = Vec::new();
        let mut tokens = rest.iter().peekable();
        while let Some(&token) = tokens.next() {
            // Before v1.2 the rates had no key: `697.6MB/s`, `1.2M items/s`.
            let old_bytes = token
                .strip_suffix("B/s")
                .filter(|stem| is_counter(&format!("{stem}/s")));
            if let Some((key, value)) = token.split_once('=').filter(|(k, _)| !k.is_empty()) {
                console_counter(out, &mut pins, key, value)?;
            } else if let Some(stem) = old_bytes {
                console_counter(out, &mut pins, "bytes_per_second", &format!("{stem}/s"))?;
            } else if tokens.peek().is_some_and(|t| **t == "items/s") && is_counter(token) {
                tokens.next();
                console_counter(out, &mut pins, "items_per_second", &format!("{token}/s"))?;
            } else {
                label.push(token);
            }
        }
        if !label.is_empty() {
            out.dim("label", label.join(" ").as_str())?;
        }
        for (key, value) in &context {
            dim_text(out, key, value)?;
        }
        out.end_record();
    }
    Ok(())
}

/// The lines the tool prints above the table: the date, the executable, the
/// CPU count and frequency.
fn read_context_line<'l>(line: &'l str, context: &mut Vec<(&'l str, String)>) {
    let line = line.trim();
    if let Some(exe) = line.strip_prefix("Running ") {
        context.push(("executable", exe.trim().to_owned()));
    } else if let Some(c) = RUN_ON.as_ref().and_then(|re| re.captures(line)) {
        context.push(("num_cpus", c["cpus"].to_owned()));
        context.push(("mhz_per_cpu", c["mhz"].to_owned()));
    } else if context.is_empty()
        && line.len() >= 10
        && line.as_bytes()[..4].iter().all(u8::is_ascii_digit)
        && line.as_bytes()[4] == b'-'
        && !line.contains(' ')
    {
        context.push(("date", line.to_owned()));
    }
}

fn is_counter(text: &str) -> bool {
    COUNTER.as_ref().is_some_and(|re| re.is_match(text))
}

/// `bytes_per_second=55.1393Mi/s`: a rate keeps its first prefix as unit
/// (`MiB/s` for bytes, `k/s` otherwise); a plain counter is written in base
/// units.
fn console_counter(
    out: &mut Emit<'_>,
    pins: &mut Pins,
    key: &str,
    text: &str,
) -> Result<(), ExtractError> {
    let Some(c) = COUNTER.as_ref().and_then(|re| re.captures(text)) else {
        // An aggregate in percent (`_cv` rows): a fraction, no unit.
        if let Some(v) = text.strip_suffix('%').and_then(number) {
            return out.metric(key, v, None);
        }
        return Ok(());
    };
    let Some(v) = number(&c["num"]) else {
        return Ok(());
    };
    let prefix = c.name("prefix").map_or("", |m| m.as_str());
    let size = prefix_size(prefix);
    let higher = key.ends_with("_per_second") || c.name("rate").is_some();
    let direction = higher.then_some(Direction::HigherIsBetter);
    if c.name("rate").is_some() {
        let unit = if key.contains("bytes") {
            format!("{prefix}B/s")
        } else {
            format!("{prefix}/s")
        };
        pins.metric(out, key, v, &unit, size, direction)
    } else {
        let v = v * size.unwrap_or(1.0);
        match direction {
            Some(d) => out.metric_dir(key, v, None, d),
            None => out.metric(key, v, None),
        }
    }
}
