//! A value computed at most once per period, for metrics read from the
//! database when Prometheus scrapes: one computation at a time (a burst of
//! scrapes reads the tables once), and the last value kept when one fails.

use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

pub struct Cached<T> {
    period: Duration,
    current: RwLock<Option<(Instant, Arc<T>)>>,
    computing: tokio::sync::Mutex<()>,
}

impl<T> std::fmt::Debug for Cached<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cached")
            .field("period", &self.period)
            .field("fresh", &self.fresh())
            .finish()
    }
}

impl<T> Cached<T> {
    /// Empty; values are fresh for `period`.
    pub fn new(period: Duration) -> Self {
        Self {
            period,
            current: RwLock::new(None),
            computing: tokio::sync::Mutex::new(()),
        }
    }

    /// The latest value, however old.
    pub fn get(&self) -> Option<Arc<T>> {
        let current = self.current.read().unwrap_or_else(|e| e.into_inner());
        current.as_ref().map(|(_, value)| value.clone())
    }

    /// Replaces the value, fresh from now.
    pub fn set(&self, value: T) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) =
            Some((Instant::now(), Arc::new(value)));
    }

    fn fresh(&self) -> bool {
        let current = self.current.read().unwrap_or_else(|e| e.into_inner());
        current
            .as_ref()
            .is_some_and(|(at, _)| at.elapsed() < self.period)
    }

    /// Computes the value again unless it is younger than the period; a
    /// caller that finds another computing waits for it and then uses its
    /// value. A failure keeps the last value and is returned.
    pub async fn refresh_if_stale<F, Fut, E>(&self, compute: F) -> Result<(), E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if self.fresh() {
            return Ok(());
        }
        let _one = self.computing.lock().await;
        if self.fresh() {
            return Ok(());
        }
        self.set(compute().await?);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn computes_once_per_period_and_keeps_the_last_value_on_failure() {
        let cache: Cached<u32> = Cached::new(Duration::from_secs(60));
        assert!(cache.get().is_none());
        let mut calls = 0;
        cache
            .refresh_if_stale(|| {
                calls += 1;
                async { Ok::<_, ()>(7) }
            })
            .await
            .expect("computed");
        cache
            .refresh_if_stale(|| {
                calls += 1;
                async { Ok::<_, ()>(8) }
            })
            .await
            .expect("fresh");
        assert_eq!((calls, cache.get().as_deref()), (1, Some(&7)));

        let stale: Cached<u32> = Cached::new(Duration::ZERO);
        stale.set(1);
        assert_eq!(
            stale
                .refresh_if_stale(|| async { Err::<u32, _>("down") })
                .await,
            Err("down")
        );
        assert_eq!(stale.get().as_deref(), Some(&1), "the last value stays");
    }
}
