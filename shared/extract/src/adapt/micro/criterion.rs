//! Criterion.rs, three ways.
//!
//! - cargo-criterion's `--message-format=json` (JSON Lines, or one message
//!   pretty-printed): each `{"reason": "benchmark-complete", id, unit,
//!   typical, mean, median, median_abs_dev, slope, change, throughput}` is a
//!   record; `id` is the case; each statistic's `estimate`, `lower_bound`,
//!   `upper_bound` are metrics named by path (`mean.estimate`) in the
//!   statistic's unit; `change.*` in `%`. Other messages (`group-complete`)
//!   are skipped.
//! - `target/criterion/<id>/new/estimates.json`: `{mean: {point_estimate,
//!   standard_error, confidence_interval: {lower_bound, upper_bound}},
//!   median, median_abs_dev, slope, std_dev}` in ns. The file names no
//!   case; `benchmark` comes from the path when it has that layout.
//!   `change/estimates.json` holds relative changes (no unit).
//! - Console: `<id>  time: [lower estimate upper]` (the id may be on the
//!   line above), optional `thrpt: […]`, `change: [… % …] (p = 0.01 <
//!   0.05)` and `Found N outliers`. Metrics `time`,
//!   `time_lower_bound`, `time_upper_bound`, the same for `thrpt` (better
//!   higher) and `change` (`%`), `p_value`, `outliers`. Values are converted
//!   to the unit each field was first printed in.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::{Pins, number, pattern, prefix_size, time_unit_size};
use crate::adapt::{Adapter, Emit, Input};
use crate::error::ExtractError;
use crate::format::Format;
use crate::schema::Direction;

pub(super) const MESSAGES: Adapter = Adapter {
    name: "cargo-criterion-json",
    formats: &[Format::Jsonl, Format::Json],
    detect: detect_messages,
    read: read_messages,
};

pub(super) const ESTIMATES: Adapter = Adapter {
    name: "criterion-estimates",
    formats: &[Format::Json],
    detect: detect_estimates,
    read: read_estimates,
};

pub(super) const CONSOLE: Adapter = Adapter {
    name: "criterion-console",
    formats: &[Format::Text, Format::Csv, Format::Tsv, Format::Markdown],
    detect: detect_console,
    read: read_console,
};

/// The statistics Criterion estimates, in the order it writes them.
const STATISTICS: &[&str] = &[
    "typical",
    "mean",
    "median",
    "median_abs_dev",
    "slope",
    "std_dev",
];

fn detect_messages(input: &Input<'_>) -> Option<&'static str> {
    let head = input.head();
    (head.contains("\"reason\"") && head.contains("benchmark-complete"))
        .then_some("cargo-criterion {\"reason\": \"benchmark-complete\"} messages")
}

fn read_messages(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    if input.format == Format::Json {
        match input.json() {
            Some(Value::Array(messages)) => {
                for m in messages {
                    message(out, m)?;
                }
            }
            Some(m) => message(out, m)?,
            None => {}
        }
        return Ok(());
    }
    for m in input.json_lines().flatten() {
        message(out, &m)?;
    }
    Ok(())
}

fn message(out: &mut Emit<'_>, m: &Value) -> Result<(), ExtractError> {
    if m.get("reason").and_then(Value::as_str) != Some("benchmark-complete") {
        return Ok(());
    }
    if let Some(id) = m.get("id") {
        out.dim_json("id", id)?;
    }
    let unit = m.get("unit").and_then(Value::as_str);
    for stat in STATISTICS {
        if let Some(s) = m.get(*stat) {
            bounds(out, stat, s, unit, Direction::LowerIsBetter)?;
        }
    }
    if let Some(change) = m.get("change").and_then(Value::as_object) {
        for (stat, s) in change {
            if s.is_object() {
                bounds(
                    out,
                    &format!("change.{stat}"),
                    s,
                    Some("%"),
                    Direction::LowerIsBetter,
                )?;
            }
        }
    }
    if let Some(t) = m
        .get("throughput")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
    {
        for key in ["per_iteration", "unit"] {
            if let Some(v) = t.get(key) {
                out.dim_json(&format!("throughput.{key}"), v)?;
            }
        }
    }
    out.end_record();
    Ok(())
}

/// `{estimate, lower_bound, upper_bound, unit}` as `<stat>.estimate`…
fn bounds(
    out: &mut Emit<'_>,
    stat: &str,
    s: &Value,
    unit: Option<&str>,
    direction: Direction,
) -> Result<(), ExtractError> {
    let unit = s.get("unit").and_then(Value::as_str).or(unit);
    for key in ["estimate", "lower_bound", "upper_bound"] {
        if let Some(v) = s.get(key).and_then(Value::as_f64) {
            out.metric_dir(&format!("{stat}.{key}"), v, unit, direction)?;
        }
    }
    Ok(())
}

fn is_estimates(root: &Value) -> bool {
    root.as_object().is_some_and(|m| {
        m.get("mean")
            .is_some_and(|s| s.get("point_estimate").is_some())
            && m.values()
                .all(|s| s.get("point_estimate").is_some() || s.is_null())
    })
}

fn detect_estimates(input: &Input<'_>) -> Option<&'static str> {
    let head = input.head();
    if !(head.contains("\"point_estimate\"") && head.contains("\"mean\"")) {
        return None;
    }
    is_estimates(input.json()?).then_some("Criterion estimates {mean: {point_estimate, …}}")
}

/// `…/criterion/<id>/new/estimates.json` → `<id>` (`group/function/param`).
fn case_from_path(path: &str) -> Option<&str> {
    let path = path.strip_suffix("/estimates.json")?;
    let (rest, _) = path.rsplit_once('/')?;
    let start = rest
        .rfind("criterion/")
        .map_or(0, |i| i + "criterion/".len());
    Some(&rest[start..]).filter(|s| !s.is_empty())
}

fn read_estimates(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let Some(root) = input.json().filter(|r| is_estimates(r)) else {
        return Ok(());
    };
    let path = input.path.replace('\\', "/");
    if let Some(case) = case_from_path(&path) {
        out.dim("benchmark", case)?;
    }
    let relative = path.contains("/change/") || path.starts_with("change/");
    let unit = (!relative).then_some("ns");
    for (stat, s) in root.as_object().into_iter().flatten() {
        let mut metric = |name: String, v: Option<f64>| match v {
            Some(v) => out.metric_dir(&name, v, unit, Direction::LowerIsBetter),
            None => Ok(()),
        };
        metric(
            format!("{stat}.point_estimate"),
            s["point_estimate"].as_f64(),
        )?;
        metric(
            format!("{stat}.standard_error"),
            s["standard_error"].as_f64(),
        )?;
        let ci = &s["confidence_interval"];
        for b in ["lower_bound", "upper_bound"] {
            metric(format!("{stat}.confidence_interval.{b}"), ci[b].as_f64())?;
        }
    }
    out.end_record();
    Ok(())
}

/// `[lower estimate upper]`, each a number and a unit.
pub(super) static TRIPLE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    pattern(
        r"^(?P<name>.*?)\s*(?P<kind>time|thrpt|change):\s+\[(?P<a>[-+]?[\d.]+(?:e[-+]?\d+)?)\s*(?P<au>\S*)\s+(?P<b>[-+]?[\d.]+(?:e[-+]?\d+)?)\s*(?P<bu>\S*)\s+(?P<c>[-+]?[\d.]+(?:e[-+]?\d+)?)\s*(?P<cu>[^\s\]]*)\s*\](?:\s*\(p = (?P<p>[\d.]+)\s*[<>]\s*[\d.]+\))?",
    )
});
pub(super) static OUTLIERS: LazyLock<Option<Regex>> =
    LazyLock::new(|| pattern(r"^Found (?P<n>\d+) outliers among (?P<m>\d+) measurements"));

