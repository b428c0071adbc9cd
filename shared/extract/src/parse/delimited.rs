//! CSV and TSV: delimiter sniffed, header detected, quoted fields, CRLF,
//! ragged rows kept.

use std::borrow::Cow;

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
    let mut record = csv::ByteRecord::new();
    let mut first: Option<Vec<String>> = None;
    let mut writer: Option<TableWriter> = None;
    while reader.read_byte_record(&mut record)? {
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        let Some(writer) = writer.as_mut() else {
            let cells: Vec<String> = record.iter().map(|f| lossy(f).into_owned()).collect();
            let is_header = cells
                .iter()
                .all(|c| !matches!(parse_cell(c), Cell::Number(_)));
            let header: Vec<String> = if is_header {
                cells.clone()
            } else {
                (1..=cells.len()).map(|i| format!("column_{i}")).collect()
            };
            let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
            let mut new_writer = TableWriter::new(builder, &header_refs);
            if !is_header {
                new_writer.write_row(builder, cells.iter().map(String::as_str))?;
            }
            first = Some(header);
            writer = Some(new_writer);
            continue;
        };
        let fields: Vec<Cow<'_, str>> = record.iter().map(lossy).collect();
        writer.write_row(builder, fields.iter().map(|c| c.as_ref()))?;
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

fn lossy(field: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(field)
}
