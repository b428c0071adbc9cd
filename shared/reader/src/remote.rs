//! For readers whose files are listed somewhere else (a pod, a node agent):
//! the listing arrives as plain entries, and the matching, time window and
//! caps are applied here exactly as the `mounted` reader applies them.

use chrono::{DateTime, Utc};
use glob::{MatchOptions, Pattern};

use crate::pattern::checked_pattern;
use crate::{FileEntry, ListError, ListRequest, Listing};

/// A regular file as a remote listing reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteFile {
    /// Relative to the result root, `/`-separated, without `./`.
    pub path: String,
    pub size: u64,
    pub modified: Option<DateTime<Utc>>,
}

/// The request's patterns, filled and checked, as globs.
#[derive(Debug, Clone)]
pub struct RemotePatterns {
    patterns: Vec<Pattern>,
    /// Where each pattern's literal part ends: the directories worth listing.
    dirs: Vec<String>,
}

impl RemotePatterns {
    pub fn new(request: &ListRequest) -> Result<Self, ListError> {
        let mut patterns = Vec::new();
        let mut dirs: Vec<String> = Vec::new();
        for raw in &request.patterns {
            let filled = checked_pattern(raw, request)?;
            let pattern = Pattern::new(&filled).map_err(|e| ListError::BadPattern {
                pattern: raw.clone(),
                reason: e.to_string(),
            })?;
            patterns.push(pattern);
            dirs.push(literal_dir(&filled));
        }
        dirs.sort();
        dirs.dedup();
        // A directory inside another listed one adds nothing.
        let mut kept: Vec<String> = Vec::new();
        for dir in dirs {
            let covered = kept
                .iter()
                .any(|k| k.is_empty() || dir == *k || dir.starts_with(&format!("{k}/")));
            if !covered {
                kept.push(dir);
            }
        }
        Ok(Self {
            patterns,
            dirs: kept,
        })
    }

    /// Directories (relative, `""` for the root) that hold every possible match.
    pub fn dirs(&self) -> &[String] {
        &self.dirs
    }

    /// The files that match, in the window, sorted, at most `max_files`.
    pub fn select(&self, files: Vec<RemoteFile>, request: &ListRequest) -> Listing {
        let options = MatchOptions {
            require_literal_separator: true,
            ..MatchOptions::default()
        };
        let mut matched: Vec<FileEntry> = files
            .into_iter()
            .filter(|f| {
                self.patterns
                    .iter()
                    .any(|p| p.matches_with(&f.path, options))
            })
            .filter(|f| match (request.window, f.modified) {
                (Some((from, to)), Some(at)) => from <= at && at <= to,
                _ => true,
            })
            .map(|f| FileEntry {
                path: f.path,
                size: f.size,
            })
            .collect();
        matched.sort();
        matched.dedup();
        let over_cap = matched.len().saturating_sub(request.max_files);
        matched.truncate(request.max_files);
        Listing {
            files: matched,
            refused: Vec::new(),
            over_cap,
        }
    }
}

/// The directory part of a pattern before its first glob character.
fn literal_dir(pattern: &str) -> String {
    let parts: Vec<&str> = pattern.split('/').collect();
    let literal: Vec<&str> = parts[..parts.len() - 1]
        .iter()
        .take_while(|p| !p.contains(['*', '?', '[']))
        .copied()
        .collect();
    literal.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Placeholders;

    fn request(patterns: &[&str]) -> ListRequest {
        ListRequest {
            patterns: patterns.iter().map(|p| (*p).to_owned()).collect(),
            placeholders: Placeholders {
                run_id: Some("42".into()),
                ..Placeholders::default()
            },
            window: None,
            max_files: 2,
        }
    }

    fn file(path: &str) -> RemoteFile {
        RemoteFile {
            path: path.into(),
            size: 1,
            modified: None,
        }
    }

    #[test]
    fn listing_starts_where_the_patterns_literal_part_ends() {
        let p = RemotePatterns::new(&request(&[
            "runs/{run_id}/*.json",
            "runs/{run_id}/x/**/*.csv",
        ]))
        .unwrap();
        assert_eq!(p.dirs(), ["runs/42"]);
        let p = RemotePatterns::new(&request(&["*.md", "a/b.json"])).unwrap();
        assert_eq!(p.dirs(), [""]);
    }

    #[test]
    fn selection_matches_like_the_mounted_reader_and_caps() {
        let req = request(&["runs/{run_id}/*.json"]);
        let p = RemotePatterns::new(&req).unwrap();
        let listing = p.select(
            vec![
                file("runs/42/c.json"),
                file("runs/42/a.json"),
                file("runs/42/deep/x.json"),
                file("runs/43/a.json"),
                file("runs/42/b.json"),
            ],
            &req,
        );
        let paths: Vec<&str> = listing.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["runs/42/a.json", "runs/42/b.json"]);
        assert_eq!(listing.over_cap, 1);
    }

    #[test]
    fn patterns_leaving_the_root_are_refused() {
        for bad in ["../x/*.json", "/etc/*.conf"] {
            let err = RemotePatterns::new(&request(&[bad])).unwrap_err();
            assert!(matches!(err, ListError::BadPattern { .. }), "{bad}");
        }
    }
}
