//! `github-artifacts`: a run's result files are inside the artifacts of its
//! GitHub workflow run. Listing downloads each unexpired artifact's zip
//! (capped), opens it in memory and keeps the entries the patterns match
//! (patterns apply to paths inside the archive); reading hands them out.
//! Caps on download size, entry count and uncompressed size make a zip bomb
//! a refused run with a reason, never memory exhaustion.

use std::collections::HashMap;
use std::io::Read as _;
use std::sync::Mutex;

use futures_util::future::BoxFuture;
use glob::{MatchOptions, Pattern};
use wfm_github::rest::{GithubClient, RestError};

use crate::{FileEntry, FileReader, ListError, ListRequest, Listing, ReadError, expand};

/// How much of an artifact the reader takes on.
#[derive(Debug, Clone, Copy)]
pub struct ArtifactLimits {
    /// One artifact's zip, as downloaded.
    pub max_download_bytes: u64,
    /// Entries in one zip.
    pub max_entries: usize,
    /// One zip's entries as its headers declare them, and everything a run
    /// inflates (the matched entries of all its artifacts), uncompressed.
    pub max_uncompressed_bytes: u64,
}

impl Default for ArtifactLimits {
    fn default() -> Self {
        Self {
            max_download_bytes: 100 * 1024 * 1024,
            max_entries: 10_000,
            max_uncompressed_bytes: 1024 * 1024 * 1024,
        }
    }
}

/// The artifacts of one repository's runs.
pub struct GithubArtifactsReader {
    client: GithubClient,
    owner: String,
    repo: String,
    limits: ArtifactLimits,
    /// What the last listing matched, by listed path.
    matched: Mutex<HashMap<String, Vec<u8>>>,
}

impl std::fmt::Debug for GithubArtifactsReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GithubArtifactsReader")
            .field("repository", &format!("{}/{}", self.owner, self.repo))
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl GithubArtifactsReader {
    pub fn new(client: GithubClient, owner: &str, repo: &str, limits: ArtifactLimits) -> Self {
        Self {
            client,
            owner: owner.to_owned(),
            repo: repo.to_owned(),
            limits,
            matched: Mutex::new(HashMap::new()),
        }
    }

    async fn list_run(&self, request: &ListRequest) -> Result<Listing, ListError> {
        let run_id: i64 = request
            .placeholders
            .run_id
            .as_deref()
            .and_then(|id| id.parse().ok())
            .ok_or_else(|| {
                ListError::RootMissing(
                    "the run has no GitHub run id, so it has no artifacts to read".into(),
                )
            })?;
        let patterns = compile(request)?;
        let artifacts = self
            .client
            .run_artifacts(&self.owner, &self.repo, run_id)
            .await
            .map_err(listing_error)?;
        let mut listing = Listing::default();
        let mut matched = HashMap::new();
        // what this run may inflate, over all its artifacts
        let mut budget = self.limits.max_uncompressed_bytes;
        for artifact in artifacts {
            if artifact.expired {
                listing
                    .refused
                    .push((artifact.name, "the artifact has expired".into()));
                continue;
            }
            let zip = match self
                .client
                .artifact_zip(
                    &self.owner,
                    &self.repo,
                    artifact.id,
                    self.limits.max_download_bytes,
                )
                .await
            {
                Ok(zip) => zip,
                Err(e @ RestError::TooLarge { .. }) => {
                    listing.refused.push((artifact.name, e.to_string()));
                    continue;
                }
                Err(e) => return Err(listing_error(e)),
            };
            let room = request.max_files.saturating_sub(listing.files.len());
            let (patterns, limits) = (patterns.clone(), self.limits);
            // inflating is CPU work: off the async workers
            let unzipped = tokio::task::spawn_blocking(move || {
                unzip_matching(&zip, &patterns, &limits, room, budget)
            })
            .await
            .map_err(|e| ListError::Io(format!("unzipping: {e}")))?
            .map_err(|reason| {
                ListError::Refused(format!("artifact {:?}: {reason}", artifact.name))
            })?;
            budget -= unzipped.inflated;
            listing.over_cap += unzipped.over_cap;
            for (path, bytes) in unzipped.entries {
                let listed = format!("{}/{path}", artifact.name);
                listing.files.push(FileEntry {
                    path: listed.clone(),
                    size: bytes.len() as u64,
                });
                matched.insert(listed, bytes);
            }
        }
        listing.files.sort();
        *self.matched.lock().unwrap_or_else(|e| e.into_inner()) = matched;
        Ok(listing)
    }
}

