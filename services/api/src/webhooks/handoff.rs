//! Events this process parsed when it received them, handed to its own
//! processor so a payload is parsed once: the processor takes a delivery's
//! event from here and reads and parses the stored payload only for
//! deliveries another replica received (or ones this process dropped when
//! the map filled up). Bounded, so a stalled processor cannot grow it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use wfm_github::Event;

/// Events held at most; past it, deliveries are read back from the database.
const CAPACITY: usize = 10_000;

/// Parsed events by delivery id.
#[derive(Debug, Default)]
pub struct ParsedEvents {
    events: Mutex<HashMap<String, Event>>,
    handed: AtomicU64,
    parsed: AtomicU64,
}

impl ParsedEvents {
    /// Keeps `event` of stored delivery `delivery` for the processor.
    pub fn put(&self, delivery: &str, event: Event) {
        let mut events = self.events.lock().unwrap_or_else(|e| e.into_inner());
        // Events another replica's processor applied are never taken here:
        // when full, start over (what was dropped is read back when needed).
        if events.len() >= CAPACITY {
            events.clear();
        }
        events.insert(delivery.to_owned(), event);
    }

    /// The event of `delivery`, if this process parsed it.
    pub fn take(&self, delivery: &str) -> Option<Event> {
        let taken = self
            .events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(delivery);
        if taken.is_some() {
            self.handed.fetch_add(1, Ordering::Relaxed);
        }
        taken
    }

    /// Counts a payload the processor had to read back and parse.
    pub fn count_parsed(&self) {
        self.parsed.fetch_add(1, Ordering::Relaxed);
    }

    /// `(handed over, parsed again)` since start.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.handed.load(Ordering::Relaxed),
            self.parsed.load(Ordering::Relaxed),
        )
    }
}
