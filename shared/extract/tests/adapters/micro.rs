//! The micro family's adapters: Google Benchmark, pytest-benchmark,
//! hyperfine, Criterion.rs and libtest, on real samples and synthetic
//! variants.

use wfm_extract::{DimValue, Direction, Extraction, Record};

use crate::common::Known;
use crate::{adapter, run};

#[test]
fn real_samples_match_their_ground_truth() {
    crate::check_family("micro", &Known::default());
}

/// The one record whose dimension `key` is the text `value`.
fn find<'x>(x: &'x Extraction, key: &str, value: &str) -> Record<'x> {
    let matching: Vec<Record<'x>> = x
        .records
        .iter()
        .filter(|r| r.dimension(key) == Some(DimValue::Str(value)))
        .collect();
    assert_eq!(
        matching.len(),
        1,
        "{key} = {value}: {} records",
        matching.len()
    );
    matching[0]
}

fn unit<'x>(x: &'x Extraction, field: &str) -> Option<&'x str> {
    x.schema.field(field).and_then(|f| f.unit.as_deref())
}

fn direction(x: &Extraction, field: &str) -> Option<Direction> {
    x.schema.field(field).and_then(|f| f.direction)
}

#[test]
fn shared_fixtures_of_these_tools_are_read_by_their_adapters() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/results");
    for (file, name) in [
        ("json/google-benchmark-fib.json", "google-benchmark-json"),
        ("json/pytest-benchmark-fib.json", "pytest-benchmark-json"),
        ("json/hyperfine-sleep-two.json", "hyperfine-json"),
        ("md/hyperfine-pdu-competing-len.md", "hyperfine-markdown"),
    ] {
        let text = std::fs::read_to_string(format!("{dir}/{file}")).expect("fixture");
        assert_eq!(adapter(&run(file, &text)), name, "{file}");
    }
}

// Google Benchmark

const GB_JSON_REPETITIONS: &str = r#"{
  "context": {"date": "2025-06-15T14:23:07+00:00", "host_name": "ci", "num_cpus": 8,
              "caches": [{"type": "Data", "level": 1, "size": 32768}], "library_version": "v1.9.1"},
  "benchmarks": [
    {"name": "BM_Copy/64/repeats:2", "family_index": 0, "per_family_instance_index": 0,
     "run_name": "BM_Copy/64/repeats:2", "run_type": "iteration", "repetitions": 2,
     "repetition_index": 0, "threads": 1, "iterations": 100, "real_time": 56.2,
     "cpu_time": 55.9, "time_unit": "ns", "bytes_per_second": 1.14e9, "items_per_second": 1.79e7},
    {"name": "BM_Copy/64/repeats:2", "run_name": "BM_Copy/64/repeats:2", "run_type": "iteration",
     "repetitions": 2, "repetition_index": 1, "threads": 1, "iterations": 100, "real_time": 56.0,
     "cpu_time": 55.7, "time_unit": "ns", "bytes_per_second": 1.15e9, "items_per_second": 1.8e7},
    {"name": "BM_Copy/64/repeats:2_mean", "run_name": "BM_Copy/64/repeats:2", "run_type": "aggregate",
     "repetitions": 2, "threads": 1, "aggregate_name": "mean", "aggregate_unit": "time",
     "iterations": 2, "real_time": 56.1, "cpu_time": 55.8, "time_unit": "ns"},
    {"name": "BM_Copy/64/repeats:2_cv", "run_name": "BM_Copy/64/repeats:2", "run_type": "aggregate",
     "repetitions": 2, "threads": 1, "aggregate_name": "cv", "aggregate_unit": "percentage",
     "iterations": 2, "real_time": 0.002, "cpu_time": 0.0017, "time_unit": "ns"},
    {"name": "BM_Slow", "run_name": "BM_Slow", "run_type": "iteration", "repetitions": 1,
     "repetition_index": 0, "threads": 1, "iterations": 3, "real_time": 1.5, "cpu_time": NaN,
     "time_unit": "ms", "label": "cold cache", "my_counter": 7}
  ]
}"#;

