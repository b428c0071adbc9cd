//! Listing and reading through `pods/exec` in the reader pod, with commands
//! busybox has (`find`, `stat`, `head`). Paths are passed as arguments,
//! never spliced into the shell text. Output is capped while it streams: a
//! listing or a file over its cap stops the command and fails with a reason.

use std::time::Duration;

use chrono::DateTime;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use kube::Api;
use kube::api::AttachParams;
use tokio::io::AsyncReadExt;
use wfm_reader::{ListError, ReadError, RemoteFile};

use crate::pod::CONTAINER;

/// Lists regular files (not symlinks) under each of `dirs` (relative to
/// `root`; `.` is the root), skipping a directory whose real path leaves the
/// root (a symlink on the way). Exit 3: the root is not there; exit 1: some
/// directory was unreadable (the output is still good).
const LIST: &str = r#"cd "$1" 2>/dev/null || exit 3
root=$(pwd -P)
shift
for d in "$@"; do
  [ -d "$d" ] || continue
  real=$(realpath -- "$d") || continue
  case "$real" in "$root"|"$root"/*) ;; *) echo "skipped $d: resolves outside the root" >&2; continue ;; esac
  find "$d" -type f -exec stat -c '%s %Y %n' {} +
done"#;

/// Prints at most `$3` bytes of regular file `$2` under root `$1`. Exit 3:
/// no root; exit 4: not a regular file (gone, or a symlink), or its real
/// path leaves the root.
const READ: &str = r#"cd "$1" 2>/dev/null || exit 3
root=$(pwd -P)
[ -f "$2" ] && [ ! -L "$2" ] || exit 4
real=$(realpath -- "$2") || exit 4
case "$real" in "$root"/*) ;; *) exit 4 ;; esac
exec head -c "$3" -- "$2""#;

/// A listing's output beyond this is refused (about 100,000 files).
pub const MAX_LISTING_BYTES: usize = 8 * 1024 * 1024;
const MAX_STDERR_BYTES: usize = 16 * 1024;

/// Why a command did not run to its end.
#[derive(Debug)]
enum ExecError {
    Timeout(Duration),
    /// Kubernetes refused the exec (RBAC): waiting will not help.
    Forbidden(String),
    Failed(String),
}

impl std::fmt::Display for ExecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExecError::Timeout(after) => write!(f, "exec timed out after {after:?}"),
            ExecError::Forbidden(reason) | ExecError::Failed(reason) => f.write_str(reason),
        }
    }
}

/// What one command did.
#[derive(Debug)]
struct Output {
    stdout: Vec<u8>,
    stderr: String,
    code: i32,
    /// stdout went over its cap; the command was stopped.
    over_cap: bool,
}

/// The files under `dirs` of `root` in `pod`.
pub async fn list(
    pods: &Api<Pod>,
    pod: &str,
    root: &str,
    dirs: &[String],
    timeout: Duration,
) -> Result<(Vec<RemoteFile>, Vec<(String, String)>), ListError> {
    let mut argv = vec!["sh".to_owned(), "-c".into(), LIST.into(), "wfm-list".into()];
    argv.push(root.to_owned());
    argv.extend(dirs.iter().map(|d| {
        if d.is_empty() {
            ".".to_owned()
        } else {
            format!("./{d}")
        }
    }));
    let out = match run(pods, pod, argv, MAX_LISTING_BYTES, timeout).await {
        Ok(out) => out,
        Err(ExecError::Forbidden(reason)) => {
            return Err(ListError::Refused(format!(
                "{reason} (the collector's service account needs create on pods/exec here; or use the node-exporter reader)"
            )));
        }
        Err(e) => return Err(ListError::Io(e.to_string())),
    };
    if out.over_cap {
        return Err(ListError::Refused(format!(
            "the listing of {root} is over {MAX_LISTING_BYTES} bytes; narrow the file patterns (placeholders like {{run_id}} keep each run to its own directory)"
        )));
    }
    match out.code {
        0 | 1 => {
            // Exit 1 is find's "some directory was unreadable": keep what it
            // found, and say what it could not read.
            let problems = out
                .stderr
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| ("(listing)".to_owned(), l.trim().to_owned()))
                .collect();
            Ok((parse_listing(&out.stdout), problems))
        }
        3 => Err(ListError::RootMissing(root.to_owned())),
        code => Err(ListError::Io(format!(
            "listing in the reader pod exited {code}: {}",
            out.stderr.trim()
        ))),
    }
}

/// `<size> <mtime> ./<path>` lines. A line that does not parse, or whose
/// path has an empty, `.` or `..` part, is dropped: a file name with a
/// newline cannot forge an entry that leads out of the root.
fn parse_listing(stdout: &[u8]) -> Vec<RemoteFile> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter_map(|line| {
            let (size, rest) = line.split_once(' ')?;
            let (mtime, path) = rest.split_once(' ')?;
            let path = path.strip_prefix("./")?;
            if path.split('/').any(|part| matches!(part, "" | "." | "..")) {
                return None;
            }
            Some(RemoteFile {
                path: path.to_owned(),
                size: size.parse().ok()?,
                modified: DateTime::from_timestamp(mtime.parse().ok()?, 0),
            })
        })
        .collect()
}

/// File `path` (relative to `root`), refused over `max_bytes`.
pub async fn read(
    pods: &Api<Pod>,
    pod: &str,
    root: &str,
    path: &str,
    max_bytes: u64,
    timeout: Duration,
) -> Result<Vec<u8>, ReadError> {
    let cap = usize::try_from(max_bytes).unwrap_or(usize::MAX);
    let argv = vec![
        "sh".to_owned(),
        "-c".into(),
        READ.into(),
        "wfm-read".into(),
        root.to_owned(),
        format!("./{path}"),
        (max_bytes.saturating_add(1)).to_string(),
    ];
    let out = match run(pods, pod, argv, cap, timeout).await {
        Err(ExecError::Timeout(after)) => return Err(ReadError::Timeout(after)),
        Err(ExecError::Forbidden(reason)) => {
            let kind = std::io::ErrorKind::PermissionDenied;
            return Err(ReadError::Io(std::io::Error::new(kind, reason)));
        }
        Err(ExecError::Failed(reason)) => {
            let kind = std::io::ErrorKind::ConnectionAborted;
            return Err(ReadError::Io(std::io::Error::new(kind, reason)));
        }
        Ok(out) => out,
    };
    match out.code {
        _ if out.over_cap => Err(ReadError::TooLarge {
            size: max_bytes + 1,
            limit: max_bytes,
        }),
        0 => Ok(out.stdout),
        3 | 4 => Err(ReadError::NotFound),
        code => Err(ReadError::Io(std::io::Error::other(format!(
            "read in the reader pod exited {code}: {}",
            out.stderr.trim()
        )))),
    }
}

/// Runs `argv` in the pod's reader container, keeping at most `cap` bytes of stdout.
async fn run(
    pods: &Api<Pod>,
    pod: &str,
    argv: Vec<String>,
    cap: usize,
    timeout: Duration,
) -> Result<Output, ExecError> {
    let params = AttachParams::default()
        .container(CONTAINER)
        .stdin(false)
        .stdout(true)
        .stderr(true);
    let work = async {
        let mut attached = match pods.exec(pod, argv, &params).await {
            Ok(attached) => attached,
            Err(e) if forbidden(&e) => {
                return Err(ExecError::Forbidden(format!("exec in {pod}: {e}")));
            }
            Err(e) => return Err(ExecError::Failed(format!("exec in {pod}: {e}"))),
        };
        let failed = |what: &str| ExecError::Failed(format!("exec in {pod} gave no {what}"));
        let mut stdout = attached.stdout().ok_or_else(|| failed("stdout"))?;
        let mut stderr = attached.stderr().ok_or_else(|| failed("stderr"))?;
        let status = attached.take_status().ok_or_else(|| failed("status"))?;
        let read_out = async {
            let mut out = Vec::new();
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = stdout
                    .read(&mut buf)
                    .await
                    .map_err(|e| ExecError::Failed(e.to_string()))?;
                if n == 0 {
                    return Ok::<_, ExecError>((out, false));
                }
                if out.len() + n > cap {
                    return Ok((out, true));
                }
                out.extend_from_slice(&buf[..n]);
            }
        };
        // stderr is drained to the end (a full pipe would stall the command), kept short.
        let read_err = async {
            let mut kept = Vec::new();
            let mut buf = vec![0u8; 8 * 1024];
            while let Ok(n) = stderr.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                let room = MAX_STDERR_BYTES.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
            }
            String::from_utf8_lossy(&kept).into_owned()
        };
        let ((stdout, over_cap), stderr) =
            match futures_util::future::select(Box::pin(read_out), Box::pin(read_err)).await {
                futures_util::future::Either::Left((out, err)) => {
                    let out = out?;
                    if out.1 {
                        // Over the cap: stop here; dropping the process ends the stream.
                        return Ok(Output {
                            stdout: out.0,
                            stderr: String::new(),
                            code: 0,
                            over_cap: true,
                        });
                    }
                    (out, err.await)
                }
                futures_util::future::Either::Right((err, out)) => (out.await?, err),
            };
        let code = match status.await {
            Some(s) if s.status.as_deref() == Some("Success") => 0,
            Some(s) => exit_code(&s).ok_or_else(|| {
                let message = s.message.as_deref().unwrap_or("no message");
                ExecError::Failed(format!("exec failed: {message}"))
            })?,
            None => {
                let reason = "the exec stream ended without an exit status".to_owned();
                return Err(ExecError::Failed(reason));
            }
        };
        let _ = attached.join().await;
        Ok::<_, ExecError>(Output {
            stdout,
            stderr,
            code,
            over_cap,
        })
    };
    match tokio::time::timeout(timeout, work).await {
        Err(_) => Err(ExecError::Timeout(timeout)),
        Ok(result) => result,
    }
}

/// Whether Kubernetes refused the call (authentication or RBAC).
fn forbidden(e: &kube::Error) -> bool {
    use kube::client::UpgradeConnectionError::ProtocolSwitch;
    match e {
        kube::Error::Api(status) => matches!(status.code, 401 | 403),
        kube::Error::UpgradeConnection(ProtocolSwitch(code)) => matches!(code.as_u16(), 401 | 403),
        _ => false,
    }
}

/// The exit code of a `NonZeroExitCode` status.
fn exit_code(status: &Status) -> Option<i32> {
    status
        .details
        .as_ref()?
        .causes
        .as_ref()?
        .iter()
        .find(|c| c.reason.as_deref() == Some("ExitCode"))?
        .message
        .as_deref()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_lines_parse_and_odd_ones_drop() {
        let out = b"12 1700000000 ./runs/1/a.json\n7 1700000001 ./with space.csv\ngarbage\n3 x ./bad-mtime\n\
                    5 1700000000 ./runs/1/../../etc/passwd\n5 1700000000 ./runs//x\n5 1700000000 /abs/path\n";
        let files = parse_listing(out);
        assert_eq!(files.len(), 2, "{files:?}");
        assert_eq!(files[0].path, "runs/1/a.json");
        assert_eq!(files[0].size, 12);
        assert_eq!(files[1].path, "with space.csv");
        assert_eq!(
            files[1].modified.map(|t| t.timestamp()),
            Some(1_700_000_001)
        );
    }
}
