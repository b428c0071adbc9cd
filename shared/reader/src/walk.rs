//! The mounted reader's listing: a walk of the result root for the files
//! matching one pattern. It replaces `glob::glob_with`, which follows
//! directory symlinks without remembering where it has been: a link to `.`
//! listed every file dozens of times, and two such links never finished.
//!
//! What the walk guarantees:
//! - every directory is read at most once per pattern, identified by
//!   (device, inode): a directory reached again (a symlink loop, a link to a
//!   sibling) is skipped, so a file is listed once, under the first path found;
//! - the order is deterministic: the real tree first, depth first and sorted
//!   by name, then the directories reached through symlinks in the order they
//!   were found, so a file is listed under its real path when that matches;
//! - nothing outside the root: a symlink resolving outside it is refused
//!   (named in `refused`) and never followed;
//! - only directories that can still match are read: the pattern's leading
//!   literal directories are joined, not walked, and the remaining
//!   components are matched one per level as glob does (`**` is zero or more
//!   directories, `*` never crosses a `/`, a pattern ending in `**` matches
//!   directories only, hence no file);
//! - it ends: each directory entry examined spends one unit of the listing's
//!   `Budget` (all patterns together); past the entry cap the listing is
//!   refused (the run fails naming the cap: retrying cannot help), past the
//!   deadline or once the listing's future is dropped it ends with an I/O
//!   error (retried), so a collector shutting down never waits on a walk.
//!
//! A directory reached by two paths is read under the first one only, so a
//! match that only the second path's position in the pattern allows (a link
//! to a directory at another depth under `*/*/x`) is not listed.

use std::collections::{HashSet, VecDeque};
use std::fs::{FileType, Metadata};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use glob::{MatchOptions, Pattern};

use crate::ListError;

/// glob's options for `glob_with` as the reader used them: `*` does not
/// cross `/`, but does match a leading dot.
const OPTIONS: MatchOptions = MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: false,
};

/// How much one listing may still do before it must end.
pub(crate) struct Budget {
    entries_left: usize,
    max_entries: usize,
    deadline: Instant,
    limit: Duration,
    stop: Arc<AtomicBool>,
}

/// Stops the walk of its `Budget` when dropped: held by the listing's
/// future, so a cancelled or timed-out listing frees its blocking thread.
pub(crate) struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

impl Budget {
    pub(crate) fn new(max_entries: usize, limit: Duration) -> (Budget, StopOnDrop) {
        let stop = Arc::new(AtomicBool::new(false));
        let budget = Budget {
            entries_left: max_entries,
            max_entries,
            deadline: Instant::now() + limit,
            limit,
            stop: stop.clone(),
        };
        (budget, StopOnDrop(stop))
    }

    /// Accounts one directory entry; an error once the listing must end.
    fn spend(&mut self) -> Result<(), ListError> {
        if self.stop.load(Ordering::Relaxed) {
            return Err(ListError::Io("listing abandoned".to_owned()));
        }
        if Instant::now() >= self.deadline {
            let limit = self.limit;
            return Err(ListError::Io(format!("listing timed out after {limit:?}")));
        }
        if self.entries_left == 0 {
            return Err(ListError::Refused(format!(
                "listing stopped after {} directory entries (the reader's cap); \
                 narrow the patterns, e.g. start them with the run's directory",
                self.max_entries
            )));
        }
        self.entries_left -= 1;
        Ok(())
    }
}

/// One pattern component after the literal prefix.
enum Step {
    /// `**`: zero or more directories.
    Any,
    Glob(Pattern),
}

/// A directory still to read: its resolved path, its path as shown
/// (relative to the root) and the steps its entries may match.
struct Dir {
    real: PathBuf,
    shown: String,
    states: Vec<usize>,
}

