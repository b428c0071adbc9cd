//! Plain-text tool output, best effort (the LLM is the better reader here):
//!
//! - *aligned tables*: two or more consecutive lines with the same number
//!   of whitespace-separated tokens, some numeric, not starting with `#`.
//!   The header is the nearest line above with that many non-numeric tokens
//!   (a leading `#` is ignored); a line of `(unit)` tokens under it gives
//!   units by position; a line of labels above it (`out-of-place  in-place`)
//!   names the groups of repeated columns (`out-of-place.time`).
//! - *`key: value` lines* with a numeric value (`# Avg bus bandwidth : 70.742`)
//!   outside tables become one summary record.

use std::collections::HashMap;

use crate::builder::Builder;
use crate::cell::{Cell, parse_cell, parse_number};
use crate::column::Origin;
use crate::error::ExtractError;
use crate::parse::table::TableWriter;

/// How far above a table its header may be.
const HEADER_REACH: usize = 4;

#[derive(Debug, Clone, Copy)]
struct Token<'a> {
    text: &'a str,
    start: usize,
    end: usize,
}

fn tokens(line: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices().chain([(line.len(), ' ')]) {
        match (c.is_whitespace(), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                out.push(Token {
                    text: &line[s..i],
                    start: s,
                    end: i,
                });
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// A line's tokens without a leading `#` comment marker.
fn comment_tokens(line: &str) -> Vec<Token<'_>> {
    let mut t = tokens(line);
    if t.first().is_some_and(|t| t.text == "#") {
        t.remove(0);
    } else if let Some(first) = t.first_mut()
        && let Some(rest) = first.text.strip_prefix('#')
    {
        first.text = rest;
        first.start += 1;
    }
    t.retain(|t| !t.text.is_empty());
    t
}

fn is_numeric(token: &str) -> bool {
    matches!(parse_cell(token), Cell::Number(_))
}

fn is_data_line(line: &str) -> Option<usize> {
    let trimmed = line.trim_start();
    if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with('>') {
        return None;
    }
    let t = tokens(line);
    (t.len() >= 2 && t.iter().any(|t| is_numeric(t.text))).then_some(t.len())
}

pub(crate) fn parse(
    text: &str,
    builder: &mut Builder,
    warnings: &mut Vec<String>,
) -> Result<(), ExtractError> {
    let lines: Vec<&str> = text.lines().collect();
    let mut in_table = vec![false; lines.len()];
    let mut tables = 0;
    let mut i = 0;
    while i < lines.len() {
        let Some(width) = is_data_line(lines[i]) else {
            i += 1;
            continue;
        };
        let mut end = i + 1;
        while end < lines.len() && is_data_line(lines[end]) == Some(width) {
            end += 1;
        }
        if end - i >= 2 {
            table(&lines, i, end, width, builder)?;
            in_table[i..end].iter_mut().for_each(|t| *t = true);
            tables += 1;
        }
        i = end;
    }
    let summary = summary_pairs(&lines, &in_table);
    if !summary.is_empty() {
        for (key, value) in summary {
            if let Some(id) = builder.field(key, Origin::Data) {
                builder.set_cell(id, value)?;
            }
        }
        builder.end_row();
    }
    if tables == 0 && builder.rows() == 0 {
        warnings.push("plain text: no aligned table or `key: value` numbers recognised".to_owned());
    }
    Ok(())
}

fn table(
    lines: &[&str],
    start: usize,
    end: usize,
    width: usize,
    builder: &mut Builder,
) -> Result<(), ExtractError> {
    let above = start.saturating_sub(HEADER_REACH)..start;
    let header_at = above.clone().rev().find(|&j| {
        let t = comment_tokens(lines[j]);
        t.len() == width && !t.iter().any(|t| is_numeric(t.text))
    });
    let (names, units) = match header_at {
        Some(h) => {
            let header = comment_tokens(lines[h]);
            let groups = h
                .checked_sub(1)
                .map(|g| comment_tokens(lines[g]))
                .unwrap_or_default();
            let unit_line = (h + 1..start).map(|u| comment_tokens(lines[u])).find(|t| {
                !t.is_empty()
                    && t.iter()
                        .all(|t| t.text.starts_with('(') && t.text.ends_with(')'))
            });
            (
                grouped_names(&header, &groups),
                units_by_position(&header, unit_line.as_deref().unwrap_or(&[])),
            )
        }
        None => (
            (1..=width).map(|i| format!("column_{i}")).collect(),
            vec![None; width],
        ),
    };
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut writer = TableWriter::new(&refs);
    writer.set_units(units);
    for line in &lines[start..end] {
        let row = tokens(line);
        writer.write_row(builder, row.iter().map(|t| t.text))?;
    }
    writer.finish(builder)?;
    Ok(())
}

/// Header names; a name that repeats takes the label of its group when the
/// line above has one label per repetition (`out-of-place.time`, `in-place.time`).
fn grouped_names(header: &[Token<'_>], groups: &[Token<'_>]) -> Vec<String> {
    let labels_ok = !groups.is_empty() && groups.iter().all(|g| !is_numeric(g.text));
    let mut total: HashMap<&str, usize> = HashMap::new();
    for t in header {
        *total.entry(t.text).or_default() += 1;
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    header
        .iter()
        .map(|t| {
            let nth = seen.entry(t.text).or_default();
            let occurrences = total.get(t.text).copied().unwrap_or(0);
            let name = match groups.get(*nth) {
                Some(group) if labels_ok && occurrences == groups.len() && occurrences > 1 => {
                    format!("{}.{}", group.text, t.text)
                }
                _ => t.text.to_owned(),
            };
            *nth += 1;
            name
        })
        .collect()
}

/// The `(unit)` token that overlaps each header token most.
fn units_by_position(header: &[Token<'_>], units: &[Token<'_>]) -> Vec<Option<String>> {
    // Both lists are in line order: sweep them together.
    let mut first = 0;
    header
        .iter()
        .map(|h| {
            while units.get(first).is_some_and(|u| u.end <= h.start) {
                first += 1;
            }
            units[first.min(units.len())..]
                .iter()
                .take_while(|u| u.start < h.end)
                .map(|u| (u, u.end.min(h.end).saturating_sub(u.start.max(h.start))))
                .filter(|(_, overlap)| *overlap > 0)
                .max_by_key(|(_, overlap)| *overlap)
                .map(|(u, _)| u.text.trim_matches(['(', ')']).to_owned())
        })
        .collect()
}

/// `key: value` or `key = value` lines outside tables whose value is a number.
fn summary_pairs<'a>(lines: &[&'a str], in_table: &[bool]) -> Vec<(&'a str, &'a str)> {
    lines
        .iter()
        .zip(in_table)
        .filter(|(_, t)| !**t)
        .filter_map(|(line, _)| {
            let line = line.trim().trim_start_matches('#').trim();
            let (key, value) = line.split_once(':').or_else(|| line.split_once('='))?;
            let (key, value) = (key.trim(), value.trim());
            let key_ok =
                (1..=60).contains(&key.len()) && key.starts_with(|c: char| c.is_alphabetic());
            (key_ok && parse_number(value).is_some()).then_some((key, value))
        })
        .collect()
}
