//! github-action-benchmark's history page, `data.js`:
//! `window.BENCHMARK_DATA = {"lastUpdate", "repoUrl", "entries": {suite:
//! [{commit, date, tool, benches: [{name, value, unit, range?, extra?}]}]}}`
//! (or the same JSON without the assignment, as `external-data-json-path`
//! writes it). One record per suite × run × bench.
//!
//! A page mixes units freely (a Go run writes `ns/op`, `B/op` and
//! `allocs/op` benches, a custom suite `ops/sec` beside `ms`), so `value`
//! stays as written with its `unit` as a dimension; see the family doc.
//! Older Go runs packed every measure into one unit string (`ns/op\t 39461
//! B/op\t 1041 allocs/op`): the first word is the value's unit and each
//! further `number unit` pair becomes a metric named by its unit.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

use super::{Adapter, agreement, canonical_unit, put, regex, shared, unit_direction};
use crate::adapt::{Emit, Input};
use crate::error::ExtractError;
use crate::format::Format;
use crate::schema::Direction;

pub(crate) const ADAPTER: Adapter = Adapter {
    name: "github-action-benchmark",
    formats: &[Format::Json],
    detect,
    read,
};

/// `key: 12.5 unit` (pytest's `mean: 1.04 msec`, Google Benchmark's `cpu:
/// 7154.041 ns`, a range's `stddev: 0.0002`) or `key=12.5` (Julia's
/// `gctime=0`).
static KEY_NUMBER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    regex(
        r"^\s*([A-Za-z][\w .-]*?)\s*[:=]\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(\S*)\s*$",
    )
});

/// `395805 times`, `2 procs`, `224 samples` (Go and Benchmark.js extras).
static NUMBER_WORD: LazyLock<Option<Regex>> =
    LazyLock::new(|| regex(r"^\s*([-+]?\d+(?:\.\d+)?)\s+([A-Za-z][\w-]*)\s*$"));

/// `± 133045`, `±1.99%`, `+- 0.4` (the spread cargo, Benchmark.js and
/// BenchmarkDotNet runs print).
static PLUS_MINUS: LazyLock<Option<Regex>> = LazyLock::new(|| {
    regex(r"^\s*(?:±|\+-|\+/-)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(%?)\s*$")
});

/// A run: `{commit?, date?, tool?, benches: [...]}`.
fn is_run(v: &Value) -> bool {
    v.get("benches").is_some_and(Value::is_array)
}

fn suites(root: &Value) -> Option<&Map<String, Value>> {
    let entries = root.get("entries")?.as_object()?;
    let runs_everywhere = entries
        .values()
        .all(|runs| runs.as_array().is_some_and(|r| r.iter().all(is_run)));
    (!entries.is_empty() && runs_everywhere).then_some(entries)
}

fn detect(input: &Input<'_>) -> Option<&'static str> {
    let head = input.head();
    if !(head.contains("\"entries\"") && head.contains("\"benches\"")) {
        return None;
    }
    suites(input.json()?)
        .map(|_| "an `entries` map of suites to runs with `benches` (github-action-benchmark)")
}

/// One bench as the page holds it, with what its unit string says.
struct Bench<'a> {
    name: &'a str,
    value: Option<f64>,
    /// The value's own unit (the first word of a packed Go unit string).
    unit: Option<&'a str>,
    /// Further `number unit` pairs of a packed Go unit string.
    packed: Vec<(f64, &'a str)>,
    direction: Option<Direction>,
}

fn bench<'a>(b: &'a Value, tool: Option<&str>) -> Option<Bench<'a>> {
    let name = b.get("name")?.as_str()?;
    let value = b.get("value").and_then(Value::as_f64);
    let raw_unit = b.get("unit").and_then(Value::as_str).map(str::trim);
    let mut words = raw_unit.into_iter().flat_map(str::split_whitespace);
    let unit = words.next();
    let rest: Vec<&str> = words.collect();
    let packed = rest
        .chunks(2)
        .filter_map(|pair| match pair {
            [n, u] => n.parse::<f64>().ok().map(|n| (n, *u)),
            _ => None,
        })
        .collect();
    let direction = match tool {
        Some("customSmallerIsBetter") => Some(Direction::LowerIsBetter),
        Some("customBiggerIsBetter") => Some(Direction::HigherIsBetter),
        _ => unit.and_then(unit_direction),
    };
    Some(Bench {
        name,
        value,
        unit,
        packed,
        direction,
    })
}

fn runs(suites: &Map<String, Value>) -> impl Iterator<Item = (&String, &Value)> {
    suites.iter().flat_map(|(suite, runs)| {
        runs.as_array()
            .into_iter()
            .flatten()
            .map(move |r| (suite, r))
    })
}

