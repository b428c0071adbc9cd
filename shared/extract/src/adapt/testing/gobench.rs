//! Go `testing` benchmarks: the text `go test -bench` prints and the same
//! text inside `go test -json` (test2json) output events.
//!
//! The line grammar is Go's benchmark format (golang.org/x/perf benchfmt):
//! a result line is `<name> <iterations> <value> <unit> [<value> <unit>…]`,
//! fields separated by white space, the name starting with `Benchmark` not
//! followed by a lower-case letter. A `key: value` line whose key starts
//! lower-case and holds no space or upper-case letter (`goos: linux`,
//! `pkg: example.com/x`, `cpu: …`) configures the results after it. Every
//! other line (`PASS`, `ok  …`, logs, `--- BENCH:`) is ignored.
//!
//! One record per result line: dimensions = the configuration, `name` (kept
//! whole: `BenchmarkFoo/sub_case=8`) and `procs` (GOMAXPROCS, from the `-N`
//! suffix); metrics = `iterations` and each value named by its unit, as
//! benchfmt names them (`ns/op`, `B/op`, `allocs/op`, `MB/s`, units of
//! `b.ReportMetric`). `-count=N` repeats a result: the repeats get a `run`
//! dimension (1, 2…) so each stays addressable.
//!
//! The `-N` suffix is GOMAXPROCS only when the run printed one: Go omits it
//! at GOMAXPROCS=1, so in a file where some results have no suffix, a `-N`
//! counts as procs only when the same name also appears without one (a
//! `-cpu 1,2,4` sweep); otherwise it is part of the name (`Size-100`).

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use indexmap::IndexMap;
use regex::Regex;
use serde_json::Value;

use crate::adapt::{Adapter, Emit, Input};
use crate::error::ExtractError;
use crate::format::Format;
use crate::schema::Direction;

pub(crate) const TEXT: Adapter = Adapter {
    name: "go-test-bench",
    // Aligned result lines often sniff as TSV.
    formats: &[Format::Text, Format::Tsv, Format::Csv],
    detect: detect_text,
    read: read_text,
};

pub(crate) const JSON: Adapter = Adapter {
    name: "go-test-bench-json",
    formats: &[Format::Jsonl, Format::Json],
    detect: detect_json,
    read: read_json,
};

/// A configuration line: `key: value` (`None` only if the pattern were bad).
static CONFIG: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^([a-z][^\s:A-Z]*):(?:\s+(.*))?$").ok());
/// The `-N` GOMAXPROCS suffix of a name.
static PROCS: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"^(.+)-(\d+)$").ok());

/// The name without its `-N` suffix, and N.
fn procs_suffix(name: &str) -> Option<(&str, i64)> {
    let c = PROCS.as_ref()?.captures(name)?;
    Some((c.get(1)?.as_str(), c.get(2)?.as_str().parse().ok()?))
}

/// One result line, with the configuration in force.
struct BenchResult {
    name: String,
    iterations: u64,
    values: Vec<(f64, String)>,
    config: Vec<(String, String)>,
}

/// A parsed result line: name as written, iterations, (value, unit) pairs.
type ResultLine<'a> = (&'a str, u64, Vec<(f64, &'a str)>);

/// A result line by the benchfmt grammar, or `None`.
fn result_line(line: &str) -> Option<ResultLine<'_>> {
    let mut fields = line.split_whitespace();
    let name = fields.next()?;
    let after = name.strip_prefix("Benchmark")?;
    if after.chars().next().is_some_and(char::is_lowercase) {
        return None;
    }
    let iterations = fields.next()?;
    if !iterations.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let iterations = iterations.parse().ok()?;
    let rest: Vec<&str> = fields.collect();
    if rest.is_empty() || !rest.len().is_multiple_of(2) {
        return None;
    }
    let values = rest
        .chunks(2)
        .map(|pair| Some((pair[0].parse::<f64>().ok()?, pair[1])))
        .collect::<Option<Vec<_>>>()?;
    Some((name, iterations, values))
}

/// Every result of `text`, with `package` as `pkg` when no `pkg:` line says.
fn results(text: &str, package: Option<&str>, out: &mut Vec<BenchResult>) {
    let mut config: IndexMap<String, String> = IndexMap::new();
    if let Some(p) = package {
        config.insert("pkg".to_owned(), p.to_owned());
    }
    for line in text.lines() {
        let line = line.trim();
        if let Some((name, iterations, values)) = result_line(line) {
            out.push(BenchResult {
                name: name.to_owned(),
                iterations,
                values: values.into_iter().map(|(v, u)| (v, u.to_owned())).collect(),
                config: config.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            });
        } else if let Some(c) = CONFIG.as_ref().and_then(|re| re.captures(line)) {
            let key = c.get(1).map_or("", |m| m.as_str());
            match c.get(2).map(|m| m.as_str().trim()) {
                Some(value) if !value.is_empty() => {
                    config.insert(key.to_owned(), value.to_owned());
                }
                _ => {
                    config.shift_remove(key);
                }
            }
        }
    }
}

