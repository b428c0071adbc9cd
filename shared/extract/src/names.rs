//! What a field's name says: its words, whether they name a configuration
//! knob or a measurement, and the key that matches names across files
//! (case, spaces and punctuation ignored).

/// The key under which two spellings of one name match: lowercase letters
/// and digits only (`Forward Time (ms)` → `forwardtimems`).
pub fn match_key(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The words of a name, lowercased: split at anything not a letter or digit
/// and at camelCase humps (`SeqLen` → `seq`, `len`; `TestID` → `test`, `id`;
/// `num_head_q` → `num`, `head`, `q`).
pub fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            flush(&mut words, &mut current);
            continue;
        }
        let prev = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
        let next = chars.get(i + 1).copied();
        // `GPUs`: a plural acronym is one word, not `GP` + `Us`.
        let plural_s = next == Some('s') && !chars.get(i + 2).is_some_and(|c| c.is_lowercase());
        let hump = c.is_uppercase()
            && prev.is_some_and(|p| {
                p.is_lowercase()
                    || (p.is_uppercase() && next.is_some_and(char::is_lowercase) && !plural_s)
            });
        if hump {
            flush(&mut words, &mut current);
        }
        current.extend(c.to_lowercase());
    }
    flush(&mut words, &mut current);
    words
}

fn flush(words: &mut Vec<String>, current: &mut String) {
    if !current.is_empty() {
        words.push(std::mem::take(current));
    }
}

/// Words that name a configuration knob: integer settings such as batch
/// size, sequence length, parallelism, counts of GPUs or nodes, and ids.
const KNOB_WORDS: &[&str] = &[
    "batch",
    "bs",
    "gbs",
    "mbs",
    "micro",
    "seq",
    "seqlen",
    "sequence",
    "len",
    "length",
    "ctx",
    "concurrency",
    "parallel",
    "parallelism",
    "threads",
    "thread",
    "workers",
    "worker",
    "procs",
    "nproc",
    "nodes",
    "node",
    "gpus",
    "ngpus",
    "ngpu",
    "devices",
    "ranks",
    "rank",
    "world",
    "tp",
    "pp",
    "cp",
    "vp",
    "ep",
    "dp",
    "sp",
    "fsdp",
    "ga",
    "accum",
    "accumulation",
    "heads",
    "head",
    "dim",
    "dims",
    "hidden",
    "layers",
    "layer",
    "shape",
    "id",
    "idx",
    "index",
    "version",
    "versions",
    "burstiness",
    "ratio",
    "seed",
    "warmup",
    "repetitions",
    "repetition",
    "size",
    "prompts",
    "epoch",
    "epochs",
    "step",
    "steps",
    "port",
    "dtype",
    "precision",
];

/// Words that name a measurement.
const METRIC_WORDS: &[&str] = &[
    "time",
    "times",
    "latency",
    "lat",
    "duration",
    "elapsed",
    "runtime",
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
    "tflop",
    "gflop",
    "ops",
    "mean",
    "median",
    "avg",
    "average",
    "std",
    "stddev",
    "stdev",
    "stderr",
    "var",
    "variance",
    "min",
    "max",
    "iqr",
    "q1",
    "q3",
    "percentile",
    "acc",
    "accuracy",
    "f1",
    "recall",
    "score",
    "loss",
    "perplexity",
    "ppl",
    "bleu",
    "rouge",
    "exact",
    "tokens",
    "samples",
    "speed",
    "speedup",
    "memory",
    "mem",
    "allocated",
    "alloc",
    "util",
    "utilization",
    "usage",
    "power",
    "energy",
    "watts",
    "ms",
    "us",
    "ns",
    "sec",
    "secs",
    "seconds",
    "iterations",
    "rounds",
    "outliers",
    "total",
    "completed",
    // Outcomes counted during a run, not settings of it.
    "successful",
    "succeeded",
    "failed",
    "failures",
    "timeouts",
    "retries",
    "transferred",
    "result",
    "relative",
    "efficiency",
    "tps",
    "rps",
    "fps",
    "ttft",
    "tpot",
    "itl",
    "e2e",
    "gbps",
    "mbps",
    "hits",
    "misses",
    "qps",
    "wrong",
];

