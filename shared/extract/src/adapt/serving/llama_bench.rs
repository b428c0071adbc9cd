//! llama.cpp's `llama-bench`, one record per test (a row: model ×
//! settings × `pp512`/`tg128`…), in each of its output formats:
//! - markdown (the default, also what a console log holds): `| model | size
//!   | params | backend | ngl | test | t/s |`; every column but `t/s` is a
//!   dimension, `t/s` (`1234.56 ± 12.34`) is the metric in tokens/s with
//!   `t/s_stddev`; a `build: <commit> (<number>)` line adds `build_commit`
//!   and `build_number`; a log with several tables numbers them (`run`) and
//!   names each by the Markdown heading above it (`table`);
//! - CSV (`-o csv`), JSON (`-o json`, an array) and JSON Lines (`-o
//!   jsonl`): the same fields as named columns/keys; `avg_ns`/`stddev_ns`
//!   (ns, lower is better) and `avg_ts`/`stddev_ts` (tokens/s, higher is
//!   better) are the metrics, every other field (build, hardware, model,
//!   `n_prompt`, `n_gen`, `test_time`…) a dimension; the raw `samples_ns` /
//!   `samples_ts` arrays are skipped.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::{Adapter, Emit, dim_text, documents};
use crate::adapt::Input;
use crate::cell::parse_number;
use crate::error::ExtractError;
use crate::format::Format;
use crate::schema::Direction;

pub(crate) const MARKDOWN: Adapter = Adapter {
    name: "llama-bench-markdown",
    formats: &[Format::Markdown, Format::Text],
    detect: detect_markdown,
    read: read_markdown,
};

pub(crate) const CSV: Adapter = Adapter {
    name: "llama-bench-csv",
    formats: &[Format::Csv],
    detect: detect_csv,
    read: read_csv,
};

pub(crate) const JSON: Adapter = Adapter {
    name: "llama-bench-json",
    formats: &[Format::Json, Format::Jsonl],
    detect: detect_json,
    read: read_json,
};

/// The measured fields of the CSV/JSON formats: unit and direction.
fn measured(key: &str) -> Option<(&'static str, Direction)> {
    match key {
        "avg_ns" | "stddev_ns" => Some(("ns", Direction::LowerIsBetter)),
        "avg_ts" | "stddev_ts" => Some(("tok/s", Direction::HigherIsBetter)),
        _ => None,
    }
}

/// `build: 8e672efe (2826)`.
static BUILD: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^\s*build:\s*([0-9a-fA-F]+)\s*\((\d+)\)\s*$").ok());

fn cells(line: &str) -> Option<Vec<&str>> {
    let inner = line.trim().strip_prefix('|')?;
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    Some(inner.split('|').map(str::trim).collect())
}

fn is_header(line: &str) -> bool {
    cells(line).is_some_and(|c| c.contains(&"model") && c.contains(&"test") && c.contains(&"t/s"))
}

/// The text of a Markdown heading line (`## Results`, `### GPU 0 ONLY ###`).
fn heading_text(line: &str) -> Option<&str> {
    let text = line
        .trim()
        .strip_prefix('#')?
        .trim_start_matches('#')
        .trim_end_matches('#')
        .trim();
    (!text.is_empty()).then_some(text)
}

fn detect_markdown(input: &Input<'_>) -> Option<&'static str> {
    input
        .head()
        .lines()
        .any(is_header)
        .then_some("a llama-bench table (| model | size | params | backend | … | test | t/s |)")
}

fn read_markdown(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let build = input.text.lines().rev().find_map(|l| {
        let c = BUILD.as_ref()?.captures(l)?;
        Some((c[1].to_owned(), c[2].to_owned()))
    });
    // A log of several runs holds several tables, often with the same
    // settings: each table's heading (`### GPU 0 ONLY ###`, named `table`
    // as the generic Markdown reader names headings) and its number (`run`)
    // tell them apart.
    let several = input.text.lines().filter(|l| is_header(l)).nth(1).is_some();
    let mut heading: Option<&str> = None;
    let mut table = 0;
    let mut header: Option<Vec<&str>> = None;
    for line in input.text.lines() {
        if is_header(line) {
            header = cells(line);
            table += 1;
            continue;
        }
        if let Some(text) = heading_text(line) {
            heading = Some(text);
            continue;
        }
        let (Some(names), Some(row)) = (header.as_ref(), cells(line)) else {
            header = None;
            continue;
        };
        // The delimiter row.
        if row
            .iter()
            .all(|c| !c.is_empty() && c.chars().all(|x| matches!(x, '-' | ':')))
        {
            continue;
        }
        for (name, cell) in names.iter().zip(&row) {
            if *name == "t/s" {
                if let Some(n) = parse_number(cell) {
                    out.metric_dir(name, n.value, Some("tok/s"), Direction::HigherIsBetter)?;
                    if let Some(sd) = n.stddev {
                        out.metric("t/s_stddev", sd, Some("tok/s"))?;
                    }
                }
            } else {
                dim_text(out, name, cell)?;
            }
        }
        if let Some((commit, number)) = &build {
            out.dim("build_commit", commit.as_str())?;
            dim_text(out, "build_number", number)?;
        }
        if several {
            out.dim("run", table)?;
            if let Some(text) = heading {
                out.dim("table", text)?;
            }
        }
        out.end_record();
    }
    Ok(())
}

fn detect_csv(input: &Input<'_>) -> Option<&'static str> {
    let first = input.head_lines(1).next()?;
    (first.contains("avg_ts") && first.contains("n_prompt") && first.contains("n_gen"))
        .then_some("a llama-bench CSV header (…, n_prompt, n_gen, avg_ns, avg_ts, …)")
}

fn read_csv(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(input.text.as_bytes());
    let Ok(header) = reader.headers().cloned() else {
        return Ok(());
    };
    for row in reader.records() {
        let Ok(row) = row else {
            out.warn("llama-bench CSV: a row that is not CSV was skipped");
            continue;
        };
        for (name, cell) in header.iter().zip(row.iter()) {
            match measured(name) {
                Some((unit, direction)) => {
                    if let Ok(v) = cell.trim().parse::<f64>() {
                        out.metric_dir(name, v, Some(unit), direction)?;
                    }
                }
                None => dim_text(out, name, cell)?,
            }
        }
        out.end_record();
    }
    Ok(())
}

fn detect_json(input: &Input<'_>) -> Option<&'static str> {
    let head = input.head();
    (head.contains("\"avg_ts\"") && head.contains("\"n_prompt\""))
        .then_some("llama-bench JSON keys (n_prompt, n_gen, avg_ns, avg_ts)")
}

fn read_json(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    for doc in documents(input.text) {
        let Some(object) = doc.as_object().filter(|o| o.contains_key("avg_ts")) else {
            continue;
        };
        for (key, value) in object {
            match (measured(key), value) {
                (Some((unit, direction)), Value::Number(n)) => {
                    out.metric_dir(key, n.as_f64().unwrap_or(f64::NAN), Some(unit), direction)?;
                }
                (Some(_), _) => {}
                (None, _) => out.dim_json(key, value)?,
            }
        }
        out.end_record();
    }
    Ok(())
}