#[test]
fn google_benchmark_json_keeps_repetitions_and_aggregates_as_records() {
    let x = run("out.json", GB_JSON_REPETITIONS);
    assert_eq!(adapter(&x), "google-benchmark-json");
    assert_eq!(x.records.len(), 5);
    let mean = find(&x, "aggregate_name", "mean");
    assert_eq!(
        mean.dimension("name"),
        Some(DimValue::Str("BM_Copy/64/repeats:2_mean"))
    );
    assert_eq!(mean.metric("real_time"), Some(56.1));
    let cv = find(&x, "aggregate_name", "cv");
    assert_eq!(
        cv.metric("real_time"),
        Some(0.002),
        "a fraction, not converted"
    );
    let second = x
        .records
        .iter()
        .find(|r| r.dimension("repetition_index") == Some(DimValue::Int(1)))
        .expect("second repetition");
    assert_eq!(second.metric("bytes_per_second"), Some(1.15e9));
    assert_eq!(
        second.dimension("context.host_name"),
        Some(DimValue::Str("ci"))
    );
    assert_eq!(
        x.schema.field("context.caches"),
        None,
        "arrays are not fields"
    );
    // Milliseconds converted to the field's unit (ns); NaN is missing.
    let slow = find(&x, "name", "BM_Slow");
    assert_eq!(slow.metric("real_time"), Some(1.5e6));
    assert_eq!(slow.metric("cpu_time"), None);
    assert_eq!(slow.dimension("label"), Some(DimValue::Str("cold cache")));
    assert_eq!(slow.metric("my_counter"), Some(7.0));
    assert_eq!(unit(&x, "real_time"), Some("ns"));
    assert_eq!(direction(&x, "real_time"), Some(Direction::LowerIsBetter));
    assert_eq!(
        direction(&x, "items_per_second"),
        Some(Direction::HigherIsBetter)
    );
}

#[test]
fn google_benchmark_json_big_o_rows_carry_coefficients() {
    let text = r#"{"context": {}, "benchmarks": [
      {"name": "BM_Sort/1024", "run_type": "iteration", "iterations": 10, "real_time": 100.0,
       "cpu_time": 99.0, "time_unit": "us"},
      {"name": "BM_Sort_BigO", "run_name": "BM_Sort", "run_type": "aggregate", "aggregate_name": "BigO",
       "cpu_coefficient": 12.5, "real_coefficient": 12.6, "big_o": "NlgN", "time_unit": "us"},
      {"name": "BM_Sort_RMS", "run_name": "BM_Sort", "run_type": "aggregate", "aggregate_name": "RMS",
       "aggregate_unit": "percentage", "rms": 0.054}
    ]}"#;
    let x = run("sort.json", text);
    assert_eq!(adapter(&x), "google-benchmark-json");
    assert_eq!(x.records.len(), 3);
    let big_o = find(&x, "aggregate_name", "BigO");
    assert_eq!(big_o.metric("real_coefficient"), Some(12.6));
    assert_eq!(big_o.dimension("big_o"), Some(DimValue::Str("NlgN")));
    assert_eq!(find(&x, "aggregate_name", "RMS").metric("rms"), Some(0.054));
}

#[test]
fn a_benchmarks_list_without_google_benchmark_fields_is_not_taken() {
    let x = run(
        "b.json",
        r#"{"benchmarks": [{"name": "a", "value": 1.5}, {"name": "b", "value": 2.5}]}"#,
    );
    assert_ne!(x.reading.name.as_deref(), Some("google-benchmark-json"));
    assert_eq!(x.records.len(), 2);
}

