//! The parts of a log worth a model's reading, within a byte budget: the
//! first error lines (with the lines before each), the failing step's last
//! lines, and the log's last lines, in that order of worth; timestamps
//! dropped, since the step timings say when.

use serde::Serialize;

use super::text::StepRange;

/// A titled part of a log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Excerpt {
    pub title: String,
    pub text: String,
}

const FIRST_ERRORS: &str = "first error lines (with the lines before them)";

/// Error lines quoted at most, and the lines before each.
const ERROR_LINES: usize = 20;
const CONTEXT_LINES: usize = 3;
/// Last lines of the failing step, and of the whole log.
const STEP_TAIL: usize = 80;
const LOG_TAIL: usize = 30;

fn unstamped(line: &str) -> &str {
    let line = line.trim_start_matches('\u{feff}');
    match line.split_once(' ') {
        Some((stamp, rest))
            if stamp.len() >= 20
                && stamp.ends_with('Z')
                && stamp.starts_with(|c: char| c.is_ascii_digit()) =>
        {
            rest
        }
        _ => line,
    }
}

fn is_error(line: &str) -> bool {
    line.starts_with("##[error]")
        || line.contains("Error:")
        || line.contains("error:")
        || line.contains("FAILED")
        || line.contains("Traceback (most recent call last)")
        || line.contains("panicked at")
}

/// Excerpts of `log` (split into `steps`) about `failed_step`, together at
/// most `budget` bytes.
pub fn excerpts(
    log: &[u8],
    steps: &[StepRange],
    failed_step: Option<i64>,
    budget: usize,
) -> Vec<Excerpt> {
    let text = String::from_utf8_lossy(log);
    let lines: Vec<&str> = text.lines().map(unstamped).collect();
    // offsets are the raw log's (a lossy conversion moves bytes, not line ends)
    let line_at = |offset: usize| super::text::line_of(log, offset) - 1;
    let (from, to) = failed_step
        .and_then(|n| steps.iter().find(|s| s.number == n))
        .map_or((0, lines.len()), |s| {
            (line_at(s.start), line_at(s.end).max(line_at(s.start)))
        });
    let mut out = Vec::new();

    let mut quoted: Vec<usize> = Vec::new();
    for (i, line) in lines.iter().enumerate().take(to).skip(from) {
        if quoted.len() >= ERROR_LINES * (CONTEXT_LINES + 1) || !is_error(line) {
            continue;
        }
        for k in i.saturating_sub(CONTEXT_LINES).max(from)..=i {
            if quoted.last().is_none_or(|&last| k > last) {
                quoted.push(k);
            }
        }
    }
    if !quoted.is_empty() {
        let text: Vec<&str> = quoted.iter().map(|&k| lines[k]).collect();
        out.push(Excerpt {
            title: FIRST_ERRORS.into(),
            text: text.join("\n"),
        });
    }
    if failed_step.is_some() && to > from {
        out.push(Excerpt {
            title: "the failing step's last lines".into(),
            text: lines[to.saturating_sub(STEP_TAIL).max(from)..to].join("\n"),
        });
    }
    if to < lines.len() || failed_step.is_none() {
        out.push(Excerpt {
            title: "the log's last lines".into(),
            text: lines[lines.len().saturating_sub(LOG_TAIL)..].join("\n"),
        });
    }
    fit(out, budget)
}

