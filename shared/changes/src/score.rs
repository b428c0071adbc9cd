//! Scoring detections against labels: a detection within `tolerance`
//! points of a real step finds it (each step found once, nearest first);
//! the rest are false alarms.

/// Counts over a set of series.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Score {
    pub true_positives: usize,
    pub false_positives: usize,
    pub false_negatives: usize,
    /// False alarms on series with no real step, and those series' points.
    pub false_alarms_without_change: usize,
    pub points_without_change: usize,
}

impl Score {
    /// Adds one series' detections (`found`) against its real steps (`real`).
    pub fn add(&mut self, real: &[usize], found: &[usize], points: usize, tolerance: usize) {
        let mut unmatched: Vec<usize> = real.to_vec();
        let mut hits = 0;
        for &f in found {
            if let Some((i, _)) = unmatched
                .iter()
                .enumerate()
                .filter(|(_, r)| r.abs_diff(f) <= tolerance)
                .min_by_key(|(_, r)| r.abs_diff(f))
            {
                unmatched.swap_remove(i);
                hits += 1;
            }
        }
        self.true_positives += hits;
        self.false_positives += found.len() - hits;
        self.false_negatives += real.len() - hits;
        if real.is_empty() {
            self.false_alarms_without_change += found.len();
            self.points_without_change += points;
        }
    }

    pub fn precision(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_positives,
        )
    }

    pub fn recall(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_negatives,
        )
    }

    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }

    /// False alarms per 1,000 points of series without a real step.
    pub fn false_alarms_per_1000(&self) -> f64 {
        ratio(
            self.false_alarms_without_change * 1000,
            self.points_without_change,
        )
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_within_the_tolerance_once() {
        let mut s = Score::default();
        s.add(&[50, 100], &[52, 53, 180], 200, 5);
        assert_eq!(
            (s.true_positives, s.false_positives, s.false_negatives),
            (1, 2, 1)
        );
        s.add(&[], &[10], 500, 5);
        assert_eq!(s.false_alarms_per_1000(), 2.0);
        assert!((s.precision() - 0.25).abs() < 1e-12);
        assert!((s.recall() - 1.0 / 2.0).abs() < 1e-12);
    }
}
