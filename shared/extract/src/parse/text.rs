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
use std::sync::LazyLock;

use regex::Regex;

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

/// An aligned table: data lines `start..end`, each `width` tokens wide,
/// and the header line above them if there is one.
#[derive(Debug, Clone)]
pub(crate) struct Span {
    start: usize,
    end: usize,
    width: usize,
    pub(crate) header: Option<usize>,
}

impl Span {
    /// Whether any of `lines` falls inside the table.
    pub(crate) fn covers_any(&self, lines: &[usize]) -> bool {
        lines.iter().any(|n| (self.start..self.end).contains(n))
    }
}

pub(crate) fn parse(
    text: &str,
    builder: &mut Builder,
    warnings: &mut Vec<String>,
) -> Result<(), ExtractError> {
    let lines: Vec<&str> = text.lines().collect();
    let mut in_table = vec![false; lines.len()];
    let logged = pair_lines(&lines);
    for (n, pairs) in &logged {
        in_table[*n] = true;
        write_pairs(builder, pairs, &[], Origin::Data)?;
    }
    let spans: Vec<Span> = find_tables(&lines)
        .into_iter()
        .filter(|s| !in_table[s.start..s.end].iter().any(|t| *t))
        .collect();
    for span in &spans {
        write_table(&lines, span, builder, &[], Origin::Data)?;
        in_table[span.start..span.end]
            .iter_mut()
            .for_each(|t| *t = true);
    }
    let records = pair_records(&lines, &in_table);
    let several = records.len() > 1;
    for record in records {
        let mut any = false;
        for (key, value) in record {
            let numeric = parse_number(value).is_some();
            // Words are labels only when they tell records apart.
            if !numeric && !several {
                continue;
            }
            if let Some(id) = builder.field(&key, Origin::Data) {
                builder.set_cell(id, value)?;
                any |= numeric;
            }
        }
        if any {
            builder.end_row();
        } else {
            builder.discard_row();
        }
    }
    if spans.is_empty() && logged.is_empty() && builder.rows() == 0 {
        warnings.push("plain text: no aligned table or `key: value` numbers recognised".to_owned());
    }
    Ok(())
}

/// Lines that are each a record of pairs, as training and benchmark loops
/// print them: `step 0 | loss: 10.93 | lr: 6.0e-05 | time: 17830.71ms`,
/// `step 12, loss: 2.77`. Segments are cut at `|`, `;` or `, `; each is
/// `key: value`, `key=value` or `key value` with a number for value. Kept
/// when two or more such lines start with the same key.
pub(crate) fn pair_lines<'a>(lines: &[&'a str]) -> Vec<(usize, Vec<(String, &'a str)>)> {
    let found: Vec<(usize, Vec<(String, &str)>)> = lines
        .iter()
        .enumerate()
        .filter_map(|(n, l)| Some((n, pairs_in_line(l)?)))
        .collect();
    let mut firsts: HashMap<&str, usize> = HashMap::new();
    for (_, pairs) in &found {
        if let Some((k, _)) = pairs.first() {
            *firsts.entry(k.as_str()).or_default() += 1;
        }
    }
    let keep: std::collections::HashSet<String> = firsts
        .into_iter()
        .filter(|(_, n)| *n >= 2)
        .map(|(k, _)| k.to_owned())
        .collect();
    found
        .into_iter()
        .filter(|(_, pairs)| pairs.first().is_some_and(|(k, _)| keep.contains(k)))
        .collect()
}

fn pairs_in_line(line: &str) -> Option<Vec<(String, &str)>> {
    let line = line.trim();
    let segments: Vec<&str> = if line.contains('|') {
        line.split('|').collect()
    } else if line.contains(';') {
        line.split(';').collect()
    } else if line.contains(", ") {
        line.split(", ").collect()
    } else {
        return None;
    };
    let mut out = Vec::new();
    for segment in segments.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        let (key, value) = match segment.split_once(':').or_else(|| segment.split_once('=')) {
            Some((k, v)) => (k.trim(), v.trim()),
            None => {
                let (k, v) = segment.rsplit_once(char::is_whitespace)?;
                (k.trim(), v.trim())
            }
        };
        let key_ok = (1..=40).contains(&key.len())
            && key.starts_with(|c: char| c.is_alphabetic())
            && key.split_whitespace().count() <= 4;
        if !key_ok || parse_number(value).is_none() {
            return None;
        }
        out.push((key.to_owned(), value));
    }
    (out.len() >= 2).then_some(out)
}

