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

mod common;

use common::Known;
use serde_json::Value;

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
];

const KNOWN: Known = Known {
    aliases: ALIASES,
    not_extracted: NOT_EXTRACTED,
};

fn expected() -> Vec<Value> {
    common::expected(FIXTURES)
}

fn check_file(entry: &Value) -> Result<(), String> {
    common::check_file(FIXTURES, entry, &KNOWN)
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
