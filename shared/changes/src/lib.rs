//! Change points in a benchmark series: numbers in, steps out, no I/O.
//!
//! The method (see README.md for why):
//! 1. the noise level σ is read from successive differences (robust to the
//!    steps being looked for and to drift);
//! 2. isolated outliers (a bad night) are replaced by the median of their
//!    neighbours;
//! 3. at every position, the `window` points before and after are compared
//!    with a Mann–Whitney rank test; a position is a candidate when the test
//!    is significant and the medians differ by at least `min_magnitude` σ;
//! 4. the strongest candidate wins, its `min_segment` neighbours are
//!    suppressed, and so on; then each change is tested again with windows
//!    that stop at its neighbouring changes, until none drops out.

mod rank;
mod robust;
pub mod score;
pub mod synth;

pub use rank::{mann_whitney, normal_tail};
pub use robust::{clean_outliers, median, noise_sigma};

use serde::Serialize;

/// Which way is better for a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    Higher,
    Lower,
    Unknown,
}

/// What a change means for the metric, given [`Better`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Regression,
    Improvement,
    Unknown,
}

/// A step in the series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangePoint {
    /// The first point after the step (an index into the values given).
    pub index: usize,
    /// The median before and after (within the test's windows).
    pub before: f64,
    pub after: f64,
    /// `(after - before) / |before|` in percent; none when `before` is 0.
    pub change_percent: Option<f64>,
    /// `|after - before|` in units of the series' noise σ (infinite when the
    /// series has no noise).
    pub magnitude_sigma: f64,
    /// The rank test's two-sided p-value.
    pub p_value: f64,
    pub direction: Direction,
}

/// How the detector decides.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// Points each side of a change (and at least between two changes):
    /// a step is reported once it has held this long.
    pub min_segment: usize,
    /// Points each side that the rank test compares.
    pub window: usize,
    /// Smallest step reported, in σ.
    pub min_magnitude: f64,
    /// Largest p-value reported.
    pub max_p: f64,
    /// A point this many σ from its neighbours' median is an outlier.
    pub outlier_sigma: f64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            min_segment: 5,
            window: 20,
            min_magnitude: 1.5,
            max_p: 1e-4,
            outlier_sigma: 4.0,
        }
    }
}

/// The change points of `values` (non-finite values are skipped; indexes
/// are still the positions in `values`), oldest first.
pub fn detect(values: &[f64], better: Better, options: &Options) -> Vec<ChangePoint> {
    let positions: Vec<usize> = (0..values.len())
        .filter(|&i| values[i].is_finite())
        .collect();
    let raw: Vec<f64> = positions.iter().map(|&i| values[i]).collect();
    let m = options.min_segment.max(2);
    if raw.len() < 2 * m {
        return Vec::new();
    }
    let sigma = noise_sigma(&raw);
    let xs = clean_outliers(&raw, sigma, 3, options.outlier_sigma);

    // every position's test, windows clipped to the series
    let tests: Vec<Option<Test>> = (0..=xs.len())
        .map(|t| (t >= m && t + m <= xs.len()).then(|| test(&xs, t, 0, xs.len(), options.window)))
        .collect();
    let passes = |t: &Test| t.p <= options.max_p && t.magnitude(sigma) >= options.min_magnitude;

    // strongest first, neighbours within min_segment suppressed
    let mut order: Vec<usize> = (0..tests.len())
        .filter(|&t| tests[t].as_ref().is_some_and(passes))
        .collect();
    order.sort_by(|&a, &b| {
        let (pa, pb) = (
            tests[a].as_ref().map_or(1.0, |t| t.p),
            tests[b].as_ref().map_or(1.0, |t| t.p),
        );
        pa.total_cmp(&pb).then(a.cmp(&b))
    });
    let mut chosen: Vec<usize> = Vec::new();
    for t in order {
        if chosen.iter().all(|&c| c.abs_diff(t) >= m) {
            chosen.push(t);
        }
    }
    chosen.sort_unstable();

    // each change again, windows stopping at its neighbours: the weakest
    // failing one goes (a shadow of a stronger step next to it, whose window
    // it cut short), then the rest are tested again, until all pass
    loop {
        let weakest = (0..chosen.len())
            .map(|i| (i, neighbours_test(&xs, &chosen, i, options.window)))
            .filter(|(_, t)| !passes(t))
            .max_by(|a, b| a.1.p.total_cmp(&b.1.p));
        match weakest {
            Some((i, _)) => {
                chosen.remove(i);
            }
            None => break,
        }
    }

    // where exactly: within a segment of each, the split that fits two levels best
    for i in 0..chosen.len() {
        let lo = if i == 0 { 0 } else { chosen[i - 1] };
        let hi = chosen.get(i + 1).copied().unwrap_or(xs.len());
        chosen[i] = best_split(&xs, chosen[i], lo, hi, options.window, m);
    }

    chosen
        .iter()
        .enumerate()
        .map(|(i, &t)| {
            let r = neighbours_test(&xs, &chosen, i, options.window);
            let delta = r.after - r.before;
            ChangePoint {
                index: positions[t],
                before: r.before,
                after: r.after,
                change_percent: (r.before != 0.0).then(|| delta / r.before.abs() * 100.0),
                magnitude_sigma: r.magnitude(sigma),
                p_value: r.p,
                direction: match (better, delta > 0.0) {
                    (Better::Unknown, _) => Direction::Unknown,
                    (Better::Higher, true) | (Better::Lower, false) => Direction::Improvement,
                    _ => Direction::Regression,
                },
            }
        })
        .collect()
}

