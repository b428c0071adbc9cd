//! The generic rules for files no adapter knows: layouts of tables (melted,
//! transposed, a unit column), maps of cases, JSON Lines of mixed shapes,
//! Markdown code fences, cell forms and plain-text line grammars; on small
//! synthetic inputs, and on the real files under tests/fixtures/generic/.

mod common;

use common::Known;
use wfm_extract::{DimValue, Direction, Extraction, Options, extract};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/generic");

fn run(path: &str, text: &str) -> Extraction {
    extract(path, text.as_bytes(), &Options::default()).expect("extracts")
}

fn unit(x: &Extraction, name: &str) -> Option<String> {
    x.schema.field(name).and_then(|f| f.unit.clone())
}

fn direction(x: &Extraction, name: &str) -> Option<Direction> {
    x.schema.field(name).and_then(|f| f.direction)
}

/// The one record whose dimension `name` is `value`.
fn find<'x>(x: &'x Extraction, name: &str, value: &str) -> wfm_extract::Record<'x> {
    let found: Vec<_> = x
        .records
        .iter()
        .filter(|r| match r.dimension(name) {
            Some(DimValue::Str(s)) => s == value,
            Some(DimValue::Int(i)) => i.to_string() == value,
            Some(DimValue::Float(f)) => f.to_string() == value,
            _ => false,
        })
        .collect();
    assert_eq!(found.len(), 1, "{name} = {value}: {:?}", x.schema);
    found.into_iter().next().expect("one")
}

// ---- melted tables -------------------------------------------------------

#[test]
fn melted_csv_is_pivoted_on_its_metric_column_with_units() {
    let text = "model,batch,metric,value,unit\n\
                llama,1,throughput,120.5,tok/s\n\
                llama,1,latency,8.3,ms\n\
                llama,8,throughput,800.25,tok/s\n\
                llama,8,latency,12.5,ms\n\
                qwen,1,throughput,140.5,tok/s\n\
                qwen,1,latency,7.1,ms\n";
    let x = run("long.csv", text);
    assert_eq!(x.records.len(), 3, "{:?}", x.schema);
    assert_eq!(x.schema.dimension_fields, ["model", "batch"]);
    assert_eq!(x.schema.metric_fields, ["throughput", "latency"]);
    assert_eq!(unit(&x, "latency").as_deref(), Some("ms"));
    assert_eq!(unit(&x, "throughput").as_deref(), Some("tok/s"));
    let qwen = find(&x, "model", "qwen");
    assert_eq!(qwen.metric("latency"), Some(7.1));
    assert_eq!(qwen.dimension("batch"), Some(DimValue::Int(1)));
}

#[test]
fn melted_tables_in_markdown_and_text_too() {
    let md = "| Model | Metric | Score |\n|---|---|---|\n| a | mmlu | 61.2 |\n| a | gsm8k | 40.3 |\n| b | mmlu | 70.1 |\n| b | gsm8k | 55.0 |\n";
    let x = run("r.md", md);
    assert_eq!(x.records.len(), 2);
    assert_eq!(x.schema.metric_fields, ["mmlu", "gsm8k"]);
    assert_eq!(find(&x, "Model", "b").metric("gsm8k"), Some(55.0));

    let txt = "model   metric      value\nm1      loss        1.25\nm1      accuracy    0.5\nm2      loss        1.5\nm2      accuracy    0.25\n";
    let x = run("r.txt", txt);
    assert_eq!(x.records.len(), 2, "{:?}", x.schema);
    assert_eq!(find(&x, "model", "m2").metric("accuracy"), Some(0.25));
}

