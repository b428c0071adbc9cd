//! Recipes: declarative parsers applied with no model call, matched to
//! files by shape, and checked against an extraction before they are used.

use serde_json::json;
use wfm_extract::recipe::{Recipe, RecipeError, agrees, apply, fingerprint};
use wfm_extract::{DimValue, Direction, Options, ReadMethod, extract};

fn recipe(value: serde_json::Value) -> Recipe {
    serde_json::from_value(value).expect("a recipe")
}

fn opts() -> Options {
    Options::default()
}

const GBENCH: &str = r#"{"context": {"host_name": "ci-7", "date": "2025-01-01"},
  "benchmarks": [
    {"name": "BM_Fib/10", "real_time": 215.3, "cpu_time": 214.9, "time_unit": "ns"},
    {"name": "BM_Fib/20", "real_time": "26.5 us", "cpu_time": 26401.0, "time_unit": "ns"}]}"#;

#[test]
fn a_json_recipe_selects_records_and_takes_fields_relative_absolute_and_by_key() {
    let r = recipe(json!({
        "select": {"kind": "json", "each": "/benchmarks/*"},
        "fields": [
            {"name": "benchmark", "from": "name", "role": "dimension"},
            {"name": "host", "from": "/context/host_name", "role": "dimension"},
            {"name": "real_time", "from": "real_time", "role": "metric", "unit": "ns",
             "direction": "lower_is_better"}]}));
    let x = apply(&r, "gbench", "out.json", GBENCH.as_bytes(), &opts()).expect("applies");
    assert_eq!(x.reading.method, ReadMethod::Recipe);
    assert_eq!(x.reading.name.as_deref(), Some("gbench"));
    assert_eq!(x.records.len(), 2);
    let second = x.records.get(1).expect("record");
    assert_eq!(
        second.dimension("benchmark"),
        Some(DimValue::Str("BM_Fib/20"))
    );
    assert_eq!(second.dimension("host"), Some(DimValue::Str("ci-7")));
    // "26.5 us" in a field declared in ns is converted.
    assert_eq!(second.metric("real_time"), Some(26500.0));
    let field = x.schema.field("real_time").expect("field");
    assert_eq!(field.unit.as_deref(), Some("ns"));
    assert_eq!(field.direction, Some(Direction::LowerIsBetter));
    assert_eq!(x.schema.dimension_fields, ["benchmark", "host"]);

    let by_key = recipe(json!({
        "select": {"kind": "json", "each": "/results/*"},
        "fields": [
            {"name": "task", "from": "@key", "role": "dimension"},
            {"name": "acc", "from": "acc,none", "role": "metric"}]}));
    let doc =
        r#"{"results": {"arc.easy/0": {"acc,none": 0.75}, "hella::swag": {"acc,none": 0.5}}}"#;
    let x = apply(&by_key, "lm", "r.json", doc.as_bytes(), &opts()).expect("applies");
    let tasks: Vec<_> = x.records.iter().map(|r| r.dimension("task")).collect();
    assert_eq!(
        tasks,
        [
            Some(DimValue::Str("arc.easy/0")),
            Some(DimValue::Str("hella::swag"))
        ]
    );
}

#[test]
fn a_table_recipe_maps_columns_and_a_lines_recipe_reads_groups_and_context() {
    let csv = "Kernel,Batch,Mean [ms],Notes\ngemm,8,1.5,ok\nattn,16,2.25,\n";
    let r = recipe(json!({
        "select": {"kind": "table"},
        "fields": [
            {"name": "op", "from": "Kernel", "role": "dimension"},
            {"name": "batch", "from": "batch", "role": "dimension"},
            {"name": "mean_ms", "from": "Mean [ms]", "role": "metric", "unit": "ms"}]}));
    let x = apply(&r, "t", "r.csv", csv.as_bytes(), &opts()).expect("applies");
    assert_eq!(x.records.len(), 2);
    let r1 = x.records.get(1).expect("record");
    assert_eq!(r1.dimension("op"), Some(DimValue::Str("attn")));
    assert_eq!(r1.dimension("batch"), Some(DimValue::Int(16)));
    assert_eq!(r1.metric("mean_ms"), Some(2.25));

    let log = "goos: linux\npkg: example.com/a\nBenchmarkX-8   1000   1,234 ns/op\nPASS\n\
               pkg: example.com/b\nBenchmarkY-8   10   99.5 ns/op\nok  example.com/b 1.2s\n";
    let r = recipe(json!({
        "select": {"kind": "lines",
                   "pattern": r"^(?P<name>Benchmark\S+?)-(?P<procs>\d+)\s+(?P<n>\d+)\s+(?P<ns>[\d.,]+) ns/op",
                   "context": [r"^pkg: (?P<pkg>\S+)"]},
        "fields": [
            {"name": "pkg", "from": "pkg", "role": "dimension"},
            {"name": "name", "from": "name", "role": "dimension"},
            {"name": "procs", "from": "procs", "role": "dimension"},
            {"name": "ns/op", "from": "ns", "role": "metric", "unit": "ns"}]}));
    let x = apply(&r, "go", "bench.txt", log.as_bytes(), &opts()).expect("applies");
    assert_eq!(x.records.len(), 2);
    let (a, b) = (x.records.get(0).expect("a"), x.records.get(1).expect("b"));
    assert_eq!(a.dimension("pkg"), Some(DimValue::Str("example.com/a")));
    assert_eq!(a.metric("ns/op"), Some(1234.0));
    assert_eq!(b.dimension("pkg"), Some(DimValue::Str("example.com/b")));
    assert_eq!(b.dimension("procs"), Some(DimValue::Int(8)));
}

