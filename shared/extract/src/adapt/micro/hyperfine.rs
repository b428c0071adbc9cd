//! hyperfine's exports. One record per benchmarked command (per parameter
//! value with `--parameter-scan`/`-L`); every time is better lower.
//!
//! - JSON (`--export-json`): `{results: [{command, mean, stddev, median,
//!   user, system, min, max, times, exit_codes, parameters}]}`, times in
//!   seconds; `parameters.*` are dimensions; the raw `times`, `exit_codes`
//!   and `memory_usage_byte` arrays are skipped.
//! - CSV (`--export-csv`): `command,mean,stddev,median,user,system,min,max`
//!   then `parameter_<name>` columns, in seconds.
//! - Markdown (`--export-markdown`): `| Command | Mean [ms] | Min [ms] |
//!   Max [ms] | Relative |`, cells `150.1 ± 34.7`. Columns keep their names
//!   and units (`Mean [ms]` in ms); the part after `±` is `Mean_stddev`,
//!   `Relative_stddev`; other columns (parameters) are dimensions. With
//!   several tables, the heading above each is the dimension `table`.

use serde_json::{Map, Value};

use super::{Report, dim_text, dims_flat, number};
use crate::adapt::{Adapter, Emit, Input};
use crate::error::ExtractError;
use crate::format::Format;
use crate::schema::Direction;

pub(super) const JSON: Adapter = Adapter {
    name: "hyperfine-json",
    formats: &[Format::Json],
    detect: detect_json,
    read: read_json,
};

pub(super) const CSV: Adapter = Adapter {
    name: "hyperfine-csv",
    formats: &[Format::Csv],
    detect: detect_csv,
    read: read_csv,
};

pub(super) const MARKDOWN: Adapter = Adapter {
    name: "hyperfine-markdown",
    formats: &[Format::Markdown],
    detect: detect_markdown,
    read: read_markdown,
};

/// The statistics hyperfine writes, all in seconds in JSON and CSV.
const TIMES: &[&str] = &["mean", "stddev", "median", "user", "system", "min", "max"];

fn is_row(row: &Map<String, Value>) -> bool {
    row.get("command").is_some_and(Value::is_string) && row.contains_key("mean")
}

fn detect_json(input: &Input<'_>) -> Option<&'static str> {
    let head = input.head();
    (head.contains("\"results\"") && head.contains("\"command\"") && head.contains("\"mean\""))
        .then_some("{results: [{command, mean, stddev, median, user, system}]}")
}

fn read_json(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let Some(report) = Report::read(input, "results") else {
        return Ok(());
    };
    if !report.first().is_some_and(|row| is_row(&row)) {
        return Ok(());
    }
    report.rows(|row| {
        if !is_row(row) {
            return Ok(());
        }
        for (key, value) in row {
            match (key.as_str(), value) {
                (k, Value::Number(n)) if TIMES.contains(&k) => out.metric_dir(
                    k,
                    n.as_f64().unwrap_or(f64::NAN),
                    Some("s"),
                    Direction::LowerIsBetter,
                )?,
                (k, Value::Number(n)) => out.metric(k, n.as_f64().unwrap_or(f64::NAN), None)?,
                (_, Value::Object(_)) => dims_flat(out, key, value)?,
                _ => out.dim_json(key, value)?,
            }
        }
        report.doc_dims(out)?;
        out.end_record();
        Ok(())
    })
}

fn csv_header(input: &Input<'_>) -> Option<Vec<String>> {
    let first = input.head_lines(1).next()?;
    let cells: Vec<String> = first.split(',').map(|c| c.trim().to_owned()).collect();
    let starts = ["command", "mean", "stddev", "median"];
    (cells.len() >= 4 && cells.iter().zip(starts).all(|(c, s)| c == s)).then_some(cells)
}

fn detect_csv(input: &Input<'_>) -> Option<&'static str> {
    csv_header(input).map(|_| "a `command,mean,stddev,median,user,system,min,max` header")
}

fn read_csv(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(input.text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_owned()).collect(),
        Err(_) => return Ok(()),
    };
    for row in reader.records() {
        let Ok(row) = row else {
            out.warn("hyperfine-csv: a row that is not CSV was skipped");
            continue;
        };
        for (name, cell) in header.iter().zip(row.iter()) {
            match name.as_str() {
                "command" => dim_text(out, name, cell)?,
                n if n.starts_with("parameter_") => dim_text(out, name, cell)?,
                n if TIMES.contains(&n) => {
                    if let Some(v) = number(cell) {
                        out.metric_dir(n, v, Some("s"), Direction::LowerIsBetter)?;
                    }
                }
                n => match number(cell) {
                    Some(v) => out.metric(n, v, None)?,
                    None => dim_text(out, n, cell)?,
                },
            }
        }
        out.end_record();
    }
    Ok(())
}

/// The cells of a Markdown table row (`| a | b |`), trimmed.
fn cells(line: &str) -> Vec<&str> {
    let inner = line.trim().trim_start_matches('|');
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    inner.split('|').map(str::trim).collect()
}

/// `Mean [ms]` → (`Mean`, `ms`).
fn unit_in_brackets(header: &str) -> Option<(&str, &str)> {
    let (name, rest) = header.split_once('[')?;
    Some((name.trim(), rest.strip_suffix(']')?.trim()))
}

fn is_header(line: &str) -> bool {
    let t = line.trim_start();
    if !t.starts_with('|') {
        return false;
    }
    let cells = cells(t);
    let timed = |name: &str| {
        cells
            .iter()
            .any(|c| unit_in_brackets(c).is_some_and(|(n, _)| n == name))
    };
    // Versions before `Relative` had `Min…Max [ms]`.
    timed("Mean") && (cells.contains(&"Relative") || timed("Min") || timed("Min…Max"))
}

/// The header rows of the GFM tables in `text`: whether each is
/// hyperfine's. A document with any other table is left to the generic
/// Markdown rules, which read every table.
fn table_headers(text: &str) -> impl Iterator<Item = bool> + '_ {
    let mut previous: Option<&str> = None;
    text.lines().filter_map(move |line| {
        let header = previous.filter(|_| crate::format::is_delimiter_row(line.trim()));
        previous = Some(line).filter(|l| l.contains('|'));
        header.map(is_header)
    })
}

