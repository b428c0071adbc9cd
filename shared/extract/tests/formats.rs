//! Format rules on small inputs: what each parser makes of the layouts the
//! crate README promises.

use wfm_extract::{
    DimValue, Extraction, FieldType, Format, Options, Schema, extract, extract_with_schema,
};

fn run(path: &str, text: &str) -> Extraction {
    extract(path, text.as_bytes(), &Options::default()).expect("extracts")
}

fn unit(x: &Extraction, name: &str) -> Option<String> {
    x.schema.field(name).and_then(|f| f.unit.clone())
}

#[test]
fn csv_cells_with_separators_percent_units_bom_crlf_and_quotes() {
    let text = "\u{feff}model;tokens;util;latency\r\n\"llama, 70b\";\"1,234,567\";85%;12.3 ms\r\nqwen;2,000;90.5%;1.5 s\r\n";
    let x = run("r.csv", text);
    assert_eq!(x.format, Format::Csv);
    assert_eq!(x.records.len(), 2);
    let first = x.records.get(0).expect("record");
    assert_eq!(first.dimension("model"), Some(DimValue::Str("llama, 70b")));
    assert_eq!(first.metric("tokens"), Some(1_234_567.0));
    assert_eq!(first.metric("util"), Some(85.0));
    assert_eq!(unit(&x, "util").as_deref(), Some("%"));
    // The column's unit is the first one seen; `1.5 s` is converted to ms.
    assert_eq!(unit(&x, "latency").as_deref(), Some("ms"));
    assert_eq!(
        x.records.get(1).and_then(|r| r.metric("latency")),
        Some(1500.0)
    );
}

#[test]
fn tsv_empty_cells_are_missing_not_zero() {
    let x = run("r.tsv", "case\tmean_ms\tp99_ms\na\t1.5\t\nb\t2.5\t9.1\n");
    assert_eq!(x.format, Format::Tsv);
    assert_eq!(x.records.get(0).and_then(|r| r.metric("p99_ms")), None);
    assert_eq!(x.records.get(1).and_then(|r| r.metric("p99_ms")), Some(9.1));
}

#[test]
fn headerless_csv_gets_column_names_and_ragged_rows_keep_their_cells() {
    let x = run("r.csv", "a,1.5\nb,2.5\n");
    assert_eq!(x.schema.dimension_fields, ["column_1"]);
    assert_eq!(x.schema.metric_fields, ["column_2"]);
    let x = run("r.csv", "name,time_ms\na,1.5\nb,2.5,extra\n");
    assert!(
        x.warnings
            .iter()
            .any(|w| w.contains("1 rows had a different number of fields")),
        "{:?}",
        x.warnings
    );
    assert_eq!(
        x.records.get(1).and_then(|r| r.dimension("column_3")),
        Some(DimValue::Str("extra"))
    );
}

#[test]
fn markdown_markup_is_stripped_and_headings_name_tables() {
    let text = "# Report\n\n## GEMM\n\n| Op | **TFLOPS** |\n|---|---:|\n| `bf16` | 496.64 TFLOPS |\n| [fp8](http://x) | _725.06_ |\n\n\
                ## Attention\n\n| Op | TFLOPS |\n|---|---|\n| fwd | 244.02 |\n";
    let x = run("r.md", text);
    assert_eq!(x.records.len(), 3);
    let fp8 = x
        .records
        .iter()
        .find(|r| r.dimension("Op") == Some(DimValue::Str("fp8")))
        .expect("link text kept");
    assert_eq!(fp8.metric("TFLOPS"), Some(725.06));
    assert_eq!(fp8.dimension("table"), Some(DimValue::Str("GEMM")));
    assert_eq!(
        x.records.get(2).and_then(|r| r.dimension("table")),
        Some(DimValue::Str("Attention"))
    );
    // One table: no heading dimension.
    let single = run("r.md", "## Only\n\n| a | ms |\n|---|---|\n| x | 1 |\n");
    assert!(single.schema.field("table").is_none());
}

#[test]
fn key_value_tables_are_one_record() {
    let text = "| Metric | Value |\n|---|---|\n| Throughput | 3515 tok/s |\n| TTFT p99 | 165.4 ms |\n| Model | llama-70b |\n";
    let x = run("summary.md", text);
    assert_eq!(x.records.len(), 1);
    let r = x.records.get(0).expect("record");
    assert_eq!(r.metric("Throughput"), Some(3515.0));
    assert_eq!(r.metric("TTFT p99"), Some(165.4));
    assert_eq!(r.dimension("Model"), Some(DimValue::Str("llama-70b")));
}

