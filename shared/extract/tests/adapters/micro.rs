//! The micro family's adapters: Google Benchmark, pytest-benchmark,
//! hyperfine, Criterion.rs and libtest, on real samples and synthetic
//! variants.

use crate::common::Known;

#[test]
fn real_samples_match_their_ground_truth() {
    crate::check_family("micro", &Known::default());
}
