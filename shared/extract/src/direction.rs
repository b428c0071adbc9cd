//! Which way a metric improves, guessed from its unit and name: time,
//! latency, errors and memory are better lower; rates, bandwidth, FLOPS,
//! accuracy and scores are better higher. A spread (`stddev`) and a name
//! that says neither have no direction: a wrong guess would turn every
//! improvement downstream into an alarm.

use crate::names::words;
use crate::schema::Direction;
use crate::units;

const LOWER: &[&str] = &[
    "time",
    "times",
    "latency",
    "lat",
    "duration",
    "elapsed",
    "runtime",
    "wall",
    "ttft",
    "tpot",
    "itl",
    "e2el",
    "loss",
    "error",
    "errors",
    "err",
    "mem",
    "memory",
    "rss",
    "allocs",
    "alloc",
    "allocated",
    "bytes",
    "cycles",
    "misses",
    "miss",
    "wait",
    "overhead",
    "perplexity",
    "ppl",
    "failures",
    "failed",
    "fail",
    "timeouts",
    "ns",
    "us",
    "ms",
    "sec",
    "secs",
    "seconds",
];

const HIGHER: &[&str] = &[
    "throughput",
    "tput",
    "bandwidth",
    "bw",
    "busbw",
    "algbw",
    "flops",
    "tflops",
    "gflops",
    "pflops",
    "iops",
    "ops",
    "qps",
    "tps",
    "rps",
    "fps",
    "speedup",
    "acc",
    "accuracy",
    "score",
    "f1",
    "em",
    "exact",
    "mfu",
    "efficiency",
    "hits",
    "passed",
    "success",
    "goodput",
];

const NEITHER: &[&str] = &[
    "std",
    "stddev",
    "stdev",
    "stderr",
    "var",
    "variance",
    "sd",
    "ci",
    "iqr",
    "mad",
    "count",
    "n",
    "samples",
    "iterations",
    "iters",
    "rounds",
];

/// The direction `name` (in `unit`) improves in, when its unit or words say.
pub(crate) fn guess(name: &str, unit: Option<&str>) -> Option<Direction> {
    let words = words(name);
    // A spread or a count has no better side, whatever its unit.
    if words.last().is_some_and(|w| NEITHER.contains(&w.as_str())) {
        return None;
    }
    if let Some(unit) = unit
        && let Some(direction) = unit_says(unit)
    {
        return Some(direction);
    }
    if name.contains("/s") || words.windows(2).any(|w| w[0] == "per" && is_second(&w[1])) {
        return Some(Direction::HigherIsBetter);
    }
    let per = words.iter().position(|w| w == "per").unwrap_or(words.len());
    words[..per]
        .iter()
        .rev()
        .chain(words[per..].iter().rev())
        .find_map(|w| word_says(w))
}

fn is_second(word: &str) -> bool {
    matches!(word, "s" | "sec" | "second" | "seconds")
}

fn word_says(word: &str) -> Option<Direction> {
    if LOWER.contains(&word) {
        Some(Direction::LowerIsBetter)
    } else if HIGHER.contains(&word) || word.starts_with("rouge") || word.starts_with("bleu") {
        Some(Direction::HigherIsBetter)
    } else {
        None
    }
}

fn unit_says(unit: &str) -> Option<Direction> {
    if units::is_time_unit(unit) {
        return Some(Direction::LowerIsBetter);
    }
    let lower = unit.to_ascii_lowercase();
    if lower.ends_with("/s")
        || lower.ends_with("/sec")
        || lower.ends_with("ps")
        || lower.contains("flop")
        || matches!(lower.as_str(), "hz" | "mhz" | "ghz")
    {
        return Some(Direction::HigherIsBetter);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use Direction::{HigherIsBetter as Higher, LowerIsBetter as Lower};

    #[test]
    fn units_and_words_decide() {
        for (name, unit, want) in [
            ("real_time", Some("ns"), Some(Lower)),
            ("mean_ttft_ms", Some("ms"), Some(Lower)),
            ("output_throughput", None, Some(Higher)),
            ("tokens_per_second", None, Some(Higher)),
            ("time_per_token", None, Some(Lower)),
            ("busbw", Some("GB/s"), Some(Higher)),
            ("Forward TFLOPS", Some("TFLOPS"), Some(Higher)),
            ("acc_norm", None, Some(Higher)),
            ("acc_stderr", None, None),
            ("mean_stddev", Some("ms"), None),
            ("allocs_per_op", None, Some(Lower)),
            ("batch_size", None, None),
            ("value", None, None),
        ] {
            assert_eq!(guess(name, unit), want, "{name} {unit:?}");
        }
    }
}