#[test]
fn markdown_tables_in_code_fences_are_read_code_is_not() {
    // A fence with no language (or `text`, `console`…) may hold a table.
    let x = run("r.md", "```\n| a | ms |\n|---|---|\n| x | 1.5 |\n```\n");
    assert_eq!(x.records.len(), 1, "{:?}", x.warnings);
    let aligned = run(
        "r.md",
        "```text\nmodel   latency_ms   tput\nm1      1.5          10.5\nm2      2.5          20.5\n```\n",
    );
    assert_eq!(aligned.records.len(), 2, "{:?}", aligned.warnings);
    // Code is code.
    let x = run("r.md", "```python\nx = 1  2\ny = 3  4\n```\n");
    assert!(x.records.is_empty());
    assert!(
        x.warnings.iter().any(|w| w.contains("no tables")),
        "{:?}",
        x.warnings
    );
}

#[test]
fn large_markdown_tables_are_read_whole() {
    let rows: String = (0..2000)
        .map(|i| format!("| case{i} | {i}.5 ms |\n"))
        .collect();
    let x = run(
        "big.md",
        &format!("## Big\n\n| case | latency |\n|---|---|\n{rows}\nafter\n"),
    );
    assert_eq!(x.records.len(), 2000);
    assert_eq!(
        x.records.get(1999).and_then(|r| r.metric("latency")),
        Some(1999.5)
    );
}

#[test]
fn json_case_maps_join_siblings_and_copy_file_level_values() {
    let text = r#"{"model": "m1", "commit": "abc",
        "results": {"taskA": {"acc": 0.5}, "taskB": {"acc": 0.7, "f1": 40.1}},
        "versions": {"taskA": 1, "taskB": 2}}"#;
    let x = run("r.json", text);
    assert_eq!(x.records.len(), 2);
    let b = x.records.get(1).expect("taskB");
    assert_eq!(b.dimension("result"), Some(DimValue::Str("taskB")));
    assert_eq!(b.dimension("versions"), Some(DimValue::Int(2)));
    assert_eq!(b.dimension("model"), Some(DimValue::Str("m1")));
    assert_eq!(b.metric("f1"), Some(40.1));
    assert_eq!(x.records.get(0).and_then(|r| r.metric("f1")), None);
}

#[test]
fn json_timestamps_are_read_from_date_fields() {
    let x = run(
        "r.json",
        r#"{"datetime": "2025-03-04T01:41:41Z", "benchmarks": [{"name": "a", "mean_ms": 1.5}]}"#,
    );
    let t = x
        .records
        .get(0)
        .and_then(|r| r.timestamp())
        .expect("timestamp");
    assert_eq!(t.to_rfc3339(), "2025-03-04T01:41:41+00:00");
}

#[test]
fn knobs_are_dimensions_and_measurements_metrics() {
    let x = run(
        "r.csv",
        "batch_size,seq_len,tp,num_gpus,iterations,throughput,loss\n8,4096,2,8,100,1234.5,0.25\n",
    );
    assert_eq!(
        x.schema.dimension_fields,
        ["batch_size", "seq_len", "tp", "num_gpus"]
    );
    assert_eq!(x.schema.metric_fields, ["iterations", "throughput", "loss"]);
    assert_eq!(
        x.schema.field("batch_size").map(|f| f.field_type),
        Some(FieldType::Int)
    );
}