const GB_CSV: &str = "2025-01-02T03:04:05+00:00\r\n\
Running ./bench\r\n\
Run on (8 X 3600 MHz CPU s)\r\n\
name,iterations,real_time,cpu_time,time_unit,bytes_per_second,items_per_second,label,error_occurred,error_message,widgets\r\n\
\"BM_Fill/8\",1000,12.5,12.4,ns,1.6e+09,,\"small\",,,3\r\n\
\"BM_Fill/4096\",20,1.5,1.49,us,2.7e+09,,,,,\r\n\
\"BM_Broken\",,,,,,,,true,\"no device\",\r\n";

#[test]
fn google_benchmark_csv_after_context_lines_with_crlf() {
    for path in ["out.csv", "bench.txt"] {
        let x = run(path, GB_CSV);
        assert_eq!(adapter(&x), "google-benchmark-csv", "{path}");
        assert_eq!(
            x.records.len(),
            2,
            "{path}: an errored row measured nothing"
        );
        let small = find(&x, "name", "BM_Fill/8");
        assert_eq!(small.metric("real_time"), Some(12.5));
        assert_eq!(small.metric("bytes_per_second"), Some(1.6e9));
        assert_eq!(small.metric("items_per_second"), None, "empty is missing");
        assert_eq!(small.dimension("label"), Some(DimValue::Str("small")));
        assert_eq!(small.metric("widgets"), Some(3.0));
        assert_eq!(
            find(&x, "name", "BM_Fill/4096").metric("real_time"),
            Some(1500.0)
        );
        assert!(
            x.records
                .iter()
                .all(|r| r.dimension("name") != Some(DimValue::Str("BM_Broken")))
        );
    }
}

const GB_CONSOLE: &str = "\
2025-01-02T03:04:05+00:00
Running ./bench
Run on (4 X 2400 MHz CPU s)
Load Average: 0.10, 0.20, 0.30
-------------------------------------------------------------------------------
Benchmark                     Time             CPU   Iterations UserCounters...
-------------------------------------------------------------------------------
BM_Parse/8                 41.2 ns         41.1 ns     17000000 items_per_second=24.3M/s
BM_Parse/8                 41.6 ns         41.5 ns     17000000 items_per_second=24.1M/s
BM_Parse/8_mean            41.4 ns         41.3 ns            2 items_per_second=24.2M/s
BM_Parse/8_cv              0.68 %          0.69 %             2 items_per_second=0.68%
BM_Load/real_time          2.50 ms         0.12 ms          280 bytes_per_second=1.5Gi/s nodes=1.5k cold
BM_Load/real_time          2600 us          120 us          280 bytes_per_second=1.6Gi/s nodes=1.5k cold
BM_Sort_BigO               12.5 NlgN       12.4 NlgN
";

#[test]
fn google_benchmark_console_table_with_aggregates_counters_and_mixed_units() {
    let x = run("bench.log", GB_CONSOLE);
    assert_eq!(adapter(&x), "google-benchmark-console");
    assert_eq!(x.records.len(), 7);
    let mean = find(&x, "name", "BM_Parse/8_mean");
    assert_eq!(mean.metric("real_time"), Some(41.4));
    assert_eq!(mean.metric("iterations"), Some(2.0));
    assert_eq!(mean.metric("items_per_second"), Some(24.2));
    assert_eq!(unit(&x, "items_per_second"), Some("M/s"));
    assert_eq!(
        find(&x, "name", "BM_Parse/8_cv").metric("real_time"),
        Some(0.68)
    );
    let loads: Vec<Record<'_>> = x
        .records
        .iter()
        .filter(|r| r.dimension("name") == Some(DimValue::Str("BM_Load/real_time")))
        .collect();
    assert_eq!(loads.len(), 2);
    assert_eq!(
        loads[0].metric("real_time"),
        Some(2.5e6),
        "ms in the ns column"
    );
    assert_eq!(loads[1].metric("real_time"), Some(2.6e6));
    assert_eq!(loads[0].metric("bytes_per_second"), Some(1.5));
    assert_eq!(unit(&x, "bytes_per_second"), Some("GiB/s"));
    assert_eq!(loads[0].metric("nodes"), Some(1500.0));
    assert_eq!(loads[0].dimension("label"), Some(DimValue::Str("cold")));
    assert_eq!(loads[0].dimension("num_cpus"), Some(DimValue::Int(4)));
    assert_eq!(
        find(&x, "name", "BM_Sort_BigO").metric("real_time"),
        Some(12.5)
    );
    assert_eq!(
        direction(&x, "items_per_second"),
        Some(Direction::HigherIsBetter)
    );
}

