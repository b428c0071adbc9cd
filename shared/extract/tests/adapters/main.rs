//! Adapters on real outputs of the tools they read (each family's files and
//! ground truth under tests/fixtures/adapters/<family>/, provenance in its
//! README) and on synthetic variants (other versions, missing fields).

#[path = "../common/mod.rs"]
mod common;

mod bencher;
mod load;
mod micro;
mod ml;
mod serving;
mod suites;
mod testing;

use wfm_extract::{Extraction, Options, extract};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/adapters");

/// Every real sample of `family` against its expected.json (which names the
/// adapter that must read each file).
pub fn check_family(family: &str, known: &common::Known) {
    let dir = format!("{FIXTURES}/{family}");
    let entries = common::expected(&dir);
    assert!(!entries.is_empty(), "{family}: no samples");
    let failures: Vec<String> = entries
        .iter()
        .filter_map(|e| common::check_file(&dir, e, known).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} {family} samples differ:\n{}",
        failures.len(),
        entries.len(),
        failures.join("\n")
    );
}

/// Extracts `text` as if it were the file `path`.
pub fn run(path: &str, text: &str) -> Extraction {
    extract(path, text.as_bytes(), &Options::default()).expect("extracts")
}

/// The name of the adapter that read `x` (panics when none did).
pub fn adapter(x: &Extraction) -> &str {
    x.reading
        .name
        .as_deref()
        .unwrap_or_else(|| panic!("no adapter read it: {:?}", x.reading.reasons))
}
