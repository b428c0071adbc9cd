//! Robust location and scale: medians, and the noise level of a series read
//! from its successive differences, which neither a step nor a slow drift
//! moves much (a step is one large difference among many small ones).

/// The median of `xs` (NaN-free); `None` when empty.
pub fn median(xs: &[f64]) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    })
}

/// The noise's standard deviation, estimated as 1.4826 × the median
/// absolute successive difference / √2 (a normal's σ when the series is
/// noise around a level). Zero for a series that never changes between
/// neighbours.
pub fn noise_sigma(xs: &[f64]) -> f64 {
    if xs.len() < 2 {
        return 0.0;
    }
    let diffs: Vec<f64> = xs.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
    median(&diffs).unwrap_or(0.0) * 1.4826 / std::f64::consts::SQRT_2
}

/// `xs` with isolated outliers replaced: a point more than `k` σ from the
/// median of its `half` neighbours before it *and* from that of its `half`
/// neighbours after it becomes the nearer of the two. One bad night must not
/// look like two changes; the first point of a real step sits at the level
/// of the points after it, so it is kept.
pub fn clean_outliers(xs: &[f64], sigma: f64, half: usize, k: f64) -> Vec<f64> {
    let n = xs.len();
    let mut out = xs.to_vec();
    if sigma <= 0.0 || n < 3 {
        return out;
    }
    for i in 0..n {
        let before = median(&xs[i.saturating_sub(half)..i]);
        let after = median(&xs[(i + 1).min(n)..(i + 1 + half).min(n)]);
        let far = |m: Option<f64>| m.is_none_or(|m| (xs[i] - m).abs() > k * sigma);
        if far(before) && far(after) {
            let nearer = [before, after]
                .into_iter()
                .flatten()
                .min_by(|a, b| (xs[i] - a).abs().total_cmp(&(xs[i] - b).abs()));
            if let Some(m) = nearer {
                out[i] = m;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
    }

    #[test]
    fn the_noise_level_ignores_a_step() {
        let mut xs: Vec<f64> = (0..100)
            .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        let before = noise_sigma(&xs);
        for x in &mut xs[50..] {
            *x += 100.0;
        }
        assert!((noise_sigma(&xs) - before).abs() < 1e-9);
        assert_eq!(noise_sigma(&[5.0; 10]), 0.0);
    }

    #[test]
    fn one_bad_night_is_replaced_and_a_step_is_kept() {
        let mut xs = vec![10.0; 20];
        xs[7] = 50.0;
        for x in &mut xs[12..] {
            *x = 20.0;
        }
        let clean = clean_outliers(&xs, 1.0, 3, 4.0);
        assert_eq!(clean[7], 10.0);
        assert_eq!(&clean[12..], &xs[12..], "the step's points stay");
        assert_eq!(clean[..12].iter().filter(|&&x| x == 10.0).count(), 12);
        // at either end, one side is enough
        let mut ends = vec![10.0; 10];
        ends[0] = 90.0;
        ends[9] = -70.0;
        assert_eq!(clean_outliers(&ends, 1.0, 3, 4.0), vec![10.0; 10]);
    }
}
