//! The testing family's adapters: Go benchmarks (text and `go test -json`),
//! JUnit XML, Catch2 XML; and XML read by the generic rules.

use crate::common::Known;
use crate::{adapter, run};
use wfm_extract::{DimValue, Direction, Format};

#[test]
fn real_samples() {
    crate::check_family("testing", &Known::default());
}

fn direction(x: &wfm_extract::Extraction, name: &str) -> Option<Direction> {
    x.schema.field(name).and_then(|f| f.direction)
}

#[test]
fn go_text_with_headers_packages_custom_units_and_crlf() {
    let text = "goos: linux\r\ngoarch: amd64\r\npkg: example.com/x\r\ncpu: Some CPU @ 2GHz\r\n\
BenchmarkFoo/sub_case=8-16   \t 1000000\t      1234 ns/op\t  56 B/op\t       2 allocs/op\r\n\
BenchmarkFoo/sub_case=8-16   \t 1000000\t      1250 ns/op\t  56 B/op\t       2 allocs/op\r\n\
--- BENCH: BenchmarkFoo\r\n    foo_test.go:12: a log line\r\n\
BenchmarkBar-16   \t 500\t 5678 ns/op\t 12.5 MB/s\t 3.00 widgets/op\r\n\
PASS\r\nok  \texample.com/x\t3.1s\r\npkg: example.com/y\r\n\
BenchmarkBaz-16 10 NaN ns/op\r\nBenchmarkQux-16 10 7 ns/op\r\n";
    let x = run("bench.txt", text);
    assert_eq!(adapter(&x), "go-test-bench");
    assert_eq!(x.records.len(), 5);
    let r = x.records.get(0).expect("record");
    assert_eq!(
        r.dimension("name"),
        Some(DimValue::Str("BenchmarkFoo/sub_case=8"))
    );
    assert_eq!(r.dimension("procs"), Some(DimValue::Int(16)));
    assert_eq!(r.dimension("cpu"), Some(DimValue::Str("Some CPU @ 2GHz")));
    assert_eq!(r.dimension("run"), Some(DimValue::Int(1)));
    assert_eq!(r.metric("ns/op"), Some(1234.0));
    assert_eq!(r.metric("allocs/op"), Some(2.0));
    let bar = x.records.get(2).expect("record");
    assert_eq!(bar.metric("MB/s"), Some(12.5));
    assert_eq!(bar.metric("widgets/op"), Some(3.0));
    let baz = x.records.get(3).expect("record");
    assert_eq!(baz.dimension("pkg"), Some(DimValue::Str("example.com/y")));
    assert_eq!(baz.metric("ns/op"), None, "NaN is missing, never 0");
    assert_eq!(direction(&x, "ns/op"), Some(Direction::LowerIsBetter));
    assert_eq!(direction(&x, "MB/s"), Some(Direction::HigherIsBetter));
}

#[test]
fn go_procs_suffix_only_when_the_run_printed_one() {
    // -cpu 1,2: the bare name is procs 1, the suffix is procs.
    let sweep = "BenchmarkA 10 5 ns/op\nBenchmarkA-2 10 3 ns/op\nBenchmarkB/n-100 10 9 ns/op\n";
    let x = run("b.txt", sweep);
    let names: Vec<_> = x
        .records
        .iter()
        .map(|r| (r.dimension("name"), r.dimension("procs")))
        .collect();
    assert_eq!(
        names[1],
        (Some(DimValue::Str("BenchmarkA")), Some(DimValue::Int(2)))
    );
    assert_eq!(names[2], (Some(DimValue::Str("BenchmarkB/n-100")), None));
}

#[test]
fn go_json_events_with_a_result_split_over_two_events() {
    let text = r#"{"Time":"2022-02-03T20:17:22Z","Action":"output","Package":"command-line-arguments","Test":"TestR","Output":"goos: linux\n"}
{"Action":"output","Package":"command-line-arguments","Output":"BenchmarkLoop\n"}
{"Action":"output","Package":"command-line-arguments","Output":"BenchmarkLoop-2        \t"}
{"Action":"output","Package":"command-line-arguments","Output":" 3164587\t       333.3 ns/op\n"}
{"Action":"output","Package":"command-line-arguments","Output":"BenchmarkRecursive-2   \t  615072\t      1935 ns/op\n"}
{"Action":"output","Package":"command-line-arguments","Output":"PASS\n"}
{"Action":"pass","Package":"command-line-arguments","Elapsed":2.66}
"#;
    let x = run("bench.json", text);
    assert_eq!(adapter(&x), "go-test-bench-json");
    assert_eq!(x.records.len(), 2);
    let r = x.records.get(0).expect("record");
    assert_eq!(r.dimension("name"), Some(DimValue::Str("BenchmarkLoop")));
    assert_eq!(
        r.dimension("pkg"),
        Some(DimValue::Str("command-line-arguments"))
    );
    assert_eq!(r.dimension("goos"), Some(DimValue::Str("linux")));
    assert_eq!(r.metric("ns/op"), Some(333.3));
    assert_eq!(r.metric("iterations"), Some(3_164_587.0));
}

