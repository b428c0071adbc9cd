//! The adapters under hostile input: every real sample in
//! tests/fixtures/adapters/ and tests/fixtures/results/ cut short, with
//! bytes changed, lines dropped or repeated. Whatever comes out is an error
//! with a reason or a sane extraction, never a panic; and a recipe built on
//! nothing the file has is refused, never applied.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use proptest::prelude::*;
use wfm_extract::{Extraction, Options, extract};

/// Every sample file (not README.md or expected.json), read once.
static SAMPLES: LazyLock<Vec<(String, Vec<u8>)>> = LazyLock::new(|| {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files = Vec::new();
    collect(&root.join("adapters"), &mut files);
    collect(&root.join("results"), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).expect("sample readable");
            (p.to_string_lossy().into_owned(), bytes)
        })
        .collect()
});

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            collect(&path, out);
        } else if name != "README.md" && name != "expected.json" {
            out.push(path);
        }
    }
}

/// A sample, changed: `cut` keeps a prefix, `flips` overwrite bytes with
/// parser-relevant characters, `drop`/`repeat` remove or double a line.
#[derive(Debug, Clone)]
struct Mutation {
    sample: usize,
    cut: f64,
    flips: Vec<(f64, u8)>,
    drop_line: Option<f64>,
    repeat_line: Option<f64>,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let byte = prop::sample::select(b"{}[]\":,|\n\r\t -#.0123456789eNaI<>/=".to_vec());
    (
        any::<prop::sample::Index>(),
        0.0..=1.0f64,
        prop::collection::vec((0.0..1.0f64, byte), 0..6),
        prop::option::of(0.0..1.0f64),
        prop::option::of(0.0..1.0f64),
    )
        .prop_map(|(i, cut, flips, drop_line, repeat_line)| Mutation {
            sample: i.index(SAMPLES.len()),
            cut,
            flips,
            drop_line,
            repeat_line,
        })
}

fn apply(m: &Mutation) -> (String, Vec<u8>) {
    let (path, original) = &SAMPLES[m.sample];
    let mut bytes = original[..(original.len() as f64 * m.cut) as usize].to_vec();
    for (at, b) in &m.flips {
        if !bytes.is_empty() {
            let i = (bytes.len() as f64 * at) as usize % bytes.len();
            bytes[i] = *b;
        }
    }
    let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    if let Some(at) = m.drop_line.filter(|_| !lines.is_empty()) {
        let i = (lines.len() as f64 * at) as usize % lines.len();
        lines.remove(i);
    }
    if let Some(at) = m.repeat_line.filter(|_| !lines.is_empty()) {
        let i = (lines.len() as f64 * at) as usize % lines.len();
        lines.insert(i, lines[i]);
    }
    (path.clone(), lines.join(&b'\n'))
}

fn sane(x: &Extraction) {
    for record in x.records.iter() {
        assert!(
            record.metrics().all(|(_, v)| v.is_finite()),
            "non-finite metric"
        );
        assert!(
            record.metrics().next().is_some(),
            "a record without metrics"
        );
    }
    assert!((0.0..=1.0).contains(&x.reading.confidence));
    serde_json::to_string(x).expect("every extraction serialises");
}

#[test]
fn the_samples_are_there() {
    // The fixture folders moved or emptied would make the fuzzing vacuous.
    assert!(SAMPLES.len() >= 30, "{} samples", SAMPLES.len());
    assert!(SAMPLES.iter().any(|(p, _)| p.contains("/adapters/")));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn mutated_real_samples_never_panic(m in mutation()) {
        let (path, bytes) = apply(&m);
        if let Ok(x) = extract(&path, &bytes, &Options::default()) {
            sane(&x);
        }
    }
}
