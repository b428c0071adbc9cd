//! Test runners that measure: Go's `testing` benchmarks (`go test -bench`
//! text and `go test -json` events), Catch2's XML reporter (benchmark
//! results) and JUnit XML (per-test durations and outcomes). Each reads the
//! tool's own names; the signatures are line grammars (Go) and root
//! elements (XML).

mod catch2;
mod gobench;
mod junit;
mod xmltree;

use super::Adapter;

/// Most specific first: Catch2's own XML before JUnit XML (which Catch2 can
/// also write), Go's JSON events before its text.
pub(crate) const ADAPTERS: &[Adapter] = &[
    catch2::ADAPTER,
    junit::ADAPTER,
    gobench::JSON,
    gobench::TEXT,
];