/// The excerpts, in order, cut at a character to fit `budget` bytes
/// together (the first errors keep their beginning, where the cause is;
/// the tails their end); those left with nothing dropped.
fn fit(excerpts: Vec<Excerpt>, mut budget: usize) -> Vec<Excerpt> {
    let mut fitted = Vec::new();
    for mut e in excerpts {
        let cost = e.title.len() + e.text.len();
        if cost > budget {
            let keep = budget.saturating_sub(e.title.len()).min(e.text.len());
            if e.title == FIRST_ERRORS {
                let mut end = keep;
                while !e.text.is_char_boundary(end) {
                    end -= 1;
                }
                e.text.truncate(end);
            } else {
                let mut cut = e.text.len() - keep;
                while !e.text.is_char_boundary(cut) {
                    cut += 1;
                }
                e.text = e.text[cut..].to_owned();
            }
        }
        if e.text.is_empty() {
            continue;
        }
        budget = budget.saturating_sub(e.title.len() + e.text.len());
        fitted.push(e);
    }
    fitted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log() -> (String, Vec<StepRange>) {
        let mut log = String::from("\u{feff}2026-12-05T10:00:00.0000000Z set up\n");
        let step2 = log.len();
        for i in 0..200 {
            log.push_str(&format!(
                "2026-12-05T10:00:01.0000000Z compiling unit {i}\n"
            ));
        }
        log.push_str(
            "2026-12-05T10:00:02.0000000Z error: linking failed: undefined symbol gemm_f16\n",
        );
        log.push_str("2026-12-05T10:00:02.0000000Z ##[error]Process completed with exit code 1.\n");
        let step3 = log.len();
        log.push_str("2026-12-05T10:00:03.0000000Z Cleaning up orphan processes\n");
        let steps = vec![
            StepRange {
                number: 1,
                name: "Set up job".into(),
                start: 0,
                end: step2,
            },
            StepRange {
                number: 2,
                name: "build".into(),
                start: step2,
                end: step3,
            },
            StepRange {
                number: 3,
                name: "Complete job".into(),
                start: step3,
                end: log.len(),
            },
        ];
        (log, steps)
    }

    #[test]
    fn errors_then_the_failing_steps_tail_then_the_logs_tail() {
        let (log, steps) = log();
        let got = excerpts(log.as_bytes(), &steps, Some(2), 1 << 20);
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(
            got[0].text,
            "compiling unit 197\ncompiling unit 198\ncompiling unit 199\n\
             error: linking failed: undefined symbol gemm_f16\n##[error]Process completed with exit code 1."
        );
        let tail: Vec<&str> = got[1].text.lines().collect();
        assert_eq!(tail.len(), STEP_TAIL);
        assert_eq!(
            tail.last(),
            Some(&"##[error]Process completed with exit code 1.")
        );
        assert!(got[2].text.ends_with("Cleaning up orphan processes"));
        assert!(
            !got.iter().any(|e| e.text.contains("2026-12-05T")),
            "no timestamps"
        );
    }

    #[test]
    fn a_log_that_is_not_utf8_is_read_without_a_panic() {
        let (log, steps) = log();
        // the first line swapped for one with invalid bytes (each read
        // lossily as 3 bytes), the steps' offsets moved with it
        let first = log.find('\n').expect("a line") + 1;
        let mut bad = b"2026-12-05T10:00:00.0000000Z \xff\xfe\xfd\xfc binary\n".to_vec();
        let shift = bad.len() as isize - first as isize;
        bad.extend_from_slice(&log.as_bytes()[first..]);
        let moved = |at: usize| {
            if at == 0 {
                0
            } else {
                (at as isize + shift) as usize
            }
        };
        let steps: Vec<StepRange> = steps
            .into_iter()
            .map(|s| StepRange {
                start: moved(s.start),
                end: moved(s.end),
                ..s
            })
            .collect();
        let got = excerpts(&bad, &steps, Some(2), 1 << 20);
        assert!(got[0].text.contains("undefined symbol gemm_f16"), "{got:?}");
        assert!(
            !got[1].text.contains("binary"),
            "the failing step's lines only"
        );
    }

    #[test]
    fn the_budget_is_kept_cutting_the_least_worth_first() {
        let (log, steps) = log();
        for budget in [0, 10, 200, 1000, 3000] {
            let got = excerpts(log.as_bytes(), &steps, Some(2), budget);
            let used: usize = got.iter().map(|e| e.title.len() + e.text.len()).sum();
            assert!(used <= budget, "{budget}: {used}");
            if budget >= 1000 {
                assert!(got[0].text.contains("undefined symbol"), "{budget}");
            }
            if let Some(errors) = got.first().filter(|e| e.title == FIRST_ERRORS) {
                assert!(
                    errors.text.starts_with("compiling unit 197"),
                    "{budget}: the beginning kept"
                );
            }
        }
        // no failed step: the error lines of the whole log and its tail
        let got = excerpts(log.as_bytes(), &steps, None, 1 << 20);
        assert_eq!(got.len(), 2);
        assert!(got[0].text.contains("##[error]"));
        assert!(excerpts(b"", &[], None, 100).is_empty());
    }
}
