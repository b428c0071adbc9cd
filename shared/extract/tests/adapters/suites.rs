//! The suites family's adapters: github-action-benchmark, BenchmarkDotNet
//! (JSON, CSV, Markdown), asv and JMH, on real outputs and synthetic
//! variants.

use crate::common::Known;

#[test]
fn real_samples_match_their_ground_truth() {
    crate::check_family("suites", &Known::default());
}

use crate::{adapter, run};
use wfm_extract::{DimValue, Direction, Extraction};

fn direction(x: &Extraction, field: &str) -> Option<Direction> {
    x.schema.field(field).and_then(|f| f.direction)
}

fn unit(x: &Extraction, field: &str) -> Option<String> {
    x.schema.field(field).and_then(|f| f.unit.clone())
}

/// The one record whose dimension `key` is `value`.
fn record<'x>(x: &'x Extraction, key: &str, value: &str) -> wfm_extract::Record<'x> {
    let found: Vec<_> = x
        .records
        .iter()
        .filter(|r| match r.dimension(key) {
            Some(DimValue::Str(s)) => s == value,
            Some(DimValue::Int(i)) => i.to_string() == value,
            _ => false,
        })
        .collect();
    assert_eq!(found.len(), 1, "records with {key} = {value}");
    found[0]
}

// ---- github-action-benchmark ----

const GAB_RUN: &str = r#"{"lastUpdate": 1, "repoUrl": "https://github.com/o/r", "entries": {"Go": [
 {"commit": {"id": "abc", "timestamp": "2022-03-24T14:48:11Z"}, "date": 1648134446665, "tool": "go",
  "benches": [
   {"name": "BenchmarkSimpleClustering", "value": 152233,
    "unit": "ns/op\t   39461 B/op\t    1041 allocs/op", "extra": "80137 times\n2 procs"},
   {"name": "BenchmarkLong - ns/op", "value": 78478876220, "unit": "ns/op", "extra": "1 times\n2 procs"}
  ]}]}}"#;

#[test]
fn gab_plain_json_without_the_assignment_is_read_too() {
    let x = run("benchmark-data.json", GAB_RUN);
    assert_eq!(adapter(&x), "github-action-benchmark");
    assert_eq!(x.records.len(), 2);
    let r = record(&x, "name", "BenchmarkLong - ns/op");
    assert_eq!(r.metric("value"), Some(78478876220.0));
    assert_eq!(r.dimension("commit.id"), Some(DimValue::Str("abc")));
    assert_eq!(r.dimension("date"), Some(DimValue::Int(1648134446665)));
    assert!(
        r.timestamp().is_some(),
        "commit.timestamp gives the record its time"
    );
    assert_eq!(unit(&x, "value").as_deref(), Some("ns/op"));
    assert_eq!(direction(&x, "value"), Some(Direction::LowerIsBetter));
}

#[test]
fn gab_old_go_unit_strings_unpack_into_metrics_named_by_unit() {
    let x = run("data.js", &format!("window.BENCHMARK_DATA = {GAB_RUN}"));
    assert_eq!(adapter(&x), "github-action-benchmark");
    let r = record(&x, "name", "BenchmarkSimpleClustering");
    assert_eq!(r.dimension("unit"), Some(DimValue::Str("ns/op")));
    assert_eq!(r.metric("value"), Some(152233.0));
    assert_eq!(r.metric("B/op"), Some(39461.0));
    assert_eq!(r.metric("allocs/op"), Some(1041.0));
    assert_eq!(r.metric("times"), Some(80137.0));
    assert_eq!(r.dimension("procs"), Some(DimValue::Int(2)));
}

