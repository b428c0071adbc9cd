//! A file's shape, as a short stable string: files of one shape (the same
//! tool's output on another day) share it, whatever their values. JSON: the
//! set of key paths, arrays and maps of like objects collapsed to `*` (XML:
//! the same, of its element tree);
//! tables: the format and the first table's header; text: the templates of
//! the first lines, numbers blanked. Hashed with FNV-1a, which is stable
//! across builds (the standard hasher is not).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::adapt::Input;
use crate::extract::{Options, decode, parse_generic};
use crate::format::{Format, detect};
use crate::names::match_key;

/// How deep JSON key paths are followed.
const DEPTH: usize = 4;
/// A map with at least this many object members is a map of cases.
const MAP_OF_CASES: usize = 3;
/// Lines of a text file that make its template.
const TEXT_LINES: usize = 40;

/// `json:1a2b…`: the file's format and shape; `None` when the file cannot
/// be read (too large, binary, invalid JSON).
pub fn fingerprint(path: &str, bytes: &[u8], options: &Options) -> Option<String> {
    let (text, _) = decode(bytes, options).ok()?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let (format, _) = detect(path, text);
    let shape = match format {
        Format::Json => {
            let input = Input::new(path, text, format);
            let mut paths = BTreeSet::new();
            key_paths(input.json()?, String::new(), 0, &mut paths);
            paths.into_iter().collect::<Vec<_>>().join("\n")
        }
        Format::Xml => {
            let mut paths = BTreeSet::new();
            key_paths(
                &crate::parse::xml::to_value(text, false).ok()?,
                String::new(),
                0,
                &mut paths,
            );
            paths.into_iter().collect::<Vec<_>>().join("\n")
        }
        Format::Jsonl => {
            let input = Input::new(path, text, format);
            let mut paths = BTreeSet::new();
            for line in input.json_lines().flatten().take(TEXT_LINES) {
                key_paths(&line, String::new(), 0, &mut paths);
            }
            paths.into_iter().collect::<Vec<_>>().join("\n")
        }
        Format::Csv | Format::Tsv | Format::Markdown => {
            let builder = parse_generic(text, format, bytes.len(), &mut Vec::new()).ok()?;
            builder
                .field_names()
                .map(match_key)
                .collect::<Vec<_>>()
                .join(",")
        }
        Format::Text => text
            .lines()
            .map(template)
            .filter(|t| !t.is_empty())
            .take(TEXT_LINES)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
            .join("\n"),
    };
    Some(format!(
        "{}:{:016x}",
        format.name(),
        fnv1a(shape.as_bytes())
    ))
}

fn key_paths(value: &Value, prefix: String, depth: usize, out: &mut BTreeSet<String>) {
    if depth >= DEPTH {
        return;
    }
    match value {
        Value::Object(members) => {
            let objects = members.values().filter(|v| v.is_object()).count();
            let cases = objects >= MAP_OF_CASES && objects == members.len();
            for (key, v) in members {
                let name = if cases { "*" } else { key.as_str() };
                let path = format!("{prefix}/{name}");
                out.insert(path.clone());
                key_paths(v, path, depth + 1, out);
            }
        }
        Value::Array(items) => {
            for item in items.iter().take(8) {
                key_paths(item, format!("{prefix}/*"), depth + 1, out);
            }
        }
        _ => {}
    }
}

/// A line with every token that holds a digit blanked to `#`: `BenchmarkFoo-8
/// 1000 12 ns/op` → `# # # ns/op`.
fn template(line: &str) -> String {
    line.split_whitespace()
        .map(|t| {
            if t.bytes().any(|b| b.is_ascii_digit()) {
                "#"
            } else {
                t
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
