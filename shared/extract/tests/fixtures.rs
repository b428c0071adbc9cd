//! Every real benchmark output under tests/fixtures/results/ (JSON, JSONL,
//! CSV, Markdown, and the plain-text stretch goal) against the ground truth
//! in its expected.json: dimension and metric fields, record count, spot
//! values. No LLM.
//!
//! expected.json names some fields with a note in parentheses
//! (`group (null)`, `task (results key)`); a name matches an extracted field
//! with or without that note, ignoring case and punctuation. Names that are
//! a reading of the file rather than a name in it are mapped in `ALIASES`,
//! each with the reason.

use serde_json::Value;
use wfm_extract::{DimValue, Extraction, Options, Record, extract, match_key};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/results");

/// (file, expected name, our field): the fixture author's semantic name for
/// a field the file itself does not name.
const ALIASES: &[(&str, &str, &str)] = &[
    // The key of the `results` map: we name a case key after its map.
    (
        "json/lm-eval-v0.3-results-open-calm-1b-ja.json",
        "task (results key)",
        "result",
    ),
    (
        "json/lm-eval-v0.3-results-open-calm-1b-ja.json",
        "task",
        "result",
    ),
    // The sibling map `versions` joined per task keeps its own name.
    (
        "json/lm-eval-v0.3-results-open-calm-1b-ja.json",
        "versions[task]",
        "versions",
    ),
    // The `±` part of a cell is `<column without unit>_stddev`.
    (
        "md/hyperfine-pdu-competing-len.md",
        "Mean_stddev (after ±)",
        "Mean_stddev",
    ),
    // hyperfine's header says `Mean [ms]`; the unit stays in the name.
    ("md/hyperfine-pdu-competing-len.md", "Mean", "Mean [ms]"),
    ("md/hyperfine-pdu-competing-len.md", "Min", "Min [ms]"),
    ("md/hyperfine-pdu-competing-len.md", "Max", "Max [ms]"),
    // The heading above each table: `#### System: DGX-H100` → System.
    (
        "md/megatron-bridge-performance-summary-25.09.md",
        "System (#### System: X heading)",
        "System",
    ),
];

/// Expected dimensions we do not extract, with the reason. Each is a known
/// gap, listed so the test fails when one starts to work (and should move to
/// the checked set) or when a new gap appears.
const NOT_EXTRACTED: &[(&str, &str)] = &[
    // Only the nearest heading above a table becomes a dimension; this is
    // the level-2 heading two levels up.
    (
        "md/megatron-bridge-performance-summary-25.09.md",
        "container (## 25.09 NeMo Container)",
    ),
    // The `ini` code block above the table is environment prose, not a table.
    (
        "md/benchmarkdotnet-github-rxwebsocket-memorybench.md",
        "BenchmarkDotNet version / OS / CPU / runtime (ini block)",
    ),
    // Read from the quoted mpirun command and the device list: prose, not table.
    (
        "txt/nccl-tests-allreduce-h100-2node.txt",
        "op (all_reduce_perf, from command)",
    ),
    ("txt/nccl-tests-allreduce-h100-2node.txt", "nranks (16)"),
];

fn expected() -> Vec<Value> {
    let text = std::fs::read_to_string(format!("{FIXTURES}/expected.json"))
        .expect("expected.json is readable");
    serde_json::from_str(&text).expect("expected.json is JSON")
}

fn strip_note(name: &str) -> &str {
    match name.rfind(" (") {
        Some(i) if name.ends_with(')') => &name[..i],
        _ => name,
    }
}

/// Our field for an expected name, among `fields`.
fn resolve<'a>(file: &str, name: &str, fields: &'a [String]) -> Option<&'a String> {
    let alias = ALIASES
        .iter()
        .find(|(f, n, _)| *f == file && *n == name)
        .map(|(_, _, ours)| *ours);
    let wanted = [alias, Some(name), Some(strip_note(name))];
    wanted
        .into_iter()
        .flatten()
        .find_map(|w| fields.iter().find(|f| match_key(f) == match_key(w)))
}

fn same_value(value: DimValue<'_>, wanted: &Value) -> bool {
    let as_number = |s: &str| s.trim().parse::<f64>().ok();
    match (value, wanted) {
        (DimValue::Str(s), Value::String(w)) => s.trim() == w.trim(),
        (DimValue::Int(i), w) => as_number(&w.to_string().replace('"', "")) == Some(i as f64),
        (DimValue::Float(x), w) => as_number(&w.to_string().replace('"', "")) == Some(x),
        (DimValue::Bool(b), Value::String(w)) => w.eq_ignore_ascii_case(&b.to_string()),
        (DimValue::Bool(b), Value::Bool(w)) => b == *w,
        _ => false,
    }
}