/// Writes one record of pairs; `extras` go into it too.
pub(crate) fn write_pairs(
    builder: &mut Builder,
    pairs: &[(String, &str)],
    extras: &[(&str, &str)],
    extra_origin: Origin,
) -> Result<(), ExtractError> {
    for (key, value) in pairs {
        if let Some(id) = builder.field(key, Origin::Data) {
            builder.set_cell(id, value)?;
        }
    }
    for (name, value) in extras {
        if let Some(id) = builder.field(name, extra_origin)
            && !builder.is_set(id)
        {
            builder.set_str(id, value)?;
        }
    }
    builder.end_row();
    Ok(())
}

/// The aligned tables among `lines`: two or more consecutive data lines of
/// one width. Lines that pair a key with a number (`latency: 8.5 ms`, or
/// `Throughput  1234.5 tok/s` under no header) are pairs, not a table.
pub(crate) fn find_tables(lines: &[&str]) -> Vec<Span> {
    let mut spans = Vec::new();
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
        // Rows of a table agree on where their numbers are; prose lines
        // that happen to have as many words do not.
        let aligned = (0..width).any(|j| {
            lines[i..end]
                .iter()
                .all(|l| tokens(l).get(j).is_some_and(|t| is_numeric(t.text)))
        });
        if end - i >= 2 && aligned {
            let header = header_line(lines, i, width);
            let pairs = lines[i..end]
                .iter()
                .all(|l| pair(l).is_some_and(|(_, v)| parse_number(v).is_some()))
                || header.is_none() && lines[i..end].iter().all(|l| name_value(l).is_some());
            if !pairs {
                spans.push(Span {
                    start: i,
                    end,
                    width,
                    header,
                });
            }
        }
        i = end;
    }
    spans
}

/// The nearest line above `start` with `width` tokens, none numeric.
fn header_line(lines: &[&str], start: usize, width: usize) -> Option<usize> {
    (start.saturating_sub(HEADER_REACH)..start)
        .rev()
        .find(|&j| {
            let t = comment_tokens(lines[j]);
            t.len() == width && !t.iter().any(|t| is_numeric(t.text))
        })
}