fn triple(line: &str) -> Option<regex::Captures<'_>> {
    TRIPLE.as_ref()?.captures(line)
}

fn detect_console(input: &Input<'_>) -> Option<&'static str> {
    if !input.head().contains("time:") {
        return None;
    }
    input
        .head_lines(200)
        .any(|l| triple(l).is_some_and(|c| &c["kind"] == "time"))
        .then_some("Criterion `time: [lower estimate upper]` lines")
}

/// The size of a throughput unit (`Kelem/s`, `MiB/s`, `GB/s`) in base units.
fn rate_size(unit: &str) -> Option<f64> {
    let stem = unit.strip_suffix("/s")?;
    let prefix = stem
        .strip_suffix("elem")
        .or_else(|| stem.strip_suffix('B'))?;
    prefix_size(prefix)
}

fn read_console(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let mut pins = Pins::default();
    let mut pending: Option<&str> = None;
    let mut open = false;
    // After `change:` alone, the indented `time:`/`thrpt:` lines are changes.
    let mut in_change = false;
    for line in input.text.lines() {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(c) = triple(t) {
            let kind = &c["kind"];
            let percent = &c["bu"] == "%";
            let name = c["name"].trim();
            if kind == "time" && !percent {
                if open {
                    out.end_record();
                }
                let Some(case) = Some(name).filter(|n| !n.is_empty()).or(pending) else {
                    open = false;
                    continue;
                };
                out.dim("name", case)?;
                open = true;
                in_change = false;
            }
            if !open {
                continue;
            }
            let field = if percent && (kind != "change") {
                if in_change {
                    format!("change.{kind}")
                } else {
                    continue;
                }
            } else {
                kind.to_owned()
            };
            let direction = match kind {
                "thrpt" if !percent => Direction::HigherIsBetter,
                _ => Direction::LowerIsBetter,
            };
            for (suffix, v, u) in [
                ("_lower_bound", "a", "au"),
                ("", "b", "bu"),
                ("_upper_bound", "c", "cu"),
            ] {
                let Some(value) = number(&c[v]) else {
                    continue;
                };
                let unit = &c[u];
                let size = if percent {
                    Some(1.0)
                } else {
                    time_unit_size(unit).or_else(|| rate_size(unit))
                };
                pins.metric(
                    out,
                    &format!("{field}{suffix}"),
                    value,
                    unit,
                    size,
                    Some(direction),
                )?;
            }
            if let Some(p) = c.name("p").and_then(|p| number(p.as_str())) {
                out.metric("p_value", p, None)?;
            }
            pending = None;
            continue;
        }
        if t == "change:" {
            in_change = true;
            continue;
        }
        if let Some(c) = OUTLIERS.as_ref().and_then(|re| re.captures(t)) {
            if open && let Some(n) = number(&c["n"]) {
                out.metric("outliers", n, None)?;
            }
            continue;
        }
        // A long id is printed on its own line above `time:`.
        if !t.starts_with("Benchmarking ") && !line.starts_with(' ') {
            pending = Some(t);
        }
    }
    if open {
        out.end_record();
    }
    Ok(())
}