#[test]
fn google_benchmark_console_before_keyed_counters() {
    let text = "Run on (4 X 2600 MHz CPU s)\n\
Benchmark                Time           CPU Iterations\n\
------------------------------------------------------\n\
BM_memcpy/8             11 ns         11 ns   63508941   697.654MB/s\n\
BM_memcpy/64            12 ns         12 ns   58128745   4.91084GB/s\n\
BM_push/8               40 ns         40 ns   17433130   1.2M items/s\n";
    let x = run("old.txt", text);
    assert_eq!(adapter(&x), "google-benchmark-console");
    assert_eq!(x.records.len(), 3);
    assert_eq!(
        find(&x, "name", "BM_memcpy/8").metric("bytes_per_second"),
        Some(697.654)
    );
    assert_eq!(
        find(&x, "name", "BM_memcpy/64").metric("bytes_per_second"),
        Some(4910.84),
        "GB/s in the first unit, MB/s"
    );
    assert_eq!(unit(&x, "bytes_per_second"), Some("MB/s"));
    let push = find(&x, "name", "BM_push/8");
    assert_eq!(push.metric("items_per_second"), Some(1.2));
    assert_eq!(push.dimension("label"), None);
}

#[test]
fn google_benchmark_console_tabular_counters() {
    let text = "\
------------------------------------------------------------------------------------------
Benchmark                        Time             CPU   Iterations      Bar    Bat     Foo
------------------------------------------------------------------------------------------
BM_Tabular/threads:1          1000 ns         1000 ns         1000        1      2  1.5k/s
BM_Tabular/threads:2           600 ns          600 ns         2000        2      4  2.5k/s
";
    let x = run("tab.txt", text);
    assert_eq!(adapter(&x), "google-benchmark-console");
    let two = find(&x, "name", "BM_Tabular/threads:2");
    assert_eq!(two.metric("Bat"), Some(4.0));
    assert_eq!(two.metric("Foo"), Some(2.5));
    assert_eq!(two.dimension("label"), None);
}

// pytest-benchmark