/// Writes one aligned table; `extras` go into each of its records.
pub(crate) fn write_table(
    lines: &[&str],
    span: &Span,
    builder: &mut Builder,
    extras: &[(&str, &str)],
    extra_origin: Origin,
) -> Result<(), ExtractError> {
    let (start, end, width) = (span.start, span.end, span.width);
    let (mut names, mut units) = match span.header {
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
    let rows: Vec<Vec<&str>> = lines[start..end]
        .iter()
        .map(|l| tokens(l).iter().map(|t| t.text).collect())
        .collect();
    // `1234 ns/op  56 B/op` with no header: a unit printed on every row
    // after a number names that number's column.
    let mut keep = vec![true; width];
    if span.header.is_none() {
        for j in 1..width {
            let unit = rows[0][j];
            let constant = rows.iter().all(|r| r[j] == unit);
            let after_number = rows.iter().all(|r| is_numeric(r[j - 1]));
            if constant && after_number && keep[j - 1] && is_unit_token(unit) {
                names[j - 1] = unit.to_owned();
                units[j - 1] = Some(unit.to_owned());
                keep[j] = false;
            }
        }
    }
    let kept = |v: Vec<String>| -> Vec<String> {
        v.into_iter()
            .zip(&keep)
            .filter_map(|(x, k)| k.then_some(x))
            .collect()
    };
    let names = kept(names);
    let units: Vec<Option<String>> = units
        .into_iter()
        .zip(&keep)
        .filter_map(|(x, k)| k.then_some(x))
        .collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut writer = TableWriter::new(&refs);
    writer.set_units(units);
    for (name, value) in extras {
        writer.with_extra(builder, name, value, extra_origin);
    }
    for row in &rows {
        let cells = row
            .iter()
            .zip(keep.iter().chain(std::iter::repeat(&true)))
            .filter_map(|(c, k)| k.then_some(*c));
        writer.write_row(builder, cells)?;
    }
    writer.finish(builder)?;
    Ok(())
}

/// A unit printed as its own token: `ns/op`, `B/op`, `ms`, `tok/s`.
fn is_unit_token(token: &str) -> bool {
    crate::units::is_known(token)
        || token.contains('/')
            && token
                .chars()
                .all(|c| c.is_alphabetic() || matches!(c, '/' | '%' | 'µ' | 'μ'))
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

/// A line that pairs a name with one number and maybe a unit, with no
/// colon: `Throughput   1234.5 tok/s`, `Latency p50  12.3 ms`.
fn name_value(line: &str) -> Option<(String, &str)> {
    // `None` only if the pattern did not compile; then no line matches.
    static NAME_VALUE: LazyLock<Option<Regex>> = LazyLock::new(|| {
        Regex::new(
            r"^\s*([A-Za-z][^:=]*?)\s+([-+]?(?:\d[\d,]*)?\.?\d+(?:[eE][-+]?\d+)?\s*%?\s*(?:[A-Za-zµμ/%][A-Za-z0-9µμ/%]*)?)\s*$",
        )
        .ok()
    });
    let caps = NAME_VALUE.as_ref()?.captures(line)?;
    let name = caps.get(1)?.as_str().trim();
    let value = caps.get(2)?.as_str().trim();
    if name.split_whitespace().count() > 5 || name.split_whitespace().any(is_numeric) {
        return None;
    }
    parse_number(value)?;
    Some((name.to_owned(), value))
}

/// `key: value` and `key = value` pairs outside tables (and `name  value
/// unit` lines two or more in a row), cut into records: the first key of
/// a record seen again starts the next one, so repeated blocks (runs,
/// cases) become one record each; another key seen again is `<key>_2`. A `key:` line with no value names the indented pairs under
/// it (`Latency:` / `  P50: 12 ms` → `Latency.P50`).
fn pair_records<'a>(lines: &[&'a str], in_table: &[bool]) -> Vec<Vec<(String, &'a str)>> {
    let mut records: Vec<Vec<(String, &'a str)>> = Vec::new();
    let mut current: Vec<(String, &'a str)> = Vec::new();
    let mut section: Option<(usize, String)> = None;
    let indent = |l: &str| l.len() - l.trim_start().len();
    for (n, line) in lines.iter().enumerate() {
        if in_table[n] || line.trim().is_empty() {
            continue;
        }
        let depth = indent(line);
        if section.as_ref().is_some_and(|(d, _)| depth <= *d) {
            section = None;
        }
        let Some((key, value)) = pair(line).or_else(|| {
            let neighbour = |m: Option<usize>| {
                m.and_then(|m| lines.get(m))
                    .is_some_and(|l| name_value(l).is_some())
            };
            name_value(line).filter(|_| neighbour(n.checked_sub(1)) || neighbour(Some(n + 1)))
        }) else {
            continue;
        };
        if value.is_empty() {
            section = Some((depth, key));
            continue;
        }
        let key = match &section {
            Some((_, prefix)) => format!("{prefix}.{key}"),
            None => key,
        };
        // The block's first key again: the next block. Another key again
        // (ApacheBench prints `Time per request` twice): `<key>_2`.
        let key = if current.first().is_some_and(|(k, _)| *k == key) {
            records.push(std::mem::take(&mut current));
            key
        } else if current.iter().any(|(k, _)| *k == key) {
            (2..)
                .map(|n| format!("{key}_{n}"))
                .find(|k| !current.iter().any(|(c, _)| c == k))
                .unwrap_or(key)
        } else {
            key
        };
        current.push((key, value));
    }
    records.push(current);
    records.retain(|r| r.iter().any(|(_, v)| parse_number(v).is_some()));
    records
}

/// One `key: value` or `key = value` line; a key is a few words starting
/// with a letter (emoji and `#` before it are dropped); the value may be
/// empty (a section) or short text.
fn pair(line: &str) -> Option<(String, &str)> {
    let line = line.trim();
    let (key, value) = line.split_once(':').or_else(|| line.split_once('='))?;
    let key = key
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .trim();
    let value = value.trim();
    let key_ok = (1..=60).contains(&key.len())
        && key.starts_with(|c: char| c.is_alphabetic())
        && key.split_whitespace().count() <= 5;
    let value_ok = value.is_empty() || parse_number(value).is_some() || value.chars().count() <= 60;
    (key_ok && value_ok).then(|| (key.to_owned(), value))
}
