//! The detector on the labelled set: precision, recall, F1, false alarms
//! per 1,000 points, by noise, and the time per series (scripts/bench-changes).

use std::time::Instant;

use wfm_changes::score::Score;
use wfm_changes::synth::{Noise, labelled_set};
use wfm_changes::{Better, Options, detect};

fn main() {
    let count: usize = std::env::var("WFM_CHANGES_SERIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let seed: u64 = std::env::var("WFM_CHANGES_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let tolerance: usize = std::env::var("WFM_CHANGES_TOLERANCE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let set = labelled_set(seed, count);
    let options = Options::default();
    let mut all = Score::default();
    let mut by_noise = [Score::default(); 3];
    let mut per_point_ns = Vec::new();
    for s in &set {
        let started = Instant::now();
        let found: Vec<usize> = detect(&s.values, Better::Unknown, &options)
            .iter()
            .map(|c| c.index)
            .collect();
        per_point_ns.push(started.elapsed().as_nanos() as f64 / s.values.len() as f64);
        all.add(&s.changes, &found, s.values.len(), tolerance);
        let k = match s.noise {
            Noise::Gaussian => 0,
            Noise::HeavyTailed => 1,
            Noise::Bimodal => 2,
        };
        by_noise[k].add(&s.changes, &found, s.values.len(), tolerance);
    }
    println!("{count} series (seed {seed}), a step found within {tolerance} points");
    println!(
        "{:<14} {:>9} {:>7} {:>6} {:>20}",
        "noise", "precision", "recall", "F1", "false alarms / 1000"
    );
    for (name, s) in [
        ("all", all),
        ("gaussian", by_noise[0]),
        ("heavy-tailed", by_noise[1]),
        ("bimodal", by_noise[2]),
    ] {
        println!(
            "{name:<14} {:>9.3} {:>7.3} {:>6.3} {:>20.2}",
            s.precision(),
            s.recall(),
            s.f1(),
            s.false_alarms_per_1000()
        );
    }
    // time for a 300-point series, from the per-point cost
    per_point_ns.sort_by(f64::total_cmp);
    let p = |q: f64| per_point_ns[((per_point_ns.len() - 1) as f64 * q) as usize] * 300.0 / 1e6;
    println!(
        "time for 300 points: p50 {:.2} ms, p99 {:.2} ms",
        p(0.5),
        p(0.99)
    );
}