impl FileReader for GithubArtifactsReader {
    fn list<'a>(&'a self, request: &'a ListRequest) -> BoxFuture<'a, Result<Listing, ListError>> {
        Box::pin(self.list_run(request))
    }

    fn read<'a>(
        &'a self,
        file: &'a FileEntry,
        max_bytes: u64,
    ) -> BoxFuture<'a, Result<Vec<u8>, ReadError>> {
        Box::pin(async move {
            // handed out once: the collector reads each listed file once
            let bytes = self
                .matched
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&file.path)
                .ok_or(ReadError::NotFound)?;
            if bytes.len() as u64 > max_bytes {
                return Err(ReadError::TooLarge {
                    size: bytes.len() as u64,
                    limit: max_bytes,
                });
            }
            Ok(bytes)
        })
    }
}

fn compile(request: &ListRequest) -> Result<Vec<Pattern>, ListError> {
    request
        .patterns
        .iter()
        .map(|raw| {
            let bad = |reason: String| ListError::BadPattern {
                pattern: raw.clone(),
                reason,
            };
            let expanded = expand(raw, &request.placeholders).map_err(bad)?;
            Pattern::new(expanded.trim_start_matches('/')).map_err(|e| bad(e.to_string()))
        })
        .collect()
}

/// What the collector should make of a REST failure.
fn listing_error(e: RestError) -> ListError {
    match e {
        RestError::RateLimited { retry_after } => ListError::RateLimited(retry_after),
        RestError::Status { status: 404, .. } => ListError::RootMissing(e.to_string()),
        e if e.is_transient() => ListError::Io(e.to_string()),
        e => ListError::Refused(e.to_string()),
    }
}

/// What one zip gave.
struct Unzipped {
    /// Matching entries, inflated (at most the room given).
    entries: Vec<(String, Vec<u8>)>,
    /// Matching entries beyond the room, not inflated.
    over_cap: usize,
    /// Bytes inflated.
    inflated: u64,
}

/// The entries of `zip` whose paths match `patterns`: at most `room` of them,
/// inflating at most `budget` bytes; `Err` when the archive breaks a limit or
/// is not a zip.
fn unzip_matching(
    zip: &[u8],
    patterns: &[Pattern],
    limits: &ArtifactLimits,
    room: usize,
    budget: u64,
) -> Result<Unzipped, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip))
        .map_err(|e| format!("not a readable zip: {e}"))?;
    if archive.len() > limits.max_entries {
        return Err(format!(
            "{} entries, over the limit of {}",
            archive.len(),
            limits.max_entries
        ));
    }
    // what the entries claim, before inflating any
    let mut declared: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| format!("entry {i}: {e}"))?;
        declared = declared.saturating_add(entry.size());
    }
    if declared > limits.max_uncompressed_bytes {
        return Err(format!(
            "{declared} bytes uncompressed, over the limit of {}",
            limits.max_uncompressed_bytes
        ));
    }
    let options = MatchOptions {
        require_literal_separator: true,
        ..MatchOptions::default()
    };
    let mut out = Unzipped {
        entries: Vec::new(),
        over_cap: 0,
        inflated: 0,
    };
    for i in 0..archive.len() {
        let entry = archive.by_index(i).map_err(|e| format!("entry {i}: {e}"))?;
        let Some(path) = entry.enclosed_name() else {
            continue; // an absolute or `..` path: never a result file
        };
        let path = path.to_string_lossy().replace('\\', "/");
        if entry.is_dir() || !patterns.iter().any(|p| p.matches_with(&path, options)) {
            continue;
        }
        if out.entries.len() >= room {
            out.over_cap += 1;
            continue;
        }
        // an entry may lie about its size: read at most what is left of the budget, and one byte to tell
        let left = budget - out.inflated;
        let mut bytes = Vec::new();
        entry
            .take(left.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| format!("{path}: {e}"))?;
        out.inflated += bytes.len() as u64;
        if out.inflated > budget {
            return Err(format!(
                "inflates past the limit of {} bytes (its headers said less, or the run's artifacts together are larger)",
                limits.max_uncompressed_bytes
            ));
        }
        out.entries.push((path, bytes));
    }
    Ok(out)
}
