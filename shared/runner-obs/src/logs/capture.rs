//! A log kept within a size cap while it streams in, and compressed. Past
//! the cap, the head (how the job was set up) and the tail (where it
//! failed) are worth more than the middle: a quarter of the cap keeps the
//! first lines, the rest the last, and a marker line says what was left out.

use std::collections::VecDeque;
use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

/// A log being received: at most `cap` bytes of it are held at any time.
#[derive(Debug)]
pub struct Capture {
    head_cap: usize,
    tail_cap: usize,
    head: Vec<u8>,
    tail: VecDeque<u8>,
    received: u64,
    /// The last byte left out before the tail: a tail after a line end
    /// starts with a whole line.
    before_tail: Option<u8>,
}

/// What was kept of a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captured {
    pub text: Vec<u8>,
    /// Bytes received.
    pub original: u64,
    /// Whether bytes were left out.
    pub truncated: bool,
}

impl Capture {
    pub fn new(cap: usize) -> Self {
        let head_cap = cap / 4;
        Self {
            head_cap,
            tail_cap: cap - head_cap,
            head: Vec::new(),
            tail: VecDeque::new(),
            received: 0,
            before_tail: None,
        }
    }

    pub fn push(&mut self, mut chunk: &[u8]) {
        self.received += chunk.len() as u64;
        let room = self.head_cap - self.head.len();
        if room > 0 {
            let n = room.min(chunk.len());
            self.head.extend_from_slice(&chunk[..n]);
            chunk = &chunk[n..];
        }
        if chunk.len() >= self.tail_cap {
            let cut = chunk.len() - self.tail_cap;
            self.before_tail = match cut {
                0 => self.tail.back().copied().or(self.before_tail),
                _ => Some(chunk[cut - 1]),
            };
            self.tail.clear();
            self.tail
                .extend(&chunk[chunk.len() - self.tail_cap..chunk.len()]);
            return;
        }
        let over = (self.tail.len() + chunk.len()).saturating_sub(self.tail_cap);
        if over > 0 {
            self.before_tail = Some(self.tail[over - 1]);
        }
        self.tail.drain(..over);
        self.tail.extend(chunk);
    }

    /// The log, or its head and tail cut at line ends around a marker line.
    pub fn finish(self) -> Captured {
        let kept = (self.head.len() + self.tail.len()) as u64;
        let mut head = self.head;
        let tail: Vec<u8> = self.tail.into();
        if kept == self.received {
            head.extend_from_slice(&tail);
            return Captured {
                text: head,
                original: self.received,
                truncated: false,
            };
        }
        // whole lines only: the head up to its last line end, the tail from
        // after its first
        let head_end = head.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        head.truncate(head_end);
        let tail_start = match self.before_tail {
            Some(b'\n') => 0,
            _ => tail
                .iter()
                .position(|&b| b == b'\n')
                .map_or(tail.len(), |i| i + 1),
        };
        let tail = &tail[tail_start..];
        let left_out = self.received - head.len() as u64 - tail.len() as u64;
        let marker = format!(
            "##[warning]wfm left out {left_out} of this log's {} bytes here (WFM_JOB_LOG_MAX_BYTES)\n",
            self.received
        );
        head.extend_from_slice(marker.as_bytes());
        head.extend_from_slice(tail);
        Captured {
            text: head,
            original: self.received,
            truncated: true,
        }
    }
}

pub fn compress(text: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(text.len() / 8), Compression::default());
    // writing to a Vec cannot fail
    encoder.write_all(text).expect("in-memory gzip");
    encoder.finish().expect("in-memory gzip")
}

/// The log `compressed` holds, refused past `limit` bytes (a stored log is
/// never larger than the cap it was stored under; this guards the reader).
pub fn decompress(compressed: &[u8], limit: u64) -> std::io::Result<Vec<u8>> {
    let mut text = Vec::new();
    GzDecoder::new(compressed)
        .take(limit + 1)
        .read_to_end(&mut text)?;
    if text.len() as u64 > limit {
        return Err(std::io::Error::other(format!(
            "the stored log is larger than {limit} bytes"
        )));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn captured(cap: usize, chunks: &[&[u8]]) -> Captured {
        let mut c = Capture::new(cap);
        for chunk in chunks {
            c.push(chunk);
        }
        c.finish()
    }

    #[test]
    fn a_log_within_the_cap_is_kept_whole_however_it_arrives() {
        let log = b"line 1\nline 2\nline 3\n";
        for split in 0..log.len() {
            let (a, b) = log.split_at(split);
            let got = captured(log.len(), &[a, b]);
            assert_eq!(got.text, log, "split at {split}");
            assert!(!got.truncated);
            assert_eq!(got.original, log.len() as u64);
        }
    }

    #[test]
    fn a_larger_log_keeps_whole_lines_of_its_head_and_tail() {
        let lines: Vec<String> = (0..1000).map(|i| format!("line {i:04}\n")).collect();
        let log = lines.concat();
        // every chunking gives the same result
        for chunk in [1, 7, 100, 4096, log.len()] {
            let chunks: Vec<&[u8]> = log.as_bytes().chunks(chunk).collect();
            let got = captured(400, &chunks);
            let text = String::from_utf8(got.text).unwrap();
            assert!(got.truncated);
            assert_eq!(got.original, log.len() as u64);
            assert!(text.len() <= 400 + 100, "{}", text.len());
            assert!(text.starts_with("line 0000\n"));
            assert!(text.ends_with("line 0999\n"));
            let marker = text
                .lines()
                .find(|l| l.starts_with("##[warning]wfm left out"))
                .unwrap();
            let kept: Vec<&str> = text.lines().filter(|l| l.starts_with("line ")).collect();
            assert!(kept.iter().all(|l| l.len() == 9), "cut lines: {kept:?}");
            let left_out: u64 = marker.split(' ').nth(3).unwrap().parse().unwrap();
            assert_eq!(left_out, log.len() as u64 - 10 * kept.len() as u64);
            // the tail keeps every whole line that fits: 300 bytes, 30 lines
            let tail = text.split_once(marker).unwrap().1;
            assert_eq!(
                tail.lines().filter(|l| !l.is_empty()).count(),
                30,
                "chunks of {chunk}"
            );
        }
    }

    #[test]
    fn compression_round_trips_and_the_reader_is_bounded() {
        let log = "2026-12-05T10:00:00.0000000Z hello\n".repeat(1000);
        let packed = compress(log.as_bytes());
        assert!(packed.len() * 10 < log.len());
        assert_eq!(
            decompress(&packed, log.len() as u64).unwrap(),
            log.as_bytes()
        );
        assert!(decompress(&packed, 100).is_err());
        assert!(decompress(b"not gzip", 100).is_err());
    }
}