/// Path segments of nested settings: every field below them is a dimension.
const SETTINGS_SEGMENTS: &[&str] = &[
    "options",
    "config",
    "configuration",
    "params",
    "parameters",
    "settings",
    "args",
    "arguments",
    "env",
    "environment",
    "context",
    "machine_info",
    "machine",
    "system_info",
    "hardware",
    "commit_info",
    "commit",
    "git",
    "meta",
    "metadata",
];

/// What a field's name says it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameSays {
    Knob,
    Measurement,
}

/// Whether the field sits under a settings namespace (`config.`, `options.`…).
pub fn in_settings(name: &str) -> bool {
    name.split('.')
        .rev()
        .skip(1)
        .any(|segment| SETTINGS_SEGMENTS.contains(&segment.to_ascii_lowercase().as_str()))
}

/// What the name's words say. The last knob or measurement word decides,
/// as the head of an English compound does (`batch_time` is a time,
/// `max_concurrency` a concurrency); in `X_per_Y` the words before `per`
/// come first (`time_per_batch` is a time). A single letter (`M`, `N`, `K`)
/// and `request_rate` are knobs; a name with `/s` is a measurement.
pub fn name_says(name: &str) -> Option<NameSays> {
    let words = words(name);
    if words.len() == 1 && words[0].len() == 1 && words[0].chars().all(|c| c.is_alphabetic()) {
        return Some(NameSays::Knob);
    }
    if words.join("_").contains("request_rate") {
        return Some(NameSays::Knob);
    }
    let per = words.iter().position(|w| w == "per").unwrap_or(words.len());
    let (head, tail) = words.split_at(per);
    let decide = |ws: &[String]| ws.iter().rev().find_map(|w| word_says(w));
    decide(head)
        .or_else(|| decide(tail))
        .or_else(|| (name.contains("/s") || name.contains("/ s")).then_some(NameSays::Measurement))
}

fn word_says(word: &str) -> Option<NameSays> {
    if KNOB_WORDS.contains(&word) {
        Some(NameSays::Knob)
    } else if METRIC_WORDS.contains(&word)
        || word.starts_with("rouge")
        || word.starts_with("bleu")
        || is_percentile(word)
    {
        Some(NameSays::Measurement)
    } else {
        None
    }
}

/// `p50`, `p99`, `p999`.
fn is_percentile(word: &str) -> bool {
    word.strip_prefix('p')
        .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
}

/// Whether the name says "when the record was taken".
pub fn names_timestamp(name: &str) -> bool {
    let words = words(name);
    matches!(
        words.last().map(String::as_str),
        Some("timestamp" | "datetime" | "date" | "ts")
    ) || words.join("_").ends_with("created_at")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_humps_and_punctuation() {
        assert_eq!(words("SeqLen"), ["seq", "len"]);
        assert_eq!(words("TestID"), ["test", "id"]);
        assert_eq!(words("num_head_q"), ["num", "head", "q"]);
        assert_eq!(words("#-GPUs"), ["gpus"]);
        assert_eq!(words("Tokens / sec / GPU"), ["tokens", "sec", "gpu"]);
        assert_eq!(words("cuBLAS"), ["cu", "blas"]);
    }

    #[test]
    fn knobs_and_metrics() {
        for knob in [
            "Batch",
            "SeqLen",
            "max_concurrency",
            "request_rate",
            "M",
            "TP",
            "#-GPUs",
            "max_batch_size",
        ] {
            assert_eq!(name_says(knob), Some(NameSays::Knob), "{knob}");
        }
        for metric in [
            "Forward TFLOPS",
            "p99_itl_ms",
            "Tokens / sec / GPU",
            "rouge2",
            "stats.rounds",
            "batch_time",
            "time_per_batch",
            "successful_requests",
            "Failed requests",
        ] {
            assert_eq!(name_says(metric), Some(NameSays::Measurement), "{metric}");
        }
        assert_eq!(name_says("cuBLAS"), None);
        assert!(in_settings("options.max_time") && !in_settings("stats.max"));
        assert_eq!(match_key("Backend:Stage"), match_key("backend stage"));
    }
}