#[test]
fn pytest_benchmark_params_groups_and_extra_info() {
    let text = r#"{
      "machine_info": {"node": "ci", "cpu": {"brand": "EPYC"}},
      "commit_info": {"id": "abc", "branch": "main"},
      "benchmarks": [
        {"group": "parse", "name": "test_parse[10]", "fullname": "t.py::test_parse[10]",
         "params": {"n": 10}, "param": "10", "extra_info": {"bytes": 1024, "codec": "zstd"},
         "options": {"timer": "perf_counter"},
         "stats": {"min": 0.001, "max": 0.003, "mean": 0.002, "stddev": 0.0005, "rounds": 50,
                   "median": 0.002, "iqr": 0.0001, "ops": 500.0, "total": 0.1,
                   "outliers": "1;2", "data": [0.001, 0.002]}},
        {"group": "parse", "name": "test_parse[20]", "fullname": "t.py::test_parse[20]",
         "params": {"n": 20}, "param": "20", "extra_info": {},
         "stats": {"min": 0.002, "max": 0.004, "mean": 0.003, "stddev": NaN, "rounds": 40,
                   "median": 0.003, "ops": 333.3}}
      ],
      "datetime": "2024-01-01T00:00:00", "version": "4.0.0"
    }"#;
    let x = run("bench.json", text);
    assert_eq!(adapter(&x), "pytest-benchmark-json");
    assert_eq!(x.records.len(), 2);
    let first = find(&x, "name", "test_parse[10]");
    assert_eq!(first.dimension("params.n"), Some(DimValue::Int(10)));
    assert_eq!(first.dimension("group"), Some(DimValue::Str("parse")));
    assert_eq!(
        first.dimension("machine_info.cpu.brand"),
        Some(DimValue::Str("EPYC"))
    );
    assert_eq!(first.metric("stats.mean"), Some(0.002));
    assert_eq!(first.metric("extra_info.bytes"), Some(1024.0));
    assert_eq!(
        first.dimension("extra_info.codec"),
        Some(DimValue::Str("zstd"))
    );
    assert_eq!(x.schema.field("stats.outliers"), None);
    assert_eq!(
        find(&x, "name", "test_parse[20]").metric("stats.stddev"),
        None
    );
    assert_eq!(unit(&x, "stats.mean"), Some("s"));
    assert_eq!(direction(&x, "stats.ops"), Some(Direction::HigherIsBetter));
    assert_eq!(direction(&x, "stats.mean"), Some(Direction::LowerIsBetter));
}

// hyperfine

#[test]
fn hyperfine_json_with_parameters() {
    let text = r#"{"results": [
      {"command": "sleep 0.1", "mean": 0.105, "stddev": 0.002, "median": 0.104, "user": 0.001,
       "system": 0.002, "min": 0.101, "max": 0.11, "times": [0.101, 0.11], "exit_codes": [0, 0],
       "parameters": {"delay": "0.1"}},
      {"command": "sleep 0.2", "mean": 0.205, "stddev": null, "median": 0.204, "user": 0.001,
       "system": 0.002, "min": 0.201, "max": 0.21, "times": [0.201, 0.21], "exit_codes": [0, 0],
       "parameters": {"delay": "0.2"}}
    ]}"#;
    let x = run("hf.json", text);
    assert_eq!(adapter(&x), "hyperfine-json");
    assert_eq!(x.records.len(), 2);
    let second = find(&x, "command", "sleep 0.2");
    assert_eq!(
        second.dimension("parameters.delay"),
        Some(DimValue::Str("0.2"))
    );
    assert_eq!(second.metric("mean"), Some(0.205));
    assert_eq!(second.metric("stddev"), None);
    assert_eq!(x.schema.field("times"), None);
    assert_eq!(unit(&x, "median"), Some("s"));
}

#[test]
fn hyperfine_csv_with_parameter_columns() {
    let text = "command,mean,stddev,median,user,system,min,max,parameter_threads\r\n\
                make -j 1,10.5,0.2,10.4,9.0,1.0,10.1,10.9,1\r\n\
                make -j 8,2.5,0.1,2.4,9.5,1.2,2.3,2.7,8\r\n";
    let x = run("hf.csv", text);
    assert_eq!(adapter(&x), "hyperfine-csv");
    let eight = find(&x, "command", "make -j 8");
    assert_eq!(eight.dimension("parameter_threads"), Some(DimValue::Int(8)));
    assert_eq!(eight.metric("max"), Some(2.7));
    assert_eq!(direction(&x, "mean"), Some(Direction::LowerIsBetter));
    // A CSV that only shares a column name is someone else's.
    let other = run("o.csv", "command,mean_latency\nls,1.5\n");
    assert_ne!(other.reading.name.as_deref(), Some("hyperfine-csv"));
}

