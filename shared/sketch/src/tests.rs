use super::*;

/// A deterministic stream of values (xorshift), so failures repeat.
fn values(seed: u64, n: usize, f: impl Fn(f64) -> f64) -> Vec<f64> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            f((x >> 11) as f64 / (1u64 << 53) as f64)
        })
        .collect()
}

/// The sketch's estimate lies within RELATIVE_ERROR of the value of rank
/// ⌊q·(n−1)⌋, for every quantile and distribution tried.
fn assert_bound(values: &[f64]) {
    let mut sketch = Sketch::default();
    for &v in values {
        sketch.add(v);
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    for q in [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99] {
        let rank = (q * (sorted.len() - 1) as f64).floor() as usize;
        let truth = sorted[rank];
        let estimate = sketch.quantile(q).expect("non-empty");
        let error = (estimate - truth).abs();
        assert!(
            error <= RELATIVE_ERROR * truth.abs() + 1e-9,
            "q {q}: estimate {estimate} vs {truth} (error {error})"
        );
    }
}

#[test]
fn estimates_stay_within_the_bound() {
    assert_bound(&values(1, 10_000, |u| 500.0 + 100.0 * u));
    // heavy tail over six decades
    assert_bound(&values(2, 10_000, |u| 10f64.powf(6.0 * u)));
    // negatives, zeros and positives
    assert_bound(&values(3, 10_000, |u| {
        if u < 0.1 { 0.0 } else { 200.0 * u - 100.0 }
    }));
    assert_bound(&[42.0]);
}

#[test]
fn merging_equals_adding_everything_once() {
    let (a, b) = (values(4, 3000, |u| u * 50.0), values(5, 5000, |u| 20.0 + u));
    let (mut left, mut right, mut all) = (Sketch::default(), Sketch::default(), Sketch::default());
    a.iter().for_each(|&v| left.add(v));
    b.iter().for_each(|&v| right.add(v));
    a.iter().chain(&b).for_each(|&v| all.add(v));
    left.merge(&right);
    assert_eq!(left.count(), 8000);
    for q in [0.05, 0.5, 0.95] {
        assert_eq!(left.quantile(q), all.quantile(q));
    }
}

#[test]
fn bins_read_back_as_their_values() {
    let mut from_bins = Sketch::default();
    from_bins.add_bins(&[bin_of(3.5), 0, bin_of(-7.0)], &[2, 1, 1]);
    assert_eq!(from_bins.count(), 4);
    let near = |a: f64, b: f64| (a - b).abs() <= RELATIVE_ERROR * b.abs();
    assert!(near(from_bins.quantile(0.0).expect("min"), -7.0));
    assert_eq!(from_bins.quantile(0.34), Some(0.0));
    assert!(near(from_bins.quantile(1.0).expect("max"), 3.5));
    assert_eq!(Sketch::default().quantile(0.5), None);
    // a negative count (a corrupt row) is skipped, never wrapped
    from_bins.add_bins(&[bin_of(1.0)], &[-5]);
    assert_eq!(from_bins.count(), 4);
}

#[test]
fn bins_of_edges() {
    assert_eq!(bin_of(0.0), 0);
    assert_eq!(bin_of(1e-10), 0);
    assert_eq!(bin_of(1.0), 50_000);
    assert!(bin_of(f64::MAX) < 90_000 && bin_of(2e-9) > 48_000);
    assert_eq!(bin_of(-3.0), -bin_of(3.0));
}