#[test]
fn a_name_column_is_pivoted_only_when_the_names_repeat() {
    // One row per case: `name` names the case, not a measurement.
    let cases = "name,value,unit\nBM_a,12.5,ns\nBM_b,13.5,ns\nBM_c,14.5,ns\n";
    let x = run("r.csv", cases);
    assert_eq!(x.records.len(), 3);
    assert_eq!(x.schema.metric_fields, ["value"]);
    // One unit on every row: it is the value's unit.
    assert_eq!(unit(&x, "value").as_deref(), Some("ns"));
    let runs = "run,name,value\n1,load,1.5\n1,parse,2.5\n2,load,1.25\n2,parse,2.75\n";
    let x = run("r.csv", runs);
    assert_eq!(x.records.len(), 2);
    assert_eq!(find(&x, "run", "2").metric("parse"), Some(2.75));
}

#[test]
fn melted_metrics_in_units_that_do_not_convert_keep_the_unit_as_a_dimension() {
    let text = "model,scenario,metric,value,unit\nresnet,Server,result,681328.0,Queries/s\nresnet,Offline,result,757446.0,Samples/s\n";
    let x = run("r.csv", text);
    assert_eq!(x.records.len(), 2);
    assert!(x.schema.dimension_fields.contains(&"unit".to_owned()));
    assert_eq!(
        find(&x, "scenario", "Offline").metric("result"),
        Some(757446.0)
    );
    assert_eq!(unit(&x, "result"), None);
}

#[test]
fn melted_companion_columns_follow_their_metric() {
    let text =
        "task,metric,value,stderr\narc,acc,0.5,0.01\narc,acc_norm,0.55,0.02\nhella,acc,0.6,0.03\n";
    let x = run("r.csv", text);
    assert_eq!(x.records.len(), 2);
    let arc = find(&x, "task", "arc");
    assert_eq!(arc.metric("acc_norm"), Some(0.55));
    assert_eq!(arc.metric("acc_norm_stderr"), Some(0.02));
}

// ---- a unit column in a wide table ---------------------------------------

#[test]
fn a_unit_column_with_one_unit_is_the_metrics_unit() {
    let text = "Benchmark,Mode,Cnt,Score,Error,Units\nfoo,avgt,5,12.5,0.5,us/op\nbar,avgt,5,13.25,0.25,us/op\n";
    let x = run("r.csv", text);
    assert_eq!(unit(&x, "Score").as_deref(), Some("us/op"));
    assert_eq!(unit(&x, "Error").as_deref(), Some("us/op"));
    assert_eq!(find(&x, "Benchmark", "bar").metric("Score"), Some(13.25));
    // Several units: values stay as printed, the unit column a dimension.
    let mixed = "model,scenario,result,units\nr,Server,10.5,Queries/s\nr,Offline,20.5,Samples/s\n";
    let x = run("r.csv", mixed);
    assert_eq!(unit(&x, "result"), None);
    assert!(x.schema.dimension_fields.contains(&"units".to_owned()));
    assert_eq!(find(&x, "scenario", "Offline").metric("result"), Some(20.5));
}

// ---- transposed tables ---------------------------------------------------

#[test]
fn systems_as_columns_are_transposed_into_one_record_each() {
    let md = "| Metric | H100 | MI300X | A100 |\n|---|---|---|---|\n\
              | Throughput (tok/s) | 1,234 | 987.5 | 600 |\n\
              | Latency p50 (ms) | 12.5 | 14.25 | 20 |\n\
              | TTFT p99 (ms) | 40 | 45.5 | n/a |\n";
    let x = run("r.md", md);
    assert_eq!(x.records.len(), 3, "{:?}", x.schema);
    assert_eq!(x.schema.dimension_fields, ["system"]);
    let mi = find(&x, "system", "MI300X");
    assert_eq!(mi.metric("Throughput (tok/s)"), Some(987.5));
    assert_eq!(mi.metric("Latency p50 (ms)"), Some(14.25));
    assert_eq!(find(&x, "system", "A100").metric("TTFT p99 (ms)"), None);
    assert_eq!(unit(&x, "Latency p50 (ms)").as_deref(), Some("ms"));
    // The first header cell names the columns when it is not a metric word.
    let gpu = "GPU,H100,B200\nthroughput,10.5,20.5\nlatency_ms,3.5,2.5\n";
    let x = run("r.csv", gpu);
    assert_eq!(x.schema.dimension_fields, ["GPU"]);
    assert_eq!(find(&x, "GPU", "B200").metric("latency_ms"), Some(2.5));
}

