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
use crate::parse::text;

const SLICE_ROWS: usize = 256;

/// A stretch of the document.
enum Segment<'t> {
    Prose(&'t str),
    Table {
        header: &'t str,
        delimiter: &'t str,
        rows: Vec<&'t str>,
    },
    /// The content of a code fence that may hold a table (no language, or
    /// `text`, `console`, `output`…).
    Fenced(&'t str),
}

/// What prose held, in order.
enum Event {
    Heading(u8, String),
    Table(Vec<Vec<String>>),
}

/// The document in order: headings and the tables under them.
enum Item<'t> {
    Heading(u8, String),
    /// A table comrak parsed with the prose around it.
    Rows(Vec<Vec<String>>),
    /// A table block, parsed in slices.
    Sliced {
        header: &'t str,
        delimiter: &'t str,
        rows: Vec<&'t str>,
    },
    /// An aligned text table inside a code fence.
    Text {
        lines: Vec<&'t str>,
        span: text::Span,
    },
    /// Lines of pairs inside a code fence (`step 0 | loss: 10.93`), one
    /// record each.
    Logged(Vec<Vec<(String, &'t str)>>),
}

/// Fence languages whose content may be a results table rather than code.
const TABLE_FENCES: &[&str] = &[
    "",
    "text",
    "txt",
    "plain",
    "plaintext",
    "console",
    "output",
    "log",
    "md",
    "markdown",
    "table",
];

pub(crate) fn parse(
    text: &str,
    builder: &mut Builder,
    warnings: &mut Vec<String>,
) -> Result<(), ExtractError> {
    let items = items(text);
    let tables = items
        .iter()
        .filter(|i| !matches!(i, Item::Heading(..)))
        .count();
    if tables == 0 {
        warnings.push("no tables found in the Markdown document".to_owned());
        return Ok(());
    }
    let mut headings = heading_dimensions(&items).into_iter();
    let mut sink = Sink {
        several: tables > 1,
        extras: Vec::new(),
        ragged: 0,
        unreadable: 0,
    };
    for item in &items {
        if matches!(item, Item::Heading(..)) {
            continue;
        }
        sink.extras = headings.next().unwrap_or_default();
        match item {
            Item::Heading(..) => {}
            Item::Rows(rows) => sink.table(builder, rows)?,
            Item::Sliced {
                header,
                delimiter,
                rows,
            } => sink.sliced_table(builder, header, delimiter, rows)?,
            Item::Logged(records) => {
                let extras = sink.heading_extras();
                for pairs in records {
                    text::write_pairs(builder, pairs, &extras, Origin::Heading)?;
                }
            }
            Item::Text { lines, span } => {
                let extras = sink.heading_extras();
                text::write_table(lines, span, builder, &extras, Origin::Heading)?;
            }
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

/// The document's headings and tables, in order.
fn items(text: &str) -> Vec<Item<'_>> {
    let mut items = Vec::new();
    for segment in segments(text) {
        match segment {
            Segment::Prose(t) => {
                for event in prose_events(t) {
                    items.push(match event {
                        Event::Heading(level, h) => Item::Heading(level, h),
                        Event::Table(rows) => Item::Rows(rows),
                    });
                }
            }
            Segment::Table {
                header,
                delimiter,
                rows,
            } => items.push(Item::Sliced {
                header,
                delimiter,
                rows,
            }),
            Segment::Fenced(content) => {
                let inner = segments(content);
                if inner.iter().any(|s| matches!(s, Segment::Table { .. })) {
                    for segment in inner {
                        if let Segment::Table {
                            header,
                            delimiter,
                            rows,
                        } = segment
                        {
                            items.push(Item::Sliced {
                                header,
                                delimiter,
                                rows,
                            });
                        }
                    }
                } else {
                    let lines: Vec<&str> = content.lines().collect();
                    let logged = text::pair_lines(&lines);
                    let taken: Vec<usize> = logged.iter().map(|(n, _)| *n).collect();
                    if !logged.is_empty() {
                        items.push(Item::Logged(logged.into_iter().map(|(_, p)| p).collect()));
                    }
                    for span in text::find_tables(&lines)
                        .into_iter()
                        .filter(|s| s.header.is_some() && !s.covers_any(&taken))
                    {
                        items.push(Item::Text {
                            lines: lines.clone(),
                            span,
                        });
                    }
                }
            }
        }
    }
    items
}

/// Per table, in order, the dimensions its headings give: the nearest
/// heading (`System: DGX-H100` → `System`, any other → `table`), every
/// `Key: Value` heading above it, and the other headings above it whose
/// level changes from table to table (`## Phase 4` → `section`); a heading
/// over every table says nothing about any record.
fn heading_dimensions(items: &[Item<'_>]) -> Vec<Vec<(String, String)>> {
    let mut stack: Vec<(u8, &str)> = Vec::new();
    let mut paths: Vec<Vec<(u8, &str)>> = Vec::new();
    for item in items {
        match item {
            Item::Heading(level, text) => {
                stack.retain(|(l, _)| l < level);
                stack.push((*level, text));
            }
            _ => paths.push(stack.clone()),
        }
    }
    // Each level's heading text above each table (`None`: no such heading),
    // collected once: a level varies when two tables see different ones.
    let levels: std::collections::BTreeSet<u8> = paths
        .iter()
        .filter_map(|p| p.split_last())
        .flat_map(|(_, above)| above.iter().map(|(l, _)| *l))
        .collect();
    let varying: Vec<u8> = levels
        .into_iter()
        .filter(|&level| {
            let mut seen = std::collections::HashSet::new();
            for path in &paths {
                let text = path
                    .split_last()
                    .and_then(|(_, above)| above.iter().find(|(l, _)| *l == level))
                    .map(|(_, t)| *t);
                seen.insert(text);
                if seen.len() > 1 {
                    return true;
                }
            }
            false
        })
        .collect();
    let varies = |level: u8| varying.contains(&level);
    paths
        .iter()
        .map(|path| {
            let Some(((_, nearest), above)) = path.split_last() else {
                return Vec::new();
            };
            let mut dims = Vec::new();
            let mut sections = 0;
            for (level, heading) in above {
                let (name, value) = heading_dimension(heading);
                if name != "table" {
                    dims.push((name.to_owned(), value.to_owned()));
                } else if varies(*level) {
                    sections += 1;
                    let name = match sections {
                        1 => "section".to_owned(),
                        2 => "subsection".to_owned(),
                        n => format!("section_{n}"),
                    };
                    dims.push((name, value.to_owned()));
                }
            }
            let (name, value) = heading_dimension(nearest);
            dims.push((name.to_owned(), value.to_owned()));
            dims
        })
        .collect()
}

struct Sink {
    several: bool,
    /// The current table's heading dimensions.
    extras: Vec<(String, String)>,
    ragged: usize,
    unreadable: usize,
}

impl Sink {
    /// The current table's heading dimensions, when the document has
    /// several tables.
    fn heading_extras(&self) -> Vec<(&str, &str)> {
        if !self.several {
            return Vec::new();
        }
        self.extras
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }

    fn writer(&self, builder: &mut Builder, header: &[String]) -> TableWriter {
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        let mut writer = TableWriter::new(&header);
        if self.several {
            for (name, value) in &self.extras {
                writer.with_extra(builder, name, value, Origin::Heading);
            }
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

/// Cuts the document into prose, table blocks and fenced blocks that may
/// hold a table; pipes inside other fenced code are prose.
fn segments(text: &str) -> Vec<Segment<'_>> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut segments = Vec::new();
    let (mut prose_start, mut offset, mut i) = (0usize, 0usize, 0usize);
    // The fence's marker, and where its content starts when it may hold a table.
    let mut fence: Option<(&str, Option<usize>)> = None;
    while i < lines.len() {
        let line = lines[i].trim();
        if let Some((marker, content_start)) = fence {
            if line.starts_with(marker)
                && line
                    .trim_start_matches(marker.as_bytes()[0] as char)
                    .trim()
                    .is_empty()
            {
                fence = None;
                if let Some(start) = content_start {
                    let fence_line = text[..start].trim_end_matches(['\n', '\r']);
                    let fence_start = fence_line.rfind('\n').map_or(0, |n| n + 1);
                    if prose_start < fence_start {
                        segments.push(Segment::Prose(&text[prose_start..fence_start]));
                    }
                    segments.push(Segment::Fenced(&text[start..offset]));
                    offset += lines[i].len();
                    prose_start = offset;
                    i += 1;
                    continue;
                }
            }
        } else if line.starts_with("```") || line.starts_with("~~~") {
            let marker = &line[..3];
            let info = line.trim_start_matches(marker.as_bytes()[0] as char).trim();
            let language = info.split_whitespace().next().unwrap_or("");
            let tabular = TABLE_FENCES.contains(&language.to_ascii_lowercase().as_str());
            fence = Some((marker, tabular.then_some(offset + lines[i].len())));
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
                match &data.value {
                    NodeValue::Heading(h) => Some(h.level),
                    _ => None,
                },
                matches!(data.value, NodeValue::Table(_)),
            )
        };
        if let Some(level) = heading {
            events.push(Event::Heading(level, inline_text(node)));
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
