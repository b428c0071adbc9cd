//! Markdown: every GFM table, read with comrak. Cell text loses its inline
//! markup (code, emphasis, links). With several tables, the nearest heading
//! above each becomes a dimension: `System: DGX-H100` → `System`, any other
//! heading → `table`.
//!
//! A comrak AST costs far more than the text it parses, so large tables are
//! parsed in slices: the document is cut into table blocks (a row with
//! pipes, a delimiter row, the rows up to a blank line) and the prose
//! between them. Prose goes to comrak whole; each table goes in slices of
//! `SLICE_ROWS` rows under its own header, and each slice's AST is dropped
//! before the next.

use comrak::nodes::{AstNode, NodeValue};
use comrak::{Arena, Options, parse_document};

use crate::builder::Builder;
use crate::column::Origin;
use crate::error::ExtractError;
use crate::format::is_delimiter_row;
use crate::parse::table::TableWriter;

const SLICE_ROWS: usize = 256;

/// A stretch of the document.
enum Segment<'t> {
    Prose(&'t str),
    Table {
        header: &'t str,
        delimiter: &'t str,
        rows: Vec<&'t str>,
    },
}

/// What prose held, in order.
enum Event {
    Heading(String),
    Table(Vec<Vec<String>>),
}

pub(crate) fn parse(
    text: &str,
    builder: &mut Builder,
    warnings: &mut Vec<String>,
) -> Result<(), ExtractError> {
    let segments = segments(text);
    let prose: Vec<Vec<Event>> = segments
        .iter()
        .map(|s| match s {
            Segment::Prose(t) => prose_events(t),
            Segment::Table { .. } => Vec::new(),
        })
        .collect();
    let tables = segments
        .iter()
        .filter(|s| matches!(s, Segment::Table { .. }))
        .count()
        + prose
            .iter()
            .flatten()
            .filter(|e| matches!(e, Event::Table(_)))
            .count();
    if tables == 0 {
        warnings.push("no tables found in the Markdown document".to_owned());
        return Ok(());
    }
    let mut sink = Sink {
        several: tables > 1,
        heading: None,
        ragged: 0,
        unreadable: 0,
    };
    for (segment, events) in segments.iter().zip(prose) {
        match segment {
            Segment::Prose(_) => {
                for event in events {
                    match event {
                        Event::Heading(h) => sink.heading = Some(h),
                        Event::Table(rows) => sink.table(builder, &rows)?,
                    }
                }
            }
            Segment::Table {
                header,
                delimiter,
                rows,
            } => sink.sliced_table(builder, header, delimiter, rows)?,
        }
    }
    if sink.unreadable > 0 {
        warnings.push(format!(
            "{} table(s) not read: header and delimiter rows have different numbers of cells",
            sink.unreadable
        ));
    }
    if sink.ragged > 0 {
        warnings.push(format!(
            "{} table rows had a different number of cells than their header",
            sink.ragged
        ));
    }
    Ok(())
}

struct Sink {
    several: bool,
    heading: Option<String>,
    ragged: usize,
    unreadable: usize,
}

impl Sink {
    fn writer(&self, builder: &mut Builder, header: &[String]) -> TableWriter {
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        let mut writer = TableWriter::new(&header);
        if self.several
            && let Some(heading) = &self.heading
        {
            let (name, value) = heading_dimension(heading);
            writer.with_extra(builder, name, value, Origin::Heading);
        }
        writer
    }

    fn table(&mut self, builder: &mut Builder, rows: &[Vec<String>]) -> Result<(), ExtractError> {
        let Some((header, body)) = rows.split_first() else {
            return Ok(());
        };
        let mut writer = self.writer(builder, header);
        for row in body {
            writer.write_row(builder, row.iter().map(String::as_str))?;
        }
        self.ragged += writer.ragged_rows;
        writer.finish(builder)?;
        Ok(())
    }

