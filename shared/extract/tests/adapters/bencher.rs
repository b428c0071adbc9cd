//! Bencher Metric Format.

use crate::{adapter, run};
use wfm_extract::{DimValue, Direction};

#[test]
fn bmf_is_one_record_per_case_with_bounds_and_names_kept_whole() {
    let text = r#"{
      "tests::bench_a/case.1": {"latency": {"value": 88.0, "lower_value": 87.4, "upper_value": 88.6},
                                "throughput": {"value": 1200.5}},
      "b": {"latency": {"value": NaN}}
    }"#;
    let x = run("bench.json", text);
    assert_eq!(adapter(&x), "bencher-metric-format");
    assert_eq!(x.records.len(), 1, "a case with only NaN is not a record");
    let r = x.records.get(0).expect("record");
    assert_eq!(
        r.dimension("benchmark"),
        Some(DimValue::Str("tests::bench_a/case.1"))
    );
    assert_eq!(r.metric("latency"), Some(88.0));
    assert_eq!(r.metric("latency_upper_value"), Some(88.6));
    assert_eq!(r.metric("throughput"), Some(1200.5));
    let direction = |n: &str| x.schema.field(n).and_then(|f| f.direction);
    assert_eq!(direction("latency"), Some(Direction::LowerIsBetter));
    assert_eq!(direction("throughput"), Some(Direction::HigherIsBetter));
}

#[test]
fn a_map_that_is_not_bmf_is_left_to_the_generic_rules() {
    let x = run(
        "r.json",
        r#"{"a": {"latency": {"value": 1, "unit": "ms"}}}"#,
    );
    assert_eq!(x.reading.name, None);
}

#[test]
fn bmf_bounds_under_other_names_are_kept_under_theirs() {
    // CCF's bencher.json says low_value/high_value; Bencher ignores keys it
    // does not know, so the file is BMF all the same.
    let x = run(
        "bencher.json",
        r#"{"ls_tx": {"throughput": {"value": 2.5e4, "high_value": 2.6e4, "low_value": 2.4e4}}}"#,
    );
    assert_eq!(adapter(&x), "bencher-metric-format");
    let r = x.records.get(0).expect("record");
    assert_eq!(r.metric("throughput"), Some(25000.0));
    assert_eq!(r.metric("throughput_high_value"), Some(26000.0));
    assert_eq!(r.metric("throughput_low_value"), Some(24000.0));
}