#[test]
fn hyperfine_markdown_several_tables_under_headings() {
    let text = "# Results\n\n## warm\n\n\
| Command | N | Mean [s] | Min [s] | Max [s] | Relative |\n\
|:---|---:|---:|---:|---:|---:|\n\
| `diskus` | 10 | 1.873 ± 0.022 | 1.855 | 1.898 | 10.18 ± 0.21 |\n\
| `dua` | 10 | 0.184 ± 0.003 | 0.182 | 0.188 | 1.00 🍏 |\n\n\
## cold\n\n\
| Command | N | Mean [s] | Min [s] | Max [s] | Relative |\n\
|:---|---:|---:|---:|---:|---:|\n\
| `diskus` | 10 | 9.5 ± 0.5 | 9.0 | 10.0 | 2.00 ± 0.10 |\n\
| `dua` | 10 | 4.75 ± 0.25 | 4.5 | 5.0 | 1.00 |\n";
    let x = run("README.md", text);
    assert_eq!(adapter(&x), "hyperfine-markdown");
    assert_eq!(x.records.len(), 4);
    let cold: Vec<Record<'_>> = x
        .records
        .iter()
        .filter(|r| r.dimension("table") == Some(DimValue::Str("cold")))
        .collect();
    assert_eq!(cold.len(), 2);
    assert_eq!(cold[0].dimension("Command"), Some(DimValue::Str("diskus")));
    assert_eq!(cold[0].dimension("N"), Some(DimValue::Int(10)));
    assert_eq!(cold[0].metric("Mean [s]"), Some(9.5));
    assert_eq!(cold[0].metric("Mean_stddev"), Some(0.5));
    let warm_dua = x
        .records
        .iter()
        .find(|r| {
            r.dimension("table") == Some(DimValue::Str("warm"))
                && r.metric("Min [s]") == Some(0.182)
        })
        .expect("warm dua");
    assert_eq!(
        warm_dua.metric("Relative"),
        Some(1.0),
        "a mark after the number"
    );
    assert_eq!(unit(&x, "Mean [s]"), Some("s"));
}

#[test]
fn a_report_mixing_hyperfine_and_other_tables_is_left_to_the_generic_rules() {
    let text = "## cli\n\n\
| Command | Mean [ms] | Min [ms] | Max [ms] | Relative |\n\
|:---|---:|---:|---:|---:|\n\
| `a` | 1.0 ± 0.1 | 0.9 | 1.1 | 1.00 |\n\n\
## library\n\n\
| Method | Mean | Error |\n\
|--- |---:|---:|\n\
| Parse | 186.4 us | 1.2 us |\n";
    let x = run("report.md", text);
    assert_eq!(x.reading.name, None);
    assert_eq!(x.records.len(), 2);
}

// Criterion

