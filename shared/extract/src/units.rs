//! Units: the ones we recognise, the families whose members convert into one
//! another (time, bytes, FLOPS), and units written in field names.

/// A unit family and the unit's size in the family's base unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    family: Family,
    factor: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Time,
    Bytes,
    Flops,
    Bandwidth,
}

/// In nanoseconds, so that ratios of whole numbers stay exact.
const TIME: &[(&str, f64)] = &[
    ("ns", 1.0),
    ("us", 1e3),
    ("µs", 1e3),
    ("μs", 1e3),
    ("ms", 1e6),
    ("s", 1e9),
    ("sec", 1e9),
    ("secs", 1e9),
    ("seconds", 1e9),
    ("min", 6e10),
    ("h", 3.6e12),
];

const BYTES: &[(&str, f64)] = &[
    ("B", 1.0),
    ("bytes", 1.0),
    // BenchmarkDotNet and most tools print binary multiples with SI names.
    ("KB", 1024.0),
    ("KiB", 1024.0),
    ("MB", 1048576.0),
    ("MiB", 1048576.0),
    ("GB", 1073741824.0),
    ("GiB", 1073741824.0),
    ("TB", 1099511627776.0),
    ("TiB", 1099511627776.0),
];

const FLOPS: &[(&str, f64)] = &[
    ("FLOPS", 1.0),
    ("MFLOPS", 1e6),
    ("GFLOPS", 1e9),
    ("TFLOPS", 1e12),
    ("PFLOPS", 1e15),
    ("GFLOP/s", 1e9),
    ("TFLOP/s", 1e12),
];

const BANDWIDTH: &[(&str, f64)] = &[
    ("B/s", 1.0),
    ("KB/s", 1e3),
    ("MB/s", 1e6),
    ("GB/s", 1e9),
    ("TB/s", 1e12),
    ("Mbps", 1.25e5),
    ("Gbps", 1.25e8),
];

/// Units recognised even when glued to the number or inside a name, beyond
/// the convertible families.
const OTHER: &[&str] = &[
    "%",
    "x",
    "W",
    "kW",
    "J",
    "TFLOP",
    "GFLOP",
    "tok/s",
    "tokens/s",
    "samples/s",
    "queries/s",
    "it/s",
    "ops/s",
    "req/s",
    "qps",
    "fps",
    "Hz",
    "MHz",
    "GHz",
    "C",
    "°C",
];

/// Whether `unit` is one we recognise.
pub fn is_known(unit: &str) -> bool {
    scale(unit).is_some() || OTHER.contains(&unit)
}

/// The unit's family and factor, when it converts.
pub fn scale(unit: &str) -> Option<Scale> {
    [
        (Family::Time, TIME),
        (Family::Bytes, BYTES),
        (Family::Flops, FLOPS),
        (Family::Bandwidth, BANDWIDTH),
    ]
    .into_iter()
    .find_map(|(family, table)| {
        table
            .iter()
            .find(|(name, _)| *name == unit)
            .map(|&(_, factor)| Scale { family, factor })
    })
}

/// The factor that turns a value in `from` into `to`, when both are in one
/// family; `Some(1.0)` when they are the same unit.
pub fn conversion(from: &str, to: &str) -> Option<f64> {
    if from == to {
        return Some(1.0);
    }
    let (from, to) = (scale(from)?, scale(to)?);
    (from.family == to.family).then(|| from.factor / to.factor)
}

/// Whether `unit` is a size in bytes (B, KB = 1024 B, MiB …).
pub fn is_byte_unit(unit: &str) -> bool {
    scale(unit).is_some_and(|s| s.family == Family::Bytes)
}

/// Whether `unit` measures time (ns … h).
pub fn is_time_unit(unit: &str) -> bool {
    scale(unit).is_some_and(|s| s.family == Family::Time)
}