#[test]
fn a_numeric_first_column_is_not_transposed() {
    // triton's perf_report: providers across, x values down.
    let x = run("r.csv", "M,cuBLAS,Triton\n256.0,3.6,3.6\n384.0,11.1,10.1\n");
    assert_eq!(x.records.len(), 2);
    assert_eq!(x.schema.metric_fields, ["cuBLAS", "Triton"]);
    // Cases down the first column, measurements across: rows as they are.
    let x = run(
        "r.md",
        "| Model | Latency (ms) | Throughput |\n|---|---|---|\n| a | 1.5 | 10.5 |\n| b | 2.5 | 20.5 |\n",
    );
    assert_eq!(x.records.len(), 2);
}

// ---- header cells --------------------------------------------------------

#[test]
fn arrows_in_headers_give_the_direction() {
    let md = "| Model | Perplexity ↓ | Acc (↑) | Size |\n|---|---|---|---|\n| a | 5.5 | 61.5 | 7 |\n| b | 6.5 | 58.5 | 13 |\n";
    let x = run("r.md", md);
    assert_eq!(x.schema.metric_fields, ["Perplexity", "Acc"]);
    assert_eq!(direction(&x, "Perplexity"), Some(Direction::LowerIsBetter));
    assert_eq!(direction(&x, "Acc"), Some(Direction::HigherIsBetter));
    assert_eq!(find(&x, "Model", "b").metric("Acc"), Some(58.5));
}

// ---- cells ---------------------------------------------------------------

#[test]
fn cell_forms_notes_spaces_placeholders_and_multipliers() {
    let text = "model;score;rows;speed;params\n\
                a;40.3 (orig: 37.7);208 723;1.2k;N/A\n\
                b;—;208\u{202f}723,5;3.4M;✗\n\
                c;NA;1\u{a0}000;–;7\n\
                d;--;12;12.3%;x\n";
    let x = run("r.csv", text);
    let a = find(&x, "model", "a");
    assert_eq!(a.metric("score"), Some(40.3));
    assert_eq!(a.metric("rows"), Some(208_723.0));
    assert_eq!(a.metric("speed"), Some(1200.0));
    let b = find(&x, "model", "b");
    assert_eq!(b.metric("score"), None);
    assert_eq!(b.metric("rows"), Some(208_723.5));
    assert_eq!(b.metric("speed"), Some(3_400_000.0));
    let c = find(&x, "model", "c");
    assert_eq!(c.metric("rows"), Some(1000.0));
    assert_eq!(c.metric("speed"), None);
    let d = find(&x, "model", "d");
    assert_eq!(d.metric("speed"), Some(12.3));
    assert!(d.dimension("params").is_none() && d.metric("params").is_none());
}

#[test]
fn text_tables_never_merge_two_numbers_separated_by_spaces() {
    let x = run(
        "r.txt",
        "size  iters  time\n 128  1000  1.5\n 256  2000  2.5\n",
    );
    assert_eq!(x.records.len(), 2);
    assert_eq!(find(&x, "size", "256").metric("time"), Some(2.5));
}

// ---- real files ----------------------------------------------------------

#[test]
fn real_leaderboard_arrows_give_directions() {
    let path = format!("{FIXTURES}/md/perplexity-leaderboard-readme.md");
    let bytes = std::fs::read(&path).expect("fixture");
    let x = extract(&path, &bytes, &Options::default()).expect("extracts");
    assert_eq!(
        direction(&x, "Average Perplexity"),
        Some(Direction::LowerIsBetter)
    );
}

#[test]
fn real_generic_files_match_their_ground_truth() {
    let entries = common::expected(FIXTURES);
    let failures: Vec<String> = entries
        .iter()
        .filter_map(|e| common::check_file(FIXTURES, e, &Known::default()).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} files differ:\n{}",
        failures.len(),
        entries.len(),
        failures.join("\n")
    );
}

