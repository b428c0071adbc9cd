//! wrk and wrk2 console output. Each `Running 30s test @ URL` starts one run
//! (a file may hold several): one record per run with `url`, `threads`,
//! `connections`, `duration` (as printed: `30s`, `2m`) and, when the `wrk`
//! command line above it sets one, wrk2's `rate`. wrk prints each latency in
//! the unit that suits it (`635.91us`, `0.89ms`, `1.30s` in one row), so
//! every latency is converted to milliseconds; `Req/Sec` suffixes (`56.20k`)
//! are expanded; `read` and `Transfer/sec` keep the first run's byte unit.

use std::sync::LazyLock;

use regex::Regex;

use super::text::{self, CONSOLE};
use crate::adapt::{Adapter, Emit, Input};
use crate::error::ExtractError;
use crate::schema::Direction::{self, HigherIsBetter, LowerIsBetter};

pub(super) const ADAPTER: Adapter = Adapter {
    name: "wrk",
    formats: CONSOLE,
    detect,
    read,
};

static RUN: LazyLock<Regex> = LazyLock::new(|| re(r"^\s*Running ([\d.]+[smhd]?) test @ (\S+)"));
static THREADS: LazyLock<Regex> = LazyLock::new(|| re(r"^\s*(\d+) threads and (\d+) connections"));
static STATS_ROW: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s*(Latency|Req/Sec)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*$"));
static PERCENTILE: LazyLock<Regex> = LazyLock::new(|| re(r"^\s*(\d+(?:\.\d+)?)%\s+(\S+)\s*$"));
static HDR: LazyLock<Regex> =
    LazyLock::new(|| re(r"#\[(\w[\w ]*?)\s*=\s*([-\d.]+),\s*(\w[\w ]*?)\s*=\s*([-\d.]+)\]"));
static REQUESTS: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s*([\d,]+) requests in ([^,\s]+), (\S+) read"));
static SOCKET: LazyLock<Regex> =
    LazyLock::new(|| re(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)"));
static NON_2XX: LazyLock<Regex> = LazyLock::new(|| re(r"Non-2xx or 3xx responses: (\d+)"));
static PER_SEC: LazyLock<Regex> = LazyLock::new(|| re(r"^\s*(Requests/sec|Transfer/sec):\s+(\S+)"));
static COMMAND: LazyLock<Regex> = LazyLock::new(|| re(r"(?:^|[\s/$>])wrk2?\s+-"));
static RATE: LazyLock<Regex> = LazyLock::new(|| re(r"(?:\s-R\s*|\s--rate[= ]\s*)(\d+)"));

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| unreachable!("static regex {pattern}: {e}"))
}