fn detect_markdown(input: &Input<'_>) -> Option<&'static str> {
    if !input.head().contains("Mean [") {
        return None;
    }
    let mut headers = table_headers(input.head());
    let first = headers.next()?;
    (first && headers.all(|h| h)).then_some("`| Command | Mean [unit] | … | Relative |` tables")
}

fn read_markdown(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    if !table_headers(input.text).all(|h| h) {
        return Ok(());
    }
    let tables = input.text.lines().filter(|l| is_header(l)).count();
    let mut heading: Option<&str> = None;
    let mut lines = input.text.lines().peekable();
    while let Some(line) = lines.next() {
        let t = line.trim();
        if t.starts_with('#') {
            heading = Some(t.trim_start_matches('#').trim());
            continue;
        }
        if !is_header(t) {
            continue;
        }
        let header = cells(t);
        // The delimiter row.
        if lines.peek().is_some_and(|l| l.contains("---")) {
            lines.next();
        }
        while let Some(row) = lines.next_if(|l| l.trim_start().starts_with('|')) {
            for (name, cell) in header.iter().zip(cells(row)) {
                markdown_cell(out, name, cell)?;
            }
            if tables > 1
                && let Some(h) = heading
            {
                out.dim("table", h)?;
            }
            out.end_record();
        }
    }
    Ok(())
}

fn markdown_cell(out: &mut Emit<'_>, header: &str, cell: &str) -> Result<(), ExtractError> {
    let (base, unit) = match unit_in_brackets(header) {
        Some((base, unit)) => (base, Some(unit)),
        None => (header, None),
    };
    let measured = unit.is_some() || base == "Relative";
    if !measured {
        return dim_text(out, header, cell.trim_matches('`'));
    }
    let (value, deviation) = match cell.split_once('±').or_else(|| cell.split_once("+-")) {
        Some((v, d)) => (v, Some(d)),
        None => (cell, None),
    };
    // `1.00 🍏`: a mark after the number is not part of it.
    let leading = |text: &str| text.split_whitespace().next().and_then(number);
    if let Some(v) = leading(value) {
        out.metric_dir(header, v, unit, Direction::LowerIsBetter)?;
    }
    if let Some(d) = deviation.and_then(leading) {
        out.metric_dir(&format!("{base}_stddev"), d, unit, Direction::LowerIsBetter)?;
    }
    Ok(())
}
