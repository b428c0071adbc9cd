//! Helpers shared by the load tools' readers: numbers as these tools print
//! them (`635.91us`, `56.20k`, `17.76GB`, `1,086,106,192`, `-nan`) and the
//! formats a console log may be sniffed as.

use crate::format::Format;

/// Console logs: a `.txt` whose lines hold commas may be sniffed as CSV, and
/// READMEs paste runs into Markdown code blocks, so line-grammar readers look
/// at all of them (their signatures are specific enough).
pub(super) const CONSOLE: &[Format] = &[Format::Text, Format::Markdown, Format::Csv, Format::Tsv];

/// A JSON report, possibly after log lines (then sniffed as text) or in a
/// file named for something else.
pub(super) const JSON_REPORT: &[Format] = &[
    Format::Json,
    Format::Jsonl,
    Format::Text,
    Format::Markdown,
    Format::Csv,
    Format::Tsv,
];

/// A plain number (thousands separators allowed); `None` for `nan`, `-nan`,
/// `inf` and anything that is not a number.
pub(super) fn number(text: &str) -> Option<f64> {
    let cleaned = text.trim().replace(',', "");
    let lower = cleaned.to_ascii_lowercase();
    if lower.contains("nan") || lower.contains("inf") {
        return None;
    }
    cleaned.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Splits `635.91us` into the number and its suffix.
fn split_suffix(text: &str) -> Option<(f64, &str)> {
    let text = text.trim();
    let at = text
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | '+')))
        .unwrap_or(text.len());
    Some((number(&text[..at])?, text[at..].trim()))
}

/// A duration as wrk prints it (`us`, `ms`, `s`, `m`, `h`), in milliseconds.
pub(super) fn time_ms(text: &str) -> Option<f64> {
    let (value, unit) = split_suffix(text)?;
    let factor = match unit {
        "ns" => 1e-6,
        "us" | "µs" | "μs" => 1e-3,
        "ms" => 1.0,
        "s" | "" => 1e3,
        "m" => 60e3,
        "h" => 3600e3,
        _ => return None,
    };
    Some(value * factor)
}

/// A count with wrk's decimal suffixes (`56.20k`, `0.91M`).
pub(super) fn metric_count(text: &str) -> Option<f64> {
    let (value, unit) = split_suffix(text)?;
    let factor = match unit {
        "" => 1.0,
        "k" | "K" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        _ => return None,
    };
    Some(value * factor)
}

/// A size (`17.76GB`, `140.50KB`): the number and its unit as written.
pub(super) fn size(text: &str) -> Option<(f64, &str)> {
    let (value, unit) = split_suffix(text)?;
    crate::units::is_byte_unit(unit).then_some((value, unit))
}

/// The factor from byte unit `from` to byte unit `to` (binary multiples,
/// as wrk and sysbench print them).
pub(super) fn size_factor(from: &str, to: &str) -> Option<f64> {
    crate::units::is_byte_unit(from)
        .then(|| crate::units::conversion(from, to))
        .flatten()
}

/// A percentile as a name part: `50.000` → `50`, `99.900` → `99.9`.
pub(super) fn percentile_name(text: &str) -> String {
    let text = text.trim().trim_end_matches('%');
    if !text.contains('.') {
        return text.to_owned();
    }
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrk_numbers() {
        assert_eq!(time_ms("635.91us"), Some(0.63591));
        assert_eq!(time_ms("1.30s"), Some(1300.0));
        assert_eq!(time_ms("1.00m"), Some(60000.0));
        assert_eq!(time_ms("-nan"), None);
        assert_eq!(metric_count("56.20k"), Some(56200.0));
        assert_eq!(metric_count("803.29"), Some(803.29));
        assert_eq!(size("17.76GB"), Some((17.76, "GB")));
        assert_eq!(size_factor("KB", "MB"), Some(1.0 / 1024.0));
        assert_eq!(number("17,886,898.43"), Some(17886898.43));
        assert_eq!(percentile_name("99.900"), "99.9");
        assert_eq!(percentile_name("100.000"), "100");
        assert_eq!(percentile_name("50"), "50");
    }
}
