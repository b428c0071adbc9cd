//! `wfm changes` as a process on CSV files: series, JSON and table output,
//! and the edge cases (short, constant, missing values, one point, bad input).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_wfm");

/// A CSV file of the test's own.
fn file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wfm-changes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

/// (exit code, stdout, stderr) of `wfm changes args…`.
fn changes(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN)
        .arg("changes")
        .args(args)
        .output()
        .expect("wfm runs");
    let text = |b: Vec<u8>| String::from_utf8(b).expect("utf-8");
    (
        out.status.code().unwrap_or(-1),
        text(out.stdout),
        text(out.stderr),
    )
}

fn json(path: &Path, extra: &[&str]) -> Value {
    let mut args = vec![path.to_str().expect("utf-8")];
    args.extend(extra);
    let (code, out, err) = changes(&args);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).expect("JSON output")
}

/// `n` points around 100 (a fixed wiggle, no randomness), `step` added from `at` on.
fn values(n: usize, at: usize, step: f64) -> Vec<f64> {
    (0..n)
        .map(|i| 100.0 + [0.4, -0.3, 0.1, -0.2, 0.3][i % 5] + if i >= at { step } else { 0.0 })
        .collect()
}

#[test]
fn each_series_gets_its_steps_with_timestamps_and_direction() {
    let mut csv = String::from("timestamp,series,value\n");
    for (i, v) in values(60, 35, 8.0).iter().enumerate() {
        csv.push_str(&format!(
            "2026-01-01T{:02}:{:02}:00Z,latency,{v}\n",
            i / 60,
            i % 60
        ));
    }
    for (i, v) in values(60, 60, 0.0).iter().enumerate() {
        csv.push_str(&format!(
            "2026-01-01T{:02}:{:02}:00Z,throughput,{v}\n",
            i / 60,
            i % 60
        ));
    }
    let path = file("two.csv", &csv);
    let report = json(&path, &["--better", "lower"]);
    let series = report["series"].as_array().expect("series");
    assert_eq!(series.len(), 2);
    assert_eq!(series[0]["name"], "latency");
    let change = &series[0]["change_points"][0];
    assert_eq!(change["index"], 35, "the first point after the step");
    assert_eq!(change["timestamp"], "2026-01-01T00:35:00Z");
    assert_eq!(change["direction"], "regression");
    assert!(
        (change["after"].as_f64().unwrap() - change["before"].as_f64().unwrap() - 8.0).abs() < 0.5
    );
    assert!((change["change_percent"].as_f64().unwrap() - 8.0).abs() < 0.5);
    assert!(change["p_value"].as_f64().unwrap() < 1e-4);
    assert_eq!(series[1]["change_points"], serde_json::json!([]));

    let (code, table, _) = changes(&[
        path.to_str().unwrap(),
        "--output",
        "table",
        "--better",
        "lower",
    ]);
    assert_eq!(code, 0);
    assert!(
        table.contains("latency: 60 points, 1 change points"),
        "{table}"
    );
    assert!(table.contains("regression"), "{table}");
    assert!(
        table.contains("throughput: 60 points, 0 change points"),
        "{table}"
    );
}

#[test]
fn an_index_column_is_the_order_and_the_answer() {
    // written out of order, with indexes that start at 1000
    let v = values(40, 20, -6.0);
    let mut rows: Vec<String> = v
        .iter()
        .enumerate()
        .map(|(i, x)| format!("{},{x}", 1000 + i))
        .collect();
    rows.reverse();
    let path = file(
        "indexed.csv",
        &format!("index,value\n{}\n", rows.join("\n")),
    );
    let report = json(&path, &[]);
    assert_eq!(report["series"][0]["change_points"][0]["index"], 1020);
    assert_eq!(
        report["series"][0]["change_points"][0]["direction"],
        "unknown"
    );
}

#[test]
fn short_constant_missing_and_single_points() {
    let short = file("short.csv", "value\n1\n2\n50\n50\n");
    assert_eq!(
        json(&short, &[])["series"][0]["change_points"],
        serde_json::json!([])
    );
    let one = file("one.csv", "value\n3.5\n");
    let report = json(&one, &[]);
    assert_eq!(report["series"][0]["points"], 1);
    assert_eq!(report["series"][0]["change_points"], serde_json::json!([]));
    let constant = file("constant.csv", &format!("value\n{}", "7\n".repeat(50)));
    assert_eq!(
        json(&constant, &[])["series"][0]["change_points"],
        serde_json::json!([])
    );
    // missing values (empty, NaN) are skipped; positions still count them
    let mut gapped = String::from("series,value\n");
    for (i, v) in values(40, 20, 9.0).iter().enumerate() {
        gapped.push_str(&match i {
            5 => "s,\n".to_owned(),
            6 => "s,NaN\n".to_owned(),
            _ => format!("s,{v}\n"),
        });
    }
    let report = json(&file("gapped.csv", &gapped), &[]);
    assert_eq!(report["series"][0]["points"], 40);
    assert_eq!(report["series"][0]["change_points"][0]["index"], 20);
    let empty = file("empty.csv", "value\n");
    assert_eq!(json(&empty, &[])["series"], serde_json::json!([]));
}

#[test]
fn bad_input_says_what_and_where() {
    let (code, _, err) = changes(&[file("novalue.csv", "time,v\n1,2\n").to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        err.contains("no `value` column (the header has: time, v)"),
        "{err}"
    );
    let (code, _, err) = changes(&[file("word.csv", "value\n1\nfast\n").to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        err.contains("line 3: value \"fast\" is not a number"),
        "{err}"
    );
    let (code, _, err) = changes(&[file("inf.csv", "value\n1\ninf\n").to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("line 3"), "{err}");
    let (code, _, err) = changes(&[file("ragged.csv", "index,value\n1,2\n3\n")
        .to_str()
        .unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("line 3"), "{err}");
    let (code, _, err) = changes(&["/nonexistent/wfm.csv"]);
    assert_eq!(code, 1);
    assert!(err.contains("cannot read it"), "{err}");
}
