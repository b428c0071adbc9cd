//! BenchmarkDotNet's summary tables: the CSV exporter (`*-report.csv`:
//! `Method,Job,<job settings…>,<params…>,Mean,Error,StdDev,…,Allocated`,
//! `;`-separated with decimal commas in some cultures) and the Markdown
//! exporters (`*-report-github.md`, `*-report-default.md`: an environment
//! block, then `| Method | Mean | Error | … |`). One record per row
//! (method × job × parameters).
//!
//! Columns before the first statistic are the case: `Method`, `Job`, the
//! parameters (`N`), job settings; a setting that is `Default` on every row
//! says nothing and is left out. From the first statistic on, columns are
//! metrics in the units their cells print (`133.8 ns`, `1.97 MB`, mixed
//! `μs`/`ms` converted to the column's first unit as BenchmarkDotNet
//! itself scales them per row); `-`, `NA` and `?` are missing. The
//! environment block's facts (`BenchmarkDotNet=v0.12.0`, `OS=…`, `Job=…
//! Runtime=…`) are dimensions of every row.

use std::sync::LazyLock;

use regex::Regex;

use super::{Adapter, param_dim, regex};
use crate::adapt::{Emit, Input};
use crate::error::ExtractError;
use crate::format::Format;

pub(crate) const CSV_ADAPTER: Adapter = Adapter {
    name: "benchmarkdotnet-csv",
    formats: &[Format::Csv, Format::Tsv],
    detect: detect_csv,
    read: read_csv,
};

pub(crate) const MARKDOWN_ADAPTER: Adapter = Adapter {
    name: "benchmarkdotnet-markdown",
    formats: &[Format::Markdown],
    detect: detect_markdown,
    read: read_markdown,
};

/// Statistic and diagnoser columns BenchmarkDotNet writes (old and new
/// spellings).
const STAT_COLUMNS: &[&str] = &[
    "Mean",
    "Error",
    "StdDev",
    "StdErr",
    "Median",
    "Min",
    "Max",
    "Q1",
    "Q3",
    "Op/s",
    "Ratio",
    "RatioSD",
    "Scaled",
    "ScaledSD",
    "Gen 0",
    "Gen 1",
    "Gen 2",
    "Gen0",
    "Gen1",
    "Gen2",
    "Gen 0/1k Op",
    "Gen 1/1k Op",
    "Gen 2/1k Op",
    "Allocated",
    "Allocated/Op",
    "Bytes Allocated/Op",
    "Alloc Ratio",
    "Rank",
    "Code Size",
    "Completed Work Items",
    "Lock Contentions",
    "Exceptions",
    "Allocated native memory",
    "Native memory leak",
    "Iterations",
    "Skewness",
    "Kurtosis",
    "MValue",
];

/// Job characteristics the CSV exporter writes for every run, whose value
/// (`False`, `Empty`, a power-plan GUID, an affinity mask) says nothing
/// about the case when it is the same on every row. The Markdown exporter
/// leaves such constant columns out; so does this reader.
const ENGINE_SETTINGS: &[&str] = &[
    "AnalyzeLaunchVariance",
    "EvaluateOverhead",
    "MaxAbsoluteError",
    "MaxRelativeError",
    "MinInvokeCount",
    "MinIterationTime",
    "OutlierMode",
    "Affinity",
    "EnvironmentVariables",
    "LargeAddressAware",
    "PowerPlanMode",
    "AllowVeryLargeObjects",
    "Concurrent",
    "CpuGroups",
    "Force",
    "HeapAffinitizeMask",
    "HeapCount",
    "NoAffinitize",
    "RetainVm",
    "Server",
    "Arguments",
    "BuildConfiguration",
    "Clock",
    "EngineFactory",
    "NuGetReferences",
    "IsMutator",
    "MaxIterationCount",
    "MaxWarmupIterationCount",
    "MemoryRandomization",
    "MinIterationCount",
    "MinWarmupIterationCount",
];

/// Percentile columns (`P95`) and gen columns in any spelling.
static STAT_PATTERN: LazyLock<Option<Regex>> = LazyLock::new(|| regex(r"^(?:P\d{1,3}|Gen ?\d.*)$"));

