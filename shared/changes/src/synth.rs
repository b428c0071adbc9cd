//! A labelled set of benchmark-like series, reproducible from a seed: noise
//! that is gaussian, heavy-tailed (Student's t, 3 degrees of freedom) or
//! bimodal (two close modes, as a benchmark flipping between two states),
//! isolated one-night outliers, slow linear drift, and 0–3 real steps of
//! 2–8 σ. σ, the noise's standard deviation, is 1 around a level of 100.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The noise of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Noise {
    Gaussian,
    HeavyTailed,
    Bimodal,
}

/// One series and where its real steps are.
#[derive(Debug, Clone)]
pub struct Labelled {
    pub values: Vec<f64>,
    /// The first index after each real step, ascending.
    pub changes: Vec<usize>,
    pub noise: Noise,
    /// The outliers' indexes (not changes).
    pub outliers: Vec<usize>,
    /// The drift over the whole series, in σ.
    pub drift: f64,
}

/// `count` series from `seed`: a quarter each with 0, 1, 2 and 3 steps.
pub fn labelled_set(seed: u64, count: usize) -> Vec<Labelled> {
    (0..count)
        .map(|i| series(seed.wrapping_mul(1_000_003).wrapping_add(i as u64), i % 4))
        .collect()
}

/// One series of 100–400 points with `steps` real steps.
pub fn series(seed: u64, steps: usize) -> Labelled {
    let mut rng = StdRng::seed_from_u64(seed);
    let n = rng.random_range(100..=400);
    let noise = match rng.random_range(0..3) {
        0 => Noise::Gaussian,
        1 => Noise::HeavyTailed,
        _ => Noise::Bimodal,
    };
    // steps at least 25 apart and 15 from either end
    // (drawn again from scratch when the first ones leave no room for the rest)
    let mut changes: Vec<usize> = Vec::new();
    let mut tries = 0;
    while changes.len() < steps {
        tries += 1;
        if tries % 100 == 0 {
            changes.clear();
        }
        let c = rng.random_range(15..n - 15);
        if changes.iter().all(|&x| x.abs_diff(c) >= 25) {
            changes.push(c);
        }
    }
    changes.sort_unstable();
    let drift = if rng.random_bool(0.5) {
        rng.random_range(0.5..2.0) * sign(&mut rng)
    } else {
        0.0
    };
    let mut level = 100.0;
    let mut values = Vec::with_capacity(n);
    for i in 0..n {
        if changes.contains(&i) {
            level += rng.random_range(2.0..8.0) * sign(&mut rng);
        }
        values.push(level + drift * i as f64 / n as f64 + draw(&mut rng, noise));
    }
    // one-night outliers, away from the steps and from each other
    let mut outliers = Vec::new();
    if rng.random_bool(0.5) {
        for _ in 0..rng.random_range(1..=3) {
            let o = rng.random_range(0..n);
            if changes.iter().all(|&c| c.abs_diff(o) >= 3)
                && outliers.iter().all(|&x: &usize| x.abs_diff(o) >= 3)
            {
                values[o] += rng.random_range(6.0..12.0) * sign(&mut rng);
                outliers.push(o);
            }
        }
    }
    Labelled {
        values,
        changes,
        noise,
        outliers,
        drift,
    }
}

fn sign(rng: &mut StdRng) -> f64 {
    if rng.random_bool(0.5) { 1.0 } else { -1.0 }
}

/// One draw of the noise, standard deviation 1.
fn draw(rng: &mut StdRng, noise: Noise) -> f64 {
    match noise {
        Noise::Gaussian => normal(rng),
        // t(3) has variance 3
        Noise::HeavyTailed => {
            let chi2: f64 = (0..3).map(|_| normal(rng).powi(2)).sum();
            normal(rng) / (chi2 / 3.0).sqrt() / 3f64.sqrt()
        }
        // modes at ±0.9, each with σ 0.44: variance 0.81 + 0.19 = 1
        Noise::Bimodal => 0.9 * sign(rng) + 0.44 * normal(rng),
    }
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}
