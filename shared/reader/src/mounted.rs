//! The `mounted` reader: result files on a directory the collector can see
//! (an RWX PVC mounted into the pod, a plain folder on a laptop). Nothing
//! outside the root is ever listed or read: patterns with `..` or an
//! absolute path are refused, and every match is resolved (symlinks
//! included) and must stay under the root. The listing is a bounded walk
//! that reads each directory once (`walk`: symlink loops, the entry cap,
//! the deadline and cancellation).

use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;

use crate::pattern::checked_pattern;
use crate::walk::{Budget, walk};
use crate::{
    DEFAULT_MAX_LISTED_ENTRIES, FileEntry, FileReader, ListError, ListRequest, Listing, ReadError,
};

/// A reader over one directory.
#[derive(Debug, Clone)]
pub struct MountedReader {
    /// The collector's mount point: nothing outside it is ever read.
    base: PathBuf,
    root: PathBuf,
    read_timeout: Duration,
    /// Directory entries one listing may examine (see `walk`).
    max_entries: usize,
}

impl MountedReader {
    /// `base` is the collector's mount point; `subdir` (from the config's
    /// reader options) a relative directory under it.
    pub fn new(
        base: &Path,
        subdir: Option<&str>,
        read_timeout: Duration,
    ) -> Result<Self, ListError> {
        let mut root = base.to_path_buf();
        if let Some(sub) = subdir.filter(|s| !s.is_empty()) {
            let bad = Path::new(sub)
                .components()
                .any(|c| !matches!(c, Component::Normal(_)));
            if bad {
                return Err(ListError::BadPattern {
                    pattern: sub.to_owned(),
                    reason: "the reader's path must be relative, without `..`".to_owned(),
                });
            }
            root.push(sub);
        }
        Ok(MountedReader {
            base: base.to_path_buf(),
            root,
            read_timeout,
            max_entries: DEFAULT_MAX_LISTED_ENTRIES,
        })
    }

    /// Caps the directory entries one listing examines (all patterns
    /// together); past it the listing is refused. Default
    /// [`DEFAULT_MAX_LISTED_ENTRIES`].
    pub fn with_max_entries(mut self, max_entries: usize) -> Self {
        self.max_entries = max_entries;
        self
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The root, resolved, and checked to be under the resolved base (the
    /// config's directory may itself be a symlink someone planted).
    fn resolved_root(&self) -> Result<PathBuf, ListError> {
        let resolve = |p: &Path| match p.canonicalize() {
            Ok(real) => Ok(real),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(ListError::RootMissing(p.display().to_string()))
            }
            Err(e) => Err(ListError::Io(format!("{}: {e}", p.display()))),
        };
        let (base, root) = (resolve(&self.base)?, resolve(&self.root)?);
        if !root.starts_with(&base) {
            return Err(ListError::BadPattern {
                pattern: self.root.display().to_string(),
                reason: format!("resolves to {} outside the mount point", root.display()),
            });
        }
        Ok(root)
    }

    fn list_blocking(
        &self,
        request: &ListRequest,
        budget: &mut Budget,
    ) -> Result<Listing, ListError> {
        let root = self.resolved_root()?;
        let mut listing = Listing::default();
        let mut matched = Vec::new();
        for pattern in &request.patterns {
            let relative = checked_pattern(pattern, request)?;
            walk(
                &root,
                (pattern, &relative),
                budget,
                &mut matched,
                &mut listing.refused,
            )?;
        }
        let found: BTreeMap<String, u64> = matched
            .into_iter()
            .filter(|(_, meta)| in_window(meta, request.window))
            .map(|(path, meta)| (path, meta.len()))
            .collect();
        listing.over_cap = found.len().saturating_sub(request.max_files);
        listing.files = found
            .into_iter()
            .take(request.max_files)
            .map(|(path, size)| FileEntry { path, size })
            .collect();
        Ok(listing)
    }

    fn read_blocking(&self, file: &FileEntry, max_bytes: u64) -> Result<Vec<u8>, ReadError> {
        let root = self.resolved_root().map_err(|_| ReadError::NotFound)?;
        let real = match root.join(&file.path).canonicalize() {
            Ok(real) if real.starts_with(&root) => real,
            Ok(_) => return Err(ReadError::Outside),
            Err(_) => return Err(ReadError::NotFound),
        };
        // Open the resolved path without following a symlink swapped in
        // since, and without blocking on a FIFO; then insist on a regular file.
        let handle = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(&real)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => ReadError::NotFound,
                _ if e.raw_os_error() == Some(libc::ELOOP) => ReadError::Outside,
                _ => ReadError::Io(e),
            })?;
        let meta = handle.metadata().map_err(ReadError::Io)?;
        if !meta.is_file() {
            return Err(ReadError::NotRegular);
        }
        let size = meta.len();
        if size > max_bytes {
            return Err(ReadError::TooLarge {
                size,
                limit: max_bytes,
            });
        }
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        handle
            .take(max_bytes + 1)
            .read_to_end(&mut bytes)
            .map_err(ReadError::Io)?;
        if bytes.len() as u64 > max_bytes {
            return Err(ReadError::TooLarge {
                size: bytes.len() as u64,
                limit: max_bytes,
            });
        }
        Ok(bytes)
    }
}

fn in_window(meta: &std::fs::Metadata, window: Option<(DateTime<Utc>, DateTime<Utc>)>) -> bool {
    let Some((from, to)) = window else {
        return true;
    };
    match meta.modified() {
        Ok(modified) => {
            let modified: DateTime<Utc> = modified.into();
            from <= modified && modified <= to
        }
        Err(_) => true,
    }
}

impl FileReader for MountedReader {
    fn list<'a>(&'a self, request: &'a ListRequest) -> BoxFuture<'a, Result<Listing, ListError>> {
        Box::pin(async move {
            let (reader, request) = (self.clone(), request.clone());
            // A hung mount must not hold the run; the listing gets a few reads' time.
            let limit = self.read_timeout * 5;
            // The walk checks the deadline itself, and `_stop` ends it when
            // this future is dropped (a run aborted at shutdown), so the
            // blocking thread never outlives the listing for long.
            let (mut budget, _stop) = Budget::new(self.max_entries, limit);
            let task =
                tokio::task::spawn_blocking(move || reader.list_blocking(&request, &mut budget));
            match tokio::time::timeout(limit, task).await {
                Err(_) => Err(ListError::Io(format!("listing timed out after {limit:?}"))),
                Ok(Err(e)) => Err(ListError::Io(format!("listing task failed: {e}"))),
                Ok(Ok(result)) => result,
            }
        })
    }

    fn read<'a>(
        &'a self,
        file: &'a FileEntry,
        max_bytes: u64,
    ) -> BoxFuture<'a, Result<Vec<u8>, ReadError>> {
        Box::pin(async move {
            let (reader, entry) = (self.clone(), file.clone());
            let task = tokio::task::spawn_blocking(move || reader.read_blocking(&entry, max_bytes));
            // A hung mount must not hold the run forever; the blocking thread
            // is left to finish on its own.
            match tokio::time::timeout(self.read_timeout, task).await {
                Err(_) => Err(ReadError::Timeout(self.read_timeout)),
                Ok(Err(e)) => Err(ReadError::Io(std::io::Error::other(e.to_string()))),
                Ok(Ok(result)) => result,
            }
        })
    }
}
