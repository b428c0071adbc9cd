//! CSV and TSV: delimiter sniffed, header detected, quoted fields, CRLF,
//! ragged rows kept.

use crate::builder::Builder;
use crate::cell::{Cell, parse_cell};
use crate::error::ExtractError;
use crate::format::sniff_delimiter;
use crate::parse::table::TableWriter;

/// Reads `text` as a delimited table; `tab` says what the format promised
/// when sniffing finds nothing better.
pub(crate) fn parse(
    text: &str,
    tab: bool,
    builder: &mut Builder,
    warnings: &mut Vec<String>,
) -> Result<(), ExtractError> {
    let delimiter = sniff_delimiter(text).unwrap_or(if tab { b'\t' } else { b',' });
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut first: Option<Vec<String>> = None;
    let mut writer: Option<TableWriter> = None;
    while reader.read_record(&mut record)? {
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let Some(writer) = writer.as_mut() else {
            let cells: Vec<String> = record.iter().map(str::to_owned).collect();
            let is_header = cells
                .iter()
                .all(|c| !matches!(parse_cell(c), Cell::Number(_)));
            let header: Vec<String> = if is_header {
                cells.clone()
            } else {
                (1..=cells.len()).map(|i| format!("column_{i}")).collect()
            };
            let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
            let mut new_writer = TableWriter::new(&header_refs);
            if !is_header {
                new_writer.write_row(builder, cells.iter().map(String::as_str))?;
            }
            first = Some(header);
            writer = Some(new_writer);
            continue;
        };
        writer.write_row(builder, record.iter())?;
    }
    match writer {
        Some(writer) => {
            if writer.ragged_rows > 0 {
                warnings.push(format!(
                    "{} rows had a different number of fields than the header ({} fields); extra cells kept as column_N",
                    writer.ragged_rows,
                    first.map_or(0, |h| h.len())
                ));
            }
            writer.finish(builder)?;
        }
        None => warnings.push("no rows".to_owned()),
    }
    Ok(())
}