#[test]
fn a_schema_is_matched_loosely_and_applied_exactly() {
    let schema: Schema = serde_json::from_str(
        r#"{"fields": [{"name": "Mean", "type": "float", "unit": "ms"}],
            "dimension_fields": ["command"], "metric_fields": ["Mean", "relative", "memory"]}"#,
    )
    .expect("schema");
    let text = "| Command | Mean [ms] | Min [ms] | Relative |\n|:---|---:|---:|---:|\n| `a` | 150.1 ± 34.7 | 117.8 | 1.00 |\n";
    let x = extract_with_schema("r.md", text.as_bytes(), &schema, &Options::default())
        .expect("extracts");
    let r = x.records.get(0).expect("record");
    assert_eq!(
        r.dimensions().collect::<Vec<_>>(),
        [("command", DimValue::Str("a"))]
    );
    assert_eq!(
        r.metrics().collect::<Vec<_>>(),
        [("Mean", 150.1), ("relative", 1.0)]
    );
    assert!(
        x.warnings
            .iter()
            .any(|w| w.contains("missing from the file: `memory`")),
        "{:?}",
        x.warnings
    );
    assert!(
        x.warnings.iter().any(|w| w.contains("`Min [ms]`")),
        "{:?}",
        x.warnings
    );
    let invalid: Schema = serde_json::from_str(
        r#"{"fields": [], "dimension_fields": ["a"], "metric_fields": ["a"]}"#,
    )
    .expect("json");
    let err = extract_with_schema("r.md", text.as_bytes(), &invalid, &Options::default())
        .expect_err("invalid schema");
    assert_eq!(
        err.to_string(),
        "invalid schema: field `a` is listed both as a dimension and as a metric"
    );
}

#[test]
fn text_key_values_and_aligned_tables() {
    let x = run(
        "run.log",
        "starting run\nThroughput: 3515.02 tok/s\nlatency p99 = 165.4 ms\nmodel: llama\n",
    );
    assert_eq!(x.format, Format::Text);
    assert_eq!(x.records.len(), 1);
    let r = x.records.get(0).expect("summary record");
    assert_eq!(r.metric("Throughput"), Some(3515.02));
    assert_eq!(r.metric("latency p99"), Some(165.4));
    let table = run(
        "out.txt",
        "# batch   latency\n#          (ms)\n  1        12.5\n  8        40.25\n",
    );
    assert_eq!(table.records.len(), 2);
    assert_eq!(table.schema.dimension_fields, ["batch"]);
    assert_eq!(unit(&table, "latency").as_deref(), Some("ms"));
    assert_eq!(
        table.records.get(1).and_then(|r| r.metric("latency")),
        Some(40.25)
    );
}

#[test]
fn extra_cells_land_in_their_own_columns() {
    let x = run("r.csv", "name,time_ms\na,1.5\nb,2.5,,x\nc,3.5,y\n");
    let b = x.records.get(1).expect("b");
    assert_eq!(b.dimension("column_4"), Some(DimValue::Str("x")));
    assert_eq!(
        x.records.get(2).and_then(|r| r.dimension("column_3")),
        Some(DimValue::Str("y"))
    );
}

#[test]
fn file_level_values_never_overwrite_a_records_own_field() {
    let x = run(
        "r.json",
        r#"{"name": "suite", "benchmarks": [{"name": "fib_10", "t_ms": 1.5}, {"t_ms": 3.1}]}"#,
    );
    assert_eq!(
        x.records.get(0).and_then(|r| r.dimension("name")),
        Some(DimValue::Str("fib_10"))
    );
    assert_eq!(
        x.records.get(1).and_then(|r| r.dimension("name")),
        Some(DimValue::Str("suite"))
    );
}

#[test]
fn brackets_alone_do_not_make_json() {
    let log = run(
        "run.log",
        "[2025-01-01 12:00:00] start\nthroughput: 12.5 tok/s\n",
    );
    assert_eq!(log.format, Format::Text);
    assert_eq!(
        log.records.get(0).and_then(|r| r.metric("throughput")),
        Some(12.5)
    );
    let deep = format!(
        "{{\"qps\": 1, \"t_ms\": 2.5}}\n{}1{}\n",
        "{\"a\":".repeat(200),
        "}".repeat(200)
    );
    let x = run("r.jsonl", &deep);
    assert_eq!(
        x.records.len(),
        1,
        "the too-deep line is skipped, the good one kept"
    );
    assert!(
        x.warnings
            .iter()
            .any(|w| w.starts_with("line 2:") && w.contains("recursion limit")),
        "{:?}",
        x.warnings
    );
}

#[test]
fn names_head_word_decides_and_none_stays_a_value() {
    let x = run(
        "r.csv",
        "batch_time,time_per_batch,max_concurrency,quantization\n1.5,2.5,8,none\n2.5,3.5,16,fp8\n",
    );
    assert_eq!(x.schema.metric_fields, ["batch_time", "time_per_batch"]);
    assert_eq!(
        x.schema.dimension_fields,
        ["max_concurrency", "quantization"]
    );
    assert_eq!(
        x.records.get(0).and_then(|r| r.dimension("quantization")),
        Some(DimValue::Str("none"))
    );
}

