//! Microbenchmark harnesses: Google Benchmark (JSON, CSV, console),
//! pytest-benchmark (JSON), hyperfine (JSON, CSV, Markdown), Criterion.rs
//! (`estimates.json`, cargo-criterion JSON messages, console) and Rust's
//! libtest `#[bench]` lines. One record per benchmark case (per repetition
//! or aggregate row where the tool writes one); the case name is kept whole.
//! Values stay in the unit the tool printed; where one file mixes units
//! (console tables pick a unit per row) they are converted to the unit the
//! field was first written in.

mod criterion;
mod google_benchmark;
mod hyperfine;
mod libtest;
mod pytest_benchmark;

use std::collections::BTreeMap;

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::{Adapter, Emit, Input};
use crate::error::ExtractError;
use crate::schema::Direction;

/// Most specific signatures first: JSON documents with the tool's keys,
/// then delimited headers, then line grammars (libtest's `bench:` lines
/// last, since Criterion's console output may contain test-runner lines).
pub(crate) const ADAPTERS: &[Adapter] = &[
    google_benchmark::JSON,
    pytest_benchmark::JSON,
    hyperfine::JSON,
    criterion::MESSAGES,
    criterion::ESTIMATES,
    google_benchmark::CSV,
    hyperfine::CSV,
    hyperfine::MARKDOWN,
    google_benchmark::CONSOLE,
    criterion::CONSOLE,
    libtest::BENCH,
];

/// Size of a time unit in picoseconds, whole numbers so that ratios stay
/// exact (Criterion prints `ps`; libtest and Criterion print `µs` with
/// either micro sign).
fn time_unit_size(unit: &str) -> Option<f64> {
    Some(match unit {
        "ps" => 1.0,
        "ns" => 1e3,
        "us" | "µs" | "μs" => 1e6,
        "ms" => 1e9,
        "s" => 1e12,
        _ => return None,
    })
}

/// Size of a counter prefix (`k`, `Mi`…) as Google Benchmark and Criterion
/// print them: decimal for SI letters, binary for the `i` forms.
fn prefix_size(prefix: &str) -> Option<f64> {
    Some(match prefix {
        "" => 1.0,
        "k" | "K" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "m" => 1e-3,
        "u" => 1e-6,
        "n" => 1e-9,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "Ti" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    })
}

/// The unit each field was first written in, so that a later value in
/// another unit of the same scale (a console row in `us` after one in `ns`)
/// is converted to it: one field, one unit.
#[derive(Default)]
struct Pins(Vec<(String, String, f64)>);

impl Pins {
    /// Writes metric `field` = `value` `unit`, where one `unit` is `size`
    /// base units (`None`: not convertible, written as is).
    fn metric(
        &mut self,
        out: &mut Emit<'_>,
        field: &str,
        value: f64,
        unit: &str,
        size: Option<f64>,
        direction: Option<Direction>,
    ) -> Result<(), ExtractError> {
        let (value, unit) = match size {
            Some(size) => match self.0.iter().find(|(f, _, _)| f == field) {
                Some((_, pinned, pinned_size)) => {
                    (value * size / pinned_size, Some(pinned.clone()))
                }
                None => {
                    self.0.push((field.to_owned(), unit.to_owned(), size));
                    (value, Some(unit.to_owned()))
                }
            },
            None => (value, None),
        };
        match direction {
            Some(d) => out.metric_dir(field, value, unit.as_deref(), d),
            None => out.metric(field, value, unit.as_deref()),
        }
    }
}

/// A number as tools print it: `1,234.5`, `2.1e+02`.
fn number(text: &str) -> Option<f64> {
    let cleaned: String = text.trim().chars().filter(|&c| c != ',').collect();
    cleaned.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// A dimension from text: a number when it reads as one (so `8` matches
/// `8`), the text otherwise; empty text is no value.
fn dim_text(out: &mut Emit<'_>, name: &str, text: &str) -> Result<(), ExtractError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(());
    }
    if let Ok(i) = text.parse::<i64>() {
        return out.dim(name, i);
    }
    match text.parse::<f64>() {
        Ok(f) if f.is_finite() => out.dim(name, f),
        _ => out.dim(name, text),
    }
}