#[test]
fn gab_mixed_units_keep_value_as_written_with_the_unit_beside_it() {
    let text = "window.BENCHMARK_DATA = {\r\n \"entries\": {\r\n  \"Throughput\": [{\"commit\": {\"id\": \"c1\"}, \"date\": 5, \"tool\": \"customBiggerIsBetter\",\r\n   \"benches\": [{\"name\": \"load\", \"value\": 6424.8, \"unit\": \"records/sec\"}]}],\r\n  \"Latency\": [{\"commit\": {\"id\": \"c1\"}, \"date\": 6, \"tool\": \"customSmallerIsBetter\",\r\n   \"benches\": [{\"name\": \"C read p99\", \"value\": 14.49, \"unit\": \"ms\"},\r\n               {\"name\": \"broken\", \"value\": NaN, \"unit\": \"ms\"}]}]\r\n }\r\n}\r\n";
    let x = run("data.js", text);
    assert_eq!(adapter(&x), "github-action-benchmark");
    assert_eq!(x.records.len(), 2, "a NaN value is no record");
    assert_eq!(record(&x, "name", "load").metric("value"), Some(6424.8));
    let p99 = record(&x, "name", "C read p99");
    assert_eq!(
        p99.metric("value"),
        Some(14.49),
        "ms stays ms, not converted"
    );
    assert_eq!(p99.dimension("unit"), Some(DimValue::Str("ms")));
    assert_eq!(p99.dimension("suite"), Some(DimValue::Str("Latency")));
    assert_eq!(unit(&x, "value"), None);
    assert_eq!(
        direction(&x, "value"),
        None,
        "suites disagree on the direction"
    );
}

#[test]
fn gab_benchmarkjs_ranges_in_percent_and_sample_counts() {
    let text = r#"window.BENCHMARK_DATA = {"entries": {"js": [{"commit": {"id": "x"}, "date": 1, "tool": "benchmarkjs",
      "benches": [{"name": "fib(10)", "value": 191656, "range": "±1.99%", "unit": "ops/sec", "extra": "224 samples"},
                  {"name": "fib(20)", "value": 1000, "range": "±0.5%", "unit": "ops/sec", "extra": "Median of 20 runs"}]}]}}"#;
    let x = run("data.js", text);
    let r = record(&x, "name", "fib(10)");
    assert_eq!(r.metric("range"), Some(1.99));
    assert_eq!(r.metric("samples"), Some(224.0));
    assert_eq!(unit(&x, "range").as_deref(), Some("%"));
    assert_eq!(direction(&x, "value"), Some(Direction::HigherIsBetter));
    let text_extra = record(&x, "name", "fib(20)");
    assert_eq!(
        text_extra.dimension("extra"),
        Some(DimValue::Str("Median of 20 runs"))
    );
}

#[test]
fn gab_near_miss_entries_without_benches_is_not_taken() {
    let x = run(
        "r.json",
        r#"{"entries": {"a": [{"benches_count": 3, "value": 1.5}]}, "note": "\"benches\""}"#,
    );
    assert_ne!(x.reading.name.as_deref(), Some("github-action-benchmark"));
}

// ---- BenchmarkDotNet ----

/// The documented shape of `*-report-full.json` (BenchmarkDotNet 0.13).
const BDN_JSON: &str = r#"{
 "Title": "Bench-20240101-000000",
 "HostEnvironmentInfo": {"BenchmarkDotNetCaption": "BenchmarkDotNet", "BenchmarkDotNetVersion": "0.13.12",
   "OsVersion": "Ubuntu 22.04", "ProcessorName": "AMD EPYC", "RuntimeVersion": ".NET 8.0.0", "Architecture": "X64"},
 "Benchmarks": [
  {"DisplayInfo": "Bench.Write: DefaultJob [Size=10, Mode=fast]", "Namespace": "App", "Type": "Bench",
   "Method": "Write", "MethodTitle": "Write", "Parameters": "Size=10&Mode=fast",
   "FullName": "App.Bench.Write(Size: 10, Mode: fast)",
   "Statistics": {"OriginalValues": [1, 2], "N": 15, "Min": 1400.5, "Mean": 1500.25, "Median": 1490,
     "Max": 1600, "StandardError": 4.8, "StandardDeviation": 15.2,
     "ConfidenceInterval": {"N": 15, "Mean": 1500.25, "StandardError": 4.8, "Level": 12, "Margin": 20.1,
       "Lower": 1480.15, "Upper": 1520.35},
     "Percentiles": {"P0": 1400.5, "P50": 1490, "P95": 1590.5, "P100": 1600}},
   "Memory": {"Gen0Collections": 12, "Gen1Collections": 0, "Gen2Collections": 0, "TotalOperations": 1048576,
     "BytesAllocatedPerOperation": 1024},
   "Measurements": [{"IterationMode": "Workload", "Nanoseconds": 1500}],
   "Metrics": [{"Value": 3.5, "Descriptor": {"Id": "CompletedWorkItemCount", "DisplayName": "Completed Work Items",
     "Unit": "Count", "TheGreaterTheBetter": false}}]},
  {"DisplayInfo": "Bench.Read: DefaultJob", "Namespace": "App", "Type": "Bench", "Method": "Read",
   "Parameters": "", "Statistics": null}
 ]}"#;

