//! Bad input gets a clear error or a warning, never a panic: arbitrary
//! bytes (property tests), binary data, invalid UTF-8, huge widths, deep
//! nesting, sparse keys, files over the cap.

use proptest::prelude::*;
use wfm_extract::{ExtractError, Extraction, Options, Schema, extract, extract_with_schema};

const PATHS: &[&str] = &[
    "r.json", "r.jsonl", "r.csv", "r.tsv", "r.md", "r.txt", "results",
];

/// Characters that make parsers branch: delimiters, quotes, brackets,
/// table pipes, digits, units, escapes, multi-byte text.
const ALPHABET: &[char] = &[
    '{', '}', '[', ']', '"', ':', ',', ';', '\t', '\n', '\r', '|', '-', '#', ' ', '0', '1', '9',
    '.', 'e', '+', 'a', 'Z', '%', '±', '(', ')', '\\', 'n', 'u', 'l', 't', 'r', 'f', 's', 'µ', '`',
    '*', '_', 'é',
];

fn noisy_text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(ALPHABET), 0..600)
        .prop_map(|c| c.into_iter().collect())
}

/// Arbitrary JSON documents, nested a few levels.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        "[a-z0-9 .%]{0,8}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            prop::collection::btree_map("[a-z]{1,3}", inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn schema() -> Schema {
    serde_json::from_str(
        r#"{"fields": [], "dimension_fields": ["a", "name"], "metric_fields": ["b", "value"]}"#,
    )
    .expect("schema")
}

/// Every record's metrics are finite and every record has one.
fn sane(x: &Extraction) {
    for record in x.records.iter() {
        let metrics: Vec<f64> = record.metrics().map(|(_, v)| v).collect();
        assert!(!metrics.is_empty(), "a record without metrics");
        assert!(metrics.iter().all(|v| v.is_finite()), "non-finite metric");
    }
    serde_json::to_string(x).expect("every extraction serialises");
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>().prop_map(|b| b.max(1)), 0..2048), path in prop::sample::select(PATHS)) {
        // NUL bytes are refused up front (see `binary_data_is_refused`); without
        // them every input reaches a parser.
        if let Ok(x) = extract(path, &bytes, &Options::default()) { sane(&x) }
        if let Ok(x) = extract_with_schema(path, &bytes, &schema(), &Options::default()) { sane(&x) }
    }

    #[test]
    fn structured_noise_never_panics(text in noisy_text(), path in prop::sample::select(PATHS)) {
        if let Ok(x) = extract(path, text.as_bytes(), &Options::default()) { sane(&x) }
        if let Ok(x) = extract_with_schema(path, text.as_bytes(), &schema(), &Options::default()) { sane(&x) }
    }

    #[test]
    fn any_json_document_extracts(value in json_value()) {
        let text = serde_json::to_string_pretty(&value).expect("json");
        let x = extract("r.json", text.as_bytes(), &Options::default());
        prop_assert!(x.is_ok(), "valid JSON must not be an error: {:?}", x.err());
        if let Ok(x) = x { sane(&x) }
    }
}

#[test]
fn binary_data_is_refused() {
    let err = extract("r.csv", b"a,b\n\x00\x01\x02", &Options::default()).expect_err("binary");
    assert!(matches!(err, ExtractError::Binary { offset: 4 }), "{err}");
    assert_eq!(
        err.to_string(),
        "file looks binary (NUL byte at offset 4), not a text result file"
    );
}

#[test]
fn files_over_the_cap_are_refused() {
    let err = extract("r.csv", &[b'1'; 101], &Options { max_bytes: 100 }).expect_err("too large");
    assert_eq!(
        err.to_string(),
        "file is 101 bytes, over the 100-byte limit"
    );
}

#[test]
fn invalid_utf8_is_replaced_and_reported() {
    let x = extract(
        "r.csv",
        b"name,ms\nf\xffoo,1.5\nbar,2.5\n",
        &Options::default(),
    )
    .expect("extracts");
    assert_eq!(x.records.len(), 2);
    assert!(
        x.warnings
            .iter()
            .any(|w| w.contains("not valid UTF-8 (first bad byte at offset 9)")),
        "{:?}",
        x.warnings
    );
}

#[test]
fn ten_thousand_columns() {
    let header: Vec<String> = (0..10_000).map(|i| format!("latency_{i}_ms")).collect();
    let row: Vec<String> = (0..10_000).map(|i| format!("{i}.5")).collect();
    let text = format!(
        "{}\n{}\n{}\n",
        header.join(","),
        row.join(","),
        row.join(",")
    );
    let x = extract("wide.csv", text.as_bytes(), &Options::default()).expect("extracts");
    assert_eq!(x.schema.metric_fields.len(), 10_000);
    assert_eq!(x.records.len(), 2);
    assert_eq!(
        x.records.get(1).and_then(|r| r.metric("latency_9999_ms")),
        Some(9999.5)
    );
}

#[test]
fn nesting_beyond_the_limit_is_an_error_not_a_crash() {
    let deep = format!("{}1{}", "{\"a\":".repeat(100_000), "}".repeat(100_000));
    let err = extract("deep.json", deep.as_bytes(), &Options::default()).expect_err("too deep");
    assert!(
        err.to_string().contains("recursion limit exceeded"),
        "{err}"
    );
    let unclosed = "[".repeat(100_000);
    let err = extract("deep.json", unclosed.as_bytes(), &Options::default()).expect_err("unclosed");
    assert!(err.to_string().starts_with("invalid JSON: EOF"), "{err}");
    let nested = format!("{}1{}", "{\"a\":".repeat(120), "}".repeat(120));
    let x =
        extract("nested.json", nested.as_bytes(), &Options::default()).expect("within the limit");
    let deepest = x
        .schema
        .fields
        .iter()
        .map(|f| f.name.matches('.').count())
        .max();
    assert!(
        deepest >= Some(100),
        "nested objects flatten to one dotted name: {:?}",
        x.schema.fields
    );
}

#[test]
fn keys_that_never_repeat_are_stopped() {
    let items: Vec<String> = (0..40_000)
        .map(|i| format!("{{\"k{i}\": {i}.5}}"))
        .collect();
    let text = format!("[{}]", items.join(","));
    match extract("sparse.json", text.as_bytes(), &Options::default()) {
        Err(ExtractError::TooSparse { .. }) => {}
        Ok(x) => assert!(
            x.warnings.iter().any(|w| w.contains("distinct fields")),
            "{:?}",
            x.warnings
        ),
        Err(other) => panic!("unexpected error {other}"),
    }
}

#[test]
fn jsonl_bad_lines_are_skipped_and_reported() {
    let text = "{\"qps\": 1, \"latency_ms\": 3.5}\nnot json\n{\"qps\": 2, \"latency_ms\": 4.5}\n";
    let x = extract("r.jsonl", text.as_bytes(), &Options::default()).expect("extracts");
    assert_eq!(x.records.len(), 2);
    assert!(
        x.warnings
            .iter()
            .any(|w| w.starts_with("line 2: invalid JSON")),
        "{:?}",
        x.warnings
    );
    let all_bad =
        extract("r.jsonl", b"nope\nnope\n", &Options::default()).expect_err("nothing valid");
    assert!(matches!(all_bad, ExtractError::Json(_)));
}
