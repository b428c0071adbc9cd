//! Benchmark suites: the result files of harnesses that run a whole suite
//! and keep its history — github-action-benchmark's `data.js`, asv's
//! results JSON, JMH's JSON report and BenchmarkDotNet's JSON, CSV and
//! GitHub Markdown reports. Each names its cases its own way (a bench name,
//! a benchmark × parameter combination, a method × params row); the case
//! stays whole as a dimension and the numbers keep the names and units the
//! tool writes.
//!
//! Where one file mixes units in one field (a github-action-benchmark page
//! holding `ns/iter`, `ops/sec` and `MB/s` benches; asv's `time_*` and
//! `mem_*` results; JMH's `thrpt` and `avgt` modes), the value is kept as
//! written and its unit becomes a dimension beside it: the units are not of
//! one family, so no conversion could make one column of them, and the
//! value as the tool printed it is what its users compare. The field gets a
//! unit and a direction only when every record agrees on them.

mod asv;
mod bdn;
mod bdn_table;
mod gab;
mod jmh;

use super::Adapter;
use crate::schema::Direction;

/// Most specific signatures first: JMH and asv have unmistakable keys;
/// BenchmarkDotNet's JSON and github-action-benchmark's page are maps with
/// their own names; the BenchmarkDotNet tables come last (their signature is
/// a header row and an environment block).
pub(crate) const ADAPTERS: &[Adapter] = &[
    jmh::ADAPTER,
    asv::ADAPTER,
    bdn::JSON_ADAPTER,
    gab::ADAPTER,
    bdn_table::CSV_ADAPTER,
    bdn_table::MARKDOWN_ADAPTER,
];

const TIME_UNITS: &[&str] = &[
    "ns",
    "us",
    "µs",
    "μs",
    "ms",
    "s",
    "sec",
    "secs",
    "seconds",
    "second",
    "min",
    "h",
    "nsec",
    "usec",
    "msec",
    "nanoseconds",
    "microseconds",
    "milliseconds",
];

/// Which way a value in `unit` improves, read from the unit alone: a time
/// per something (`ns/iter`, `ms/op`, `s`) or bytes/allocations per
/// something (`B/op`, `allocs/op`) is better lower; something per unit of
/// time (`ops/sec`, `iter/sec`, `MB/s`, `ops/ms`) is better higher.
pub(super) fn unit_direction(unit: &str) -> Option<Direction> {
    let unit = unit.trim();
    let (num, den) = match unit.split_once('/') {
        Some((n, d)) => (n.trim(), Some(d.trim())),
        None => (unit, None),
    };
    let is_time = |u: &str| TIME_UNITS.iter().any(|t| t.eq_ignore_ascii_case(u));
    if is_time(num) {
        return Some(Direction::LowerIsBetter);
    }
    if den.is_some_and(is_time) {
        return Some(Direction::HigherIsBetter);
    }
    let num_lower = num.to_ascii_lowercase();
    if matches!(
        num_lower.as_str(),
        "b" | "kb" | "mb" | "gb" | "bytes" | "allocs" | "allocations"
    ) && den.is_some()
    {
        return Some(Direction::LowerIsBetter);
    }
    if den.is_none() && crate::units::is_time_unit(unit) {
        return Some(Direction::LowerIsBetter);
    }
    None
}

/// How the records of one field agree on which way it improves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Agreement {
    /// Every record improves this way.
    All(Direction),
    /// Records improve different ways (or some have no way): the field has
    /// no direction, and none is guessed for it.
    Mixed,
    /// No record says: the name and unit may still tell.
    Unknown,
}

pub(super) fn agreement(mut items: impl Iterator<Item = Option<Direction>>) -> Agreement {
    let Some(first) = items.next() else {
        return Agreement::Unknown;
    };
    if items.any(|d| d != first) {
        return Agreement::Mixed;
    }
    first.map_or(Agreement::Unknown, Agreement::All)
}

/// Writes metric `name` with the direction its records agree on.
pub(super) fn put(
    out: &mut super::Emit<'_>,
    name: &str,
    value: f64,
    unit: Option<&str>,
    agreement: Agreement,
) -> Result<(), crate::error::ExtractError> {
    match agreement {
        Agreement::All(d) => out.metric_dir(name, value, unit, d),
        Agreement::Mixed => out.metric_undirected(name, value, unit),
        Agreement::Unknown => out.metric(name, value, unit),
    }
}

/// The one value every item shares, or `None` when they differ or there are
/// none.
pub(super) fn shared<T: PartialEq + Copy>(mut items: impl Iterator<Item = Option<T>>) -> Option<T> {
    let first = items.next()??;
    items.all(|x| x == Some(first)).then_some(first)
}

/// A constant pattern, compiled once by its `LazyLock`; `None` (never, for
/// the patterns here) leaves the adapter reading less, not panicking.
pub(super) fn regex(pattern: &str) -> Option<regex::Regex> {
    regex::Regex::new(pattern).ok()
}

/// Spellings of time units the unit table does not know (`usec`, `msec`),
/// mapped to ones it converts.
pub(super) fn canonical_unit(unit: &str) -> &str {
    match unit {
        "nsec" | "nanoseconds" => "ns",
        "usec" | "microseconds" => "us",
        "msec" | "milliseconds" => "ms",
        "second" => "s",
        other => other,
    }
}

/// A parameter value as a dimension: a number when it reads as one (so
/// `"500000"` and `500000` match alike), else the text as written.
pub(super) fn param_dim<'v>(text: &'v str) -> super::emit::DimIn<'v> {
    let t = text.trim();
    if let Ok(i) = t.parse::<i64>() {
        return i.into();
    }
    match t.parse::<f64>() {
        Ok(x) if x.is_finite() && t.bytes().any(|b| b.is_ascii_digit()) => x.into(),
        _ => text.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_say_which_way_is_better() {
        use Direction::{HigherIsBetter as H, LowerIsBetter as L};
        for (unit, want) in [
            ("ns/iter", Some(L)),
            ("ns/op", Some(L)),
            ("ms", Some(L)),
            ("seconds", Some(L)),
            ("milliseconds", Some(L)),
            ("secs/op", Some(L)),
            ("B/op", Some(L)),
            ("allocs/op", Some(L)),
            ("ops/sec", Some(H)),
            ("iter/sec", Some(H)),
            ("MB/s", Some(H)),
            ("ops/ms", Some(H)),
            ("records/sec", Some(H)),
            ("%", None),
            ("commits", None),
        ] {
            assert_eq!(unit_direction(unit), want, "{unit}");
        }
    }

    #[test]
    fn agreement_needs_every_record() {
        use Direction::LowerIsBetter as L;
        assert_eq!(agreement([Some(L), Some(L)].into_iter()), Agreement::All(L));
        assert_eq!(agreement([Some(L), None].into_iter()), Agreement::Mixed);
        assert_eq!(agreement([None, None].into_iter()), Agreement::Unknown);
        assert_eq!(agreement(std::iter::empty()), Agreement::Unknown);
    }

    #[test]
    fn shared_needs_agreement() {
        assert_eq!(shared([Some(1), Some(1)].into_iter()), Some(1));
        assert_eq!(shared([Some(1), Some(2)].into_iter()), None);
        assert_eq!(shared([Some(1), None].into_iter()), None);
        assert_eq!(shared(std::iter::empty::<Option<i32>>()), None);
    }
}
