//! MLPerf Inference LoadGen's `mlperf_log_summary.txt`: the banner
//! `MLPerf Results Summary` between `====` rules, then `key : value` lines
//! in three sections (the results, `Additional Stats`, `Test Parameters
//! Used`). A summary is one run, so one record: `SUT name`, `Scenario`,
//! `Mode`, `Result is` and the `… satisfied : Yes` checks are dimensions,
//! as is every test parameter (`samples_per_query`, `target_qps`…); every
//! number of the results and the statistics is a metric (`Samples per
//! second`, `90th percentile latency (ns)`, `Mean latency (ns)`…). A unit
//! in parentheses leaves the name for the unit (`Min latency (ns)` is
//! `Min latency` in `ns`); rates are `samples/s`, `tokens/s`,
//! `queries/s`, higher being better; latencies lower.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use super::super::{Adapter, Emit, Input};
use crate::error::ExtractError;
use crate::format::Format;
use crate::schema::Direction;

pub(crate) const ADAPTER: Adapter = Adapter {
    name: "mlperf-loadgen-summary",
    formats: &[Format::Text, Format::Markdown, Format::Csv, Format::Tsv],
    detect,
    read,
};

/// `key : value`, the key possibly ending in a `(unit)`.
static LINE: LazyLock<Option<Regex>> =
    LazyLock::new(|| super::regex(r"^\s*([^:*][^:]*?)\s*:\s*(.*?)\s*$"));
static UNIT: LazyLock<Option<Regex>> = LazyLock::new(|| super::regex(r"^(.*?)\s*\(([^()]+)\)$"));

fn detect(input: &Input<'_>) -> Option<&'static str> {
    input
        .head_lines(4)
        .any(|l| l.trim() == "MLPerf Results Summary")
        .then_some("the LoadGen banner `MLPerf Results Summary`")
}

#[derive(PartialEq)]
enum Section {
    Results,
    Stats,
    Parameters,
    Other,
}

fn read(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let mut section = Section::Other;
    let mut seen = HashSet::new();
    let mut measured = false;
    for line in input.text.lines() {
        let trimmed = line.trim();
        match trimmed {
            "MLPerf Results Summary" => section = Section::Results,
            "Additional Stats" => section = Section::Stats,
            "Test Parameters Used" => section = Section::Parameters,
            _ => {}
        }
        let Some(c) = super::captures(&LINE, line) else {
            continue;
        };
        let (key, value) = (c[1].trim(), c[2].trim());
        if value.is_empty() || section == Section::Other {
            continue;
        }
        let (name, unit) = match super::captures(&UNIT, key) {
            Some(u) => (u[1].to_owned(), Some(u[2].to_owned())),
            None => (key.to_owned(), None),
        };
        if !seen.insert(name.clone()) {
            continue;
        }
        let number = value.parse::<f64>().ok();
        match (&section, number) {
            (Section::Parameters, _) => setting(out, &name, value)?,
            (_, Some(v)) => {
                measured = true;
                let (unit, direction) = meaning(&name, unit.as_deref());
                out.metric_dir(&name, v, unit.as_deref(), direction)?;
            }
            (_, None) => out.dim(&name, value)?,
        }
    }
    if measured {
        out.end_record();
    } else {
        out.discard_record();
    }
    Ok(())
}

/// A test parameter as the number it is; seeds beyond `i64` stay text so
/// no digit is lost.
fn setting(out: &mut Emit<'_>, name: &str, value: &str) -> Result<(), ExtractError> {
    if let Ok(n) = value.parse::<i64>() {
        out.dim(name, n)
    } else if value.bytes().all(|b| b.is_ascii_digit()) {
        out.dim(name, value)
    } else if let Ok(x) = value.parse::<f64>() {
        out.dim(name, x)
    } else {
        out.dim(name, value)
    }
}

/// The unit and direction of a LoadGen statistic.
fn meaning(name: &str, unit: Option<&str>) -> (Option<String>, Direction) {
    let lower = name.to_ascii_lowercase();
    if let Some(what) = lower.strip_suffix(" per second") {
        let counted = what.rsplit(' ').next().unwrap_or("samples");
        return (Some(format!("{counted}/s")), Direction::HigherIsBetter);
    }
    if lower.starts_with("qps") {
        return (Some("queries/s".to_owned()), Direction::HigherIsBetter);
    }
    (unit.map(str::to_owned), Direction::LowerIsBetter)
}

#[cfg(test)]
pub(super) fn grammars_compile() -> bool {
    LINE.as_ref().is_some() && UNIT.as_ref().is_some()
}
