//! Percentiles by linear interpolation between closest ranks: for sorted
//! values `x[0..n]`, the p-th percentile sits at rank `h = p/100 × (n − 1)`
//! and is `x[⌊h⌋] + (h − ⌊h⌋) × (x[⌊h⌋+1] − x[⌊h⌋])` (NumPy's `linear`,
//! Excel's `PERCENTILE.INC`).

/// The `p`-th percentile (0–100) of `values` (any order; non-finite values
/// are left out); `None` when there are none.
pub fn percentile(values: &[f64], p: f64) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() || !(0.0..=100.0).contains(&p) {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let h = p / 100.0 * (sorted.len() - 1) as f64;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_by_hand() {
        let v = [15.0, 20.0, 35.0, 40.0, 50.0];
        // h = 0.4 × 4 = 1.6: 20 + 0.6 × (35 − 20) = 29
        assert_eq!(percentile(&v, 40.0), Some(29.0));
        assert_eq!(percentile(&v, 0.0), Some(15.0));
        assert_eq!(percentile(&v, 100.0), Some(50.0));
        assert_eq!(percentile(&v, 50.0), Some(35.0));
        // h = 0.95 × 4 = 3.8: 40 + 0.8 × 10 = 48
        assert!((percentile(&v, 95.0).unwrap_or_default() - 48.0).abs() < 1e-12);
        assert_eq!(percentile(&[7.0], 90.0), Some(7.0));
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&v, 101.0), None);
    }
}