fn check_file(entry: &Value) -> Result<(), String> {
    let file = entry["path"].as_str().ok_or("entry without path")?;
    let bytes = std::fs::read(format!("{FIXTURES}/{file}")).map_err(|e| format!("{file}: {e}"))?;
    if Some(bytes.len() as u64) != entry["bytes"].as_u64() {
        return Err(format!(
            "{file}: size differs from expected.json; the copy is not the original"
        ));
    }
    let x: Extraction =
        extract(file, &bytes, &Options::default()).map_err(|e| format!("{file}: {e}"))?;
    let dims = &x.schema.dimension_fields;
    let metrics = &x.schema.metric_fields;
    let mut problems = Vec::new();
    for name in entry["dimensions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        let gap = NOT_EXTRACTED.contains(&(file, name));
        match (resolve(file, name, dims), gap) {
            (Some(_), true) => problems.push(format!(
                "dimension `{name}` now extracted: remove it from NOT_EXTRACTED"
            )),
            (None, false) if !name.ends_with("(null)") => {
                let as_metric =
                    resolve(file, name, metrics).map(|m| format!(" (it is a metric: `{m}`)"));
                problems.push(format!(
                    "dimension `{name}` missing{}",
                    as_metric.unwrap_or_default()
                ));
            }
            _ => {}
        }
    }
    for name in entry["metrics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if resolve(file, name, metrics).is_none() {
            let as_dim = resolve(file, name, dims).map(|d| format!(" (it is a dimension: `{d}`)"));
            problems.push(format!(
                "metric `{name}` missing{}",
                as_dim.unwrap_or_default()
            ));
        }
    }
    let rows = entry["rows"].as_u64().unwrap_or(0) as usize;
    let alternatives: Vec<usize> = entry["alt_rows"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(_, v)| v.as_u64())
        .map(|v| v as usize)
        .collect();
    // A file-level summary (`summary_metrics`) may come as one more record.
    let with_summary = entry["alt_rows"]["summary_metrics"]
        .as_u64()
        .map(|n| rows + n as usize);
    if x.records.len() != rows
        && !alternatives.contains(&x.records.len())
        && with_summary != Some(x.records.len())
    {
        problems.push(format!(
            "{} records, expected {rows} (or one of {alternatives:?})",
            x.records.len()
        ));
    }
    for check in entry["spot_checks"].as_array().into_iter().flatten() {
        problems.extend(spot_check(file, &x, check).err());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{file} ({}):\n  {}",
            x.format,
            problems.join("\n  ")
        ))
    }
}

fn spot_check(file: &str, x: &Extraction, check: &Value) -> Result<(), String> {
    let all_fields: Vec<String> = x.schema.roles().map(|(name, _)| name.to_owned()).collect();
    let conditions: Vec<(String, &Value)> = check["match"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            Ok((
                resolve(file, k, &all_fields)
                    .ok_or(format!("spot check field `{k}` missing"))?
                    .clone(),
                v,
            ))
        })
        .collect::<Result<_, String>>()?;
    let metric_name = check["metric"].as_str().unwrap_or_default();
    let metric = resolve(file, metric_name, &x.schema.metric_fields)
        .ok_or(format!("metric `{metric_name}` missing"))?;
    let matching: Vec<Record<'_>> = x
        .records
        .iter()
        .filter(|r| {
            conditions
                .iter()
                .all(|(k, v)| r.dimension(k).is_some_and(|d| same_value(d, v)))
        })
        .collect();
    let [record] = matching.as_slice() else {
        return Err(format!(
            "{} records match {}, expected 1",
            matching.len(),
            check["match"]
        ));
    };
    let got = record.metric(metric);
    match (check["value"].as_f64(), got) {
        (None, None) => Ok(()),
        (Some(want), Some(got)) if (got - want).abs() <= want.abs() * 1e-9 => Ok(()),
        (want, got) => Err(format!(
            "{metric} at {}: got {got:?}, expected {want:?}",
            check["match"]
        )),
    }
}

#[test]
fn plain_text_tables_and_summaries_are_recognised() {
    let entries = expected();
    let text: Vec<&Value> = entries.iter().filter(|e| e["format"] == "txt").collect();
    assert!(!text.is_empty());
    let failures: Vec<String> = text.iter().filter_map(|e| check_file(e).err()).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_structured_fixture_matches_its_ground_truth() {
    let entries = expected();
    let structured: Vec<&Value> = entries
        .iter()
        .filter(|e| matches!(e["format"].as_str(), Some("json" | "jsonl" | "csv" | "md")))
        .collect();
    assert_eq!(
        structured.len(),
        13,
        "expected.json lists 13 structured files"
    );
    let failures: Vec<String> = structured
        .iter()
        .filter_map(|e| check_file(e).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} files differ:\n{}",
        failures.len(),
        structured.len(),
        failures.join("\n")
    );
}