#[test]
fn cargo_criterion_json_lines_skip_other_messages() {
    let text = concat!(
        r#"{"reason":"benchmark-complete","id":"fib/20","report_directory":"r","iteration_count":[1,2],"measured_values":[1.0,2.0],"unit":"ns","throughput":[{"per_iteration":20,"unit":"elements"}],"typical":{"estimate":26251.0,"lower_bound":26029.0,"upper_bound":26505.0,"unit":"ns"},"mean":{"estimate":26300.0,"lower_bound":26100.0,"upper_bound":26500.0,"unit":"ns"},"median":{"estimate":26200.0,"lower_bound":26000.0,"upper_bound":26400.0,"unit":"ns"},"median_abs_dev":{"estimate":100.0,"lower_bound":80.0,"upper_bound":120.0,"unit":"ns"},"slope":null,"change":{"mean":{"estimate":-1.5,"lower_bound":-2.0,"upper_bound":-1.0,"unit":"%"},"median":{"estimate":-1.4,"lower_bound":-1.9,"upper_bound":-0.9,"unit":"%"},"change":"Improved"}}"#,
        "\r\n",
        r#"{"reason":"group-complete","group_name":"fib","benchmarks":["fib/20","fib/30"],"report_directory":"r"}"#,
        "\r\n",
        r#"{"reason":"benchmark-complete","id":"fib/30","unit":"ns","throughput":[],"typical":{"estimate":3.2e6,"lower_bound":3.1e6,"upper_bound":3.3e6,"unit":"ns"},"mean":{"estimate":3.25e6,"lower_bound":3.15e6,"upper_bound":3.35e6,"unit":"ns"},"median":{"estimate":3.2e6,"lower_bound":3.1e6,"upper_bound":3.3e6,"unit":"ns"},"median_abs_dev":{"estimate":1.0e4,"lower_bound":9.0e3,"upper_bound":1.1e4,"unit":"ns"},"slope":{"estimate":3.2e6,"lower_bound":3.1e6,"upper_bound":3.3e6,"unit":"ns"},"change":null}"#,
        "\r\n",
    );
    for path in ["criterion.jsonl", "criterion.json", "criterion.log"] {
        let x = run(path, text);
        assert_eq!(adapter(&x), "cargo-criterion-json", "{path}");
        assert_eq!(x.records.len(), 2, "{path}");
        let fib20 = find(&x, "id", "fib/20");
        assert_eq!(fib20.metric("typical.estimate"), Some(26251.0));
        assert_eq!(fib20.metric("change.mean.estimate"), Some(-1.5));
        assert_eq!(
            fib20.dimension("throughput.per_iteration"),
            Some(DimValue::Int(20))
        );
        assert_eq!(fib20.metric("slope.estimate"), None);
        assert_eq!(
            find(&x, "id", "fib/30").metric("slope.upper_bound"),
            Some(3.3e6)
        );
        assert_eq!(unit(&x, "mean.estimate"), Some("ns"));
    }
}

const ESTIMATES: &str = r#"{"mean":{"confidence_interval":{"confidence_level":0.95,"lower_bound":26029.1,"upper_bound":26505.2},"point_estimate":26251.3,"standard_error":120.5},"median":{"confidence_interval":{"confidence_level":0.95,"lower_bound":26000.0,"upper_bound":26400.0},"point_estimate":26200.0,"standard_error":90.0},"median_abs_dev":{"confidence_interval":{"confidence_level":0.95,"lower_bound":80.0,"upper_bound":120.0},"point_estimate":100.0,"standard_error":10.0},"slope":null,"std_dev":{"confidence_interval":{"confidence_level":0.95,"lower_bound":150.0,"upper_bound":250.0},"point_estimate":200.0,"standard_error":25.0}}"#;

#[test]
fn criterion_estimates_json_names_the_case_from_its_path() {
    let x = run("target/criterion/fib/20/new/estimates.json", ESTIMATES);
    assert_eq!(adapter(&x), "criterion-estimates");
    assert_eq!(x.records.len(), 1);
    let r = x.records.get(0).expect("record");
    assert_eq!(r.dimension("benchmark"), Some(DimValue::Str("fib/20")));
    assert_eq!(r.metric("mean.point_estimate"), Some(26251.3));
    assert_eq!(
        r.metric("mean.confidence_interval.upper_bound"),
        Some(26505.2)
    );
    assert_eq!(r.metric("std_dev.standard_error"), Some(25.0));
    assert_eq!(unit(&x, "mean.point_estimate"), Some("ns"));
    // Anywhere else the file is still read, without a case name.
    let y = run("estimates.json", ESTIMATES);
    assert_eq!(adapter(&y), "criterion-estimates");
    assert_eq!(
        y.records
            .get(0)
            .and_then(|r| r.metric("median.point_estimate")),
        Some(26200.0)
    );
    // Relative changes carry no unit.
    let z = run("target/criterion/fib/20/change/estimates.json", ESTIMATES);
    assert_eq!(unit(&z, "mean.point_estimate"), None);
}

