//! sysbench's end-of-run report, 0.4/0.5 and 1.x. A `sysbench 1.0.20 …`
//! banner (or, without one, `Running the test with following options:`)
//! starts one run: one record per run. Dimensions: `run` (its ordinal in
//! the file), `sysbench version`,
//! `threads` (`Number of threads`), `test` when the report shows which
//! (`cpu`, `memory`, `fileio`, `oltp`) and the test's printed options
//! (`Prime numbers limit`, `block size`, `operation`…). Metrics take
//! sysbench's own words in snake case: `read`/`write`/`other`/`total`
//! (queries performed), `transactions` with `transactions_per_sec`,
//! `queries`, `ignored_errors`, `reconnects`, `total_time` (s),
//! `total_number_of_events`, `events_per_second`, `reads/s`, `writes/s`,
//! `fsyncs/s`, `read_MiB/s`, `written_MiB/s`, `total_operations`,
//! `transferred` (MiB) with `transferred_per_sec` (0.4's fileio line `Read …
//! Written … Total transferred … (…/sec)` also gives `read`, `written`), the latency block as
//! `latency_min`, `latency_avg`, `latency_max`, `latency_95th_percentile`,
//! `latency_sum` (ms; 0.x's `response time` block maps to the same names) and
//! threads fairness as `events_avg`/`events_stddev`,
//! `execution_time_avg`/`execution_time_stddev`; 0.4's `Operations
//! performed`, `Requests/sec executed`. Interim `[ 5s ] …` lines and runs
//! without results (`prepare`) are not records.

use std::sync::LazyLock;

use regex::Regex;

use super::text::{self, CONSOLE};
use crate::adapt::{Adapter, Emit, Input};
use crate::error::ExtractError;
use crate::schema::Direction::{self, HigherIsBetter, LowerIsBetter};

pub(super) const ADAPTER: Adapter = Adapter {
    name: "sysbench",
    formats: CONSOLE,
    detect,
    read,
};

static BANNER: LazyLock<Regex> = LazyLock::new(|| re(r"^\s*sysbench (\d+\.\d+(?:\.\d+)?)"));
static KEY_VALUE: LazyLock<Regex> = LazyLock::new(|| re(r"^(\s*)([A-Za-z0-9][^:]*?):\s*(.*?)\s*$"));
static PER_SEC: LazyLock<Regex> =
    LazyLock::new(|| re(r"^([\d.]+)\s*\(\s*([\d.]+)\s*(?:per sec(?:ond)?\.?|ops/sec)\s*\)$"));
static PAIR: LazyLock<Regex> = LazyLock::new(|| re(r"^([\d.]+)/([\d.]+)$"));
static VALUE_UNIT: LazyLock<Regex> = LazyLock::new(|| re(r"^(-?[\d.]+)\s*([A-Za-z/%]*)$"));
static TRANSFERRED: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^\s*([\d.]+) (MiB|MB|KiB|GiB) transferred \(([\d.]+) (?:MiB|MB|KiB|GiB)/sec\)")
});
/// 0.4's fileio summary: `Read 305.98Mb  Written 203.98Mb  Total
/// transferred 509.97Mb  (1.6996Mb/sec)`, sizes in binary multiples.
static FILEIO_TRANSFERRED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^\s*Read ([\d.]+)(b|Kb|Mb|Gb)\s+Written ([\d.]+)(b|Kb|Mb|Gb)\s+Total transferred ([\d.]+)(b|Kb|Mb|Gb)\s+\(([\d.]+)(b|Kb|Mb|Gb)/sec\)",
    )
});
static TOTAL_OPERATIONS: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s*Total operations: (\d+) \(\s*([\d.]+) per second\)"));
static REQUESTS_EXECUTED: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s*([\d.]+) Requests/sec executed"));
static OPERATIONS: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^\s*Operations performed:\s*(\d+) Read, (\d+) Write, (\d+) Other = (\d+) Total")
});

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| unreachable!("static regex {pattern}: {e}"))
}