/// The rank test of a step at `t`: up to `window` points each side, within `lo..hi`.
struct Test {
    p: f64,
    before: f64,
    after: f64,
}

impl Test {
    fn magnitude(&self, sigma: f64) -> f64 {
        let delta = (self.after - self.before).abs();
        if sigma > 0.0 {
            delta / sigma
        } else if delta > 0.0 {
            f64::INFINITY
        } else {
            0.0
        }
    }
}

/// The split near `t` (within the `window` points each side, keeping `m`
/// points each side within `lo..hi`) that minimizes the absolute deviations
/// from the medians of the two parts: the rank test's strongest position
/// can sit several points off, since a larger sample gives a smaller
/// p-value (a step 14 points into a series tests strongest around 23).
fn best_split(xs: &[f64], t: usize, lo: usize, hi: usize, window: usize, m: usize) -> usize {
    let start = t.saturating_sub(window).max(lo);
    let end = (t + window).min(hi);
    let cost = |s: usize| {
        let deviation = |part: &[f64]| {
            median(part).map_or(0.0, |c| part.iter().map(|x| (x - c).abs()).sum::<f64>())
        };
        deviation(&xs[start..s]) + deviation(&xs[s..end])
    };
    let first = (lo + m).max(start + 1);
    let last = hi.saturating_sub(m).min(end.saturating_sub(1));
    (first..=last.max(first))
        .filter(|&s| s > start && s < end)
        .min_by(|&a, &b| {
            cost(a)
                .total_cmp(&cost(b))
                .then(a.abs_diff(t).cmp(&b.abs_diff(t)))
        })
        .unwrap_or(t)
}

/// The test of change `i` of `chosen`, its windows stopping at its neighbours.
fn neighbours_test(xs: &[f64], chosen: &[usize], i: usize, window: usize) -> Test {
    let lo = if i == 0 { 0 } else { chosen[i - 1] };
    let hi = chosen.get(i + 1).copied().unwrap_or(xs.len());
    test(xs, chosen[i], lo, hi, window)
}

fn test(xs: &[f64], t: usize, lo: usize, hi: usize, window: usize) -> Test {
    let left = &xs[t.saturating_sub(window).max(lo)..t];
    let right = &xs[t..(t + window).min(hi)];
    let (p, _) = mann_whitney(left, right);
    Test {
        p,
        before: median(left).unwrap_or(f64::NAN),
        after: median(right).unwrap_or(f64::NAN),
    }
}
