//! fio's JSON report (`--output-format=json` or `json+`, fio 2.x to 3.x,
//! with or without log lines before it). One record per job and direction
//! (`read`, `write`, `trim`) that did I/O (`io_bytes` or `total_ios` above
//! 0): dimensions `jobname`, `groupid`, `direction`, the job's options (its
//! `job options` over the `global options`: `rw`, `bs`, `iodepth`,
//! `numjobs`…) and `fio version`; metrics the direction's numbers under
//! fio's keys — `iops`, `bw` (KiB/s), `bw_bytes` (B/s), `io_bytes`,
//! `runtime` (ms), `total_ios`, the `bw_*`/`iops_*` sample statistics — its
//! latency blocks flattened as fio names them (`clat_ns.mean`,
//! `clat_ns.percentile.99.000000`, `lat_ns.stddev`; fio 2.x's `clat.mean` in
//! µs) and the job's `usr_cpu`/`sys_cpu` (%), `ctx`, `majf`, `minf`. `json+`
//! histogram bins (`bins`) are not metrics. `client_stats` (client/server
//! mode) are read like `jobs`.

use serde_json::{Map, Value};

use super::text::JSON_REPORT;
use crate::adapt::{Adapter, Emit, Input};
use crate::error::ExtractError;
use crate::schema::Direction::{self, HigherIsBetter, LowerIsBetter};

pub(super) const ADAPTER: Adapter = Adapter {
    name: "fio-json",
    formats: JSON_REPORT,
    detect,
    read,
};

const DIRECTIONS: &[&str] = &["read", "write", "trim"];

fn jobs(root: &Value) -> Option<&Vec<Value>> {
    root.get("jobs")
        .or_else(|| root.get("client_stats"))
        .and_then(Value::as_array)
}

fn detect(input: &Input<'_>) -> Option<&'static str> {
    let head = input.head();
    if !(head.contains("\"fio version\"") || head.contains("\"jobname\"")) {
        return None;
    }
    let root = input.json()?;
    let jobs = jobs(root)?;
    jobs.iter()
        .any(|j| j.get("jobname").is_some() && DIRECTIONS.iter().any(|d| j.get(d).is_some()))
        .then_some("fio's JSON report: `fio version`, `jobs` with read/write/trim blocks")
}

fn read(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let Some(root) = input.json() else {
        return Ok(());
    };
    let Some(jobs) = jobs(root) else {
        return Ok(());
    };
    let empty = Map::new();
    let global = root
        .get("global options")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let version = root.get("fio version").and_then(Value::as_str);
    for job in jobs {
        for direction in DIRECTIONS {
            let Some(stats) = job.get(*direction).and_then(Value::as_object) else {
                continue;
            };
            let did_io = ["io_bytes", "total_ios", "io_kbytes"].iter().any(|k| {
                stats
                    .get(*k)
                    .and_then(Value::as_f64)
                    .is_some_and(|v| v > 0.0)
            });
            if !did_io {
                continue;
            }
            job_dims(job, global, version, direction, out)?;
            direction_metrics(stats, out)?;
            job_metrics(job, out)?;
            out.end_record();
        }
    }
    Ok(())
}

fn job_dims(
    job: &Value,
    global: &Map<String, Value>,
    version: Option<&str>,
    direction: &str,
    out: &mut Emit<'_>,
) -> Result<(), ExtractError> {
    if let Some(name) = job.get("jobname").and_then(Value::as_str) {
        out.dim("jobname", name)?;
    }
    if let Some(g) = job.get("groupid").and_then(Value::as_i64) {
        out.dim("groupid", g)?;
    }
    if let Some(host) = job.get("hostname").and_then(Value::as_str) {
        out.dim("hostname", host)?;
    }
    out.dim("direction", direction)?;
    let empty = Map::new();
    let own = job
        .get("job options")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    for (key, value) in global
        .iter()
        .filter(|(k, _)| !own.contains_key(*k))
        .chain(own)
    {
        match value {
            Value::String(s) => out.dim(key, s.as_str())?,
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    out.dim(key, i)?;
                }
            }
            _ => {}
        }
    }
    if let Some(v) = version {
        out.dim("fio version", v)?;
    }
    Ok(())
}

/// The unit of a latency block: `clat_ns` in ns, fio 2.x's `clat` in µs.
fn latency_unit(block: &str) -> &'static str {
    if block.ends_with("_ns") {
        "ns"
    } else if block.ends_with("_ms") {
        "ms"
    } else {
        "us"
    }
}

fn direction_metrics(stats: &Map<String, Value>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    for (key, value) in stats {
        match value {
            Value::Number(n) => {
                let Some(v) = n.as_f64() else { continue };
                let (unit, direction): (Option<&str>, Option<Direction>) = match key.as_str() {
                    "bw" | "bw_min" | "bw_max" | "bw_agg" | "bw_mean" => {
                        (Some("KiB/s"), Some(HigherIsBetter))
                    }
                    "bw_dev" => (Some("KiB/s"), None),
                    "bw_bytes" => (Some("B/s"), Some(HigherIsBetter)),
                    "iops" | "iops_min" | "iops_max" | "iops_mean" => (None, Some(HigherIsBetter)),
                    "io_bytes" => (Some("B"), None),
                    "io_kbytes" => (Some("KiB"), None),
                    "runtime" => (Some("ms"), None),
                    _ => (None, None),
                };
                out.metric_with(key, v, unit, direction)?;
            }
            Value::Object(block)
                if block.contains_key("mean") || block.contains_key("percentile") =>
            {
                let unit = latency_unit(key);
                for (stat, v) in block {
                    if stat == "N" {
                        if let Some(x) = v.as_f64() {
                            out.metric(&format!("{key}.N"), x, None)?;
                        }
                    } else if let Some(x) = v.as_f64() {
                        let direction = matches!(stat.as_str(), "min" | "max" | "mean")
                            .then_some(LowerIsBetter);
                        out.metric_with(&format!("{key}.{stat}"), x, Some(unit), direction)?;
                    } else if stat == "percentile"
                        && let Some(p) = v.as_object()
                    {
                        for (pct, x) in p {
                            if let Some(x) = x.as_f64() {
                                let name = format!("{key}.percentile.{pct}");
                                out.metric_with(&name, x, Some(unit), Some(LowerIsBetter))?;
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn job_metrics(job: &Value, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    for key in ["usr_cpu", "sys_cpu"] {
        if let Some(v) = job.get(key).and_then(Value::as_f64) {
            out.metric(key, v, Some("%"))?;
        }
    }
    for key in ["ctx", "majf", "minf"] {
        if let Some(v) = job.get(key).and_then(Value::as_f64) {
            out.metric(key, v, None)?;
        }
    }
    for (key, unit) in [("job_runtime", "ms"), ("elapsed", "s")] {
        if let Some(v) = job.get(key).and_then(Value::as_f64) {
            out.metric(key, v, Some(unit))?;
        }
    }
    Ok(())
}