fn detect_text(input: &Input<'_>) -> Option<&'static str> {
    input
        .head()
        .lines()
        .any(|l| result_line(l.trim()).is_some())
        .then_some("go test -bench result lines (BenchmarkName iterations value unit…)")
}

fn read_text(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let mut all = Vec::new();
    results(input.text, None, &mut all);
    emit(&all, out)
}

fn detect_json(input: &Input<'_>) -> Option<&'static str> {
    let head = input.head();
    (head.contains("\"Action\"") && head.contains("\"Output\"") && head.contains("Benchmark"))
        .then_some("go test -json events whose output holds benchmark result lines")
}

fn read_json(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    // Each package's output in order: a result line may be split over
    // two events (name, then numbers).
    let mut outputs: IndexMap<String, String> = IndexMap::new();
    for event in input.json_lines().flatten() {
        if event.get("Action").and_then(Value::as_str) != Some("output") {
            continue;
        }
        let Some(text) = event.get("Output").and_then(Value::as_str) else {
            continue;
        };
        let package = event.get("Package").and_then(Value::as_str).unwrap_or("");
        outputs
            .entry(package.to_owned())
            .or_default()
            .push_str(text);
    }
    let mut all = Vec::new();
    for (package, text) in &outputs {
        results(
            text,
            Some(package).filter(|p| !p.is_empty()).map(String::as_str),
            &mut all,
        );
    }
    emit(&all, out)
}

/// The package a result belongs to (its group for the procs rule).
fn group(r: &BenchResult) -> &str {
    r.config
        .iter()
        .find(|(k, _)| k == "pkg")
        .map_or("", |(_, v)| v.as_str())
}

fn emit(all: &[BenchResult], out: &mut Emit<'_>) -> Result<(), ExtractError> {
    // Per group: does every result carry a -N suffix, and which names come bare?
    let mut every_suffixed: HashMap<&str, bool> = HashMap::new();
    let mut bare: HashSet<(&str, &str)> = HashSet::new();
    for r in all {
        let suffixed = procs_suffix(&r.name).is_some();
        *every_suffixed.entry(group(r)).or_insert(true) &= suffixed;
        if !suffixed {
            bare.insert((group(r), r.name.as_str()));
        }
    }
    let split: Vec<(&str, Option<i64>)> = all
        .iter()
        .map(|r| {
            let g = group(r);
            procs_suffix(&r.name)
                .filter(|(base, _)| {
                    every_suffixed.get(g) == Some(&true) || bare.contains(&(g, *base))
                })
                .map(|(base, procs)| (base, Some(procs)))
                .unwrap_or((r.name.as_str(), None))
        })
        .collect();
    let mut seen: HashMap<(&str, &str, Option<i64>), usize> = HashMap::new();
    let runs: Vec<usize> = all
        .iter()
        .zip(&split)
        .map(|(r, (name, procs))| {
            let n = seen.entry((group(r), name, *procs)).or_insert(0);
            *n += 1;
            *n
        })
        .collect();
    let repeated = runs.iter().any(|&n| n > 1);
    for ((r, (name, procs)), run) in all.iter().zip(&split).zip(&runs) {
        for (key, value) in &r.config {
            out.dim(key, value.as_str())?;
        }
        out.dim("name", *name)?;
        if let Some(p) = procs {
            out.dim("procs", *p)?;
        }
        if repeated {
            out.dim("run", *run)?;
        }
        out.metric("iterations", r.iterations as f64, None)?;
        for (value, unit) in &r.values {
            out.metric_dir(unit, *value, unit_of(unit), direction_of(unit))?;
        }
        out.end_record();
    }
    Ok(())
}

/// The unit of a value named by a benchfmt unit, where it is one we know.
fn unit_of(unit: &str) -> Option<&'static str> {
    match unit {
        "ns/op" => Some("ns"),
        "sec/op" | "s/op" => Some("s"),
        "B/op" => Some("B"),
        "MB/s" => Some("MB/s"),
        "B/s" => Some("B/s"),
        _ => None,
    }
}

/// Rates (`MB/s`, `ops/s`) improve upwards; costs per op (`ns/op`,
/// `B/op`, `allocs/op`, custom `x/op`) downwards, as benchstat assumes.
fn direction_of(unit: &str) -> Direction {
    if unit.ends_with("/s") || unit.ends_with("/sec") {
        Direction::HigherIsBetter
    } else {
        Direction::LowerIsBetter
    }
}

#[cfg(test)]
mod tests {
    use super::result_line;

    #[test]
    fn the_benchfmt_line_grammar() {
        let (name, n, values) =
            result_line("BenchmarkFoo/sub_case=8-16   \t 1000000\t  1234 ns/op\t  56 B/op")
                .expect("a result");
        assert_eq!((name, n), ("BenchmarkFoo/sub_case=8-16", 1_000_000));
        assert_eq!(values, vec![(1234.0, "ns/op"), (56.0, "B/op")]);
        assert!(result_line("Benchmark 10 1.5 ns/op").is_some());
        assert!(result_line("Benchmark_x-2 10 1.5 ns/op").is_some());
        for not in [
            "Benchmarking 10 1.5 ns/op",
            "BenchmarkFoo-8",
            "BenchmarkFoo-8 many 1 ns/op",
            "BenchmarkFoo-8 10 1.5",
            "BenchmarkFoo-8 10 fast ns/op",
            "PASS",
        ] {
            assert!(result_line(not).is_none(), "{not}");
        }
    }
}