// ---- JSON ----------------------------------------------------------------

#[test]
fn a_document_that_is_a_map_of_cases_keeps_each_key_whole() {
    let text = r#"{"tests::a/b.c": {"mean_ns": 12.5, "iters": 100},
                   "x.y": {"mean_ns": 14.5, "iters": 200},
                   "suite/z::w": {"mean_ns": 9.5, "iters": 50}}"#;
    let x = run("r.json", text);
    assert_eq!(x.records.len(), 3, "{:?}", x.schema);
    assert_eq!(
        find(&x, "case", "tests::a/b.c").metric("mean_ns"),
        Some(12.5)
    );
    assert_eq!(find(&x, "case", "x.y").metric("mean_ns"), Some(14.5));
    assert!(x.schema.field("x.y.mean_ns").is_none());
    // Scalars beside the cases are file-level values.
    let x = run(
        "r.json",
        r#"{"commit": "abc", "a.b": {"t_ms": 1.5}, "c/d": {"t_ms": 2.5}}"#,
    );
    assert_eq!(x.records.len(), 2);
    assert_eq!(
        find(&x, "case", "c/d").dimension("commit"),
        Some(DimValue::Str("abc"))
    );
    // Objects of different shapes are sections of one document, not cases.
    let x = run(
        "r.json",
        r#"{"config": {"model": "m", "bs": 8}, "summary": {"tput": 10.5, "lat_ms": 3.5}}"#,
    );
    assert_eq!(x.records.len(), 1);
    assert_eq!(
        x.records.get(0).and_then(|r| r.metric("summary.tput")),
        Some(10.5)
    );
}

#[test]
fn json_lines_of_different_shapes() {
    // A header line: its values go into every record, it is not one.
    let text = "{\"model\": \"llama\", \"date\": \"2025-01-01\", \"gpus\": 8}\n\
                {\"case\": \"a\", \"latency_ms\": 1.5}\n\
                {\"case\": \"b\", \"latency_ms\": 2.5}\n";
    let x = run("r.jsonl", text);
    assert_eq!(x.records.len(), 2, "{:?}", x.schema);
    let b = find(&x, "case", "b");
    assert_eq!(b.dimension("model"), Some(DimValue::Str("llama")));
    assert_eq!(b.dimension("gpus"), Some(DimValue::Int(8)));
    // A line that is a document with a collection yields its records.
    let text = "{\"benchmarks\": [{\"name\": \"a\", \"ns\": 1.5}, {\"name\": \"b\", \"ns\": 2.5}]}\n\
                {\"benchmarks\": [{\"name\": \"c\", \"ns\": 3.5}]}\n";
    let x = run("r.jsonl", text);
    assert_eq!(x.records.len(), 3);
    assert_eq!(find(&x, "name", "c").metric("ns"), Some(3.5));
    // Lines of one shape: every line is a record.
    let x = run(
        "r.jsonl",
        "{\"a\": \"x\", \"t_ms\": 1.5}\n{\"a\": \"y\", \"t_ms\": 2.5}\n{\"a\": \"z\", \"t_ms\": 3.5}\n",
    );
    assert_eq!(x.records.len(), 3);
}

// ---- Markdown ------------------------------------------------------------