const CRITERION_CONSOLE: &str = "\
Benchmarking fib 20
Benchmarking fib 20: Warming up for 3.0000 s
Benchmarking fib 20: Analyzing
fib 20                  time:   [26.029 us 26.251 us 26.505 us]
                        thrpt:  [754.57 Kelem/s 761.88 Kelem/s 768.36 Kelem/s]
                 change:
                        time:   [-1.2% +0.5% +2.1%] (p = 0.41 > 0.05)
                        thrpt:  [-2.0% -0.5% +1.2%]
                        No change in performance detected.
Found 3 outliers among 100 measurements (3.00%)
  3 (3.00%) high mild

group/a very long benchmark name that does not fit
                        time:   [1.0010 ms 1.0020 ms 1.0030 ms]
                        thrpt:  [1.0010 Melem/s 1.0020 Melem/s 1.0030 Melem/s]
";

#[test]
fn criterion_console_with_throughput_changes_and_ids_on_their_own_line() {
    let x = run("bench.txt", CRITERION_CONSOLE);
    assert_eq!(adapter(&x), "criterion-console");
    assert_eq!(x.records.len(), 2);
    let fib = find(&x, "name", "fib 20");
    assert_eq!(fib.metric("time"), Some(26.251));
    assert_eq!(fib.metric("time_lower_bound"), Some(26.029));
    assert_eq!(fib.metric("thrpt_upper_bound"), Some(768.36));
    assert_eq!(fib.metric("change.time"), Some(0.5));
    assert_eq!(fib.metric("change.thrpt_lower_bound"), Some(-2.0));
    assert_eq!(fib.metric("p_value"), Some(0.41));
    assert_eq!(fib.metric("outliers"), Some(3.0));
    let long = find(
        &x,
        "name",
        "group/a very long benchmark name that does not fit",
    );
    assert_eq!(
        long.metric("time"),
        Some(1002.0),
        "ms in the field's unit, us"
    );
    assert_eq!(long.metric("thrpt"), Some(1002.0), "Melem/s in Kelem/s");
    assert_eq!(unit(&x, "time"), Some("us"));
    assert_eq!(unit(&x, "thrpt"), Some("Kelem/s"));
    assert_eq!(direction(&x, "thrpt"), Some(Direction::HigherIsBetter));
    assert_eq!(direction(&x, "time"), Some(Direction::LowerIsBetter));
}

// libtest

#[test]
fn libtest_lines_with_throughput_crlf_and_failures() {
    let text = "running 4 tests\r\n\
test bench_a ... bench:       1,234 ns/iter (+/- 56) = 830 MB/s\r\n\
test bench_b ... bench:       2,345.50 ns/iter (+/- 12.25)\r\n\
test bench_c ... FAILED\r\n\
test bench_d ... ignored\r\n\
\r\n\
test result: FAILED. 0 passed; 1 failed; 1 ignored; 2 measured; 0 filtered out\r\n";
    let x = run("bench.out", text);
    assert_eq!(adapter(&x), "libtest-bench");
    assert_eq!(x.records.len(), 2);
    let a = find(&x, "name", "bench_a");
    assert_eq!(a.metric("ns/iter"), Some(1234.0));
    assert_eq!(a.metric("deviation"), Some(56.0));
    assert_eq!(a.metric("MB/s"), Some(830.0));
    assert_eq!(find(&x, "name", "bench_b").metric("ns/iter"), Some(2345.5));
    assert_eq!(find(&x, "name", "bench_b").metric("MB/s"), None);
    assert_eq!(direction(&x, "MB/s"), Some(Direction::HigherIsBetter));
    assert_eq!(direction(&x, "ns/iter"), Some(Direction::LowerIsBetter));
    assert_eq!(unit(&x, "ns/iter"), Some("ns"));
}

#[test]
fn prose_that_mentions_benchmarks_is_left_to_the_generic_rules() {
    let text = "We ran the benchmark; time: about 3 s per run.\n\
                test foo ... ok\n\
                Benchmark results were fine.\n";
    let x = run("notes.txt", text);
    assert_eq!(x.reading.name, None);
}
