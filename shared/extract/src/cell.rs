//! One text cell → a typed value: numbers with thousands separators (`,`,
//! and inside one cell a space, no-break space or narrow no-break space),
//! units, percent signs, `k`/`M` multipliers, `x ± y` and `x (note)` forms,
//! booleans and placeholders.

/// What a text cell holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    /// Empty, `-`, `n/a`, `null`…: a measurement that is missing, never 0.
    Missing,
    Bool(bool),
    Number(Number<'a>),
    Text(&'a str),
}

/// A number as printed, with what came around it.
#[derive(Debug, Clone, PartialEq)]
pub struct Number<'a> {
    pub value: f64,
    /// Written without a fraction or exponent (`42`, `1,024`).
    pub integral: bool,
    pub unit: Option<&'a str>,
    /// The `y` of `x ± y`.
    pub stddev: Option<f64>,
    /// `x (y)`, `x (orig: y)`: an alternative value or a note in parentheses,
    /// dropped; the cell's text is kept for dimensions.
    pub has_alternative: bool,
}

/// Words such as `none` stay text: `"quantization": "none"` is a value.
/// A cross (`✗`) marks a configuration that was not run; a plain `x` does
/// too, but only among numbers (see `Builder::set_cell`).
const PLACEHOLDERS: &[&str] = &[
    "-", "--", "---", "—", "–", "n/a", "n.a.", "n.a", "na", "null", "nan", "-nan", "", "✗", "✘",
    "❌",
];

/// A tick is a yes: tables mark supported configurations with one.
const TICKS: &[&str] = &["✓", "✔", "✅"];

/// Reads one trimmed cell.
pub fn parse_cell(raw: &str) -> Cell<'_> {
    let text = raw.trim();
    // Most cells are numbers: skip the word checks for them.
    if text.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return match parse_number(text) {
            Some(number) => Cell::Number(number),
            None => Cell::Text(text),
        };
    }
    if PLACEHOLDERS.iter().any(|p| text.eq_ignore_ascii_case(p)) {
        return Cell::Missing;
    }
    if text.eq_ignore_ascii_case("true") || TICKS.contains(&text) {
        return Cell::Bool(true);
    }
    if text.eq_ignore_ascii_case("false") {
        return Cell::Bool(false);
    }
    match parse_number(text) {
        Some(number) => Cell::Number(number),
        None => Cell::Text(text),
    }
}

/// A number with an optional unit, `± stddev` or `(alternative)`; `None` when
/// the text is anything else (a version, a date, a name).
pub fn parse_number(text: &str) -> Option<Number<'_>> {
    let (value, integral, rest) = leading_number(text)?;
    let (value, rest) = multiplier(value, rest);
    let rest = rest.trim_start();
    let (unit, rest) = match split_unit(rest) {
        (None, rest) => bracketed_unit(rest),
        found => found,
    };
    let rest = rest.trim_start();
    if rest.is_empty() {
        return Some(Number {
            value,
            integral,
            unit,
            stddev: None,
            has_alternative: false,
        });
    }
    if let Some(after) = rest.strip_prefix('±').or_else(|| rest.strip_prefix("+-")) {
        let (stddev, _, tail) = leading_number(after.trim_start())?;
        let tail = tail.trim_start();
        let (tail_unit, tail) = split_unit(tail);
        if !tail.trim().is_empty() {
            return None;
        }
        return Some(Number {
            value,
            integral,
            unit: unit.or(tail_unit),
            stddev: Some(stddev),
            has_alternative: false,
        });
    }
    // `31357 (29925)`, `40.3 (orig: 37.7)`: what the parentheses hold is a
    // note on the value, whatever it says.
    if rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .is_some_and(|inner| !inner.contains(['(', ')']))
    {
        return Some(Number {
            value,
            integral,
            unit,
            stddev: None,
            has_alternative: true,
        });
    }
    None
}

