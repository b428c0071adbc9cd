//! A stored log read as GitHub writes it: a line per event, each led by its
//! timestamp (`2026-12-05T10:00:01.1234567Z text`). A job's log is one
//! text for all its steps; a step's part is found from the step's start
//! time, as the lines from the first one stamped at or after it (and,
//! within that second, from the `##[group]` line that opens the step, so
//! the previous step's last lines stay with it).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::navigation::Step;

/// Where a step's lines are in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StepRange {
    pub number: i64,
    pub name: String,
    /// Byte offset of its first line.
    pub start: usize,
    /// Byte offset after its last line.
    pub end: usize,
}

/// A line holding the search term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Match {
    /// 1-based, counted over the whole log.
    pub line: usize,
    /// Byte offset of the line.
    pub start: usize,
    /// The line (its first 1,000 characters).
    pub text: String,
}

/// The characters of a matching line that are returned.
const MATCH_CHARS: usize = 1000;

/// The lines of `log` with their byte offsets (a line keeps its `\n`).
fn lines(log: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut at = 0;
    log.split_inclusive(|&b| b == b'\n').map(move |line| {
        let start = at;
        at += line.len();
        (start, line)
    })
}

/// The time a line is stamped with, if it is.
fn stamp(line: &[u8]) -> Option<DateTime<Utc>> {
    let line = line.strip_prefix("\u{feff}".as_bytes()).unwrap_or(line);
    let end = line.iter().position(|&b| b == b' ')?;
    let token = std::str::from_utf8(&line[..end]).ok()?;
    if !token.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    DateTime::parse_from_rfc3339(token)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The title of the group a line opens (`##[group]Run make`), if it opens one.
fn group_title(line: &[u8]) -> Option<&str> {
    let text = line
        .iter()
        .position(|&b| b == b' ')
        .map_or(line, |i| &line[i + 1..]);
    let title = text.strip_prefix(b"##[group]")?;
    std::str::from_utf8(title).ok().map(str::trim_end)
}

/// A line's offset, bytes and stamp.
type Line<'a> = (usize, &'a [u8], Option<DateTime<Utc>>);

/// Each step's part of `log`, in step order. Lines before the first step's
/// start belong to it; a step that printed nothing, was skipped or has no
/// start time has an empty range; a timed step never starts on the line
/// the step before it started on.
pub fn step_ranges(log: &[u8], steps: &[Step]) -> Vec<StepRange> {
    let lines: Vec<Line<'_>> = lines(log).map(|(at, l)| (at, l, stamp(l))).collect();
    // where each timed step starts; an untimed one, where the next does
    let mut starts: Vec<Option<usize>> = Vec::with_capacity(steps.len());
    let mut from = 0; // the first line a later step may start on
    for (i, step) in steps.iter().enumerate() {
        let skipped = step.conclusion.as_deref() == Some("skipped");
        let Some(begun) = step.started_at.filter(|_| i > 0 && !skipped) else {
            starts.push((i == 0).then_some(0));
            continue;
        };
        let second = begun.timestamp();
        let first = (from..lines.len())
            .find(|&k| lines[k].2.is_some_and(|t| t.timestamp() >= second))
            .unwrap_or(lines.len());
        // within the start's second, the group line the step opens with:
        // the one titled as the step, else one no later step is titled as
        // (steps can start in the same second, and the step's name may not
        // be its group's title)
        let window: Vec<(usize, &str)> = (first..lines.len())
            .take_while(|&k| lines[k].2.is_none_or(|t| t.timestamp() == second))
            .filter_map(|k| group_title(lines[k].1).map(|title| (k, title)))
            .collect();
        let later = |title: &str| steps[i + 1..].iter().any(|s| s.name.trim() == title);
        let opening = window
            .iter()
            .find(|(_, title)| *title == step.name.trim())
            .or_else(|| window.iter().find(|(_, title)| !later(title)))
            .map_or(first, |&(k, _)| k);
        // a step whose first line opens a later step's group printed nothing
        let printed_nothing = lines
            .get(opening)
            .and_then(|l| group_title(l.1))
            .is_some_and(|title| title != step.name.trim() && later(title));
        from = if printed_nothing {
            opening
        } else {
            (opening + 1).min(lines.len())
        };
        starts.push(Some(lines.get(opening).map_or(log.len(), |l| l.0)));
    }
    let mut next = log.len();
    let starts: Vec<usize> = {
        let mut filled: Vec<usize> = starts
            .iter()
            .rev()
            .map(|s| {
                next = s.unwrap_or(next);
                next
            })
            .collect();
        filled.reverse();
        filled
    };
    steps
        .iter()
        .enumerate()
        .map(|(i, step)| StepRange {
            number: step.number,
            name: step.name.clone(),
            start: starts[i],
            end: starts.get(i + 1).copied().unwrap_or(log.len()),
        })
        .collect()
}

