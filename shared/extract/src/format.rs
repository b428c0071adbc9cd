//! Which parser reads a file: by extension, overruled by the content when
//! the content clearly is something else.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Json,
    Jsonl,
    Csv,
    Tsv,
    Markdown,
    Text,
    Xml,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Markdown => "markdown",
            Format::Text => "text",
            Format::Xml => "xml",
        }
    }

    /// The format a file name promises.
    pub fn from_path(path: &str) -> Option<Format> {
        let ext = path.rsplit_once('.')?.1.to_ascii_lowercase();
        Some(match ext.as_str() {
            "json" => Format::Json,
            "jsonl" | "ndjson" => Format::Jsonl,
            "csv" => Format::Csv,
            "tsv" | "tab" => Format::Tsv,
            "md" | "markdown" => Format::Markdown,
            "txt" | "log" | "out" => Format::Text,
            "xml" => Format::Xml,
            _ => return None,
        })
    }

    /// A config's `file_types` entry: a format's name or a common alias
    /// (`md`, `txt`, `ndjson`), case-insensitive.
    pub fn from_type_name(name: &str) -> Option<Format> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "json" => Format::Json,
            "jsonl" | "ndjson" => Format::Jsonl,
            "csv" => Format::Csv,
            "tsv" => Format::Tsv,
            "markdown" | "md" => Format::Markdown,
            "text" | "txt" => Format::Text,
            "xml" => Format::Xml,
            _ => return None,
        })
    }

    /// The names [`Format::from_type_name`] takes, for error messages.
    pub const TYPE_NAMES: &str = "json, jsonl, csv, tsv, markdown, text, xml";

    /// Whether a config that lists `self` takes a file read as `read`: a
    /// format takes itself, `json` also JSON Lines and `csv` also TSV (a
    /// `.json` file may hold JSON Lines, a `.csv` tabs).
    pub fn takes(self, read: Format) -> bool {
        self == read
            || (self == Format::Json && read == Format::Jsonl)
            || (self == Format::Csv && read == Format::Tsv)
    }

    fn is_delimited(self) -> bool {
        matches!(self, Format::Csv | Format::Tsv)
    }

    fn is_json(self) -> bool {
        matches!(self, Format::Json | Format::Jsonl)
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The format to parse `text` as, with a warning when the extension lied.
pub fn detect(path: &str, text: &str) -> (Format, Option<String>) {
    let claimed = Format::from_path(path);
    let sniffed = sniff(text, claimed);
    let chosen = match (claimed, sniffed) {
        (None, None) => Format::Text,
        (Some(c), None) => c,
        (None, Some(s)) => s,
        (Some(c), Some(s)) if c == s => c,
        // A .csv with tabs or semicolons, a .json holding JSON Lines: same family.
        (Some(c), Some(s))
            if c.is_delimited() && s.is_delimited() || c.is_json() && s.is_json() =>
        {
            s
        }
        // Prose with commas must not turn a Markdown document into CSV.
        (Some(Format::Markdown), Some(s)) if !s.is_json() => Format::Markdown,
        (Some(Format::Text), Some(s)) => s,
        (Some(_), Some(s)) => s,
    };
    let warning = match claimed {
        Some(c)
            if c != chosen && !(c.is_delimited() && chosen.is_delimited()) && c != Format::Text =>
        {
            Some(format!(
                "content is {chosen}, not {c} as the file name says; read as {chosen}"
            ))
        }
        _ => None,
    };
    (chosen, warning)
}

/// The format the content shows positive evidence of, if any. Brackets
/// alone are not evidence (a log line `[12:00:00] …`, a Markdown badge):
/// unless the file name already says JSON, the text must parse as JSON or
/// as JSON Lines.
pub fn sniff(text: &str, claimed: Option<Format>) -> Option<Format> {
    let body = text.trim_start_matches('\u{feff}').trim_start();
    if looks_like_xml(body) {
        return Some(Format::Xml);
    }
    if body.starts_with('{') || body.starts_with('[') {
        let first_line = body.lines().next().unwrap_or("");
        let more = !body[first_line.len()..].trim().is_empty();
        let parses = |t: &str| serde_json::from_str::<serde::de::IgnoredAny>(t).is_ok();
        match claimed {
            // One JSON document cannot have anything after its first line's value.
            Some(Format::Json) => {
                return Some(if parses(first_line) && more {
                    Format::Jsonl
                } else {
                    Format::Json
                });
            }
            // A bad first line is skipped like any other, unless the whole is one document.
            Some(Format::Jsonl) => {
                return Some(if parses(body) {
                    Format::Json
                } else {
                    Format::Jsonl
                });
            }
            _ if parses(body) => return Some(Format::Json),
            _ if more && mostly_json_lines(body) => return Some(Format::Jsonl),
            _ if crate::parse::json::lenient::recover(body).is_some() => {
                return Some(Format::Json);
            }
            _ => {}
        }
    } else if claimed.is_none_or(|c| c == Format::Text || c.is_json())
        && crate::parse::json::lenient::recover(body).is_some()
    {
        // JSON in a JavaScript assignment (`data.js`) or after log lines
        return Some(Format::Json);
    }
    if has_markdown_table(body) {
        return Some(Format::Markdown);
    }
    match sniff_delimiter(body) {
        Some(b'\t') => Some(Format::Tsv),
        Some(_) => Some(Format::Csv),
        None => None,
    }
}

/// An XML declaration, or a document that opens with an element and ends
/// with a tag (`<testsuites …>…</testsuites>`). HTML pages also open with a
/// tag but are rarely well-formed XML, so they are left to the other readers.
fn looks_like_xml(body: &str) -> bool {
    if body.starts_with("<?xml") {
        return true;
    }
    let Some(rest) = body.strip_prefix('<') else {
        return false;
    };
    let opens_element = rest
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_');
    let head: String = rest
        .chars()
        .take(5)
        .collect::<String>()
        .to_ascii_lowercase();
    opens_element && !head.starts_with("html") && body.trim_end().ends_with('>')
}

/// At least 4 in 5 of the first 20 non-blank lines are JSON values.
fn mostly_json_lines(text: &str) -> bool {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(20)
        .collect();
    let good = lines
        .iter()
        .filter(|l| serde_json::from_str::<serde::de::IgnoredAny>(l).is_ok())
        .count();
    lines.len() >= 2 && good * 5 >= lines.len() * 4
}

/// A GFM table delimiter row (`|---|:--:|`) under a row with pipes.
fn has_markdown_table(text: &str) -> bool {
    let mut previous_has_pipe = false;
    for line in text.lines().take(10_000) {
        let t = line.trim();
        if previous_has_pipe && is_delimiter_row(t) {
            return true;
        }
        previous_has_pipe = t.contains('|');
    }
    false
}

pub(crate) fn is_delimiter_row(line: &str) -> bool {
    line.contains('-')
        && line.contains('|')
        && line
            .chars()
            .all(|c| matches!(c, '|' | '-' | ':' | ' ' | '\t'))
        && line
            .split('|')
            .filter(|s| !s.trim().is_empty())
            .all(|s| !s.trim().trim_matches(':').is_empty())
}

/// The delimiter that splits the first lines into the same number (≥ 2) of
/// fields, preferring the one that gives most lines that agree, then most
/// fields.
pub fn sniff_delimiter(text: &str) -> Option<u8> {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(20)
        .collect();
    let mut best: Option<(usize, usize, u8)> = None;
    for delimiter in [b',', b'\t', b';', b'|'] {
        let counts: Vec<usize> = lines.iter().map(|l| count_fields(l, delimiter)).collect();
        let Some(&first) = counts.first() else {
            continue;
        };
        if first < 2 {
            continue;
        }
        let agreeing = counts.iter().filter(|&&c| c == first).count();
        let enough = if lines.len() == 1 {
            true
        } else {
            agreeing * 10 >= lines.len() * 8 && agreeing >= 2
        };
        if enough && best.is_none_or(|(a, f, _)| (agreeing, first) > (a, f)) {
            best = Some((agreeing, first, delimiter));
        }
    }
    best.map(|(_, _, d)| d)
}

/// Fields in one line, honouring double quotes.
fn count_fields(line: &str, delimiter: u8) -> usize {
    let mut quoted = false;
    let mut fields = 1;
    for &b in line.as_bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if b == delimiter && !quoted {
            fields += 1;
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_type_names_and_families() {
        assert_eq!(Format::from_type_name(" MD "), Some(Format::Markdown));
        assert_eq!(Format::from_type_name("yaml"), None);
        assert!(Format::Json.takes(Format::Jsonl));
        assert!(Format::Csv.takes(Format::Tsv));
        assert!(!Format::Jsonl.takes(Format::Json));
        assert!(!Format::Markdown.takes(Format::Text));
    }

    #[test]
    fn content_overrules_a_lying_extension() {
        assert_eq!(detect("r.json", "a,b\n1,2\n3,4\n").0, Format::Csv);
        assert!(detect("r.json", "a,b\n1,2\n3,4\n").1.is_some());
        assert_eq!(detect("r.csv", "{\"a\": 1}").0, Format::Json);
        assert_eq!(detect("r.json", "{\"a\":1}\n{\"a\":2}\n").0, Format::Jsonl);
        assert_eq!(
            detect("r.txt", "| a | b |\n|---|---|\n| 1 | 2 |\n").0,
            Format::Markdown
        );
        assert_eq!(detect("r.csv", "a\tb\n1\t2\n").0, Format::Tsv);
        assert_eq!(
            detect("notes.md", "Hello, world, again\nMore, prose, here\n").0,
            Format::Markdown
        );
        assert_eq!(detect("r", "x y\n1 2\n").0, Format::Text);
        assert_eq!(
            detect("run.log", "[2025-01-01 12:00:00] INFO throughput: 12.5\n").0,
            Format::Text
        );
        assert_eq!(
            detect("README.md", "[![CI](x)](y)\n\n| a | b |\n|---|---|\n").0,
            Format::Markdown
        );
        assert_eq!(detect("r.jsonl", "{\"a\":\n{\"t\":1.5}\n").0, Format::Jsonl);
        assert_eq!(detect("r", "{\"a\": 1}\n{\"a\": 2}\n").0, Format::Jsonl);
        assert_eq!(
            detect("r.txt", "<?xml version=\"1.0\"?><a/>").0,
            Format::Xml
        );
        assert_eq!(
            detect("r", "<testsuite name=\"x\">\n</testsuite>\n").0,
            Format::Xml
        );
        assert_eq!(
            detect("page", "<html><body><br></body></html>").0,
            Format::Text
        );
        assert_eq!(detect("r.xml", "a,b\n1,2\n3,4\n").0, Format::Csv);
        assert_eq!(Format::from_type_name("XML"), Some(Format::Xml));
    }
}
