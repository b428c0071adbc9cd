//! Locust's CSV statistics (`--csv PREFIX`). `PREFIX_stats.csv` (`Type,Name,
//! Request Count,Failure Count,Median Response Time,…,50%,…,100%`; before
//! Locust 1.0 `"Method","Name","# requests","# failures",…`): one record per
//! row, dimensions `Type` (or `Method`) and `Name`, the `Aggregated` (older:
//! `Total`) row included as written. `PREFIX_stats_history.csv` (`Timestamp,
//! User Count,Type,Name,Requests/s,…`): one record per row, with `Timestamp`
//! a dimension too. Every other column is a metric under its header:
//! response times and percentiles in ms, `Average Content Size` in bytes;
//! `N/A` is missing.

use super::text::number;
use crate::adapt::{Adapter, Emit, Input};
use crate::error::ExtractError;
use crate::format::Format;
use crate::schema::Direction::{self, HigherIsBetter, LowerIsBetter};

pub(super) const ADAPTER: Adapter = Adapter {
    name: "locust-csv",
    formats: &[Format::Csv, Format::Tsv, Format::Text],
    detect,
    read,
};

/// The header row, unquoted.
fn header(input: &Input<'_>) -> Option<Vec<String>> {
    let first = input.head_lines(1).next()?;
    let cells: Vec<String> = first
        .split(',')
        .map(|c| c.trim().trim_matches('"').to_owned())
        .collect();
    let has = |name: &str| cells.iter().any(|c| c == name);
    let stats = (has("Type") || has("Method"))
        && has("Name")
        && (has("Request Count") || has("# requests") || has("Requests/s"));
    stats.then_some(cells)
}

fn detect(input: &Input<'_>) -> Option<&'static str> {
    let cells = header(input)?;
    Some(if cells.iter().any(|c| c == "Timestamp") {
        "Locust's stats history CSV header (`Timestamp,User Count,Type,Name,…`)"
    } else {
        "Locust's stats CSV header (`Type,Name,Request Count,…`)"
    })
}

/// Dimensions among Locust's columns.
fn is_dimension(column: &str) -> bool {
    matches!(column, "Type" | "Method" | "Name" | "Timestamp")
}

fn unit_and_direction(column: &str) -> (Option<&'static str>, Option<Direction>) {
    let lower = column.to_ascii_lowercase();
    if lower.contains("response time") || column.ends_with('%') {
        (Some("ms"), Some(LowerIsBetter))
    } else if lower.contains("content size") {
        (Some("B"), None)
    } else if lower.contains("fail") {
        (None, Some(LowerIsBetter))
    } else if lower.starts_with("requests/s")
        || lower.contains("request count")
        || lower == "# requests"
    {
        (None, Some(HigherIsBetter))
    } else {
        (None, None)
    }
}

fn read(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(input.text.as_bytes());
    let Ok(headers) = reader.headers().cloned() else {
        return Ok(());
    };
    for (row, record) in reader.records().enumerate() {
        let Ok(record) = record else {
            out.warn(format!(
                "Locust CSV row {} is not valid CSV; skipped",
                row + 2
            ));
            continue;
        };
        for (column, cell) in headers.iter().zip(record.iter()) {
            if is_dimension(column) {
                match (column, cell.parse::<i64>()) {
                    ("Timestamp", Ok(t)) => out.dim(column, t)?,
                    _ => out.dim(column, cell)?,
                }
                continue;
            }
            let Some(v) = number(cell) else { continue };
            let (unit, direction) = unit_and_direction(column);
            match direction {
                Some(d) => out.metric_dir(column, v, unit, d)?,
                None => out.metric(column, v, unit)?,
            }
        }
        out.end_record();
    }
    Ok(())
}