/// `[start, end)` moved inwards to character boundaries of `log`.
pub fn char_bounds(log: &[u8], start: usize, end: usize) -> (usize, usize) {
    let continuation = |i: usize| log.get(i).is_some_and(|&b| b & 0xC0 == 0x80);
    let mut a = start.min(log.len());
    let mut b = end.min(log.len()).max(a);
    while a < b && continuation(a) {
        a += 1;
    }
    while b > a && continuation(b) {
        b -= 1;
    }
    (a, b)
}

/// The 1-based number of the line byte `at` of `log` is in.
pub fn line_of(log: &[u8], at: usize) -> usize {
    log[..at.min(log.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The lines of `log[start..end]` holding `term` (ignoring ASCII case):
/// the first `max` of them, and how many there are.
pub fn search(log: &[u8], start: usize, end: usize, term: &str, max: usize) -> (Vec<Match>, usize) {
    let term = term.to_ascii_lowercase().into_bytes();
    let before = line_of(log, start) - 1;
    let mut found = Vec::new();
    let mut count = 0;
    for (line_number, (at, line)) in (before + 1..).zip(lines(&log[start..end])) {
        let holds = !term.is_empty()
            && line
                .windows(term.len())
                .any(|w| w.eq_ignore_ascii_case(&term));
        if !holds {
            continue;
        }
        count += 1;
        if found.len() < max {
            let text = String::from_utf8_lossy(line);
            found.push(Match {
                line: line_number,
                start: start + at,
                text: text
                    .trim_end_matches(['\n', '\r'])
                    .chars()
                    .take(MATCH_CHARS)
                    .collect(),
            });
        }
    }
    (found, count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(number: i64, name: &str, started: &str) -> Step {
        Step {
            name: name.into(),
            conclusion: Some("success".into()),
            number,
            started_at: Some(started.parse().unwrap()),
            completed_at: None,
        }
    }

    const LOG: &str = "\u{feff}2026-12-05T10:00:00.1000000Z Current runner version: '2.321.0'\n\
        2026-12-05T10:00:01.9000000Z Prepare workflow directory\n\
        2026-12-05T10:00:02.1000000Z Complete job name: bench\n\
        2026-12-05T10:00:02.2000000Z ##[group]Run actions/checkout@v4\n\
        2026-12-05T10:00:03.0000000Z Syncing repository\n\
        continued line without a stamp\n\
        2026-12-05T10:00:09.5000000Z ##[group]Run make bench\n\
        2026-12-05T10:00:09.6000000Z ##[endgroup]\n\
        2026-12-05T10:00:30.0000000Z ##[error]Process completed with exit code 2.\n";

    fn offset_of(text: &str) -> usize {
        LOG.find(text).unwrap() - 29 // back to the line's stamp
    }

    #[test]
    fn steps_split_at_their_start_and_their_own_group_line() {
        let steps = [
            step(1, "Set up job", "2026-12-05T10:00:00Z"),
            // starts in the second the setup step's last line was written
            step(2, "Run actions/checkout@v4", "2026-12-05T10:00:02Z"),
            step(3, "Run make bench", "2026-12-05T10:00:09Z"),
            step(4, "Post Run actions/checkout@v4", "2026-12-05T10:00:31Z"),
        ];
        let ranges = step_ranges(LOG.as_bytes(), &steps);
        let log = LOG.as_bytes();
        let part =
            |i: usize| String::from_utf8_lossy(&log[ranges[i].start..ranges[i].end]).into_owned();
        assert_eq!(ranges[0].start, 0);
        assert!(
            part(0).ends_with("Complete job name: bench\n"),
            "{}",
            part(0)
        );
        assert_eq!(ranges[1].start, offset_of("##[group]Run actions/checkout"));
        assert!(part(1).contains("continued line without a stamp"));
        assert_eq!(ranges[2].start, offset_of("##[group]Run make bench"));
        assert!(part(2).ends_with("exit code 2.\n"));
        // a step that printed nothing (yet) is empty, at the end
        assert_eq!((ranges[3].start, ranges[3].end), (log.len(), log.len()));
        // the ranges cover the log once, in order
        for w in ranges.windows(2) {
            assert_eq!(w[0].end, w[1].start);
        }
    }

    #[test]
    fn steps_starting_in_the_same_second_each_take_their_group() {
        let log = "2026-12-05T10:00:00.1000000Z setting up\n\
            2026-12-05T10:00:01.2000000Z ##[group]Run actions/checkout@v4\n\
            2026-12-05T10:00:01.3000000Z synced\n\
            2026-12-05T10:00:01.8000000Z ##[group]Run make\n\
            2026-12-05T10:00:02.0000000Z built\n";
        let steps = [
            step(1, "Set up job", "2026-12-05T10:00:00Z"),
            step(2, "checkout", "2026-12-05T10:00:01Z"),
            step(3, "make", "2026-12-05T10:00:01Z"),
        ];
        let ranges = step_ranges(log.as_bytes(), &steps);
        let part = |i: usize| &log[ranges[i].start..ranges[i].end];
        assert!(
            part(1).contains("checkout") && part(1).ends_with("synced\n"),
            "{}",
            part(1)
        );
        assert!(
            part(2).contains("Run make") && part(2).ends_with("built\n"),
            "{}",
            part(2)
        );
    }

    #[test]
    fn the_last_steps_of_a_job_share_a_second_without_groups() {
        let log = "2026-12-05T10:00:00.1000000Z setting up\n\
            2026-12-05T10:00:01.2000000Z ##[group]Run make\n\
            2026-12-05T10:00:04.0000000Z Post job cleanup.\n\
            2026-12-05T10:00:04.5000000Z Cleaning up orphan processes\n";
        let mut skipped = step(3, "Post Run actions/cache@v4", "2026-12-05T10:00:04Z");
        skipped.conclusion = Some("skipped".into());
        let steps = [
            step(1, "Set up job", "2026-12-05T10:00:00Z"),
            step(2, "Run make", "2026-12-05T10:00:01Z"),
            skipped,
            step(4, "Post Run actions/checkout@v4", "2026-12-05T10:00:04Z"),
            step(5, "Complete job", "2026-12-05T10:00:04Z"),
        ];
        let ranges = step_ranges(log.as_bytes(), &steps);
        let part = |i: usize| &log[ranges[i].start..ranges[i].end];
        assert_eq!(part(1), "2026-12-05T10:00:01.2000000Z ##[group]Run make\n");
        assert_eq!(part(2), "", "skipped");
        assert!(part(3).ends_with("Post job cleanup.\n"), "{}", part(3));
        assert!(part(4).ends_with("orphan processes\n"), "{}", part(4));
    }

    #[test]
    fn a_step_named_apart_from_its_group_leaves_a_later_steps_group_alone() {
        let log = "2026-12-05T10:00:00.1000000Z setting up\n\
            2026-12-05T10:00:01.2000000Z ##[group]Run make\n\
            2026-12-05T10:00:01.3000000Z built\n";
        let steps = [
            step(1, "Set up job", "2026-12-05T10:00:00Z"),
            // printed nothing, started in the second the next one did
            step(2, "Checkout", "2026-12-05T10:00:01Z"),
            step(3, "Run make", "2026-12-05T10:00:01Z"),
        ];
        let ranges = step_ranges(log.as_bytes(), &steps);
        assert_eq!(
            &log[ranges[2].start..ranges[2].end],
            "2026-12-05T10:00:01.2000000Z ##[group]Run make\n2026-12-05T10:00:01.3000000Z built\n"
        );
    }

    #[test]
    fn a_step_without_a_start_time_takes_no_lines() {
        let mut steps = vec![
            step(1, "Set up job", "2026-12-05T10:00:00Z"),
            step(2, "skipped", "2026-12-05T10:00:02Z"),
            step(3, "Run make bench", "2026-12-05T10:00:09Z"),
        ];
        steps[1].started_at = None;
        let ranges = step_ranges(LOG.as_bytes(), &steps);
        assert_eq!(ranges[1].start, ranges[1].end);
        assert_eq!(ranges[2].start, offset_of("##[group]Run make bench"));
        assert!(
            step_ranges(b"", &steps)
                .iter()
                .all(|r| r.start == 0 && r.end == 0)
        );
    }

    #[test]
    fn ranges_never_split_a_character() {
        let log = "aé€😀b".as_bytes();
        for start in 0..=log.len() {
            for end in start..=log.len() + 2 {
                let (a, b) = char_bounds(log, start, end);
                assert!(a <= b && b <= log.len());
                assert!(
                    std::str::from_utf8(&log[a..b]).is_ok(),
                    "{start}..{end} → {a}..{b}"
                );
            }
        }
    }

    #[test]
    fn search_finds_lines_ignoring_case_with_their_numbers() {
        let log = LOG.as_bytes();
        let (found, count) = search(log, 0, log.len(), "RUN ", 10);
        assert_eq!(count, 2);
        assert_eq!(found[0].line, 4);
        assert_eq!(found[0].start, offset_of("##[group]Run actions/checkout"));
        assert!(found[1].text.ends_with("##[group]Run make bench"));
        // within a part, numbered as in the whole log; capped
        let from = offset_of("##[group]Run make bench");
        let (found, count) = search(log, from, log.len(), "##[", 1);
        assert_eq!((found.len(), count), (1, 3));
        assert_eq!(found[0].line, 7);
        assert_eq!(search(log, 0, log.len(), "", 10).1, 0);
        assert_eq!(search(log, 0, log.len(), "no such words", 10).1, 0);
    }
}