#[test]
fn nested_headings_that_change_between_tables_are_dimensions() {
    let md = "# Log\n\n## Phase 4\n\n### baseline\n\n| Metric | Llama | Qwen |\n|---|---:|---:|\n| Throughput (tok/s) | 88.5 | 67.4 |\n| TTFT P50 (ms) | 86 | 93 |\n\n\
              ### burst\n\n| Metric | Llama | Qwen |\n|---|---:|---:|\n| Throughput (tok/s) | 300.5 | 200.4 |\n\n\
              ## Phase 5\n\n### baseline\n\n| Metric | Llama | Qwen |\n|---|---:|---:|\n| Throughput (tok/s) | 87.1 | 65.8 |\n";
    let x = run("log.md", md);
    assert_eq!(x.records.len(), 6, "{:?}", x.schema);
    let phase5: Vec<_> = x
        .records
        .iter()
        .filter(|r| r.dimension("section") == Some(DimValue::Str("Phase 5")))
        .collect();
    assert_eq!(phase5.len(), 2);
    assert_eq!(phase5[1].dimension("system"), Some(DimValue::Str("Qwen")));
    assert_eq!(phase5[1].metric("Throughput (tok/s)"), Some(65.8));
    assert_eq!(
        phase5[1].dimension("table"),
        Some(DimValue::Str("baseline"))
    );
    // The title over every table is no dimension.
    assert!(x.schema.field("Log").is_none());
    assert!(
        !x.records
            .iter()
            .any(|r| r.dimension("section") == Some(DimValue::Str("Log")))
    );
}

// ---- plain text ----------------------------------------------------------

#[test]
fn key_value_blocks_become_one_record_each() {
    let text = "==== run 1 ====\nmodel: llama\nthroughput: 120.5 tok/s\nlatency: 8.5 ms\n\n\
                ==== run 2 ====\nmodel: qwen\nthroughput: 140.5 tok/s\nlatency: 7.5 ms\n";
    let x = run("bench.log", text);
    assert_eq!(x.records.len(), 2, "{:?}", x.schema);
    let qwen = find(&x, "model", "qwen");
    assert_eq!(qwen.metric("throughput"), Some(140.5));
    assert_eq!(unit(&x, "latency").as_deref(), Some("ms"));
    // One block: one summary record of its numbers.
    let x = run("bench.log", "model: llama\nthroughput: 120.5 tok/s\n");
    assert_eq!(x.records.len(), 1);
}

#[test]
fn sections_name_the_pairs_under_them() {
    let text = "Results\n📈 Throughput:\n   Requests/s:     9.12\n   Tokens/s:     285.40\n\n\
                ⏱️  Latency:\n   Average:   0.5234s\n   P50 (median):  0.4892s\n\n🔤 Tokens:\n   Average:  31.28\n";
    let x = run("out.txt", text);
    assert_eq!(x.records.len(), 1, "{:?}", x.schema);
    let r = x.records.get(0).expect("record");
    assert_eq!(r.metric("Throughput.Tokens/s"), Some(285.40));
    assert_eq!(r.metric("Latency.Average"), Some(0.5234));
    assert_eq!(r.metric("Tokens.Average"), Some(31.28));
}

#[test]
fn name_value_unit_lines_and_value_unit_pairs() {
    let text =
        "Summary\nThroughput      1234.5 tok/s\nLatency p50     12.3 ms\nRequests        100\n";
    let x = run("out.txt", text);
    assert_eq!(x.records.len(), 1, "{:?}", x.schema);
    let r = x.records.get(0).expect("record");
    assert_eq!(r.metric("Latency p50"), Some(12.3));
    assert_eq!(unit(&x, "Throughput").as_deref(), Some("tok/s"));
    // `1234 ns/op  56 B/op` rows with no header: the unit names the number.
    // (Go's own `Benchmark…` lines go to its adapter; these are a lookalike.)
    let pairs = "parse_a   1000   1234 ns/op   56 B/op\nparse_b   2000   2345 ns/op   64 B/op\n";
    let x = run("bench.txt", pairs);
    assert_eq!(x.reading.name, None, "no adapter takes it");
    assert_eq!(x.records.len(), 2, "{:?}", x.schema);
    assert_eq!(
        find(&x, "column_1", "parse_b").metric("ns/op"),
        Some(2345.0)
    );
    assert!(x.schema.field("B/op").is_some());
}

