//! ML evaluation and collectives: nccl-tests/rccl-tests text output,
//! MLPerf (LoadGen's `mlperf_log_summary.txt`, `:::MLLOG` training logs)
//! and lm-evaluation-harness (results JSON, the Markdown tables it prints).
//! Each tool has its own submodule; the README's "ML evaluation and
//! collectives" section says how each maps to records.

use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::Adapter;

mod lm_eval;
mod mllog;
mod mlperf;
mod nccl;

/// Most specific signatures first: the line grammars (`:::MLLOG`, the
/// LoadGen summary banner, the nccl header) before lm-eval's JSON shape,
/// which other `{"results": …}` documents resemble more.
pub(crate) const ADAPTERS: &[Adapter] = &[
    mllog::ADAPTER,
    mlperf::ADAPTER,
    nccl::ADAPTER,
    lm_eval::TABLE_ADAPTER,
    lm_eval::JSON_ADAPTER,
];

/// A line grammar, compiled once. The patterns are constants (a test
/// compiles each); `None` would only disable the adapter using it.
fn regex(pattern: &str) -> Option<Regex> {
    Regex::new(pattern).ok()
}

fn captures<'t>(re: &LazyLock<Option<Regex>>, text: &'t str) -> Option<Captures<'t>> {
    re.as_ref()?.captures(text)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_line_grammar_compiles() {
        assert!(super::nccl::grammars_compile());
        assert!(super::mlperf::grammars_compile());
        assert!(super::mllog::grammars_compile());
        assert!(super::lm_eval::grammars_compile());
    }
}