fn detect(input: &Input<'_>) -> Option<&'static str> {
    let head = input.head();
    if !head.contains(" test @ ") {
        return None;
    }
    let run = head.lines().any(|l| RUN.is_match(l));
    (run && (head.contains("Thread Stats") || head.contains(" threads and ")))
        .then_some("`Running … test @ URL` runs with wrk's Thread Stats table")
}

/// Where in a run's output a line is.
#[derive(Clone, Copy, PartialEq)]
enum Section {
    Other,
    ThreadStats,
    /// A latency distribution; `true` for wrk2's uncorrected one.
    Distribution(bool),
    Spectrum(bool),
}

/// The file-wide byte units of `read` and `Transfer/sec`.
#[derive(Default)]
struct Units {
    read: Option<String>,
    transfer: Option<String>,
}

fn read(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let mut in_run = false;
    // Whether the run printed results (a run cut short prints none).
    let mut has_results = false;
    let mut section = Section::Other;
    let mut rate: Option<i64> = None;
    let mut units = Units::default();
    for line in input.text.lines() {
        if let Some(c) = RUN.captures(line) {
            if in_run {
                finish(has_results, out);
            }
            in_run = true;
            has_results = false;
            section = Section::Other;
            out.dim("run", out.records() + 1)?;
            out.dim("url", &c[2])?;
            out.dim("duration", &c[1])?;
            if let Some(r) = rate.take() {
                out.dim("rate", r)?;
            }
            continue;
        }
        if COMMAND.is_match(line) {
            rate = RATE.captures(line).and_then(|c| c[1].parse::<i64>().ok());
            continue;
        }
        if !in_run {
            continue;
        }
        has_results |= STATS_ROW.is_match(line)
            || REQUESTS.is_match(line)
            || PER_SEC.is_match(line)
            || PERCENTILE.is_match(line);
        section = run_line(line, section, &mut units, out)?;
    }
    if in_run {
        finish(has_results, out);
    }
    Ok(())
}

fn finish(has_results: bool, out: &mut Emit<'_>) {
    if has_results {
        out.end_record();
    } else {
        out.discard_record();
    }
}

/// Reads one line of a run; returns the section the next line is in.
fn run_line(
    line: &str,
    section: Section,
    units: &mut Units,
    out: &mut Emit<'_>,
) -> Result<Section, ExtractError> {
    let trimmed = line.trim();
    if let Some(c) = THREADS.captures(line) {
        out.dim("threads", c[1].parse::<i64>().unwrap_or_default())?;
        out.dim("connections", c[2].parse::<i64>().unwrap_or_default())?;
        return Ok(section);
    }
    if trimmed.starts_with("Thread Stats") {
        return Ok(Section::ThreadStats);
    }
    if trimmed.contains("Latency Distribution") || trimmed.starts_with("Uncorrected Latency") {
        return Ok(Section::Distribution(trimmed.contains("Uncorrected")));
    }
    if trimmed.starts_with("Detailed Percentile spectrum") {
        let uncorrected = matches!(
            section,
            Section::Distribution(true) | Section::Spectrum(true)
        );
        return Ok(Section::Spectrum(uncorrected));
    }
    if let Some(c) = STATS_ROW.captures(line)
        && section == Section::ThreadStats
    {
        stats_row(&c, out)?;
        return Ok(section);
    }
    if let Section::Distribution(uncorrected) = section
        && let Some(c) = PERCENTILE.captures(line)
    {
        let prefix = if uncorrected {
            "uncorrected_latency"
        } else {
            "latency"
        };
        let name = format!("{prefix}_p{}", text::percentile_name(&c[1]));
        if let Some(ms) = text::time_ms(&c[2]) {
            out.metric_dir(&name, ms, Some("ms"), LowerIsBetter)?;
        }
        return Ok(section);
    }
    if let Section::Spectrum(uncorrected) = section
        && trimmed.starts_with("#[")
    {
        for c in HDR.captures_iter(trimmed) {
            for (key, value) in [(&c[1], &c[2]), (&c[3], &c[4])] {
                hdr_value(key, value, uncorrected, out)?;
            }
        }
        return Ok(section);
    }
    if let Some(c) = REQUESTS.captures(line) {
        if let Some(n) = text::number(&c[1]) {
            out.metric_dir("requests", n, None, HigherIsBetter)?;
        }
        if let Some(ms) = text::time_ms(&c[2]) {
            out.metric("time", ms / 1e3, Some("s"))?;
        }
        bytes(&c[3], "read", &mut units.read, None, out)?;
        return Ok(Section::Other);
    }
    if let Some(c) = SOCKET.captures(line) {
        for (i, kind) in ["connect", "read", "write", "timeout"].iter().enumerate() {
            if let Some(n) = text::number(&c[i + 1]) {
                let name = format!("socket_errors_{kind}");
                out.metric_dir(&name, n, None, LowerIsBetter)?;
            }
        }
        return Ok(Section::Other);
    }
    if let Some(c) = NON_2XX.captures(line) {
        if let Some(n) = text::number(&c[1]) {
            out.metric_dir("non_2xx_3xx_responses", n, None, LowerIsBetter)?;
        }
        return Ok(Section::Other);
    }
    if let Some(c) = PER_SEC.captures(line) {
        if &c[1] == "Requests/sec" {
            if let Some(n) = text::number(&c[2]) {
                out.metric_dir("Requests/sec", n, Some("req/s"), HigherIsBetter)?;
            }
        } else {
            bytes(
                &c[2],
                "Transfer/sec",
                &mut units.transfer,
                Some(HigherIsBetter),
                out,
            )?;
        }
        return Ok(Section::Other);
    }
    // A blank line ends a distribution table, not a spectrum.
    Ok(match section {
        Section::Distribution(_) if !trimmed.is_empty() => Section::Other,
        other => other,
    })
}

/// `Latency 635.91us 0.89ms 12.92ms 93.69%` or `Req/Sec 56.20k 8.07k …`.
fn stats_row(c: &regex::Captures<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let latency = &c[1] == "Latency";
    let (prefix, unit, direction) = if latency {
        ("latency", "ms", LowerIsBetter)
    } else {
        ("req_sec", "req/s", HigherIsBetter)
    };
    let parse = |s: &str| {
        if latency {
            text::time_ms(s)
        } else {
            text::metric_count(s)
        }
    };
    for (i, stat) in ["avg", "stdev", "max"].iter().enumerate() {
        if let Some(v) = parse(&c[i + 2]) {
            let name = format!("{prefix}_{stat}");
            if *stat == "stdev" {
                out.metric(&name, v, Some(unit))?;
            } else {
                out.metric_dir(&name, v, Some(unit), direction)?;
            }
        }
    }
    if let Some(v) = text::number(c[5].trim_end_matches('%')) {
        out.metric(&format!("{prefix}_within_stdev"), v, Some("%"))?;
    }
    Ok(())
}

/// wrk2's `#[Mean = 0.652, StdDeviation = 0.307]` lines (milliseconds).
fn hdr_value(
    key: &str,
    value: &str,
    uncorrected: bool,
    out: &mut Emit<'_>,
) -> Result<(), ExtractError> {
    let Some(v) = text::number(value) else {
        return Ok(());
    };
    let name = if uncorrected {
        format!("uncorrected {key}")
    } else {
        key.to_owned()
    };
    match key {
        "Mean" | "Max" => out.metric_dir(&name, v, Some("ms"), LowerIsBetter),
        "StdDeviation" => out.metric(&name, v, Some("ms")),
        "Total count" => out.metric(&name, v, None),
        // Buckets and SubBuckets describe the histogram, not the run.
        _ => Ok(()),
    }
}

/// A byte amount in the first unit this field was seen in.
fn bytes(
    raw: &str,
    name: &str,
    file_unit: &mut Option<String>,
    direction: Option<Direction>,
    out: &mut Emit<'_>,
) -> Result<(), ExtractError> {
    let Some((value, unit)) = text::size(raw) else {
        return Ok(());
    };
    let target = file_unit.get_or_insert_with(|| unit.to_owned()).clone();
    let value = value * text::size_factor(unit, &target).unwrap_or(1.0);
    let shown = if name == "Transfer/sec" {
        format!("{target}/s")
    } else {
        target
    };
    match direction {
        Some(d) => out.metric_dir(name, value, Some(&shown), d),
        None => out.metric(name, value, Some(&shown)),
    }
}