#[test]
fn bdn_json_reports_one_record_per_case_in_nanoseconds() {
    let x = run("Bench-report-full.json", BDN_JSON);
    assert_eq!(adapter(&x), "benchmarkdotnet-json");
    assert_eq!(
        x.records.len(),
        1,
        "a case without statistics has nothing measured"
    );
    let r = record(&x, "Method", "Write");
    assert_eq!(r.metric("Mean"), Some(1500.25));
    assert_eq!(r.metric("P95"), Some(1590.5));
    assert_eq!(r.metric("ConfidenceInterval.Margin"), Some(20.1));
    assert_eq!(r.metric("BytesAllocatedPerOperation"), Some(1024.0));
    assert_eq!(r.metric("CompletedWorkItemCount"), Some(3.5));
    assert_eq!(r.metric("N"), Some(15.0));
    assert_eq!(
        r.dimension("BenchmarkDotNetVersion"),
        Some(DimValue::Str("0.13.12"))
    );
    assert_eq!(unit(&x, "Mean").as_deref(), Some("ns"));
    assert_eq!(unit(&x, "BytesAllocatedPerOperation").as_deref(), Some("B"));
    assert_eq!(direction(&x, "Mean"), Some(Direction::LowerIsBetter));
}

#[test]
fn bdn_json_parameters_split_into_dimensions() {
    let text = BDN_JSON.replace("Size=10&Mode=fast", "Size=10, Mode=fast");
    let x = run("Bench-report-brief.json", &text);
    let r = record(&x, "Method", "Write");
    assert_eq!(r.dimension("Size"), Some(DimValue::Int(10)));
    assert_eq!(r.dimension("Mode"), Some(DimValue::Str("fast")));
    assert_eq!(
        r.dimension("Parameters"),
        Some(DimValue::Str("Size=10, Mode=fast"))
    );
}

#[test]
fn bdn_json_near_miss_is_not_taken() {
    let x = run(
        "r.json",
        r#"{"Benchmarks": [{"name": "a", "Statistics": 3}], "HostEnvironmentInfo": 1}"#,
    );
    assert_ne!(x.reading.name.as_deref(), Some("benchmarkdotnet-json"));
}

#[test]
fn bdn_csv_with_semicolons_and_decimal_commas() {
    let text = "Method;Job;N;Mean;Error;StdDev;Allocated\r\nWrite;DefaultJob;10;1,5 μs;0,1 μs;0,05 μs;1,2 KB\r\nWrite;DefaultJob;100;1.234,5 ns;NA;?;-\r\n";
    let x = run("Bench-report.csv", text);
    assert_eq!(adapter(&x), "benchmarkdotnet-csv");
    assert_eq!(x.records.len(), 2);
    let ten = record(&x, "N", "10");
    assert_eq!(ten.metric("Mean"), Some(1.5));
    assert_eq!(ten.metric("Allocated"), Some(1.2));
    let hundred = record(&x, "N", "100");
    let mean = hundred.metric("Mean").expect("mean");
    assert!(
        (mean - 1.2345).abs() < 1e-9,
        "1 234.5 ns in the column's μs: {mean}"
    );
    assert_eq!(hundred.metric("Error"), None, "NA is missing, never 0");
    assert_eq!(hundred.metric("Allocated"), None);
}

#[test]
fn bdn_csv_near_miss_is_left_to_the_generic_rules() {
    let x = run("r.csv", "Method,Mean\nA,1.5\nB,2.5\n");
    assert_eq!(x.reading.name, None);
}