/// Adds the regular files under `root` matching `relative` (the checked
/// pattern; `original` names it in errors) to `files`, with their
/// metadata, and what was refused to `refused`.
pub(crate) fn walk(
    root: &Path,
    (original, relative): (&str, &str),
    budget: &mut Budget,
    files: &mut Vec<(String, Metadata)>,
    refused: &mut Vec<(String, String)>,
) -> Result<(), ListError> {
    let bad = |e: glob::PatternError| ListError::BadPattern {
        pattern: original.to_owned(),
        reason: e.to_string(),
    };
    Pattern::new(relative).map_err(bad)?;
    // glob matches only directories with a trailing `/`: never a file.
    if relative.ends_with('/') {
        return Ok(());
    }
    let parts: Vec<&str> = relative
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let literal = parts
        .iter()
        .take_while(|p| !p.contains(['*', '?', '[']))
        .count();
    if literal == parts.len() {
        // No wildcard: one path to look at.
        let shown = parts.join("/");
        budget.spend()?;
        match resolve(root, &root.join(&shown)) {
            Ok(Some((_, meta))) if meta.is_file() => files.push((shown, meta)),
            Ok(_) => {}
            Err(reason) => refused.push((shown, reason)),
        }
        return Ok(());
    }
    let steps: Vec<Step> = parts[literal..]
        .iter()
        .map(|p| match *p {
            "**" => Ok(Step::Any),
            p => Pattern::new(p).map(Step::Glob),
        })
        .collect::<Result<_, _>>()
        .map_err(bad)?;
    if matches!(steps.last(), Some(Step::Any)) {
        return Ok(());
    }
    let start = parts[..literal].join("/");
    let real = match resolve(root, &root.join(&start)) {
        Ok(Some((real, meta))) if meta.is_dir() => real,
        Ok(_) => return Ok(()),
        Err(reason) => {
            refused.push((start, reason));
            return Ok(());
        }
    };
    let states = closure(&steps, vec![0]);
    let mut stack = vec![Dir {
        real,
        shown: start,
        states,
    }];
    let mut linked = VecDeque::new();
    let mut visited = HashSet::new();
    while let Some(dir) = stack.pop().or_else(|| linked.pop_front()) {
        budget.spend()?;
        let entries = match std::fs::metadata(&dir.real) {
            Ok(meta) if !visited.insert((meta.dev(), meta.ino())) => continue,
            Ok(_) => read_sorted(&dir.real, budget)?,
            Err(e) => Err(e),
        };
        let entries = match entries {
            Ok(entries) => entries,
            // An unreadable directory fails its files, not the listing.
            Err(e) => {
                refused.push((dir.shown, format!("cannot read: {e}")));
                continue;
            }
        };
        let mut subdirs = Vec::new();
        for (name, kind) in entries {
            let (file_match, next) = advance(&steps, &dir.states, &name);
            if !file_match && next.is_empty() {
                continue;
            }
            let shown = match dir.shown.as_str() {
                "" => name.clone(),
                parent => format!("{parent}/{name}"),
            };
            let path = dir.real.join(&name);
            if kind.is_symlink() {
                // Resolved only when it may be listed or walked: a link out
                // of the root that cannot match is not worth a note.
                let Ok(target) = std::fs::metadata(&path) else {
                    continue;
                };
                let walked = target.is_dir() && !next.is_empty();
                if !(file_match || walked) {
                    continue;
                }
                match resolve(root, &path) {
                    Ok(Some((real, meta))) => {
                        if file_match && meta.is_file() {
                            files.push((shown.clone(), meta));
                        }
                        if walked {
                            linked.push_back(Dir {
                                real,
                                shown,
                                states: next,
                            });
                        }
                    }
                    Ok(None) => {}
                    Err(reason) => refused.push((shown, reason)),
                }
            } else if kind.is_dir() && !next.is_empty() {
                subdirs.push(Dir {
                    real: path,
                    shown,
                    states: next,
                });
            } else if kind.is_file()
                && file_match
                && let Ok(meta) = std::fs::symlink_metadata(&path)
            {
                files.push((shown, meta));
            }
        }
        // Popped in name order.
        stack.extend(subdirs.into_iter().rev());
    }
    Ok(())
}

/// A directory's entries sorted by name, each spending the budget; names
/// that are not UTF-8 are skipped, as glob does. The outer error ends the
/// listing, the inner one is this directory's.
fn read_sorted(
    dir: &Path,
    budget: &mut Budget,
) -> Result<std::io::Result<Vec<(String, FileType)>>, ListError> {
    let read = match std::fs::read_dir(dir) {
        Ok(read) => read,
        Err(e) => return Ok(Err(e)),
    };
    let mut entries = Vec::new();
    for entry in read {
        budget.spend()?;
        let entry = match entry.and_then(|e| Ok((e.file_name(), e.file_type()?))) {
            Ok(entry) => entry,
            Err(e) => return Ok(Err(e)),
        };
        if let (Ok(name), kind) = (entry.0.into_string(), entry.1) {
            entries.push((name, kind));
        }
    }
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(Ok(entries))
}

