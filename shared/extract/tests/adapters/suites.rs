//! The suites family's adapters: github-action-benchmark, BenchmarkDotNet
//! (JSON, CSV, Markdown), asv and JMH, on real outputs and synthetic
//! variants.

use crate::common::Known;

#[test]
fn real_samples_match_their_ground_truth() {
    crate::check_family("suites", &Known::default());
}