#[test]
fn bdn_default_markdown_without_outer_pipes() {
    let text = "\nBenchmarkDotNet v0.14.0, Ubuntu 24.04.3 LTS (Noble Numbat)\nAMD EPYC 7763, 1 CPU, 4 logical and 2 physical cores\n.NET SDK 10.0.102\n  [Host]   : .NET 10.0.2, X64 RyuJIT AVX2\n  ShortRun : .NET 10.0.2, X64 RyuJIT AVX2\n\nJob=ShortRun  IterationCount=5  LaunchCount=1  \nWarmupCount=3  \n\n Method    | Mean     | Error    | Ratio | Allocated |\n---------- |---------:|---------:|------:|----------:|\n Slow      | 1.234 ms | 0.010 ms |  1.00 |     512 B |\n **Fast**  | 950.0 μs | 5.000 μs |  0.77 |       - |\n Broken    |       NA |       NA |     ? |         ? |\n";
    let x = run("Bench-report-default.md", text);
    assert_eq!(adapter(&x), "benchmarkdotnet-markdown");
    assert_eq!(
        x.records.len(),
        2,
        "a row with nothing measured is no record"
    );
    let fast = record(&x, "Method", "Fast");
    let mean = fast.metric("Mean").expect("mean");
    assert!(
        (mean - 0.95).abs() < 1e-12,
        "μs in a column of ms is converted: {mean}"
    );
    assert_eq!(fast.metric("Allocated"), None);
    assert_eq!(fast.dimension("Job"), Some(DimValue::Str("ShortRun")));
    assert_eq!(fast.dimension("IterationCount"), Some(DimValue::Str("5")));
    assert_eq!(
        fast.dimension("BenchmarkDotNet"),
        Some(DimValue::Str("v0.14.0"))
    );
}

#[test]
fn the_shared_benchmarkdotnet_markdown_sample_is_read_by_its_adapter() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/results/md/benchmarkdotnet-github-rxwebsocket-memorybench.md"
    );
    let text = std::fs::read_to_string(path).expect("fixture");
    let x = run("Benchmark.MemoryBench-report-github.md", &text);
    assert_eq!(adapter(&x), "benchmarkdotnet-markdown");
    let r = record(&x, "Method", "Bench1");
    assert_eq!(r.metric("Mean"), Some(186.4));
    assert_eq!(r.metric("Gen 2"), None);
    assert_eq!(
        r.dimension("BenchmarkDotNet"),
        Some(DimValue::Str("v0.12.0"))
    );
}

#[test]
fn bdn_markdown_near_miss_without_the_environment_is_not_taken() {
    let x = run("r.md", "| Method | Mean |\n|---|---|\n| A | 1 ns |\n");
    assert_ne!(x.reading.name.as_deref(), Some("benchmarkdotnet-markdown"));
}

// ---- asv ----

#[test]
fn asv_v2_rows_expand_over_the_parameter_product() {
    let text = r#"{"commit_hash": "abc", "env_name": "py3", "date": 1700000000000,
      "params": {"machine": "box", "python": "3.11"}, "python": "3.11",
      "result_columns": ["result", "params", "version", "started_at", "duration", "stats_ci_99_a", "stats_ci_99_b", "stats_q_25", "stats_q_75", "stats_number", "stats_repeat"],
      "results": {
        "bench.Suite.time_it": [[1.0, 2.0, NaN, 4.0, 5.0, 6.0], [["1", "2"], ["'a'", "'b'", "'c'"]], "v", 1, 3.5,
                                [0.9, 1.9, null, 3.9, 4.9, 5.9], [1.1, 2.1, null, 4.1, 5.1, 6.1], null, null, [10, 10, 10, 10, 10, 10], null],
        "bench.Suite.time_failed": null,
        "bench.Suite.time_plain": [[0.25], [], "v", 1, 0.5]
      }, "version": 2}"#;
    let x = run("abc-py3.json", text);
    assert_eq!(adapter(&x), "asv-results");
    assert_eq!(
        x.records.len(),
        6,
        "5 of 6 combinations (one NaN) and the plain one"
    );
    let r = x
        .records
        .iter()
        .find(|r| {
            r.dimension("param1") == Some(DimValue::Int(2))
                && r.dimension("param2") == Some(DimValue::Str("'a'"))
        })
        .expect("(2, 'a')");
    assert_eq!(r.metric("result"), Some(4.0));
    assert_eq!(r.metric("stats_ci_99_a"), Some(3.9));
    assert_eq!(r.metric("stats_number"), Some(10.0));
    assert_eq!(r.metric("duration"), Some(3.5));
    assert_eq!(r.dimension("machine"), Some(DimValue::Str("box")));
    let plain = record(&x, "benchmark", "bench.Suite.time_plain");
    assert_eq!(plain.metric("result"), Some(0.25));
    assert_eq!(plain.dimension("param1"), None);
    assert_eq!(unit(&x, "result").as_deref(), Some("s"));
    assert_eq!(direction(&x, "result"), Some(Direction::LowerIsBetter));
    assert!(x.warnings.iter().any(|w| w.contains("time_failed")));
}