    fn sliced_table(
        &mut self,
        builder: &mut Builder,
        header: &str,
        delimiter: &str,
        rows: &[&str],
    ) -> Result<(), ExtractError> {
        let mut writer: Option<TableWriter> = None;
        let mut slices = rows.chunks(SLICE_ROWS).peekable();
        if slices.peek().is_none() {
            // A header with no body still names the table; nothing to write.
            return Ok(());
        }
        for slice in slices {
            let mut text = String::with_capacity(
                header.len()
                    + delimiter.len()
                    + slice.iter().map(|r| r.len() + 1).sum::<usize>()
                    + 2,
            );
            for line in [header, delimiter].iter().chain(slice) {
                text.push_str(line);
                text.push('\n');
            }
            let arena = Arena::new();
            let root = parse_document(&arena, &text, &options());
            let Some(table) = root
                .descendants()
                .find(|n| matches!(n.data().value, NodeValue::Table(_)))
            else {
                // comrak refuses a table whose header and delimiter rows
                // differ in cell count; say so rather than drop it quietly.
                self.unreadable += 1;
                break;
            };
            let table_rows = table_rows(table);
            let Some((head, body)) = table_rows.split_first() else {
                continue;
            };
            let writer = writer.get_or_insert_with(|| self.writer(builder, head));
            for row in body {
                writer.write_row(builder, row.iter().map(String::as_str))?;
            }
        }
        if let Some(writer) = writer {
            self.ragged += writer.ragged_rows;
            writer.finish(builder)?;
        }
        Ok(())
    }
}

fn options() -> Options<'static> {
    let mut options = Options::default();
    options.extension.table = true;
    options
}

/// Cuts the document into prose and table blocks; pipes inside fenced code
/// are prose.
fn segments(text: &str) -> Vec<Segment<'_>> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut segments = Vec::new();
    let (mut prose_start, mut offset, mut i) = (0usize, 0usize, 0usize);
    let mut fence: Option<&str> = None;
    while i < lines.len() {
        let line = lines[i].trim();
        if let Some(marker) = fence {
            if line.starts_with(marker) {
                fence = None;
            }
        } else if line.starts_with("```") || line.starts_with("~~~") {
            fence = Some(&line[..3]);
        } else if line.contains('|')
            && lines
                .get(i + 1)
                .is_some_and(|next| is_delimiter_row(next.trim()))
        {
            let mut end = i + 2;
            while end < lines.len() && is_table_row(lines[end]) {
                end += 1;
            }
            if prose_start < offset {
                segments.push(Segment::Prose(&text[prose_start..offset]));
            }
            segments.push(Segment::Table {
                header: lines[i].trim_end_matches(['\n', '\r']).trim_start(),
                delimiter: lines[i + 1].trim_end_matches(['\n', '\r']).trim_start(),
                rows: lines[i + 2..end]
                    .iter()
                    .map(|l| l.trim_end_matches(['\n', '\r']).trim_start())
                    .collect(),
            });
            offset += lines[i..end].iter().map(|l| l.len()).sum::<usize>();
            prose_start = offset;
            i = end;
            continue;
        }
        offset += lines[i].len();
        i += 1;
    }
    if prose_start < text.len() {
        segments.push(Segment::Prose(&text[prose_start..]));
    }
    segments
}

/// A table continues up to a blank line or the start of another block.
fn is_table_row(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && !t.starts_with('#') && !t.starts_with("```") && !t.starts_with("~~~")
}

fn prose_events(text: &str) -> Vec<Event> {
    let arena = Arena::new();
    let root = parse_document(&arena, text, &options());
    let mut events = Vec::new();
    for node in root.descendants() {
        let (heading, table) = {
            let data = node.data();
            (
                matches!(data.value, NodeValue::Heading(_)),
                matches!(data.value, NodeValue::Table(_)),
            )
        };
        if heading {
            events.push(Event::Heading(inline_text(node)));
        } else if table {
            events.push(Event::Table(table_rows(node)));
        }
    }
    events
}

/// `System: DGX-H100` → (`System`, `DGX-H100`); anything else → (`table`, heading).
fn heading_dimension(heading: &str) -> (&str, &str) {
    if let Some((key, value)) = heading.split_once(':') {
        let (key, value) = (key.trim(), value.trim());
        if !key.is_empty() && !value.is_empty() && key.split_whitespace().count() <= 3 {
            return (key, value);
        }
    }
    ("table", heading.trim())
}

fn table_rows<'a>(table: &'a AstNode<'a>) -> Vec<Vec<String>> {
    table
        .children()
        .filter(|row| matches!(row.data().value, NodeValue::TableRow(_)))
        .map(|row| {
            row.children()
                .filter(|cell| matches!(cell.data().value, NodeValue::TableCell))
                .map(inline_text)
                .collect()
        })
        .collect()
}

/// The plain text of a node: text and inline code kept, markup dropped.
fn inline_text<'a>(node: &'a AstNode<'a>) -> String {
    let mut out = String::new();
    for child in node.descendants() {
        match &child.data().value {
            NodeValue::Text(t) => out.push_str(t),
            NodeValue::Code(code) => out.push_str(&code.literal),
            NodeValue::SoftBreak | NodeValue::LineBreak => out.push(' '),
            _ => {}
        }
    }
    out.trim().to_owned()
}
