//! `wfm changes FILE`: the change points of the series in a CSV file, with
//! the detector the collector uses (`wfm_changes`).
//!
//! The file has a `value` column and optionally `index` (the point's own
//! number, reported back), `timestamp` (reported back, and the order when
//! there is no index) and `series` (one detection per name). An empty value,
//! `nan` or `NaN` is a missing point; any other non-number is an error that
//! names its line.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use serde::Serialize;
use wfm_changes::{Better, Direction, Options, detect};

#[derive(Debug, Args)]
pub struct ChangesArgs {
    /// A CSV file with a `value` column (and optionally `index`, `timestamp`, `series`).
    pub file: PathBuf,
    #[arg(long, value_enum, default_value_t = Output::Json)]
    pub output: Output,
    /// Which way is better for the metric: a step is then a regression or an improvement.
    #[arg(long, value_enum, default_value_t = BetterArg::Unknown)]
    pub better: BetterArg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Output {
    Json,
    Table,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum BetterArg {
    Higher,
    Lower,
    Unknown,
}

/// One point of a series as read.
#[derive(Debug)]
struct Point {
    index: Option<i64>,
    timestamp: Option<String>,
    value: f64,
}

#[derive(Debug, Serialize)]
struct Report {
    series: Vec<SeriesReport>,
}

#[derive(Debug, Serialize)]
struct SeriesReport {
    name: String,
    points: usize,
    change_points: Vec<ChangeReport>,
}

#[derive(Debug, Serialize)]
struct ChangeReport {
    /// The first point after the step: its `index` column, else its position in the series.
    index: i64,
    timestamp: Option<String>,
    before: f64,
    after: f64,
    change_percent: Option<f64>,
    p_value: f64,
    direction: Direction,
}

pub fn run(args: ChangesArgs) -> ExitCode {
    match report(&args) {
        Ok(report) => {
            match args.output {
                Output::Json => match serde_json::to_string_pretty(&report) {
                    Ok(text) => println!("{text}"),
                    Err(e) => {
                        eprintln!("wfm changes: {e}");
                        return ExitCode::FAILURE;
                    }
                },
                Output::Table => print!("{}", table(&report)),
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("wfm changes: {}: {e:#}", args.file.display());
            ExitCode::FAILURE
        }
    }
}

fn report(args: &ChangesArgs) -> anyhow::Result<Report> {
    let better = match args.better {
        BetterArg::Higher => Better::Higher,
        BetterArg::Lower => Better::Lower,
        BetterArg::Unknown => Better::Unknown,
    };
    let series = read(&args.file)?;
    let options = Options::default();
    Ok(Report {
        series: series
            .into_iter()
            .map(|(name, points)| {
                let values: Vec<f64> = points.iter().map(|p| p.value).collect();
                let change_points = detect(&values, better, &options)
                    .into_iter()
                    .map(|c| {
                        let at = &points[c.index];
                        ChangeReport {
                            index: at.index.unwrap_or(c.index as i64),
                            timestamp: at.timestamp.clone(),
                            before: c.before,
                            after: c.after,
                            change_percent: c.change_percent,
                            p_value: c.p_value,
                            direction: c.direction,
                        }
                    })
                    .collect();
                SeriesReport {
                    name,
                    points: points.len(),
                    change_points,
                }
            })
            .collect(),
    })
}

/// The file's series, in order of first appearance, each in index (else
/// timestamp, else file) order.
fn read(path: &std::path::Path) -> anyhow::Result<Vec<(String, Vec<Point>)>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_path(path)
        .context("cannot read it")?;
    let headers = reader.headers().context("no header line")?.clone();
    let column = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let Some(value_at) = column("value") else {
        bail!(
            "no `value` column (the header has: {})",
            headers.iter().collect::<Vec<_>>().join(", ")
        );
    };
    let (index_at, time_at, series_at) = (column("index"), column("timestamp"), column("series"));
    let mut series: Vec<(String, Vec<Point>)> = Vec::new();
    for (n, row) in reader.records().enumerate() {
        let line = n + 2;
        let row = row.with_context(|| format!("line {line}"))?;
        let field = |at: Option<usize>| at.and_then(|i| row.get(i)).unwrap_or("");
        let value = match field(Some(value_at)) {
            "" | "nan" | "NaN" | "NAN" => f64::NAN,
            text => text
                .parse::<f64>()
                .ok()
                .filter(|v| !v.is_infinite())
                .with_context(|| format!("line {line}: value {text:?} is not a number"))?,
        };
        let index = match field(index_at) {
            "" => None,
            text => Some(
                text.parse::<i64>()
                    .with_context(|| format!("line {line}: index {text:?} is not an integer"))?,
            ),
        };
        let timestamp = Some(field(time_at).to_owned()).filter(|t| !t.is_empty());
        let name = field(series_at).to_owned();
        let point = Point {
            index,
            timestamp,
            value,
        };
        match series.iter_mut().find(|(s, _)| *s == name) {
            Some((_, points)) => points.push(point),
            None => series.push((name, vec![point])),
        }
    }
    for (_, points) in &mut series {
        if index_at.is_some() {
            points.sort_by_key(|p| p.index);
        } else if time_at.is_some() {
            points.sort_by(|a, b| a.timestamp.cmp(&b.timestamp));
        }
    }
    Ok(series)
}

fn table(report: &Report) -> String {
    let mut out = String::new();
    for s in &report.series {
        let name = if s.name.is_empty() {
            "(series)"
        } else {
            &s.name
        };
        out.push_str(&format!(
            "{name}: {} points, {} change points\n",
            s.points,
            s.change_points.len()
        ));
        if s.change_points.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "  {:>8}  {:<25} {:>12} {:>12} {:>9} {:>9}  direction\n",
            "index", "timestamp", "before", "after", "change", "p"
        ));
        for c in &s.change_points {
            out.push_str(&format!(
                "  {:>8}  {:<25} {:>12.4} {:>12.4} {:>9} {:>9.1e}  {}\n",
                c.index,
                c.timestamp.as_deref().unwrap_or("-"),
                c.before,
                c.after,
                c.change_percent
                    .map_or("-".to_owned(), |p| format!("{p:+.1}%")),
                c.p_value,
                match c.direction {
                    Direction::Regression => "regression",
                    Direction::Improvement => "improvement",
                    Direction::Unknown => "unknown",
                }
            ));
        }
    }
    out
}