/// Units that describe a size or count (`size (B)`): they say nothing about
/// whether the field is measured.
pub fn is_size_unit(unit: &str) -> bool {
    scale(unit).is_some_and(|s| s.family == Family::Bytes)
        || matches!(
            unit.to_ascii_lowercase().as_str(),
            "elements" | "count" | "number" | "num" | "items" | "tokens" | "samples"
        )
}

/// Splits the unit out of a field name: `Forward Time (ms)`, `Mean [ms]`,
/// `BW (GB/s)`, `mean_ttft_ms`, `Forward TFLOPS`. Returns the base name and
/// the unit; the name itself is never changed.
pub fn name_unit(name: &str) -> (&str, Option<&str>) {
    let trimmed = name.trim();
    for (open, close) in [('(', ')'), ('[', ']')] {
        if let Some(inner) = trimmed.strip_suffix(close)
            && let Some(start) = inner.rfind(open)
        {
            let unit = inner[start + open.len_utf8()..].trim();
            let base = inner[..start].trim_end();
            if !base.is_empty() && looks_like_unit(unit) {
                return (base, Some(unit));
            }
        }
    }
    // `mean_ttft_ms`, `latency_us`: a snake_case suffix that is a time unit.
    if let Some((base, suffix)) = trimmed.rsplit_once('_')
        && !base.is_empty()
        && matches!(
            suffix,
            "ms" | "us" | "ns" | "sec" | "secs" | "seconds" | "pct" | "percent"
        )
    {
        let unit = match suffix {
            "pct" | "percent" => "%",
            other => other,
        };
        return (base, Some(unit));
    }
    // `Forward TFLOPS`, `TFLOPS`: the last word is a throughput unit.
    let last = trimmed.rsplit(' ').next().unwrap_or(trimmed);
    if scale(last).is_some_and(|s| s.family == Family::Flops || s.family == Family::Bandwidth) {
        let base = trimmed[..trimmed.len() - last.len()].trim_end();
        return (if base.is_empty() { trimmed } else { base }, Some(last));
    }
    (trimmed, None)
}

/// A unit in a name's brackets; a statistic (`P50 (median)`) is not one.
fn looks_like_unit(text: &str) -> bool {
    let statistic = || {
        crate::names::name_says(text) == Some(crate::names::NameSays::Measurement)
            && !is_size_unit(text)
            && !text.contains('/')
    };
    !text.is_empty()
        && text.len() <= 16
        && (is_known(text)
            || text
                .chars()
                .all(|c| c.is_alphabetic() || matches!(c, '/' | '%' | 'µ' | 'μ' | ' '))
                && text.split(' ').count() <= 2
                && !statistic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_in_names() {
        assert_eq!(name_unit("Forward Time (ms)"), ("Forward Time", Some("ms")));
        assert_eq!(name_unit("Mean [ms]"), ("Mean", Some("ms")));
        assert_eq!(name_unit("BW (GB/s)"), ("BW", Some("GB/s")));
        assert_eq!(name_unit("mean_ttft_ms"), ("mean_ttft", Some("ms")));
        assert_eq!(name_unit("Forward TFLOPS"), ("Forward", Some("TFLOPS")));
        assert_eq!(name_unit("TFLOPS"), ("TFLOPS", Some("TFLOPS")));
        assert_eq!(
            name_unit("M (x_val; N and K not present)"),
            ("M (x_val; N and K not present)", None)
        );
        assert_eq!(name_unit("Model"), ("Model", None));
        assert_eq!(name_unit("P50 (median)"), ("P50 (median)", None));
        assert_eq!(name_unit("Output (tokens)"), ("Output", Some("tokens")));
    }

    #[test]
    fn conversions_stay_in_their_family() {
        assert_eq!(conversion("ms", "us"), Some(1000.0));
        assert_eq!(conversion("KB", "B"), Some(1024.0));
        assert_eq!(conversion("ms", "KB"), None);
        assert_eq!(conversion("tok/s", "tok/s"), Some(1.0));
    }
}
