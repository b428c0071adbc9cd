//! nccl-tests and rccl-tests (`all_reduce_perf`, `all_gather_perf`…) text
//! output. The signature is the results header: `# size count type redop
//! root time algbw busbw #wrong time algbw busbw #wrong` under the
//! `out-of-place` / `in-place` labels, with `(B) (elements) (us) (GB/s)`
//! units below it. One record per data row: `size`, `count`, `type`,
//! `redop`, `root` identify it (older versions lack `redop`/`root`); each
//! measured column is `<group>.<column>` (`out-of-place.busbw`), the groups
//! in the order the header gives them. Around the table: the collective
//! (`op`, the `*_perf` binary named by `# Collective test starting:` or a
//! command line above the output) and `nranks` (the `#  Rank N …` device
//! lines) are copied into every record of their run. The trailer
//! `# Avg bus bandwidth : x` is a file-level value: one extra record
//! without a size, with `Out of bounds values`. Log prefixes that `mpirun
//! --tag-output` (`[1,0]<stdout>:`) or `srun -l` (`0: `) add are removed.

use std::sync::LazyLock;

use regex::Regex;

use super::super::{Adapter, Emit, Input};
use crate::error::ExtractError;
use crate::format::Format;
use crate::schema::Direction;

pub(crate) const ADAPTER: Adapter = Adapter {
    name: "nccl-tests",
    formats: &[Format::Text, Format::Markdown, Format::Csv, Format::Tsv],
    detect,
    read,
};

/// What a launcher puts before each line of a rank's output.
static PREFIX: LazyLock<Option<Regex>> =
    LazyLock::new(|| super::regex(r"^(?:\[\d+,\d+\]<std(?:out|err)>:|\d+: )"));
/// A test binary's name, on a command line or `# Collective test starting:`.
static OP: LazyLock<Option<Regex>> =
    LazyLock::new(|| super::regex(r"\b([a-z][a-z0-9_]*_perf(?:_mpi)?)\b"));
/// A device line: `#  Rank  3 Group  0 Pid 6902 on host device  3 [..] GPU`.
static RANK: LazyLock<Option<Regex>> = LazyLock::new(|| super::regex(r"^#\s*Rank\s+(\d+)\s"));
/// The trailer lines: `# Avg bus bandwidth    : 70.742`.
static TRAILER: LazyLock<Option<Regex>> =
    LazyLock::new(|| super::regex(r"^#\s*(Avg bus bandwidth|Out of bounds values)\s*:\s*(\S+)"));