#[test]
fn a_recipe_that_cannot_work_is_refused_with_the_reason() {
    let refuse = |value: serde_json::Value, file: &str, text: &str| {
        let r = recipe(value);
        apply(&r, "r", file, text.as_bytes(), &opts()).expect_err("refused")
    };
    let no_metric = json!({"select": {"kind": "table"},
        "fields": [{"name": "a", "from": "a", "role": "dimension"}]});
    assert_eq!(refuse(no_metric, "r.csv", "a\n1\n"), RecipeError::NoMetric);
    let bad_pattern = json!({"select": {"kind": "lines", "pattern": "(?P<x"},
        "fields": [{"name": "x", "from": "x", "role": "metric"}]});
    assert!(matches!(
        refuse(bad_pattern, "r.txt", "1\n"),
        RecipeError::Pattern(_)
    ));
    let wrong_path = json!({"select": {"kind": "json", "each": "/runs/*"},
        "fields": [{"name": "t", "from": "real_time", "role": "metric"}]});
    assert_eq!(refuse(wrong_path, "r.json", GBENCH), RecipeError::NoRecords);
    let missing_field = json!({"select": {"kind": "json", "each": "/benchmarks/*"},
        "fields": [{"name": "t", "from": "real_time", "role": "metric"},
                   {"name": "gpu", "from": "gpu_name", "role": "dimension"}]});
    assert_eq!(
        refuse(missing_field, "r.json", GBENCH),
        RecipeError::FieldNeverFound("gpu".into())
    );
    let json_on_csv = json!({"select": {"kind": "json", "each": ""},
        "fields": [{"name": "t", "from": "t", "role": "metric"}]});
    assert!(matches!(
        refuse(json_on_csv, "r.csv", "t\n1.5\n"),
        RecipeError::WrongFormat { .. }
    ));
    // Unknown keys are a mistake, not something to ignore.
    assert!(
        serde_json::from_value::<Recipe>(json!({"select": {"kind": "table"}, "fields": [],
            "colums": []}))
        .is_err()
    );
}

#[test]
fn fingerprints_follow_the_shape_not_the_values() {
    let fp = |path: &str, text: &str| fingerprint(path, text.as_bytes(), &opts()).expect("fp");
    let other_values = GBENCH.replace("215.3", "999.1").replace("ci-7", "ci-9");
    assert_eq!(fp("a.json", GBENCH), fp("b.json", &other_values));
    let other_shape = GBENCH.replace("\"cpu_time\"", "\"gpu_time\"");
    assert_ne!(fp("a.json", GBENCH), fp("a.json", &other_shape));
    // A map of cases: other case names, the same shape.
    let cases = |a: &str, b: &str, c: &str| {
        format!(
            r#"{{"results": {{"{a}": {{"acc": 1}}, "{b}": {{"acc": 2}}, "{c}": {{"acc": 3}}}}}}"#
        )
    };
    assert_eq!(
        fp("r.json", &cases("x", "y", "z")),
        fp("r.json", &cases("p", "q", "r"))
    );
    assert_eq!(fp("r.csv", "a,b\n1,2\n"), fp("s.csv", "a,b\n3,4\n5,6\n"));
    assert_ne!(fp("r.csv", "a,b\n1,2\n"), fp("r.csv", "a,c\n1,2\n"));
    assert_eq!(
        fp("r.txt", "run 1\nBenchmarkX-8 100 5 ns/op\n"),
        fp("r.txt", "run 2\nBenchmarkX-8 200 7 ns/op\n")
    );
    assert!(fp("r.json", GBENCH).starts_with("json:"));
}

#[test]
fn a_recipe_agrees_with_an_extraction_only_when_it_reproduces_it() {
    let r = recipe(json!({
        "select": {"kind": "json", "each": "/benchmarks/*"},
        "fields": [
            {"name": "name", "from": "name", "role": "dimension"},
            {"name": "cpu_time", "from": "cpu_time", "role": "metric"}]}));
    let by_recipe = apply(&r, "r", "g.json", GBENCH.as_bytes(), &opts()).expect("applies");
    let reference = extract(
        "g.json",
        br#"[{"name": "a", "cpu_time": 26401.0}, {"name": "b", "cpu_time": 214.9}]"#,
        &opts(),
    )
    .expect("extracts");
    assert_eq!(agrees(&by_recipe, &reference), Ok(()));
    let off = extract(
        "g.json",
        br#"[{"name": "a", "cpu_time": 26401.0}, {"name": "b", "cpu_time": 215.9}]"#,
        &opts(),
    )
    .expect("extracts");
    let why = agrees(&by_recipe, &off).expect_err("differs");
    assert!(
        why.contains("the recipe reads 214.9 where the LLM read 215.9"),
        "{why}"
    );
    let more = extract("g.json", br#"[{"cpu_time": 1.5}]"#, &opts()).expect("extracts");
    assert!(
        agrees(&by_recipe, &more)
            .expect_err("differs")
            .contains("2 records")
    );
}