#[test]
fn lines_that_only_look_like_go_results_are_not_taken() {
    let x = run(
        "notes.txt",
        "Benchmarking 10 runs took 5 s\nBenchmarks: 3 fast\n",
    );
    assert_ne!(x.reading.name.as_deref(), Some("go-test-bench"));
}

#[test]
fn junit_bare_testsuite_with_outcomes_and_properties() {
    let text = r#"<?xml version="1.0"?>
<testsuite name="unit" tests="4" timestamp="2024-01-02T03:04:05">
  <properties><property name="python" value="3.12"/></properties>
  <testcase classname="a.B" name="ok" time="0.5"/>
  <testcase classname="a.B" name="bad" time="1.5"><failure message="x">trace</failure></testcase>
  <testcase classname="a.B" name="boom" time="0.25"><error/></testcase>
  <testcase classname="a.B" name="later" time="0"><skipped/></testcase>
  <testcase classname="a.B" name="odd" time="1,5"/>
</testsuite>"#;
    let x = run("report.xml", text);
    assert_eq!(x.format, Format::Xml);
    assert_eq!(adapter(&x), "junit-xml");
    let statuses: Vec<_> = x.records.iter().map(|r| r.dimension("status")).collect();
    assert_eq!(
        statuses,
        ["passed", "failed", "error", "skipped"]
            .map(|s| Some(DimValue::Str(s)))
            .to_vec()
    );
    let r = x.records.get(0).expect("record");
    assert_eq!(r.dimension("suite"), Some(DimValue::Str("unit")));
    assert_eq!(r.dimension("python"), Some(DimValue::Str("3.12")));
    assert_eq!(r.metric("time"), Some(0.5));
    assert_eq!(
        x.records.len(),
        4,
        "a case with no number at all is no record"
    );
    assert_eq!(direction(&x, "time"), Some(Direction::LowerIsBetter));
}

#[test]
fn catch2_sections_and_the_older_catch_root() {
    let text = r#"<?xml version="1.0" encoding="UTF-8"?>
<Catch name="bench">
  <Group name="bench">
    <TestCase name="Fibonacci" filename="f.cpp" line="3">
      <Section name="small">
        <BenchmarkResults name="Fibonacci 20" samples="100" resamples="100000" iterations="4" clockResolution="20" estimatedDuration="1e+06">
          <!--All values in nano seconds-->
          <mean value="5097.5" lowerBound="5044" upperBound="5174" ci="0.95"/>
          <standardDeviation value="320" lowerBound="241" upperBound="471" ci="0.95"/>
          <outliers variance="0.59" lowMild="0" lowSevere="0" highMild="3" highSevere="2"/>
        </BenchmarkResults>
      </Section>
      <OverallResult success="true"/>
    </TestCase>
  </Group>
</Catch>"#;
    let x = run("out.xml", text);
    assert_eq!(adapter(&x), "catch2-xml");
    assert_eq!(x.records.len(), 1);
    let r = x.records.get(0).expect("record");
    assert_eq!(r.dimension("test_case"), Some(DimValue::Str("Fibonacci")));
    assert_eq!(r.dimension("section"), Some(DimValue::Str("small")));
    assert_eq!(
        r.dimension("benchmark"),
        Some(DimValue::Str("Fibonacci 20"))
    );
    assert_eq!(r.metric("mean"), Some(5097.5));
    assert_eq!(r.metric("standardDeviation_upperBound"), Some(471.0));
    assert_eq!(r.metric("outliers_highMild"), Some(3.0));
    assert_eq!(
        x.schema.field("mean").and_then(|f| f.unit.as_deref()),
        Some("ns")
    );
}

#[test]
fn catch2_test_results_without_benchmarks_are_not_catch2_benchmarks() {
    let text = r#"<Catch2TestRun name="t"><TestCase name="adds"><OverallResult success="true"/></TestCase></Catch2TestRun>"#;
    let x = run("t.xml", text);
    assert_ne!(x.reading.name.as_deref(), Some("catch2-xml"));
}

#[test]
fn generic_xml_reads_like_the_equivalent_json() {
    let text = r#"<?xml version="1.0"?>
<report model="m1">
  <results><result task="a" score="0.5"/><result task="b" score="0.75"/></results>
</report>"#;
    let x = run("r.xml", text);
    assert_eq!(x.format, Format::Xml);
    assert_eq!(x.reading.name, None);
    assert_eq!(x.records.len(), 2);
    let r = x.records.get(1).expect("record");
    assert_eq!(r.metric("score"), Some(0.75));
    assert_eq!(r.dimension("model"), Some(DimValue::Str("m1")));
}

#[test]
fn malformed_xml_is_an_error_with_the_reason() {
    let e = wfm_extract::extract(
        "r.xml",
        b"<?xml version=\"1.0\"?><a><b></a>",
        &Default::default(),
    )
    .expect_err("malformed");
    assert!(e.to_string().contains("invalid XML"), "{e}");
}