fn read(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let Some(root) = input.json() else {
        return Ok(());
    };
    let Some(suites) = suites(root) else {
        return Ok(());
    };
    let all = || {
        runs(suites).flat_map(|(_, run)| {
            let tool = run.get("tool").and_then(Value::as_str);
            run["benches"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(move |b| bench(b, tool))
        })
    };
    let value_unit = shared(all().map(|b| b.unit));
    let value_direction = agreement(all().map(|b| b.direction));
    let repo = root.get("repoUrl").and_then(Value::as_str);
    for (suite, run) in runs(suites) {
        let tool = run.get("tool").and_then(Value::as_str);
        for raw in run["benches"].as_array().into_iter().flatten() {
            let Some(b) = bench(raw, tool) else {
                out.warn(format!("suite {suite}: a bench without a name, skipped"));
                continue;
            };
            out.dim("suite", suite)?;
            out.dim("name", b.name)?;
            run_dims(run, repo, out)?;
            if let Some(unit) = b.unit {
                out.dim("unit", unit)?;
            }
            if let Some(v) = b.value {
                put(out, "value", v, value_unit, value_direction)?;
            }
            for (n, unit) in &b.packed {
                out.metric(unit, *n, None)?;
            }
            if let Some(range) = raw.get("range").and_then(Value::as_str) {
                range_fields(range, value_unit, out)?;
            }
            if let Some(extra) = raw.get("extra").and_then(Value::as_str) {
                extra_fields(extra, out)?;
            }
            out.end_record();
        }
    }
    Ok(())
}

/// What identifies the run: the commit, when it ran, the tool.
fn run_dims(run: &Value, repo: Option<&str>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let commit = run.get("commit");
    let commit_str = |k: &str| commit.and_then(|c| c.get(k)).and_then(Value::as_str);
    if let Some(id) = commit_str("id") {
        out.dim("commit.id", id)?;
    }
    if let Some(ts) = commit_str("timestamp") {
        out.dim("commit.timestamp", ts)?;
    }
    match run.get("date") {
        Some(Value::Number(n)) => match n.as_i64() {
            Some(i) => out.dim("date", i)?,
            None => out.dim("date", n.as_f64().unwrap_or(f64::NAN))?,
        },
        Some(Value::String(s)) => out.dim("date", s)?,
        _ => {}
    }
    if let Some(tool) = run.get("tool").and_then(Value::as_str) {
        out.dim("tool", tool)?;
    }
    // Some forks title each run (`"title": "[Ext2] sequential writes"`).
    if let Some(title) = run.get("title").and_then(Value::as_str) {
        out.dim("title", title)?;
    }
    if let Some(repo) = repo {
        out.dim("repoUrl", repo)?;
    }
    Ok(())
}

/// `range`: `± 133045` is the spread in the value's unit (`%` when it says
/// so), `stddev: 0.0002` a named number; anything else stays text.
fn range_fields(
    range: &str,
    value_unit: Option<&str>,
    out: &mut Emit<'_>,
) -> Result<(), ExtractError> {
    if let Some(c) = PLUS_MINUS.as_ref().and_then(|r| r.captures(range)) {
        let unit = if c[2].is_empty() {
            value_unit
        } else {
            Some("%")
        };
        if let Ok(v) = c[1].parse::<f64>() {
            return out.metric("range", v, unit);
        }
    }
    if let Some(c) = KEY_NUMBER.as_ref().and_then(|r| r.captures(range))
        && let Ok(v) = c[2].parse::<f64>()
    {
        return out.metric(c[1].trim(), v, unit_of(&c[3]));
    }
    if range.trim().is_empty() {
        return Ok(());
    }
    out.dim("range", range)
}

fn unit_of(raw: &str) -> Option<&str> {
    (!raw.is_empty()).then(|| canonical_unit(raw))
}

/// `extra`: one measure a line or `; `-separated piece (`mean: 1.04 msec`,
/// `rounds: 510`, `395805 times`, `2 procs`, `Results: 0; HTTP Requests:
/// 0`); `threads` and `procs` are settings. Text
/// that holds no such line is kept whole as the `extra` dimension.
fn extra_fields(extra: &str, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let mut any = false;
    let pieces = extra.lines().flat_map(|l| l.split("; "));
    for line in pieces.filter(|l| !l.trim().is_empty()) {
        let (key, value, unit) = if let Some(c) = KEY_NUMBER.as_ref().and_then(|r| r.captures(line))
        {
            (
                c.get(1),
                c.get(2),
                c.get(3).map(|m| m.as_str()).and_then(unit_of),
            )
        } else if let Some(c) = NUMBER_WORD.as_ref().and_then(|r| r.captures(line)) {
            (c.get(2), c.get(1), None)
        } else {
            continue;
        };
        let (Some(key), Some(Ok(value))) = (
            key.map(|k| k.as_str().trim()),
            value.map(|v| v.as_str().parse::<f64>()),
        ) else {
            continue;
        };
        any = true;
        if matches!(key, "threads" | "procs") {
            if value.fract() == 0.0 && value.abs() < 1e15 {
                out.dim(key, value as i64)?;
            } else {
                out.dim(key, value)?;
            }
        } else {
            out.metric(key, value, unit)?;
        }
    }
    if !any && !extra.trim().is_empty() {
        out.dim("extra", extra.trim())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_compile() {
        assert!(KEY_NUMBER.is_some() && NUMBER_WORD.is_some() && PLUS_MINUS.is_some());
    }
}