/// `8174.71 [#/sec]`, `15.035 [ms]`: a unit in brackets after the number,
/// as ApacheBench and others print it.
fn bracketed_unit(rest: &str) -> (Option<&str>, &str) {
    let Some((inner, after)) = rest.strip_prefix('[').and_then(|r| r.split_once(']')) else {
        return (None, rest);
    };
    let inner = inner.trim();
    let unit_like = !inner.is_empty()
        && inner.len() <= 16
        && inner.starts_with(|c: char| c.is_alphabetic() || matches!(c, '#' | '%' | 'µ' | 'μ'))
        && !inner.contains(char::is_whitespace);
    if unit_like {
        (Some(inner), after)
    } else {
        (None, rest)
    }
}

/// `1.2k`, `3.4M`: a multiplier glued to the number (a space before it, or
/// more letters after it, make it a unit). `G` and `B` are left alone: `1G`
/// is as often a size in bytes and `7B` a model's size as a count.
fn multiplier(value: f64, rest: &str) -> (f64, &str) {
    let mut chars = rest.chars();
    let factor = match chars.next() {
        Some('k' | 'K') => 1e3,
        Some('M') => 1e6,
        _ => return (value, rest),
    };
    let after = chars.as_str();
    if after.starts_with(|c: char| c.is_alphanumeric() || c == '/' || c == '_') {
        return (value, rest);
    }
    (value * factor, after)
}

/// Characters that group thousands inside one cell, in French, Russian and
/// SI style: `208 723`, `208 723,5`. A text table splits its lines at
/// whitespace first, so two numbers there never merge into one.
const SPACE_GROUPS: &[char] = &[' ', '\u{a0}', '\u{202f}', '\u{2009}'];

/// The length of a space group separator at `text[i..]` followed by exactly
/// three digits, if there is one.
fn space_group(text: &str, i: usize) -> Option<usize> {
    let rest = text.get(i..)?;
    let sep = rest.chars().next().filter(|c| SPACE_GROUPS.contains(c))?;
    let len = sep.len_utf8();
    let digits = rest.as_bytes().get(len..len + 3)?;
    let next = rest.as_bytes().get(len + 3);
    (digits.iter().all(u8::is_ascii_digit) && !next.is_some_and(u8::is_ascii_digit)).then_some(len)
}

/// The numeric prefix of `text`: sign, digits with optional `,` (or space)
/// thousands groups, fraction (`.`, or `,` after space groups), exponent.
/// Returns the value, whether it was integral, and the rest.
fn leading_number(text: &str) -> Option<(f64, bool, &str)> {
    let bytes = text.as_bytes();
    let mut i = 0;
    if matches!(bytes.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let int_start = i;
    let mut grouped = false;
    let mut space_grouped = false;
    while i < bytes.len() {
        match bytes[i] {
            b'0'..=b'9' => i += 1,
            _ if !grouped
                && i > int_start
                && (space_grouped || i - int_start <= 3)
                && space_group(text, i).is_some() =>
            {
                space_grouped = true;
                i += space_group(text, i).unwrap_or(0) + 3;
            }
            // "1,234,567": a comma followed by exactly three digits, and the
            // first group at most three digits long.
            b',' if i > int_start
                && !space_grouped
                && bytes
                    .get(i + 1..i + 4)
                    .is_some_and(|g| g.iter().all(u8::is_ascii_digit))
                && !bytes.get(i + 4).is_some_and(u8::is_ascii_digit)
                && (grouped || i - int_start <= 3) =>
            {
                grouped = true;
                i += 4;
            }
            _ => break,
        }
    }
    let int_digits = i - int_start;
    let mut integral = true;
    // After space groups the decimal mark is a comma: `208 723,5`.
    let decimal = if space_grouped { b',' } else { b'.' };
    if bytes.get(i) == Some(&decimal) && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
        integral = false;
        i += 1;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    } else if int_digits == 0 {
        // ".5" is a number, "." or "-" alone is not.
        if bytes.get(i) == Some(&b'.') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
            integral = false;
        } else {
            return None;
        }
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(bytes.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        if bytes.get(j).is_some_and(u8::is_ascii_digit) {
            while bytes.get(j).is_some_and(u8::is_ascii_digit) {
                j += 1;
            }
            integral = false;
            i = j;
        }
    }
    // A number glued to more digits or letters-then-digits ("1.2.3", "0x1F",
    // "2019-11-29") is not a number.
    let rest = &text[i..];
    if rest.starts_with('.')
        || rest.starts_with(',') && rest[1..].starts_with(|c: char| c.is_ascii_digit())
    {
        return None;
    }
    if rest.starts_with('-') || rest.starts_with('/') || rest.starts_with(':') {
        return None;
    }
    let literal = &text[..i];
    let value = if space_grouped {
        literal
            .chars()
            .filter(|c| !SPACE_GROUPS.contains(c))
            .map(|c| if c == ',' { '.' } else { c })
            .collect::<String>()
            .parse::<f64>()
            .ok()?
    } else if grouped {
        literal.replace(',', "").parse::<f64>().ok()?
    } else {
        literal.parse::<f64>().ok()?
    };
    value.is_finite().then_some((value, integral, rest))
}