#[test]
fn a_metric_column_makes_its_rows_metrics_even_when_whole() {
    let md = "| Metric | a | b |\n|---|---|---|\n| Errors | 0 | 0 |\n| Throughput (tok/s) | 10.5 | 11.5 |\n";
    let x = run("r.md", md);
    assert!(
        x.schema.metric_fields.contains(&"Errors".to_owned()),
        "{:?}",
        x.schema
    );
    let long = "model,metric,value\na,errors,0\na,requests,100\nb,errors,2\nb,requests,100\n";
    let x = run("r.csv", long);
    assert_eq!(x.schema.metric_fields, ["errors", "requests"]);
}

#[test]
fn a_list_of_named_measurements_with_units_is_one_record() {
    let md = "| Name | Example Value | Unit | Description |\n|---|---|---|---|\n\
              | Total time | 0.578 | seconds | Time to complete |\n\
              | Requests | 172.97 | number/sec | Completed per second |\n\
              | Total data transferred | 65006 | bytes | Response data |\n";
    let x = run("r.md", md);
    assert_eq!(x.records.len(), 1, "{:?}", x.schema);
    let r = x.records.get(0).expect("record");
    assert_eq!(r.metric("Total time"), Some(0.578));
    assert_eq!(unit(&x, "Requests").as_deref(), Some("number/sec"));
    assert!(x.schema.field("Description").is_none());
}

#[test]
fn lines_of_pairs_are_one_record_each() {
    let log = "using device: cuda\nloaded 338025 tokens\n\
               step 0 | loss: 10.938573 | lr: 6.0000e-05 | norm: 27.0159 | time: 17830.71ms | tokens/sec: 29403.65\n\
               step 1 | loss: 9.649478 | lr: 1.2000e-04 | norm: 9.5112 | time: 4431.57ms | tokens/sec: 118307.47\n";
    let x = run("train.log", log);
    assert_eq!(x.records.len(), 2, "{:?}", x.schema);
    let one = find(&x, "step", "1");
    assert_eq!(one.metric("loss"), Some(9.649478));
    assert_eq!(one.metric("tokens/sec"), Some(118307.47));
    assert_eq!(unit(&x, "time").as_deref(), Some("ms"));
    // The same lines in a Markdown code fence, under headings.
    let md = "# Log\n\n## Overfit\n\n```\nstep 0, loss: 10.89\nstep 1, loss: 10.71\n```\n\n## Train\n\n```\nstep 0, loss: 10.95\nstep 1, loss: 10.61\n```\n";
    let x = run("log.md", md);
    assert_eq!(x.records.len(), 4, "{:?}", x.schema);
    let train: Vec<_> = x
        .records
        .iter()
        .filter(|r| r.dimension("table") == Some(DimValue::Str("Train")))
        .collect();
    assert_eq!(train.len(), 2);
    assert_eq!(train[1].metric("loss"), Some(10.61));
}

#[test]
fn an_apachebench_summary_is_one_record_with_bracketed_units() {
    let text = "Concurrency Level:      100\nTime taken for tests:   0.301 seconds\n\
                Complete requests:      2000\nFailed requests:        0\n\
                Requests per second:    6650.99 [#/sec] (mean)\n\
                Time per request:       15.035 [ms] (mean)\n\
                Time per request:       0.150 [ms] (mean, across all concurrent requests)\n";
    let x = run("ab.txt", text);
    assert_eq!(x.records.len(), 1, "{:?}", x.schema);
    let r = x.records.get(0).expect("record");
    assert_eq!(r.metric("Requests per second"), Some(6650.99));
    assert_eq!(unit(&x, "Time per request").as_deref(), Some("ms"));
    assert_eq!(r.metric("Time per request_2"), Some(0.150));
}

#[test]
fn prose_lines_of_equal_length_are_not_a_table() {
    let text = "This is ApacheBench, Version 2.3 <$Revision: 1913912 $>\n\
                Copyright 1996 Adam Twiss, Zeus Technology Ltd, http://www.zeustech.net/\n\
                Requests per second:    11990.70 [#/sec] (mean)\n";
    let x = run("ab.txt", text);
    assert_eq!(x.records.len(), 1, "{:?}", x.schema);
    assert_eq!(x.schema.metric_fields, ["Requests per second"]);
}
