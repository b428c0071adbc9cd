//! `wfm extract` as a process on real result files: JSON and table output,
//! a schema applied, and bad files reported without stopping the others.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_wfm");
const RESULTS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/extract/tests/fixtures/results"
);

/// Runs `wfm extract args…` with no LLM configured; returns (exit code, stdout, stderr).
fn extract(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN)
        .arg("extract")
        .args(args)
        .env_remove("WFM_LLM_BASE_URL")
        .output()
        .expect("wfm runs");
    let text = |b: Vec<u8>| String::from_utf8(b).expect("utf-8 output");
    (
        out.status.code().unwrap_or(-1),
        text(out.stdout),
        text(out.stderr),
    )
}

fn fixture(path: &str) -> String {
    format!("{RESULTS}/{path}")
}

#[test]
fn json_output_lists_every_file_even_when_some_fail() {
    let dir = tempdir();
    let broken = dir.join("broken.json");
    std::fs::write(&broken, "{\"results\": [1, 2,").expect("write");
    let csv = fixture("csv/primus-turbo-attention-bf16-mi300x.csv");
    let md = fixture("md/primus-benchmark-gemm-m4096-per-rank.md");
    let broken = broken.to_string_lossy().into_owned();
    let (code, stdout, stderr) = extract(&[
        &csv,
        broken.as_str(),
        "/no/such/file.csv",
        &md,
        "--output",
        "json",
    ]);
    assert_eq!(
        code, 1,
        "a failed file makes the exit code non-zero: {stderr}"
    );
    let printed: Value = serde_json::from_str(&stdout).expect("stdout is one JSON document");
    let files = printed["files"].as_array().expect("files");
    assert_eq!(files.len(), 4, "every file is reported, in order");
    assert_eq!(files[0]["format"], "csv");
    assert_eq!(files[0]["records"].as_array().map(Vec::len), Some(78));
    assert_eq!(files[0]["schema"]["metric_fields"][1], "Forward TFLOPS");
    assert_eq!(files[0]["records"][0]["dimensions"]["GPU"], "MI300X");
    assert!(
        files[1]["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("invalid JSON")),
        "{}",
        files[1]
    );
    assert!(
        files[2]["error"]
            .as_str()
            .is_some_and(|e| e.contains("cannot open")),
        "{}",
        files[2]
    );
    assert_eq!(files[3]["records"][5]["metrics"]["TFLOPS"], 610.39);
    assert!(
        stderr.contains("broken.json: invalid JSON") && stderr.contains("/no/such/file.csv"),
        "{stderr}"
    );
}

#[test]
fn oversized_files_are_refused_with_the_sizes() {
    let csv = fixture("csv/triton-perf-report-matmul-performance.csv");
    let (code, stdout, _) = extract(&[&csv, "--max-bytes", "100"]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains("error: file is 583 bytes, over the 100-byte limit"),
        "{stdout}"
    );
}

#[test]
fn table_output_shows_schema_records_and_warnings() {
    let (code, stdout, stderr) = extract(&[&fixture("md/hyperfine-pdu-competing-len.md")]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("(markdown, 7 records, ") && stdout.contains("confidence 0."),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "metrics:    Mean [ms], Mean_stddev [ms], Min [ms], Max [ms], Relative, Relative_stddev"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("dutree tmp.sample"), "{stdout}");
}

#[test]
fn explain_says_which_reader_was_chosen_why_and_how_sure_it_is() {
    let dir = tempdir();
    let bmf = dir.join("bench.json");
    std::fs::write(
        &bmf,
        r#"{"parse::fast": {"latency": {"value": 88.0, "lower_value": 87.4}}}"#,
    )
    .expect("write");
    let log = dir.join("run.log");
    std::fs::write(&log, "starting\n3 7 11\n4 8 12\ndone\n").expect("write");
    let (bmf, log) = (bmf.to_string_lossy(), log.to_string_lossy());
    let (code, stdout, stderr) = extract(&[&bmf, &log, "--explain"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("(json, 1 records, adapter bencher-metric-format, confidence 0.95)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("why: adapter bencher-metric-format: a map of cases"),
        "{stdout}"
    );
    // Unnamed columns of a log: the generic text rules, flagged as unsure.
    assert!(stdout.contains("generic rules, confidence"), "{stdout}");
    assert!(stdout.contains("(LOW: check the records"), "{stdout}");
    assert!(
        stdout.contains("why: no adapter recognised the content"),
        "{stdout}"
    );
    assert!(
        stdout.contains("fields have no name (column_N)"),
        "{stdout}"
    );
    // Without --explain the reasons stay out of the way; JSON always has them.
    let (_, quiet, _) = extract(&[&bmf]);
    assert!(!quiet.contains("why:"), "{quiet}");
    let (_, json, _) = extract(&[&log, "--output", "json"]);
    let file = &serde_json::from_str::<Value>(&json).expect("json")["files"][0];
    assert_eq!(file["reading"]["method"], "generic");
    assert!(file["reading"]["confidence"].as_f64() < Some(0.6), "{file}");
}

#[test]
fn a_schema_decides_the_fields() {
    let dir = tempdir();
    let schema = dir.join("schema.json");
    std::fs::write(
        &schema,
        r#"{"fields": [{"name": "mean", "type": "float", "unit": "ms"}],
            "dimension_fields": ["command", "host"], "metric_fields": ["Mean", "Max"]}"#,
    )
    .expect("write");
    let schema = schema.to_string_lossy().into_owned();
    let md = fixture("md/hyperfine-pdu-competing-len.md");
    let (code, stdout, stderr) = extract(&[&md, "--schema", schema.as_str(), "--output", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let file = &serde_json::from_str::<Value>(&stdout).expect("json")["files"][0];
    let record = &file["records"][2];
    assert_eq!(record["dimensions"]["command"], "dutree tmp.sample");
    assert_eq!(record["metrics"]["Mean"], 3810.0);
    assert_eq!(record["metrics"]["Max"], 3874.5);
    assert_eq!(
        record["metrics"].as_object().map(|m| m.len()),
        Some(2),
        "only the schema's metrics: {record}"
    );
    let warnings = file["warnings"].to_string();
    assert!(
        warnings.contains("missing from the file: `host`"),
        "{warnings}"
    );
    assert!(
        warnings.contains("not in the schema (ignored): ") && warnings.contains("`Min [ms]`"),
        "{warnings}"
    );
}

#[test]
fn a_bad_schema_file_exits_2() {
    let dir = tempdir();
    let schema = dir.join("schema.json");
    std::fs::write(
        &schema,
        r#"{"fields": [], "dimension_fields": ["a"], "metric_fields": []}"#,
    )
    .expect("write");
    let schema = schema.to_string_lossy().into_owned();
    let (code, _, stderr) = extract(&[
        &fixture("csv/triton-perf-report-matmul-performance.csv"),
        "--schema",
        &schema,
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no metric_fields"), "{stderr}");
}

#[test]
fn a_fifo_or_a_directory_is_refused_without_waiting() {
    let dir = tempdir();
    let fifo = dir.join("results.csv");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let fifo = fifo.to_string_lossy().into_owned();
    let folder = dir.to_string_lossy().into_owned();
    let csv = fixture("csv/triton-perf-report-matmul-performance.csv");
    let mut child = Command::new(BIN)
        .args(["extract", &fifo, &folder, &csv, "--output", "json"])
        .env_remove("WFM_LLM_BASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("wfm runs");
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("wfm extract waits on a FIFO");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("{fifo}: not a regular file (a FIFO)")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{folder}: not a regular file (a directory)")),
        "{stderr}"
    );
    let printed: Value = serde_json::from_str(&stdout).expect("stdout is one JSON document");
    assert_eq!(printed["files"][0]["path"], fifo.as_str());
    assert_eq!(
        printed["files"][2]["format"], "csv",
        "the other files still print"
    );
}

#[test]
fn a_closed_output_pipe_ends_quietly() {
    let csv = fixture("csv/primus-turbo-attention-bf16-mi300x.csv");
    for output in ["json", "table"] {
        // The read end is gone before wfm starts: its first write fails.
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let out = Command::new(BIN)
            .args(["extract", &csv, "--output", output])
            .env_remove("WFM_LLM_BASE_URL")
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .expect("wfm runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{output}: {stderr}");
        assert!(
            matches!(out.status.code(), Some(0 | 141)),
            "{output}: {:?} {stderr}",
            out.status
        );
    }
}

/// A fresh directory under the target dir, unique per test.
fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "wfm-cli-extract-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}
