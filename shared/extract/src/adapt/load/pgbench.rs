//! pgbench's run summary (`transaction type: …` through `tps = …`). Each
//! `transaction type:` line starts one run: one record per run, `run` its
//! ordinal in the file (runs of one configuration repeat). The settings
//! pgbench prints (`transaction type`, `scaling factor`, `query mode`,
//! `number of clients`, `number of threads`, `duration`, `number of
//! transactions per client`, `maximum number of tries`) and the `pgbench
//! (17.0)` version line are dimensions, under pgbench's own words; the
//! results are metrics: `number of transactions actually processed`,
//! `number of failed transactions`, `latency average` / `latency stddev` /
//! `initial connection time` (ms), `tps` (without initial connection time,
//! or excluding connections establishing in older versions) and
//! `tps_including_connections_establishing` (older versions). Progress lines
//! and per-statement latencies are not records.

use std::sync::LazyLock;

use regex::Regex;

use super::text::{self, CONSOLE};
use crate::adapt::{Adapter, Emit, Input};
use crate::error::ExtractError;
use crate::schema::Direction::{HigherIsBetter, LowerIsBetter};

pub(super) const ADAPTER: Adapter = Adapter {
    name: "pgbench",
    formats: CONSOLE,
    detect,
    read,
};

static LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*([a-z][a-z' ]*?)\s*(?::|=)\s*(.+?)\s*$")
        .unwrap_or_else(|e| unreachable!("static regex: {e}"))
});
static VERSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*pgbench \(([^)\s]+)").unwrap_or_else(|e| unreachable!("static regex: {e}"))
});

/// Settings pgbench prints before its results, kept as dimensions.
const SETTINGS: &[&str] = &[
    "scaling factor",
    "query mode",
    "number of clients",
    "number of threads",
    "maximum number of tries",
    "number of transactions per client",
    "duration",
];

fn detect(input: &Input<'_>) -> Option<&'static str> {
    let head = input.head();
    let typed = head
        .lines()
        .any(|l| l.trim_start().starts_with("transaction type:"));
    (typed && (head.contains("number of clients") || head.contains("tps = ")))
        .then_some("pgbench's `transaction type:` … `tps = ` run summary")
}

fn read(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let mut in_run = false;
    let mut version: Option<String> = None;
    for line in input.text.lines() {
        if let Some(c) = VERSION.captures(line) {
            version = Some(c[1].to_owned());
            continue;
        }
        let Some(c) = LINE.captures(line) else {
            continue;
        };
        let (key, value) = (c.get(1).map_or("", |m| m.as_str()), &c[2]);
        if key == "transaction type" {
            if in_run {
                out.end_record();
            }
            in_run = true;
            out.dim("run", out.records() + 1)?;
            out.dim("transaction type", value)?;
            if let Some(v) = version.take() {
                out.dim("pgbench version", &v)?;
            }
            continue;
        }
        if in_run {
            field(key, value, out)?;
        }
    }
    if in_run {
        out.end_record();
    }
    Ok(())
}

/// The leading number of `10000/10000`, `0 (0.000%)`, `4.861 ms`, `60 s`.
fn leading(value: &str) -> Option<f64> {
    let end = value
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-')))
        .unwrap_or(value.len());
    text::number(&value[..end])
}

fn field(key: &str, value: &str, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    if SETTINGS.contains(&key) {
        return match leading(value) {
            Some(n) if n.fract() == 0.0 && !key.ends_with("mode") => out.dim(key, n as i64),
            _ => out.dim(key, value),
        };
    }
    let Some(n) = leading(value) else {
        return Ok(());
    };
    match key {
        "tps" => {
            let name = if value.contains("including") {
                "tps_including_connections_establishing"
            } else {
                "tps"
            };
            out.metric_dir(name, n, Some("tps"), HigherIsBetter)
        }
        "number of transactions actually processed" => out.metric_dir(key, n, None, HigherIsBetter),
        "latency average" | "initial connection time" => {
            out.metric_dir(key, n, Some("ms"), LowerIsBetter)
        }
        "latency stddev" => out.metric(key, n, Some("ms")),
        "number of failed transactions"
        | "number of transactions skipped"
        | "number of transactions retried"
        | "total number of retries" => out.metric_dir(key, n, None, LowerIsBetter),
        k if k.starts_with("number of transactions above") => {
            out.metric_dir(k, n, None, LowerIsBetter)
        }
        _ => Ok(()),
    }
}