/// Every scalar under `value` as a dimension named by its dotted path
/// (`context.host_name`, `machine_info.cpu.brand`); arrays are skipped
/// (cache lists, load averages, raw samples).
fn dims_flat(out: &mut Emit<'_>, prefix: &str, value: &Value) -> Result<(), ExtractError> {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                dims_flat(out, &format!("{prefix}.{key}"), v)?;
            }
            Ok(())
        }
        Value::Array(_) | Value::Null => Ok(()),
        scalar => out.dim_json(prefix, scalar),
    }
}

/// A JSON report `{…, <collection>: [rows], …}` read without building the
/// whole tree (a Google Benchmark report can hold 10,000 rows): the other
/// top-level entries (context, machine info) are decoded once and
/// flattened, each row only when its turn comes. A document strict JSON
/// refuses (bare `NaN`, log lines first) is read through [`Input::json`].
struct Report<'a> {
    /// The scalars of the other top-level entries, by dotted path.
    doc: Vec<(String, Value)>,
    rows: Rows<'a>,
}

enum Rows<'a> {
    Raw(Vec<&'a RawValue>),
    Tree(&'a [Value]),
}

impl<'a> Report<'a> {
    fn read(input: &'a Input<'_>, collection: &str) -> Option<Report<'a>> {
        let text: &'a str = input.text;
        let mut doc = Vec::new();
        if let Ok(top) = serde_json::from_str::<BTreeMap<String, &'a RawValue>>(text) {
            let rows: Vec<&'a RawValue> = serde_json::from_str(top.get(collection)?.get()).ok()?;
            for (key, raw) in top.iter().filter(|(k, _)| *k != collection) {
                if let Ok(value) = serde_json::from_str::<Value>(raw.get()) {
                    flatten(&mut doc, key, &value);
                }
            }
            return Some(Report {
                doc,
                rows: Rows::Raw(rows),
            });
        }
        let root = input.json()?.as_object()?;
        let rows = root.get(collection)?.as_array()?;
        for (key, value) in root.iter().filter(|(k, _)| *k != collection) {
            flatten(&mut doc, key, value);
        }
        Some(Report {
            doc,
            rows: Rows::Tree(rows),
        })
    }

    /// Calls `each` with every row that is an object.
    fn rows(
        &self,
        mut each: impl FnMut(&Map<String, Value>) -> Result<(), ExtractError>,
    ) -> Result<(), ExtractError> {
        match &self.rows {
            Rows::Raw(rows) => {
                for raw in rows {
                    if let Ok(Value::Object(row)) = serde_json::from_str::<Value>(raw.get()) {
                        each(&row)?;
                    }
                }
            }
            Rows::Tree(rows) => {
                for row in rows.iter().filter_map(Value::as_object) {
                    each(row)?;
                }
            }
        }
        Ok(())
    }

    /// The first row, to check the shape before writing anything.
    fn first(&self) -> Option<Map<String, Value>> {
        match &self.rows {
            Rows::Raw(rows) => match serde_json::from_str::<Value>(rows.first()?.get()).ok()? {
                Value::Object(row) => Some(row),
                _ => None,
            },
            Rows::Tree(rows) => rows.first()?.as_object().cloned(),
        }
    }

    /// Writes the document-level dimensions into the record being written.
    fn doc_dims(&self, out: &mut Emit<'_>) -> Result<(), ExtractError> {
        for (name, value) in &self.doc {
            out.dim_json(name, value)?;
        }
        Ok(())
    }
}

/// The scalars under `value` by dotted path (`context.host_name`); arrays
/// (cache lists, load averages) are skipped.
fn flatten(into: &mut Vec<(String, Value)>, path: &str, value: &Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                flatten(into, &format!("{path}.{key}"), v);
            }
        }
        Value::Array(_) | Value::Null => {}
        scalar => into.push((path.to_owned(), scalar.clone())),
    }
}

/// Compiles one of the family's constant patterns; `None` (matching
/// nothing) only if a pattern were wrong, which `tests::patterns_compile`
/// rules out, so that no input can reach a panic.
fn pattern(source: &str) -> Option<regex::Regex> {
    regex::Regex::new(source).ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn patterns_compile() {
        for re in [
            &super::google_benchmark::CONSOLE_HEADER,
            &super::google_benchmark::COUNTER,
            &super::google_benchmark::RUN_ON,
            &super::criterion::TRIPLE,
            &super::criterion::OUTLIERS,
            &super::libtest::LINE,
        ] {
            assert!(re.is_some());
        }
    }
}
