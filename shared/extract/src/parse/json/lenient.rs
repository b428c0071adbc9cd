//! JSON as real tools write it, when strict parsing refuses it:
//!
//! - Python's `json.dump` writes bare `NaN`, `Infinity` and `-Infinity` by
//!   default: they become `null`, so the value is missing (never 0), with a
//!   warning;
//! - a JavaScript assignment around the value (`window.BENCHMARK_DATA = {…};`,
//!   github-action-benchmark's `data.js`; `var x = […]`);
//! - log lines before the document (a tool that prints a banner, then its
//!   JSON).
//!
//! Bounded: one pass over the text to find the start, one to rewrite tokens,
//! one strict parse of the result.

use std::borrow::Cow;

/// The text strict JSON parsing accepts, and what was done to get it; `None`
/// when no leniency makes it parse.
pub(crate) fn recover(text: &str) -> Option<(Cow<'_, str>, Vec<String>)> {
    let mut notes = Vec::new();
    let start = document_start(text, &mut notes)?;
    let body = strip_assignment_end(&text[start..]);
    let (body, replaced) = non_finite_to_null(body);
    if replaced > 0 {
        notes.push(format!(
            "{replaced} NaN/Infinity value(s) read as missing (not valid JSON; Python writes them)"
        ));
    }
    serde_json::from_str::<serde::de::IgnoredAny>(&body).ok()?;
    Some((body, notes))
}

/// Where the JSON value begins: at once, after `name = ` of an assignment, or
/// at the first line that opens an object or array after other lines.
fn document_start(text: &str, notes: &mut Vec<String>) -> Option<usize> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let lead = text.len() - trimmed.len();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return Some(lead);
    }
    if let Some(offset) = assignment_value(trimmed) {
        notes.push("JSON read from a JavaScript assignment".to_owned());
        return Some(lead + offset);
    }
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let opens = line.trim_start();
        if at > 0 && (opens.starts_with('{') || opens.starts_with('[')) {
            notes.push(format!(
                "JSON read after {} line(s) of other text",
                text[..at].lines().count()
            ));
            return Some(at + (line.len() - opens.len()));
        }
        at += line.len();
    }
    None
}

/// `window.X = `, `var x = `, `const x = `, `let x = `, `x.y = ` before `{`
/// or `[`: the offset of the value.
fn assignment_value(text: &str) -> Option<usize> {
    let eq = text.find('=')?;
    let (target, rest) = (text[..eq].trim(), &text[eq + 1..]);
    let target = ["var ", "let ", "const "]
        .iter()
        .find_map(|k| target.strip_prefix(k))
        .unwrap_or(target)
        .trim();
    let is_name = !target.is_empty()
        && target
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '.'));
    let value = rest.trim_start();
    (is_name && (value.starts_with('{') || value.starts_with('[')))
        .then(|| text.len() - value.len())
}

/// Without a trailing `;` (and whitespace) of a JavaScript statement.
fn strip_assignment_end(text: &str) -> &str {
    let end = text.trim_end();
    end.strip_suffix(';').unwrap_or(end)
}

/// `NaN`, `Infinity`, `-Infinity` (and `+Infinity`) outside strings as `null`.
fn non_finite_to_null(text: &str) -> (Cow<'_, str>, usize) {
    if !text.contains("NaN") && !text.contains("Infinity") {
        return (Cow::Borrowed(text), 0);
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let (mut i, mut copied, mut replaced) = (0, 0, 0);
    let mut in_string = false;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        if b == b'"' {
            in_string = true;
            i += 1;
            continue;
        }
        let token = ["-Infinity", "+Infinity", "Infinity", "NaN"]
            .into_iter()
            .find(|t| text[i..].starts_with(t));
        let bounded = |end: usize| {
            bytes
                .get(end)
                .is_none_or(|c| !c.is_ascii_alphanumeric() && *c != b'_')
        };
        let starts_token =
            i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        match token {
            Some(t) if starts_token && bounded(i + t.len()) => {
                out.push_str(&text[copied..i]);
                out.push_str("null");
                i += t.len();
                copied = i;
                replaced += 1;
            }
            _ => i += 1,
        }
    }
    if replaced == 0 {
        return (Cow::Borrowed(text), 0);
    }
    out.push_str(&text[copied..]);
    (Cow::Owned(out), replaced)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_non_finite_numbers_become_missing() {
        let (fixed, notes) =
            recover(r#"{"a": NaN, "b": -Infinity, "c": "NaN stays", "d": [Infinity, 1.5]}"#)
                .expect("recovered");
        assert_eq!(
            fixed,
            r#"{"a": null, "b": null, "c": "NaN stays", "d": [null, 1.5]}"#
        );
        assert_eq!(notes.len(), 1, "{notes:?}");
        // an identifier that merely contains the word is not a token
        assert!(recover(r#"{"a": NaNa}"#).is_none());
    }

    #[test]
    fn javascript_assignments_and_prefix_lines() {
        let js = "window.BENCHMARK_DATA = {\n  \"lastUpdate\": 1, \"entries\": {}\n};\n";
        let (fixed, notes) = recover(js).expect("an assignment");
        assert!(fixed.starts_with('{') && fixed.ends_with('}'), "{fixed}");
        assert_eq!(notes, ["JSON read from a JavaScript assignment"]);
        assert!(recover("const data = [1, 2];").is_some());
        let logged = "Running 3 benchmarks...\nDone in 2.1s\n{\"results\": [{\"x\": 1}]}\n";
        let (fixed, notes) = recover(logged).expect("after a log");
        assert!(fixed.starts_with("{\"results\""), "{fixed}");
        assert_eq!(notes, ["JSON read after 2 line(s) of other text"]);
        // prose is not JSON
        assert!(recover("a = b\nnothing here").is_none());
        assert!(recover("[12:00:01] started\n[12:00:02] done\n").is_none());
    }
}