#[test]
fn asv_v1_mixed_kinds_keep_the_unit_as_a_dimension() {
    let text = r#"{"commit_hash": "abc", "date": 1, "params": {"machine": "m"},
      "results": {"b.time_x": 0.5, "b.mem_y": 2424, "b.track_z": 7, "b.time_failed": null}, "version": 1}"#;
    let x = run("abc.json", text);
    assert_eq!(adapter(&x), "asv-results");
    assert_eq!(x.records.len(), 3);
    assert_eq!(
        record(&x, "benchmark", "b.mem_y").dimension("unit"),
        Some(DimValue::Str("bytes"))
    );
    assert_eq!(
        record(&x, "benchmark", "b.time_x").dimension("unit"),
        Some(DimValue::Str("seconds"))
    );
    assert_eq!(record(&x, "benchmark", "b.track_z").dimension("unit"), None);
    assert_eq!(unit(&x, "result"), None);
}

#[test]
fn asv_near_miss_is_not_taken() {
    let x = run("r.json", r#"{"commit_hash": "abc", "result": {"a": 1}}"#);
    assert_ne!(x.reading.name.as_deref(), Some("asv-results"));
}

// ---- JMH ----

#[test]
fn jmh_modes_set_direction_and_profilers_add_metrics() {
    let text = r#"[{"jmhVersion": "1.21", "benchmark": "a.B.m", "mode": "sample", "threads": 1, "forks": 1,
       "params": {"size": "10", "mode": "x"},
       "primaryMetric": {"score": 12.5, "scoreError": 0.5, "scoreConfidence": [12, 13],
         "scorePercentiles": {"0.0": 10, "50.0": 12, "99.0": 20}, "scoreUnit": "us/op", "rawData": [[1, 2]]},
       "secondaryMetrics": {"·gc.alloc.rate": {"score": 300.5, "scoreError": 1, "scoreUnit": "MB/sec"},
                            "·gc.count": {"score": 4, "scoreUnit": "counts"}}}]"#;
    let x = run("jmh-result.json", text);
    assert_eq!(adapter(&x), "jmh-json");
    let r = record(&x, "benchmark", "a.B.m");
    assert_eq!(r.metric("score"), Some(12.5));
    assert_eq!(r.metric("scorePercentiles.99.0"), Some(20.0));
    assert_eq!(r.metric("·gc.alloc.rate"), Some(300.5));
    assert_eq!(r.dimension("size"), Some(DimValue::Int(10)));
    assert_eq!(
        r.dimension("params.mode"),
        Some(DimValue::Str("x")),
        "a param named like a run key"
    );
    assert_eq!(direction(&x, "score"), Some(Direction::LowerIsBetter));
    assert_eq!(
        direction(&x, "·gc.alloc.rate"),
        Some(Direction::LowerIsBetter)
    );
    assert_eq!(unit(&x, "score").as_deref(), Some("us/op"));
}

#[test]
fn jmh_mixed_modes_keep_score_unit_as_a_dimension() {
    let text = r#"[
      {"benchmark": "a.B.m", "mode": "thrpt", "primaryMetric": {"score": 100, "scoreError": "NaN", "scoreUnit": "ops/ms"}},
      {"benchmark": "a.B.m", "mode": "avgt", "primaryMetric": {"score": 0.01, "scoreError": "NaN", "scoreUnit": "ms/op"}}]"#;
    let x = run("r.json", text);
    assert_eq!(adapter(&x), "jmh-json");
    assert_eq!(x.records.len(), 2);
    let avgt = record(&x, "mode", "avgt");
    assert_eq!(avgt.metric("score"), Some(0.01));
    assert_eq!(avgt.dimension("scoreUnit"), Some(DimValue::Str("ms/op")));
    assert_eq!(avgt.metric("scoreError"), None);
    assert_eq!(direction(&x, "score"), None);
    assert_eq!(unit(&x, "score"), None);
}

