//! The Mann–Whitney U test (Wilcoxon rank-sum): does one sample tend to be
//! larger than the other? It uses only the order of the values, so heavy
//! tails, bimodal noise and a stray outlier do not fool it.

/// The two-sided p-value (normal approximation, mid-ranks for ties with the
/// tie-corrected variance) that `a` and `b` come from one distribution, and
/// the standardized statistic (positive when `b` tends to be larger).
pub fn mann_whitney(a: &[f64], b: &[f64]) -> (f64, f64) {
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    if a.is_empty() || b.is_empty() {
        return (1.0, 0.0);
    }
    let mut all: Vec<(f64, bool)> = a
        .iter()
        .map(|&x| (x, false))
        .chain(b.iter().map(|&x| (x, true)))
        .collect();
    all.sort_by(|x, y| x.0.total_cmp(&y.0));
    let n = all.len();
    let mut rank_sum_b = 0.0;
    let mut ties = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && all[j + 1].0 == all[i].0 {
            j += 1;
        }
        let mid = (i + j) as f64 / 2.0 + 1.0;
        let t = (j - i + 1) as f64;
        ties += t * t * t - t;
        rank_sum_b += mid * all[i..=j].iter().filter(|x| x.1).count() as f64;
        i = j + 1;
    }
    let u = rank_sum_b - n2 * (n2 + 1.0) / 2.0;
    let total = n1 + n2;
    let variance = n1 * n2 / 12.0 * ((total + 1.0) - ties / (total * (total - 1.0)));
    if variance <= 0.0 {
        return (1.0, 0.0); // every value equal
    }
    let z = (u - n1 * n2 / 2.0) / variance.sqrt();
    (2.0 * normal_tail(z.abs()), z)
}

/// P(Z > z) for a standard normal, from the complementary error function
/// (Numerical Recipes' erfc, relative error < 1.2e-7 everywhere).
pub fn normal_tail(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_tails() {
        assert!((normal_tail(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_tail(1.959_964) - 0.025).abs() < 1e-6);
        assert!((normal_tail(3.0) - 0.001_349_9).abs() < 1e-6);
        assert!((normal_tail(-1.0) - 0.841_344_7).abs() < 1e-6);
    }

    #[test]
    fn separated_samples_are_significant_and_equal_ones_are_not() {
        let a: Vec<f64> = (0..15).map(f64::from).collect();
        let b: Vec<f64> = (100..115).map(f64::from).collect();
        let (p, z) = mann_whitney(&a, &b);
        assert!(p < 1e-5 && z > 0.0, "{p} {z}");
        let (p, z) = mann_whitney(&b, &a);
        assert!(p < 1e-5 && z < 0.0);
        assert_eq!(mann_whitney(&[1.0; 5], &[1.0; 5]), (1.0, 0.0));
        let (p, _) = mann_whitney(&a, &a);
        assert!(p > 0.9);
    }
}
