//! Percentiles of any range from per-hour and per-day sketches.
//!
//! Postgres stores each rollup's values as DDSketch bins (`wfm_sketch_bin` in
//! the `series_keys_and_sketches` migration): bin 0 holds |v| ≤ 1e-9, bin
//! `50000 + floor(log_γ v)` a positive v, and minus that bin a negative one,
//! with γ = 1.01 / 0.99, the default mapping of `sketches-ddsketch`. A
//! [`Sketch`] adds bins from any number of rollups (merging is adding counts)
//! and answers quantiles through that crate.
//!
//! The guarantee: the estimate of quantile q is within [`RELATIVE_ERROR`] of
//! the value of rank ⌊q·(n−1)⌋ in sorted order (Postgres' `percentile_cont`
//! interpolates between that value and the next).

use sketches_ddsketch::{Config, DDSketch};

/// The bound of every estimate, relative to the value it estimates.
pub const RELATIVE_ERROR: f64 = 0.01;

/// Values whose magnitude is at most this share bin 0 (read back as 0).
const ZERO_BAND: f64 = 1e-9;
/// Added to the crate's keys so positive bins are > 0 (keys of finite values
/// lie in -1037..=35_500).
const BIN_SHIFT: i32 = 50_000;

/// The bin of `v`, as `wfm_sketch_bin` computes it in Postgres.
pub fn bin_of(v: f64) -> i32 {
    let config = config();
    if v > ZERO_BAND {
        BIN_SHIFT + config.key(v)
    } else if v < -ZERO_BAND {
        -(BIN_SHIFT + config.key(-v))
    } else {
        0
    }
}

fn config() -> Config {
    Config::new(RELATIVE_ERROR, 2048, ZERO_BAND)
}

/// The merge of any number of binned rollups.
#[derive(Clone)]
pub struct Sketch {
    inner: DDSketch,
}

impl std::fmt::Debug for Sketch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sketch")
            .field("count", &self.count())
            .finish()
    }
}

impl Default for Sketch {
    fn default() -> Self {
        Self {
            inner: DDSketch::new(config()),
        }
    }
}

impl Sketch {
    /// Adds `counts[i]` values of bin `bins[i]` (a rollup's two arrays).
    pub fn add_bins(&mut self, bins: &[i32], counts: &[i64]) {
        let config = config();
        for (&bin, &count) in bins.iter().zip(counts) {
            let Ok(count) = u64::try_from(count) else {
                continue;
            };
            // the bin's representative value: within RELATIVE_ERROR of every value in it
            let value = match bin {
                0 => 0.0,
                b if b > 0 => config.value(b - BIN_SHIFT),
                b => -config.value(-b - BIN_SHIFT),
            };
            self.inner.add_with_count(value, count);
        }
    }

    /// Adds one value as its bin would hold it.
    pub fn add(&mut self, v: f64) {
        if v.is_finite() {
            self.add_bins(&[bin_of(v)], &[1]);
        }
    }

    pub fn merge(&mut self, other: &Sketch) {
        // same configuration on both sides: merging cannot fail
        let _ = self.inner.merge(&other.inner);
    }

    pub fn count(&self) -> u64 {
        self.inner.count() as u64
    }

    /// The estimate of quantile `q` (0 ≤ q ≤ 1); `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        self.inner.quantile(q.clamp(0.0, 1.0)).ok().flatten()
    }
}

#[cfg(test)]
mod tests;
