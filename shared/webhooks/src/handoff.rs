//! Events this process parsed when it received them, handed to its own
//! processor so a payload is parsed once: the processor takes a delivery's
//! event from here and reads and parses the stored payload only for
//! deliveries another replica received, or ones dropped from here.
//!
//! An event that another replica's processor applied is never taken: entries
//! older than [`MAX_AGE`] are dropped (the own processor takes its events
//! within a poll interval), and the map is bounded, so neither a stalled
//! processor nor many replicas can grow it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use prometheus_client::metrics::counter::Counter;
use wfm_github::Event;

/// Events held at most.
const CAPACITY: usize = 10_000;
/// How long an event waits for this process's processor.
const MAX_AGE: Duration = Duration::from_secs(60);

/// Parsed events by delivery id.
#[derive(Debug, Default)]
pub struct ParsedEvents {
    events: Mutex<HashMap<String, (Instant, Event)>>,
    /// `wfm_webhook_payloads_handed_over_total`: events the processor took from here.
    pub handed: Counter,
    /// `wfm_webhook_payloads_parsed_again_total`: payloads it read back and parsed.
    pub parsed: Counter,
}

impl ParsedEvents {
    /// Keeps `event` of stored delivery `delivery` for the processor.
    pub fn put(&self, delivery: &str, event: Event) {
        let now = Instant::now();
        let mut events = self.events.lock().unwrap_or_else(|e| e.into_inner());
        if events.len() >= CAPACITY {
            events.retain(|_, (at, _)| now.duration_since(*at) < MAX_AGE);
            if events.len() >= CAPACITY {
                // the processor is far behind: it reads these back when it gets there
                return;
            }
        }
        events.insert(delivery.to_owned(), (now, event));
    }

    /// The event of `delivery`, if this process parsed it.
    pub fn take(&self, delivery: &str) -> Option<Event> {
        let taken = self
            .events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(delivery)
            .map(|(_, event)| event);
        if taken.is_some() {
            self.handed.inc();
        }
        taken
    }

    /// Counts a payload the processor had to read back and parse.
    pub fn count_parsed(&self) {
        self.parsed.inc();
    }

    /// `(handed over, parsed again)` since start: how often the handoff served.
    pub fn counts(&self) -> (u64, u64) {
        (self.handed.get(), self.parsed.get())
    }

    /// Events waiting.
    pub fn len(&self) -> usize {
        self.events.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
