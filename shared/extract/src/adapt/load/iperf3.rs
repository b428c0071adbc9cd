//! iperf3's JSON report (`iperf3 -J`): `start` (settings), `intervals`
//! (per-second samples) and `end` (the test's summary). One record per test,
//! from `end`: the intervals are samples of the same test, not cases. A
//! document that is an array of reports is one record per report.
//! Dimensions: `version`, `protocol`, `num_streams`, `blksize`, `duration`,
//! `omit`, `reverse`, `bidir`, `tos` (`start.test_start`), `remote_host`
//! (`start.connecting_to.host`) and `timestamp` (`start.timestamp.time`).
//! Metrics keep iperf3's keys under their summary: `sum_sent.bits_per_second`,
//! `sum_sent.bytes`, `sum_sent.retransmits`, `sum_received.bits_per_second`;
//! UDP's `sum.jitter_ms`, `sum.lost_percent`, `sum.lost_packets`,
//! `sum.packets`; and `cpu_utilization_percent.host_total` etc.

use serde_json::Value;

use super::text::JSON_REPORT;
use crate::adapt::{Adapter, Emit, Input};
use crate::error::ExtractError;
use crate::schema::Direction::{self, HigherIsBetter, LowerIsBetter};

pub(super) const ADAPTER: Adapter = Adapter {
    name: "iperf3-json",
    formats: JSON_REPORT,
    detect,
    read,
};

fn is_report(v: &Value) -> bool {
    v.get("start").is_some_and(Value::is_object) && v.get("end").is_some_and(Value::is_object)
}

fn reports(root: &Value) -> Vec<&Value> {
    match root {
        Value::Array(items) => items.iter().filter(|v| is_report(v)).collect(),
        v if is_report(v) => vec![v],
        _ => Vec::new(),
    }
}

fn detect(input: &Input<'_>) -> Option<&'static str> {
    let head = input.head();
    if !(head.contains("\"start\"")
        && (head.contains("\"test_start\"") || head.contains("\"connected\"")))
    {
        return None;
    }
    (!reports(input.json()?).is_empty())
        .then_some("iperf3's JSON report: `start`, `intervals`, `end`")
}

fn read(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let Some(root) = input.json() else {
        return Ok(());
    };
    for report in reports(root) {
        let start = &report["start"];
        if let Some(v) = start.get("version").and_then(Value::as_str) {
            out.dim("version", v)?;
        }
        for (key, value) in start["test_start"].as_object().into_iter().flatten() {
            match value {
                Value::String(s) => out.dim(key, s.as_str())?,
                Value::Number(n) => {
                    if let Some(i) = n.as_i64() {
                        out.dim(key, i)?;
                    } else if let Some(f) = n.as_f64() {
                        out.dim(key, f)?;
                    }
                }
                _ => {}
            }
        }
        if let Some(host) = start["connecting_to"]["host"].as_str() {
            out.dim("remote_host", host)?;
        }
        if let Some(time) = start["timestamp"]["time"].as_str() {
            out.dim("timestamp", time)?;
        }
        let end = &report["end"];
        let measured = ["sum_sent", "sum_received", "sum"]
            .iter()
            .any(|k| end[*k]["bits_per_second"].is_number());
        if !measured {
            // An `error` report: settings but no results.
            out.discard_record();
            continue;
        }
        for summary in [
            "sum_sent",
            "sum_received",
            "sum",
            "sum_sent_bidir_reverse",
            "sum_received_bidir_reverse",
        ] {
            for (key, value) in end[summary].as_object().into_iter().flatten() {
                if let Some(v) = value.as_f64()
                    && value.is_number()
                {
                    sum_metric(out, summary, key, v)?;
                }
            }
        }
        for (key, value) in end["cpu_utilization_percent"]
            .as_object()
            .into_iter()
            .flatten()
        {
            if let Some(v) = value.as_f64() {
                out.metric(&format!("cpu_utilization_percent.{key}"), v, Some("%"))?;
            }
        }
        out.end_record();
    }
    Ok(())
}

fn sum_metric(out: &mut Emit<'_>, summary: &str, key: &str, v: f64) -> Result<(), ExtractError> {
    let (unit, direction): (Option<&str>, Option<Direction>) = match key {
        // `start` and `end` are offsets of the summed span, not measurements.
        "start" | "end" => return Ok(()),
        "seconds" => (Some("s"), None),
        "bytes" => (Some("B"), Some(HigherIsBetter)),
        "bits_per_second" => (Some("bit/s"), Some(HigherIsBetter)),
        "jitter_ms" => (Some("ms"), Some(LowerIsBetter)),
        "lost_percent" => (Some("%"), Some(LowerIsBetter)),
        "retransmits" | "lost_packets" | "out_of_order" => (None, Some(LowerIsBetter)),
        _ => (None, None),
    };
    let name = format!("{summary}.{key}");
    match direction {
        Some(d) => out.metric_dir(&name, v, unit, d),
        None => out.metric(&name, v, unit),
    }
}