fn detect(input: &Input<'_>) -> Option<&'static str> {
    let head = input.head();
    (head.contains("algbw") && head.contains("busbw") && head.contains("size"))
        .then(|| head.lines().find_map(header))
        .flatten()
        .map(|_| "an nccl-tests/rccl-tests results header (size count type … algbw busbw)")
}

/// The column names of a results header line, or `None`.
fn header(line: &str) -> Option<Vec<String>> {
    let line = strip(line);
    let rest = line.trim_start().strip_prefix('#')?;
    let tokens: Vec<String> = rest.split_whitespace().map(str::to_owned).collect();
    let has = |name: &str| tokens.iter().any(|t| t == name);
    (tokens.first().is_some_and(|t| t == "size") && has("count") && has("algbw") && has("busbw"))
        .then_some(tokens)
}

fn strip(line: &str) -> &str {
    let line = line.trim_end_matches('\r');
    match PREFIX.as_ref().and_then(|re| re.find(line)) {
        Some(m) => &line[m.end()..],
        None => line,
    }
}

/// How a column of the header is written into a record.
enum Column {
    Dim(String),
    Metric {
        name: String,
        unit: Option<&'static str>,
        direction: Option<Direction>,
    },
}

fn columns(tokens: &[String]) -> Vec<Column> {
    const GROUPS: [&str; 2] = ["out-of-place", "in-place"];
    let mut group: Option<usize> = None;
    tokens
        .iter()
        .map(|t| {
            let t = t.as_str();
            if matches!(t, "size" | "count" | "type" | "redop" | "root") && group.is_none() {
                return Column::Dim(t.to_owned());
            }
            if t == "time" {
                group = Some(group.map_or(0, |g| g + 1));
            }
            let prefix = group
                .and_then(|g| GROUPS.get(g))
                .map_or_else(|| "out-of-place".to_owned(), |g| (*g).to_owned());
            let (unit, direction) = match t {
                "time" => (Some("us"), Some(Direction::LowerIsBetter)),
                "algbw" | "busbw" => (Some("GB/s"), Some(Direction::HigherIsBetter)),
                _ => (None, Some(Direction::LowerIsBetter)),
            };
            Column::Metric {
                name: format!("{prefix}.{t}"),
                unit,
                direction,
            }
        })
        .collect()
}

/// What the lines before a table said about its run.
#[derive(Default)]
struct Run {
    op: Option<String>,
    ranks: Vec<u64>,
}

impl Run {
    fn dims(&self, out: &mut Emit<'_>) -> Result<(), ExtractError> {
        if let Some(op) = &self.op {
            out.dim("op", op.as_str())?;
        }
        if !self.ranks.is_empty() {
            out.dim("nranks", self.ranks.len())?;
        }
        Ok(())
    }
}

fn read(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let mut run = Run::default();
    let mut table: Option<Vec<Column>> = None;
    let mut trailer: Vec<(String, f64)> = Vec::new();
    for raw in input.text.lines() {
        let line = strip(raw);
        let trimmed = line.trim();
        if trimmed.starts_with("# nThread") || trimmed.starts_with("# Collective test starting") {
            flush_trailer(&run, &mut trailer, out)?;
            // A new run: keep the op a command line above named, unless the
            // starting line names it.
            let op = run.op.take();
            run = Run {
                op: super::captures(&OP, trimmed)
                    .map(|c| c[1].to_owned())
                    .or(op),
                ranks: Vec::new(),
            };
            table = None;
            continue;
        }
        if let Some(c) = super::captures(&RANK, trimmed) {
            if let Ok(rank) = c[1].parse::<u64>()
                && !run.ranks.contains(&rank)
            {
                run.ranks.push(rank);
            }
            continue;
        }
        if let Some(tokens) = header(trimmed) {
            table = Some(columns(&tokens));
            continue;
        }
        if let Some(c) = super::captures(&TRAILER, trimmed) {
            if let Ok(v) = c[2].parse::<f64>() {
                trailer.push((c[1].to_owned(), v));
            }
            if &c[1] == "Avg bus bandwidth" {
                flush_trailer(&run, &mut trailer, out)?;
                table = None;
            }
            continue;
        }
        if trimmed.starts_with('#') || trimmed.is_empty() {
            continue;
        }
        match &table {
            Some(cols) => row(cols, trimmed, &run, out)?,
            None => {
                // A command line before the output names the collective.
                if let Some(c) = super::captures(&OP, trimmed) {
                    run.op = Some(c[1].to_owned());
                }
            }
        }
    }
    flush_trailer(&run, &mut trailer, out)
}

/// One data row; a line of another shape (a warning, NCCL INFO) is skipped.
fn row(cols: &[Column], line: &str, run: &Run, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let cells: Vec<&str> = line.split_whitespace().collect();
    if cells.len() != cols.len() || cells.first().is_none_or(|c| c.parse::<u64>().is_err()) {
        return Ok(());
    }
    let mut measured = false;
    for (col, cell) in cols.iter().zip(&cells) {
        match col {
            Column::Dim(name) => match cell.parse::<i64>() {
                Ok(n) => out.dim(name, n)?,
                Err(_) => out.dim(name, *cell)?,
            },
            Column::Metric {
                name,
                unit,
                direction,
            } => {
                // `N/A` (an in-place column the collective lacks) is missing.
                if let Ok(v) = cell.parse::<f64>() {
                    measured = true;
                    match direction {
                        Some(d) => out.metric_dir(name, v, *unit, *d)?,
                        None => out.metric(name, v, *unit)?,
                    }
                }
            }
        }
    }
    if measured {
        run.dims(out)?;
        out.end_record();
    } else {
        out.discard_record();
    }
    Ok(())
}

/// The run's trailer values as one record without a size.
fn flush_trailer(
    run: &Run,
    trailer: &mut Vec<(String, f64)>,
    out: &mut Emit<'_>,
) -> Result<(), ExtractError> {
    if trailer.is_empty() {
        return Ok(());
    }
    for (name, v) in trailer.drain(..) {
        if name == "Avg bus bandwidth" {
            out.metric_dir(&name, v, Some("GB/s"), Direction::HigherIsBetter)?;
        } else {
            out.metric_dir(&name, v, None, Direction::LowerIsBetter)?;
        }
    }
    run.dims(out)?;
    out.end_record();
    Ok(())
}

#[cfg(test)]
pub(super) fn grammars_compile() -> bool {
    [&PREFIX, &OP, &RANK, &TRAILER]
        .iter()
        .all(|re| re.as_ref().is_some())
}
