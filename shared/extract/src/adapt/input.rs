//! What an adapter sees of a file: its text, its detected format, a cheap
//! head for signatures and, parsed once on first use, its JSON.

use std::cell::OnceCell;

use serde_json::Value;

use crate::format::Format;

/// How much of the file signatures look at.
const HEAD_BYTES: usize = 16 * 1024;

pub(crate) struct Input<'a> {
    pub path: &'a str,
    pub text: &'a str,
    pub format: Format,
    json: OnceCell<Option<Value>>,
}

impl<'a> Input<'a> {
    pub(crate) fn new(path: &'a str, text: &'a str, format: Format) -> Self {
        Input {
            path,
            text,
            format,
            json: OnceCell::new(),
        }
    }

    /// The first 16 KiB (cut at a character boundary).
    pub(crate) fn head(&self) -> &'a str {
        let mut end = self.text.len().min(HEAD_BYTES);
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        &self.text[..end]
    }

    /// The first `n` non-blank lines, trimmed at the end.
    pub(crate) fn head_lines(&self, n: usize) -> impl Iterator<Item = &'a str> {
        self.head()
            .lines()
            .map(str::trim_end)
            .filter(|l| !l.trim().is_empty())
            .take(n)
    }

    /// The whole document as JSON (leniently: NaN, a JavaScript assignment,
    /// log lines first), parsed once; `None` when it is not JSON.
    pub(crate) fn json(&self) -> Option<&Value> {
        self.json
            .get_or_init(|| {
                serde_json::from_str(self.text).ok().or_else(|| {
                    let (fixed, _) = crate::parse::json::lenient::recover(self.text)?;
                    serde_json::from_str(&fixed).ok()
                })
            })
            .as_ref()
    }

    /// Each non-blank line parsed as JSON (`None` for a line that is not).
    pub(crate) fn json_lines(&self) -> impl Iterator<Item = Option<Value>> + 'a {
        self.text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l.trim()).ok())
    }
}