/// `BenchmarkDotNet=v0.12.0, OS=macOS 10.15.3` (before 0.13) or
/// `BenchmarkDotNet v0.13.10, Windows 11 (…)`.
static VERSION_LINE: LazyLock<Option<Regex>> =
    LazyLock::new(|| regex(r"^\s*BenchmarkDotNet[= ](v?[0-9][\w.+-]*)\s*,\s*(?:OS=)?(.+?)\s*$"));

fn is_stat(name: &str) -> bool {
    STAT_COLUMNS.iter().any(|s| s.eq_ignore_ascii_case(name))
        || STAT_PATTERN.as_ref().is_some_and(|r| r.is_match(name))
}

/// A table as cells of text, header first.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

/// What a cell written for a missing measurement looks like.
fn is_missing(cell: &str) -> bool {
    matches!(cell, "" | "-" | "NA" | "N/A" | "?" | "—")
}

/// `1,5 us` (a decimal-comma culture) → `1.5 us`; `1.234,5 ns` → `1234.5 ns`.
fn decimal_point(cell: &str) -> String {
    cell.replace(['.', '\u{a0}', '\u{202f}'], "")
        .replace(',', ".")
}

fn cell(row: &[String], i: usize) -> &str {
    row.get(i).map(String::as_str).unwrap_or("")
}

fn emit_table(
    table: &Table,
    env: &[(String, String)],
    decimal_comma: bool,
    out: &mut Emit<'_>,
) -> Result<(), ExtractError> {
    let Some(first_stat) = table.header.iter().position(|h| is_stat(h)) else {
        return Ok(());
    };
    // A job setting that is `Default` (or empty) on every row is noise, and
    // so is an engine setting that is the same on every row; the job's own
    // name (`Job=Default`) is not.
    let silent: Vec<bool> = (0..table.header.len())
        .map(|i| {
            let name = table.header[i].as_str();
            let first = table.rows.first().map_or("", |r| cell(r, i));
            i < first_stat
                && !matches!(name, "Method" | "Job" | "Type")
                && (table
                    .rows
                    .iter()
                    .all(|r| matches!(cell(r, i), "" | "Default"))
                    || (ENGINE_SETTINGS.contains(&name)
                        && table.rows.iter().all(|r| cell(r, i) == first)))
        })
        .collect();
    // After the first statistic, a column is a metric when BenchmarkDotNet
    // names it as one or its cells are numbers.
    let metric: Vec<bool> = (0..table.header.len())
        .map(|i| {
            i >= first_stat
                && (is_stat(&table.header[i])
                    || table.rows.iter().all(|r| {
                        let c = cell(r, i);
                        is_missing(c)
                            || c.trim_start()
                                .starts_with(|ch: char| ch.is_ascii_digit() || ch == '-')
                    }))
        })
        .collect();
    for row in &table.rows {
        for (i, name) in table.header.iter().enumerate() {
            let raw = cell(row, i);
            if silent[i] || name.is_empty() {
                continue;
            }
            if metric[i] {
                if is_missing(raw) {
                    out.metric_text(name, "-")?;
                } else if decimal_comma {
                    out.metric_text(name, &decimal_point(raw))?;
                } else {
                    out.metric_text(name, raw)?;
                }
            } else if !raw.is_empty() {
                out.dim(name, param_dim(raw))?;
            }
        }
        for (k, v) in env {
            if !table.header.iter().any(|h| h == k) {
                out.dim(k, v.as_str())?;
            }
        }
        out.end_record();
    }
    Ok(())
}

fn delimiter(header: &str) -> u8 {
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| header.bytes().filter(|b| b == d).count())
        .unwrap_or(b',')
}

fn csv_header(input: &Input<'_>) -> Option<(u8, Vec<String>)> {
    let line = input.head_lines(1).next()?;
    let d = delimiter(line);
    let fields: Vec<String> = line
        .split(d as char)
        .map(|f| f.trim().trim_matches('"').to_owned())
        .collect();
    Some((d, fields))
}

