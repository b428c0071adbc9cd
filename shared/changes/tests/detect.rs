//! The detector on its labelled set (a floor under its figures), on pure
//! noise, on clear steps, and on anything at all (property tests).

use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use wfm_changes::score::Score;
use wfm_changes::synth::{labelled_set, series};
use wfm_changes::{Better, Direction, Options, detect};

fn found(values: &[f64]) -> Vec<usize> {
    detect(values, Better::Unknown, &Options::default())
        .iter()
        .map(|c| c.index)
        .collect()
}

#[test]
fn the_labelled_set_stays_above_its_floor() {
    // 400 series of another seed than the README's figures (seed 7)
    let mut score = Score::default();
    for s in labelled_set(11, 400) {
        score.add(&s.changes, &found(&s.values), s.values.len(), 5);
    }
    assert!(score.f1() >= 0.95, "F1 {:.3}: {score:?}", score.f1());
    assert!(
        score.precision() >= 0.95 && score.recall() >= 0.95,
        "{score:?}"
    );
    assert!(
        score.false_alarms_per_1000() <= 0.5,
        "{:.2} false alarms per 1,000 points",
        score.false_alarms_per_1000()
    );
}

#[test]
fn pure_noise_has_at_most_one_false_alarm_per_1000_points() {
    let mut score = Score::default();
    for seed in 0..300 {
        let s = series(900 + seed, 0);
        score.add(&[], &found(&s.values), s.values.len(), 5);
    }
    assert!(score.points_without_change > 60_000);
    assert!(
        score.false_alarms_per_1000() <= 1.0,
        "{} false alarms in {} points",
        score.false_alarms_without_change,
        score.points_without_change
    );
}

#[test]
fn one_bad_night_is_not_a_change() {
    let mut values: Vec<f64> = (0..60)
        .map(|i| 100.0 + [0.3, -0.2, 0.1, -0.4][i % 4])
        .collect();
    values[30] = 140.0;
    assert_eq!(found(&values), Vec::<usize>::new());
    // two bad nights in a row are still not a step that held
    values[31] = 140.0;
    assert_eq!(found(&values), Vec::<usize>::new());
}

#[test]
fn direction_follows_which_way_is_better() {
    let values: Vec<f64> = (0..60)
        .map(|i| if i < 30 { 100.0 } else { 90.0 } + [0.3, -0.2, 0.1, -0.4][i % 4])
        .collect();
    let lower = detect(&values, Better::Lower, &Options::default());
    let higher = detect(&values, Better::Higher, &Options::default());
    assert_eq!(lower.len(), 1);
    assert_eq!(lower[0].index, 30);
    assert_eq!(lower[0].direction, Direction::Improvement);
    assert_eq!(higher[0].direction, Direction::Regression);
    let pct = lower[0].change_percent.expect("a percent");
    assert!((pct + 10.0).abs() < 0.5, "{pct}");
}

#[test]
fn short_constant_and_gapped_series() {
    assert!(found(&[]).is_empty());
    assert!(found(&[1.0]).is_empty());
    assert!(
        found(&[1.0, 2.0, 3.0, 100.0, 100.0, 100.0]).is_empty(),
        "too short to hold"
    );
    assert!(found(&[5.0; 100]).is_empty());
    // a noiseless step is still a step
    let step: Vec<f64> = (0..40).map(|i| if i < 20 { 1.0 } else { 2.0 }).collect();
    assert_eq!(found(&step), vec![20]);
    // missing points are skipped and the index stays the caller's
    let mut gapped = step.clone();
    gapped.insert(10, f64::NAN);
    gapped.insert(0, f64::INFINITY);
    assert_eq!(found(&gapped), vec![22]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// A step of 10 times the noise's range that held 10 points is always
    /// found, within a point, and only once (a rare false alarm elsewhere is
    /// the business of the pure-noise test's rate). (The noise comes from a seeded generator: left
    /// to shrink, proptest would make it zero, and a flat series with a bump
    /// has two real changes.)
    #[test]
    fn a_clear_step_is_always_found(
        seed in any::<u64>(),
        n in 40usize..300,
        at in 0.0f64..1.0,
        up in any::<bool>(),
    ) {
        let mut rng = StdRng::seed_from_u64(seed);
        let noise: Vec<f64> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
        let c = 10 + (at * (n - 20) as f64) as usize;
        let step = if up { 10.0 } else { -10.0 };
        let values: Vec<f64> = noise.iter().enumerate().map(|(i, e)| 50.0 + e + if i >= c { step } else { 0.0 }).collect();
        let got = found(&values);
        let near: Vec<usize> = got.iter().copied().filter(|&i| i.abs_diff(c) <= 5).collect();
        prop_assert_eq!(near.len(), 1, "{:?} for a step at {}", got, c);
        prop_assert!(near[0].abs_diff(c) <= 1, "{:?} for a step at {}", got, c);
    }

    /// Any input: no panic, indexes in range, ascending, at least a segment apart.
    #[test]
    fn anything_goes_in(values in prop::collection::vec(prop_oneof![any::<f64>(), -1e6f64..1e6], 0..200)) {
        let got = found(&values);
        let min = Options::default().min_segment;
        for w in got.windows(2) {
            prop_assert!(w[0] + min <= w[1], "{:?}", got);
        }
        prop_assert!(got.iter().all(|&i| i < values.len() && values[i].is_finite()));
    }
}
