//! Rust's libtest `#[bench]` lines, which Criterion's `--output-format
//! bencher` also prints: `test <name> ... bench: 1,234 ns/iter (+/- 56)`
//! (Rust ≥ 1.77 prints `1,234.00 ns/iter (+/- 56.00)`), optionally
//! `= 123 MB/s`. One record per line: `name` kept whole (`tests::a`,
//! `Fibonacci (Execution)`); metrics `ns/iter` (the unit as printed, better
//! lower), `deviation` (the `+/-` spread, same unit) and `MB/s` (better
//! higher). A file mixing time units is converted to the first one, and the
//! metric keeps that unit's name (`ns/iter`). `ignored` and failed tests
//! are not records.

use std::sync::LazyLock;

use regex::Regex;

use super::{Pins, number, pattern, time_unit_size};
use crate::adapt::{Adapter, Emit, Input};
use crate::error::ExtractError;
use crate::format::Format;
use crate::schema::Direction;

pub(super) const BENCH: Adapter = Adapter {
    name: "libtest-bench",
    formats: &[Format::Text, Format::Csv, Format::Tsv, Format::Markdown],
    detect,
    read,
};

pub(super) static LINE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    pattern(
        r"^\s*(?:test\s+)?(?P<name>.+?)\s+\.\.\.\s+bench:\s+(?P<value>[\d,]+(?:\.\d+)?)\s+(?P<unit>\S+)/iter\s+\(\+/-\s+(?P<dev>[\d,]+(?:\.\d+)?)\)(?:\s*=\s*(?P<rate>[\d,]+(?:\.\d+)?)\s+(?P<rate_unit>\S+))?",
    )
});

fn parse(line: &str) -> Option<regex::Captures<'_>> {
    LINE.as_ref()?.captures(line)
}

fn detect(input: &Input<'_>) -> Option<&'static str> {
    if !input.head().contains("bench:") {
        return None;
    }
    input
        .head_lines(400)
        .any(|l| parse(l).is_some())
        .then_some("libtest `test … bench: N ns/iter (+/- D)` lines")
}

fn read(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let mut pins = Pins::default();
    // The metric is named after the first unit (`ns/iter`); later lines in
    // other time units convert to it.
    let mut first_unit: Option<String> = None;
    for line in input.text.lines() {
        let Some(c) = parse(line) else {
            continue;
        };
        let (Some(value), Some(dev)) = (number(&c["value"]), number(&c["dev"])) else {
            continue;
        };
        let unit = &c["unit"];
        let size = time_unit_size(unit);
        let name_unit = match (&first_unit, size) {
            (Some(first), Some(_)) if time_unit_size(first).is_some() => first.clone(),
            (Some(first), _) if first == unit => first.clone(),
            (None, _) => {
                first_unit = Some(unit.to_owned());
                unit.to_owned()
            }
            _ => unit.to_owned(),
        };
        out.dim("name", c["name"].trim())?;
        let per_iter = format!("{name_unit}/iter");
        let lower = Some(Direction::LowerIsBetter);
        pins.metric(out, &per_iter, value, unit, size, lower)?;
        pins.metric(out, "deviation", dev, unit, size, lower)?;
        if let (Some(rate), Some(rate_unit)) = (c.name("rate"), c.name("rate_unit"))
            && let Some(rate) = number(rate.as_str())
        {
            out.metric_dir(
                rate_unit.as_str(),
                rate,
                Some(rate_unit.as_str()),
                Direction::HigherIsBetter,
            )?;
        }
        out.end_record();
    }
    Ok(())
}