#[test]
fn jmh_near_miss_is_not_taken() {
    let x = run("r.json", r#"[{"benchmark": "x", "primaryMetric": 3}]"#);
    assert_ne!(x.reading.name.as_deref(), Some("jmh-json"));
}

#[test]
fn gab_extra_pieces_after_semicolons_and_run_titles() {
    let text = r#"window.BENCHMARK_DATA = {"entries": {"WatDiv": [{"commit": {"id": "x"}, "date": 1,
      "tool": "customSmallerIsBetter", "title": "[Ext2] reads",
      "benches": [{"name": "WatDiv - C1.0", "value": 12, "unit": "ms",
                   "extra": "Results: 7; Error: false; HTTP Requests: 3"}]}]}}"#;
    let x = run("data.js", text);
    let r = record(&x, "name", "WatDiv - C1.0");
    assert_eq!(r.metric("Results"), Some(7.0));
    assert_eq!(r.metric("HTTP Requests"), Some(3.0));
    assert_eq!(r.dimension("title"), Some(DimValue::Str("[Ext2] reads")));
    assert_eq!(direction(&x, "value"), Some(Direction::LowerIsBetter));
}

#[test]
fn gab_julia_and_catch2_extras() {
    let text = r#"window.BENCHMARK_DATA = {"entries": {"jl": [{"commit": {"id": "x"}, "date": 1, "tool": "julia",
      "benches": [{"name": "[\"fib\", \"10\"]", "value": 52.3, "unit": "ns",
                   "extra": "gctime=0\nmemory=16\nallocs=1\nparams: {\"evals\":1}"}]}],
      "c2": [{"commit": {"id": "x"}, "date": 2, "tool": "catch2",
      "benches": [{"name": "Fibonacci 20", "value": 12.5, "range": "± 0.4", "unit": "ns",
                   "extra": "100 samples\n1 iterations"}]}]}}"#;
    let x = run("data.js", text);
    let julia = record(&x, "tool", "julia");
    assert_eq!(julia.metric("memory"), Some(16.0));
    assert_eq!(julia.metric("allocs"), Some(1.0));
    let catch2 = record(&x, "tool", "catch2");
    assert_eq!(catch2.metric("range"), Some(0.4));
    assert_eq!(catch2.metric("iterations"), Some(1.0));
    assert_eq!(unit(&x, "value").as_deref(), Some("ns"));
}

#[test]
fn bdn_markdown_beside_other_tables_is_left_to_the_generic_reader() {
    let text = "``` ini\nBenchmarkDotNet=v0.13.12, OS=ubuntu 22.04\n```\n\n## System: A\n\n| Method | Mean | Error |\n|------- |-----:|------:|\n| Read | 1.5 us | 0.1 us |\n\n## System: B\n\n| Command | Mean [ms] | Relative |\n|:---|---:|---:|\n| `du` | 150.1 ± 3.4 | 1.00 |\n";
    let x = run("report.md", text);
    assert_eq!(x.reading.name, None, "{:?}", x.reading.reasons);
    assert_eq!(x.records.len(), 2);
}

#[test]
fn bdn_markdown_tables_under_headings_keep_the_heading() {
    let text = "BenchmarkDotNet v0.14.0, Linux\n\n## Type: ReadBench\n\n| Method | Mean |\n|------- |-----:|\n| Read | 1.5 us |\n\n## WriteBench\n\n| Method | Mean |\n|------- |-----:|\n| Write | 2.5 us |\n";
    let x = run("report.md", text);
    assert_eq!(adapter(&x), "benchmarkdotnet-markdown");
    assert_eq!(
        record(&x, "Method", "Read").dimension("Type"),
        Some(DimValue::Str("ReadBench"))
    );
    assert_eq!(
        record(&x, "Method", "Write").dimension("table"),
        Some(DimValue::Str("WriteBench"))
    );
}
