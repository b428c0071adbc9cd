//! Reading a file a user names (a settings file, a result file, a schema)
//! without waiting forever on a FIFO or reading a device: the file is opened
//! non-blocking and its type checked on the open handle (no window for a
//! swap between a check and the open), and at most `limit` + 1 bytes are read.

use std::fs::{File, FileType};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadFileError {
    #[error("cannot open: {0}")]
    Open(std::io::Error),
    #[error("not a regular file ({0})")]
    NotRegular(&'static str),
    #[error("file is {size} bytes, over the {limit}-byte limit")]
    TooLarge { size: u64, limit: u64 },
    #[error("cannot read: {0}")]
    Read(std::io::Error),
}

/// The bytes of regular file `path`, at most `limit`.
pub fn read_regular_file(path: impl AsRef<Path>, limit: u64) -> Result<Vec<u8>, ReadFileError> {
    let file = File::options()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(ReadFileError::Open)?;
    let meta = file.metadata().map_err(ReadFileError::Open)?;
    if !meta.file_type().is_file() {
        return Err(ReadFileError::NotRegular(kind(meta.file_type())));
    }
    if meta.len() > limit {
        return Err(ReadFileError::TooLarge {
            size: meta.len(),
            limit,
        });
    }
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadFileError::Read)?;
    if bytes.len() as u64 > limit {
        return Err(ReadFileError::TooLarge {
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

fn kind(kind: FileType) -> &'static str {
    if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else {
        "something else"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_files_only_within_the_limit() {
        let dir = std::env::temp_dir().join(format!("wfm-env-read-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("a.txt");
        std::fs::write(&file, "hello").unwrap();
        assert_eq!(read_regular_file(&file, 5).unwrap(), b"hello");
        assert!(matches!(
            read_regular_file(&file, 4),
            Err(ReadFileError::TooLarge { size: 5, limit: 4 })
        ));
        assert!(matches!(
            read_regular_file(&dir, 10),
            Err(ReadFileError::NotRegular("a directory"))
        ));
        let fifo = dir.join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        // returns at once, no writer needed
        assert!(matches!(
            read_regular_file(&fifo, 10),
            Err(ReadFileError::NotRegular("a FIFO"))
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