/// The real path of `path` and its metadata when it stays under `root`;
/// `None` when it does not resolve; the reason when it leaves the root.
fn resolve(root: &Path, path: &Path) -> Result<Option<(PathBuf, Metadata)>, String> {
    let Ok(real) = path.canonicalize() else {
        return Ok(None);
    };
    if !real.starts_with(root) {
        return Err(format!(
            "resolves to {} outside the result root; refused",
            real.display()
        ));
    }
    Ok(std::fs::metadata(&real).ok().map(|meta| (real, meta)))
}

/// For an entry `name` of a directory in `states`: whether the entry itself
/// matches the whole pattern, and the states of its own entries.
fn advance(steps: &[Step], states: &[usize], name: &str) -> (bool, Vec<usize>) {
    let mut file = false;
    let mut next = Vec::new();
    for &i in states {
        match &steps[i] {
            Step::Any => next.push(i),
            Step::Glob(p) if p.matches_with(name, OPTIONS) => {
                if i + 1 == steps.len() {
                    file = true;
                } else {
                    next.push(i + 1);
                }
            }
            Step::Glob(_) => {}
        }
    }
    (file, closure(steps, next))
}

/// `states` plus the steps after each `**` (which may match nothing),
/// sorted; never the end of the pattern (a directory is not listed).
fn closure(steps: &[Step], mut states: Vec<usize>) -> Vec<usize> {
    let mut i = 0;
    while i < states.len() {
        let after = states[i] + 1;
        if matches!(steps[states[i]], Step::Any) && after < steps.len() && !states.contains(&after)
        {
            states.push(after);
        }
        i += 1;
    }
    states.sort_unstable();
    states.dedup();
    states
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(max_entries: usize, limit: Duration) -> (Budget, StopOnDrop) {
        Budget::new(max_entries, limit)
    }

    fn listed(root: &Path, pattern: &str, budget: &mut Budget) -> Result<Vec<String>, ListError> {
        let (mut files, mut refused) = (Vec::new(), Vec::new());
        walk(root, (pattern, pattern), budget, &mut files, &mut refused)?;
        Ok(files.into_iter().map(|(p, _)| p).collect())
    }

    fn tree(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("wfm-walk-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("a/b")).expect("dirs");
        std::fs::write(dir.join("a/b/r.json"), "{}").expect("write");
        dir.canonicalize().expect("real")
    }

    #[test]
    fn steps_match_like_glob() {
        let root = tree("steps");
        std::fs::write(root.join("a/.hidden.json"), "{}").expect("write");
        let (mut b, _stop) = budget(1000, Duration::from_secs(10));
        let cases: [(&str, &[&str]); 6] = [
            ("**/*.json", &["a/.hidden.json", "a/b/r.json"]),
            ("a/**/**/r.json", &["a/b/r.json"]),
            ("*/*.json", &["a/.hidden.json"]),
            ("a/**", &[]),
            ("a//./b/r.json", &["a/b/r.json"]),
            ("?/b/", &[]),
        ];
        for (pattern, want) in cases {
            assert_eq!(
                listed(&root, pattern, &mut b).expect(pattern),
                want,
                "{pattern}"
            );
        }
        let bad = listed(&root, "a**/x", &mut b);
        assert!(matches!(bad, Err(ListError::BadPattern { .. })), "{bad:?}");
    }

    #[test]
    fn a_deadline_or_a_dropped_listing_ends_the_walk() {
        let root = tree("deadline");
        let (mut late, _stop) = budget(1000, Duration::ZERO);
        let err = listed(&root, "**/*.json", &mut late).expect_err("past the deadline");
        assert_eq!(
            err.to_string(),
            "cannot list files: listing timed out after 0ns"
        );

        let (mut dropped, stop) = budget(1000, Duration::from_secs(60));
        drop(stop);
        let err = listed(&root, "**/*.json", &mut dropped).expect_err("abandoned");
        assert!(
            matches!(err, ListError::Io(ref m) if m == "listing abandoned"),
            "{err:?}"
        );
    }
}