fn detect_csv(input: &Input<'_>) -> Option<&'static str> {
    let (_, header) = csv_header(input)?;
    let has = |n: &str| header.iter().any(|h| h == n);
    let case = has("Method") || has("Type");
    let stats = ["Mean", "Median", "Min"].iter().any(|n| has(n));
    let bdn = ["Job", "Error", "StdDev", "Allocated"]
        .iter()
        .any(|n| has(n));
    (case && stats && bdn)
        .then_some("a header `Method,…,Mean,Error,…` (BenchmarkDotNet CSV exporter)")
}

fn read_csv(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let Some((d, _)) = csv_header(input) else {
        return Ok(());
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(d)
        .flexible(true)
        .has_headers(false)
        .from_reader(input.text.as_bytes());
    let mut records = reader.records().filter_map(|r| match r {
        Ok(r) => Some(
            r.iter()
                .map(|c| c.trim().to_owned())
                .collect::<Vec<String>>(),
        ),
        Err(_) => None,
    });
    let Some(header) = records.next() else {
        return Ok(());
    };
    let rows = records
        .filter(|r| r.iter().any(|c| !c.is_empty()))
        .collect();
    emit_table(&Table { header, rows }, &[], d == b';', out)
}

fn detect_markdown(input: &Input<'_>) -> Option<&'static str> {
    let head = input.head();
    if !head.contains("BenchmarkDotNet") {
        return None;
    }
    let lines: Vec<&str> = head.lines().collect();
    let table = lines.windows(2).any(|w| {
        w[0].contains('|') && is_delimiter(w[1]) && split_row(w[0]).iter().any(|c| is_stat(c))
    });
    table.then_some("a `BenchmarkDotNet` environment block and a summary table (BenchmarkDotNet Markdown exporter)")
}

/// A delimiter row of a Markdown table: `|---|--:|`, `------ |-----:|`.
/// A byte test, not a pattern: it runs on every line of large reports.
fn is_delimiter(line: &str) -> bool {
    line.contains("--")
        && line.contains('|')
        && line
            .bytes()
            .all(|b| matches!(b, b'|' | b'-' | b':' | b' ' | b'\t' | b'\r'))
}

/// Cells of a table row, without the outer pipes, emphasis or code marks,
/// HTML entities decoded (the GitHub exporter writes `&#39;Title&#39;`).
fn split_row(line: &str) -> Vec<String> {
    let t = line.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = t.strip_suffix('|').unwrap_or(t);
    t.split('|')
        .map(|c| decode_entities(c.trim().trim_matches('*').trim_matches('`').trim()))
        .collect()
}

/// `&#39;`, `&quot;`, `&amp;`, `&lt;`, `&gt;` and numeric entities, as a
/// Markdown renderer shows them; anything else stays as written.
fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let decoded = tail.find(';').filter(|&end| end <= 10).and_then(|end| {
            let name = &tail[1..end];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, end + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &tail[len..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Facts of the environment block: the version line and `Key=Value`
/// settings lines (`Job=ShortRun  IterationCount=5`).
fn environment(lines: &[&str]) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = Vec::new();
    for line in lines {
        if let Some(c) = VERSION_LINE.as_ref().and_then(|r| r.captures(line)) {
            env.push(("BenchmarkDotNet".to_owned(), c[1].to_owned()));
            env.push(("OS".to_owned(), c[2].to_owned()));
            continue;
        }
        let pairs: Option<Vec<(String, String)>> = line
            .split("  ")
            .flat_map(|t| t.split(", "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| {
                let (k, v) = t.split_once('=')?;
                let k = k.trim();
                (!k.is_empty() && k.chars().all(|c| c.is_alphanumeric() || c == '_'))
                    .then(|| (k.to_owned(), v.trim().to_owned()))
            })
            .collect();
        if let Some(pairs) = pairs.filter(|p| !p.is_empty()) {
            for (k, v) in pairs {
                if !env.iter().any(|(e, _)| *e == k) {
                    env.push((k, v));
                }
            }
        }
    }
    env
}

/// A table header (a row with pipes above a delimiter row) at `i`.
fn is_header(lines: &[&str], i: usize) -> bool {
    lines[i].contains('|') && lines.get(i + 1).is_some_and(|next| is_delimiter(next))
}

/// `## System: DGX-H100` → (`System`, `DGX-H100`); any other heading →
/// (`table`, its text), as the generic Markdown reader names them.
fn heading(line: &str) -> Option<(String, String)> {
    let text = line
        .trim_start()
        .strip_prefix('#')?
        .trim_start_matches('#')
        .trim();
    if text.is_empty() {
        return None;
    }
    match text.split_once(':') {
        Some((k, v))
            if !v.trim().is_empty()
                && k.chars()
                    .all(|c| c.is_alphanumeric() || c == ' ' || c == '_') =>
        {
            Some((k.trim().to_owned(), v.trim().to_owned()))
        }
        _ => Some(("table".to_owned(), text.to_owned())),
    }
}

fn read_markdown(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let lines: Vec<&str> = input.text.lines().collect();
    // A report that also holds other tables (hyperfine's, a summary) is a
    // document about benchmarks, not BenchmarkDotNet's report: the generic
    // reader keeps all of it.
    let foreign = (0..lines.len())
        .filter(|&i| is_header(&lines, i))
        .any(|i| !split_row(lines[i]).iter().any(|c| is_stat(c)));
    if foreign {
        return Ok(());
    }
    let mut i = 0;
    let mut env_end = None;
    let mut tables = Vec::new();
    let mut headings: Vec<Option<(String, String)>> = Vec::new();
    let mut last_heading = None;
    while i + 1 < lines.len() {
        if let Some(h) = heading(lines[i]) {
            last_heading = Some(h);
        }
        if is_header(&lines, i) {
            env_end.get_or_insert(i);
            headings.push(last_heading.clone());
            let header = split_row(lines[i]);
            let mut rows = Vec::new();
            let mut j = i + 2;
            while j < lines.len() && lines[j].contains('|') && !lines[j].trim().is_empty() {
                let mut row = split_row(lines[j]);
                row.resize(header.len(), String::new());
                rows.push(row);
                j += 1;
            }
            tables.push(Table { header, rows });
            i = j;
        } else {
            i += 1;
        }
    }
    let env = environment(&lines[..env_end.unwrap_or(0)]);
    for (table, heading) in tables.iter().zip(&headings) {
        // With several tables, the heading above each tells them apart.
        match heading {
            Some(h) if tables.len() > 1 => {
                let mut env = env.clone();
                env.push(h.clone());
                emit_table(table, &env, false, out)?;
            }
            _ => emit_table(table, &env, false, out)?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_compile() {
        assert!(STAT_PATTERN.is_some() && VERSION_LINE.is_some());
    }

    #[test]
    fn the_environment_block_gives_version_os_and_job() {
        let env = environment(&[
            "BenchmarkDotNet=v0.12.0, OS=macOS 10.15.3 (19D76) [Darwin 19.3.0]",
            ".NET Core SDK=3.1.102",
            "  [Host]     : .NET Core 3.1.2, X64 RyuJIT",
            "Job=.NET 8.0  Runtime=.NET 8.0  ",
        ]);
        let get = |k: &str| env.iter().find(|(e, _)| e == k).map(|(_, v)| v.as_str());
        assert_eq!(get("BenchmarkDotNet"), Some("v0.12.0"));
        assert_eq!(get("OS"), Some("macOS 10.15.3 (19D76) [Darwin 19.3.0]"));
        assert_eq!(get("Job"), Some(".NET 8.0"));
        assert_eq!(get("Runtime"), Some(".NET 8.0"));
        let newer = environment(&["BenchmarkDotNet v0.13.10, Windows 11 (10.0.22621.2715/22H2)"]);
        assert_eq!(newer[0].1, "v0.13.10");
        assert_eq!(newer[1].1, "Windows 11 (10.0.22621.2715/22H2)");
    }

    #[test]
    fn entities_are_decoded_as_rendered() {
        assert_eq!(decode_entities("&#39;Run fn(a)&#39;"), "'Run fn(a)'");
        assert_eq!(
            decode_entities("a &amp; b &lt;T&gt; &#x41; &bogus; &"),
            "a & b <T> A &bogus; &"
        );
    }

    #[test]
    fn decimal_commas_become_points() {
        assert_eq!(decimal_point("1,5 us"), "1.5 us");
        assert_eq!(decimal_point("1.234,5 ns"), "1234.5 ns");
    }
}
