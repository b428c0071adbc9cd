//! File readers: how the collector reaches a run's result files
//! (ARCHITECTURE.md, "File readers"). Every reader lists the files matching
//! a config's patterns for one run and reads one file with a size cap.
//!
//! Errors say what the collector should do: a missing root skips the run, a
//! bad pattern fails it, an I/O error is worth a retry, and a file-level
//! problem fails that file only.
//!
//! A config's `reader_options` are typed per reader (`options`):
//! [`parse_reader_options`] refuses an unknown option or a wrong type, naming it.

mod artifacts;
mod mounted;
mod options;
mod pattern;
mod remote;
mod walk;

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;

pub use artifacts::{ArtifactLimits, GithubArtifactsReader};
pub use mounted::MountedReader;
pub use options::{
    DEFAULT_CONTAINER, DEFAULT_MTIME_MARGIN_SECONDS, GithubArtifactsOptions, MountedOptions,
    NodeExporterOptions, READER_KINDS, ReaderOptions, ReaderOptionsError, Repository,
    TempPodOptions, parse_reader_options,
};
pub use pattern::{Placeholders, expand};
pub use remote::{RemoteFile, RemotePatterns};

/// The default cap on one result file: 5 MiB.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 5 * 1024 * 1024;
/// The default cap on files per run.
pub const DEFAULT_MAX_FILES: usize = 200;
/// The default cap on directory entries the mounted reader examines for one
/// listing: a volume this large needs a narrower pattern, not a longer walk.
pub const DEFAULT_MAX_LISTED_ENTRIES: usize = 100_000;

/// What to list for one run.
#[derive(Debug, Clone)]
pub struct ListRequest {
    /// Globs relative to the reader's root; `**` allowed; placeholders filled.
    pub patterns: Vec<String>,
    pub placeholders: Placeholders,
    /// Only files modified in this window (a volume shared by many runs).
    pub window: Option<(DateTime<Utc>, DateTime<Utc>)>,
    pub max_files: usize,
}

/// A file found for a run.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FileEntry {
    /// Relative to the reader's root, `/`-separated.
    pub path: String,
    pub size: u64,
}

/// What a listing found.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// Sorted by path, at most `max_files`.
    pub files: Vec<FileEntry>,
    /// Matches refused, with the reason (a symlink out of the root, an
    /// unreadable directory).
    pub refused: Vec<(String, String)>,
    /// Matches beyond `max_files`, not listed.
    pub over_cap: usize,
}

/// Why a run's files could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// The volume or directory is not there: the run is skipped.
    #[error("result root {0} does not exist (volume not mounted or already gone)")]
    RootMissing(String),
    /// The config's patterns cannot work: the run fails.
    #[error("bad file pattern {pattern:?}: {reason}")]
    BadPattern { pattern: String, reason: String },
    /// Worth a retry.
    #[error("cannot list files: {0}")]
    Io(String),
    /// Asked to wait (a rate limit): try again after the duration, without
    /// counting a failure.
    #[error("rate limited: try again in {}s", .0.as_secs())]
    RateLimited(Duration),
    /// The files cannot be reached and waiting will not help (a PVC that is
    /// missing or unbound, a runner set nobody recorded): the run is skipped
    /// with the reason.
    #[error("{0}")]
    Unavailable(String),
    /// The source refused, or offered something unsafe to read (a zip bomb): the run fails.
    #[error("{0}")]
    Refused(String),
}

/// Why one file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("file is {size} bytes, over the {limit}-byte limit")]
    TooLarge { size: u64, limit: u64 },
    #[error("file resolves outside the result root")]
    Outside,
    #[error("file is gone")]
    NotFound,
    #[error("not a regular file")]
    NotRegular,
    #[error("read timed out after {0:?}")]
    Timeout(Duration),
    #[error("cannot read: {0}")]
    Io(std::io::Error),
}

impl ReadError {
    /// Whether trying again later may succeed: timeouts and the I/O errors of
    /// a flaky mount; not permissions or a directory where a file was.
    pub fn is_transient(&self) -> bool {
        use std::io::ErrorKind::{
            BrokenPipe, ConnectionAborted, ConnectionReset, Interrupted, NotConnected, TimedOut,
            WouldBlock,
        };
        match self {
            ReadError::Timeout(_) => true,
            ReadError::Io(e) => {
                matches!(
                    e.kind(),
                    TimedOut
                        | Interrupted
                        | WouldBlock
                        | ConnectionReset
                        | ConnectionAborted
                        | NotConnected
                        | BrokenPipe
                ) || matches!(
                    e.raw_os_error(),
                    Some(libc::EIO | libc::ESTALE | libc::EAGAIN | libc::ETIMEDOUT)
                )
            }
            _ => false,
        }
    }
}

/// One way of reaching result files.
pub trait FileReader: Send + Sync {
    /// The files of one run.
    fn list<'a>(&'a self, request: &'a ListRequest) -> BoxFuture<'a, Result<Listing, ListError>>;
    /// One listed file, refused when over `max_bytes`.
    fn read<'a>(
        &'a self,
        file: &'a FileEntry,
        max_bytes: u64,
    ) -> BoxFuture<'a, Result<Vec<u8>, ReadError>>;
    /// Gives back what the reader holds for the run (the temp-pod reader's
    /// pod); called once the files are read, or the listing failed.
    fn release(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
}