fn detect(input: &Input<'_>) -> Option<&'static str> {
    let head = input.head();
    if !(head.contains("sysbench ") || head.contains("General statistics:")) {
        return None;
    }
    let banner = head.lines().any(|l| BANNER.is_match(l));
    let report = head.contains("General statistics:") && head.contains("total time:");
    let options = head.contains("Running the test with following options:")
        && head.contains("Number of threads:");
    (banner && (options || report) || report && head.contains("Latency (ms):"))
        .then_some("sysbench's banner, options and General statistics report")
}

struct Run {
    open: bool,
    /// Between `Running the test with following options:` and `Threads
    /// started!`: the test's settings.
    in_options: bool,
    /// Whether a result was read (a `prepare` run has none).
    has_results: bool,
    /// The section headers above the current line, by indentation.
    sections: Vec<(usize, String)>,
    test: Option<&'static str>,
}

fn read(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let mut run = Run {
        open: false,
        in_options: false,
        has_results: false,
        sections: Vec::new(),
        test: None,
    };
    let mut version: Option<String> = None;
    for line in input.text.lines() {
        if let Some(c) = BANNER.captures(line) {
            finish(&mut run, out)?;
            version = Some(c[1].to_owned());
            continue;
        }
        if line.contains("Running the test with following options:") {
            if run.has_results {
                finish(&mut run, out)?;
            }
            run.open = true;
            run.in_options = true;
            if let Some(v) = version.take() {
                out.dim("sysbench version", &v)?;
            }
            continue;
        }
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('[') {
            continue; // an interim report
        }
        if trimmed.starts_with("Threads started") {
            run.in_options = false;
            continue;
        }
        if let Some(v) = version.take() {
            // A banner without the options line (custom Lua scripts).
            run.open = true;
            out.dim("sysbench version", &v)?;
        }
        if !run.open {
            continue;
        }
        if let Some(test) = doing(trimmed) {
            run.test = Some(test);
        } else if run.in_options {
            option_line(line, &mut run, out)?;
        } else {
            report_line(line, &mut run, out)?;
        }
    }
    finish(&mut run, out)
}

fn finish(run: &mut Run, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    if run.open && run.has_results {
        out.dim("run", out.records() + 1)?;
        if let Some(test) = run.test.take() {
            out.dim("test", test)?;
        }
        out.end_record();
    } else if run.open {
        out.discard_record();
    }
    run.open = false;
    run.in_options = false;
    run.has_results = false;
    run.test = None;
    run.sections.clear();
    Ok(())
}

/// 0.4's `Doing CPU performance benchmark`-style lines name the test.
fn doing(line: &str) -> Option<&'static str> {
    if !line.starts_with("Doing ") {
        return None;
    }
    [
        ("CPU", "cpu"),
        ("memory", "memory"),
        ("OLTP", "oltp"),
        (" r/w ", "fileio"),
        ("read test", "fileio"),
        ("write test", "fileio"),
        ("mutex", "mutex"),
        ("thread", "threads"),
    ]
    .iter()
    .find(|(word, _)| line.contains(word))
    .map(|(_, test)| *test)
}

/// A setting of the test (`Number of threads: 8`, `operation: write`).
fn option_line(line: &str, run: &mut Run, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let Some(c) = KEY_VALUE.captures(line) else {
        return Ok(());
    };
    let (key, value) = (c[2].trim(), c[3].trim());
    // Log lines (`DEBUG: …`, `WARNING: …`) are not settings.
    if value.is_empty() || value.len() > 64 || key.chars().all(|c| !c.is_lowercase()) {
        return Ok(());
    }
    match key {
        "Prime numbers limit" => run.test = Some("cpu"),
        "Extra file open flags" => run.test = Some("fileio"),
        k if k.starts_with("Memory ") || k == "block size" => run.test = Some("memory"),
        _ => {}
    }
    let name = if key == "Number of threads" {
        "threads"
    } else {
        key
    };
    match value.parse::<i64>() {
        Ok(n) => out.dim(name, n),
        Err(_) => out.dim(name, value),
    }
}

/// sysbench 0.4's `b`/`Kb`/`Mb`/`Gb` (binary multiples of bytes) as the
/// usual byte units.
fn bytes_unit(printed: &str) -> &'static str {
    match printed {
        "Kb" => "KB",
        "Mb" => "MB",
        "Gb" => "GB",
        _ => "B",
    }
}

/// `total time` → `total_time`, `reads/s` stays, `read, MiB/s` → `read_MiB/s`.
fn snake(key: &str) -> String {
    let mut name = String::with_capacity(key.len());
    for c in key.trim().chars() {
        if c.is_alphanumeric() || c == '/' {
            name.push(c);
        } else if !name.ends_with('_') {
            name.push('_');
        }
    }
    name.trim_matches('_').to_owned()
}