/// Splits a unit off the front of `rest`: `%`, a known unit, or one short
/// word of letters and `/` (`tokens/s`). Returns the unit and what follows.
fn split_unit(rest: &str) -> (Option<&str>, &str) {
    if let Some(after) = rest.strip_prefix('%') {
        return (Some("%"), after);
    }
    let end = rest
        .char_indices()
        .find(|&(_, c)| !(c.is_alphanumeric() || matches!(c, '/' | '%' | 'µ' | 'μ' | '·' | '_')))
        .map_or(rest.len(), |(i, _)| i);
    let word = &rest[..end];
    if word.is_empty() || word.len() > 16 {
        return (None, rest);
    }
    let first_is_letter = word.chars().next().is_some_and(|c| c.is_alphabetic());
    let plain_word = word
        .chars()
        .all(|c| c.is_alphabetic() || c == '/' || c == '%');
    if first_is_letter && (crate::units::is_known(word) || plain_word) {
        (Some(word), &rest[end..])
    } else {
        (None, rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(text: &str) -> Number<'_> {
        match parse_cell(text) {
            Cell::Number(n) => n,
            other => panic!("{text:?} parsed as {other:?}"),
        }
    }

    #[test]
    fn numbers_with_units_and_separators() {
        assert_eq!(number("496.64 TFLOPS").unit, Some("TFLOPS"));
        assert_eq!(number("12.3 ms").value, 12.3);
        assert_eq!(number("12.3ms").unit, Some("ms"));
        assert_eq!(number("85%").unit, Some("%"));
        assert_eq!(number("1,234,567.5").value, 1_234_567.5);
        assert!(number("1,234").integral);
        assert_eq!(number("2.1498980114547953e+02").value, 214.98980114547953);
        assert_eq!(number("-3").value, -3.0);
        assert_eq!(number(".5").value, 0.5);
        assert_eq!(number("111.89 KB").unit, Some("KB"));
        assert_eq!(number("3515 tokens/s").unit, Some("tokens/s"));
        let ab = number("8174.71 [#/sec] (mean)");
        assert_eq!((ab.value, ab.unit), (8174.71, Some("#/sec")));
        assert_eq!(number("15.035 [ms]").unit, Some("ms"));
    }

    #[test]
    fn deviation_and_alternative_forms() {
        let n = number("150.1 ± 34.7");
        assert_eq!((n.value, n.stddev), (150.1, Some(34.7)));
        assert_eq!(number("3.67 +- 0.86").stddev, Some(0.86));
        let alt = number("31357 (29925)");
        assert_eq!(alt.value, 31357.0);
        assert!(alt.has_alternative);
    }

    #[test]
    fn placeholders_booleans_and_text() {
        for missing in ["", " - ", "n/a", "N/A", "NaN", "null", "—"] {
            assert_eq!(parse_cell(missing), Cell::Missing, "{missing:?}");
        }
        assert_eq!(parse_cell("False"), Cell::Bool(false));
        for text in [
            "v4.1",
            "1.2.3",
            "2019-11-29",
            "0x1F",
            "H200 TGP 700W",
            "4096 x 4096",
            "12:30",
            "1,23",
        ] {
            assert!(
                matches!(parse_cell(text), Cell::Text(_)),
                "{text:?} should stay text"
            );
        }
    }
}