#[test]
fn markdown_tables_comrak_refuses_are_reported() {
    let x = run("r.md", "| a | ms |\n|---|\n| x | 1 |\n");
    assert!(
        x.warnings.iter().any(|w| w.contains("1 table(s) not read")),
        "{:?}",
        x.warnings
    );
}

#[test]
fn schema_units_convert_or_refuse() {
    let schema: Schema = serde_json::from_str(
        r#"{"fields": [{"name": "Mean", "type": "float", "unit": "ms"}, {"name": "Max", "type": "float", "unit": "ms"}],
            "dimension_fields": ["command"], "metric_fields": ["Mean", "Max"]}"#,
    )
    .expect("schema");
    let text = "| command | Mean [s] | Max [KB] |\n|---|---|---|\n| a | 1.5 | 3 |\n";
    let x = extract_with_schema("r.md", text.as_bytes(), &schema, &Options::default())
        .expect("extracts");
    assert_eq!(
        x.records.get(0).and_then(|r| r.metric("Mean")),
        Some(1500.0)
    );
    assert_eq!(x.records.get(0).and_then(|r| r.metric("Max")), None);
    assert!(
        x.warnings
            .iter()
            .any(|w| w.contains("`Max` is in ms but the file's `Max [KB]` is in KB")),
        "{:?}",
        x.warnings
    );
}

#[test]
fn nul_characters_and_impossible_dates_never_reach_the_database() {
    let x = run(
        "r.json",
        r#"{"name": "a\u0000b", "date": "99999-01-01", "t_ms": 1.5}"#,
    );
    let r = x.records.get(0).expect("record");
    assert_eq!(r.dimension("name"), Some(DimValue::Str("a\u{FFFD}b")));
    assert!(r.timestamp().is_none(), "year 99999 is not a time");
    assert!(wfm_extract::parse_time("2025-03-04T01:41:41Z").is_some());
}

#[test]
fn json_as_tools_write_it_nan_assignments_and_log_lines() {
    // Python's json.dump: NaN and Infinity are missing values, never 0
    let x = run(
        "results.json",
        r#"{"results": [{"model": "a", "tflops": 10.5, "err": NaN}, {"model": "b", "tflops": Infinity, "err": 0.1}]}"#,
    );
    assert_eq!(x.format, Format::Json);
    assert_eq!(x.records.len(), 2);
    let (a, b) = (x.records.get(0).expect("a"), x.records.get(1).expect("b"));
    assert_eq!((a.metric("tflops"), a.metric("err")), (Some(10.5), None));
    assert_eq!((b.metric("tflops"), b.metric("err")), (None, Some(0.1)));
    assert!(
        x.warnings.iter().any(|w| w.contains("2 NaN/Infinity")),
        "{:?}",
        x.warnings
    );

    // JSON inside a JavaScript assignment (as github-action-benchmark's
    // data.js is written): found by content, not by name
    let js = "window.BENCH = {\n  \"benchmarks\": [\n    {\"name\": \"fib\", \"ns_per_iter\": 135},\n    {\"name\": \"fact\", \"ns_per_iter\": 42}\n  ]\n};\n";
    let x = run("data.js", js);
    assert_eq!(x.format, Format::Json);
    assert_eq!(x.records.len(), 2, "{:?}", x.warnings);
    assert_eq!(
        x.records.get(0).and_then(|r| r.metric("ns_per_iter")),
        Some(135.0)
    );

    // a banner before the document
    let logged =
        "bench v1.2 starting\nwarmup done\n{\"benchmarks\": [{\"name\": \"x\", \"ms\": 1.5}]}\n";
    let x = run("out.log", logged);
    assert_eq!(x.format, Format::Json);
    assert_eq!(x.records.get(0).and_then(|r| r.metric("ms")), Some(1.5));

    // JSON Lines with a NaN line keep it, with the value missing
    let x = run(
        "r.jsonl",
        "{\"case\": \"a\", \"latency_ms\": 1.5, \"tokens_per_s\": 10}\n{\"case\": \"b\", \"latency_ms\": NaN, \"tokens_per_s\": 20}\n",
    );
    assert_eq!(x.records.len(), 2, "{:?}", x.warnings);
    assert_eq!(x.records.get(1).and_then(|r| r.metric("latency_ms")), None);
}