fn report_line(line: &str, run: &mut Run, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    if let Some(c) = TRANSFERRED.captures(line) {
        run.has_results = true;
        run.test = Some("memory");
        for (name, value, unit) in [
            ("transferred", &c[1], c[2].to_owned()),
            ("transferred_per_sec", &c[3], format!("{}/s", &c[2])),
        ] {
            emit(out, name, value, Some(&unit), Some(HigherIsBetter))?;
        }
        return Ok(());
    }
    if let Some(c) = FILEIO_TRANSFERRED.captures(line) {
        run.has_results = true;
        run.test.get_or_insert("fileio");
        for (name, value, unit) in [
            ("read", &c[1], bytes_unit(&c[2])),
            ("written", &c[3], bytes_unit(&c[4])),
            ("transferred", &c[5], bytes_unit(&c[6])),
        ] {
            emit(out, name, value, Some(unit), None)?;
        }
        let per_sec = format!("{}/s", bytes_unit(&c[8]));
        return emit(
            out,
            "transferred_per_sec",
            &c[7],
            Some(&per_sec),
            Some(HigherIsBetter),
        );
    }
    if let Some(c) = TOTAL_OPERATIONS.captures(line) {
        run.has_results = true;
        emit(out, "total_operations", &c[1], None, None)?;
        return emit(
            out,
            "total_operations_per_second",
            &c[2],
            None,
            Some(HigherIsBetter),
        );
    }
    if let Some(c) = REQUESTS_EXECUTED.captures(line) {
        run.has_results = true;
        return emit(out, "Requests/sec", &c[1], None, Some(HigherIsBetter));
    }
    if let Some(c) = OPERATIONS.captures(line) {
        run.has_results = true;
        for (i, kind) in ["read", "write", "other", "total"].iter().enumerate() {
            emit(out, &format!("operations_{kind}"), &c[i + 1], None, None)?;
        }
        return Ok(());
    }
    let Some(c) = KEY_VALUE.captures(line) else {
        return Ok(());
    };
    let indent = c[1].len();
    let (key, value) = (c[2].trim(), &c[3]);
    if key.chars().all(|c| !c.is_lowercase()) {
        return Ok(()); // `FATAL: …`, `WARNING: …`
    }
    while run.sections.last().is_some_and(|(i, _)| *i >= indent) {
        run.sections.pop();
    }
    if value.is_empty() {
        match key {
            "CPU speed" => run.test = Some("cpu"),
            "File operations" => run.test = Some("fileio"),
            "SQL statistics" | "OLTP test statistics" => run.test = Some("oltp"),
            _ => {}
        }
        run.sections.push((indent, key.to_owned()));
        return Ok(());
    }
    if key.starts_with("Maximum prime number checked") {
        run.test = Some("cpu");
        if let Ok(n) = value.trim().parse::<i64>() {
            out.dim(key, n)?;
        }
        return Ok(());
    }
    let section = run.sections.last().map(|(_, s)| s.as_str()).unwrap_or("");
    if value_line(key, value, section, out)? {
        run.has_results = true;
    }
    Ok(())
}

/// The metric name of a result line: latency lines under their block.
fn metric_name(key: &str, latency: bool) -> String {
    if !latency {
        return snake(key);
    }
    if key.contains("percentile") {
        let n: String = key.chars().filter(char::is_ascii_digit).collect();
        format!("latency_{n}th_percentile")
    } else {
        format!("latency_{}", snake(key))
    }
}

/// One `key: value` result line; whether it gave a metric.
fn value_line(
    key: &str,
    value: &str,
    section: &str,
    out: &mut Emit<'_>,
) -> Result<bool, ExtractError> {
    let latency = section.starts_with("Latency")
        || section == "response time"
        || section == "per-request statistics";
    let name = metric_name(key, latency);
    if let Some(c) = PER_SEC.captures(value) {
        let direction = direction_of(&name);
        emit(out, &name, &c[1], None, direction)?;
        emit(out, &format!("{name}_per_sec"), &c[2], None, direction)?;
        return Ok(true);
    }
    if let Some(c) = PAIR.captures(value) {
        // `events (avg/stddev)`, `execution time (avg/stddev)`.
        let base = snake(key.split('(').next().unwrap_or(key));
        let unit = base.contains("time").then_some("s");
        emit(out, &format!("{base}_avg"), &c[1], unit, None)?;
        emit(out, &format!("{base}_stddev"), &c[2], unit, None)?;
        return Ok(true);
    }
    let Some(c) = VALUE_UNIT.captures(value) else {
        return Ok(false);
    };
    let (number, suffix) = (&c[1], &c[2]);
    if latency {
        let suffix = if suffix.is_empty() { "ms" } else { suffix };
        let Some(ms) = text::time_ms(&format!("{number}{suffix}")) else {
            return Ok(false);
        };
        let direction = (!name.ends_with("sum")).then_some(LowerIsBetter);
        out.metric_with(&name, ms, Some("ms"), direction)?;
        return Ok(true);
    }
    let unit = match suffix {
        // 0.4 prints `total time taken by event execution: 46.1087`.
        "" if name.contains("time") => Some("s"),
        "" => None,
        other => Some(other),
    };
    emit(out, &name, number, unit, direction_of(&name))?;
    Ok(text::number(number).is_some())
}

fn direction_of(name: &str) -> Option<Direction> {
    if name.contains("error") || name.contains("reconnect") || name.contains("deadlock") {
        Some(LowerIsBetter)
    } else if name.ends_with("/s")
        || name.ends_with("per_second")
        || name.starts_with("transactions")
        || name.starts_with("queries")
    {
        Some(HigherIsBetter)
    } else {
        None
    }
}

fn emit(
    out: &mut Emit<'_>,
    name: &str,
    raw: &str,
    unit: Option<&str>,
    direction: Option<Direction>,
) -> Result<(), ExtractError> {
    match text::number(raw) {
        Some(v) => out.metric_with(name, v, unit, direction),
        None => Ok(()),
    }
}
