//! The watches: one kube-runtime watcher per ARC kind (per namespace when a
//! list is configured), each feeding `record`.
//!
//! The watcher lists, then watches from the list's resourceVersion, and
//! relists by itself when the watch expires (410 Gone) or breaks. A relist
//! is where missed deletions show: a live row that the complete list did
//! not return is ended (`record::vanish`). A database error does not drop
//! the event: it is written again until it succeeds or the scanner stops,
//! while the watch waits.

use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use kube::Api;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use serde::de::DeserializeOwned;
use tokio_util::sync::CancellationToken;
use wfm_db::WorkloadKind;

use crate::Scanner;
use crate::lifecycle::{Observed, Seen};
use crate::record;

/// How an object of kind `K` becomes a row.
pub type Observe<K> = fn(&K, Seen, DateTime<Utc>) -> Option<Observed>;

/// Watches `api` until `shutdown`.
pub async fn watch<K>(
    scanner: Arc<Scanner>,
    api: Api<K>,
    kind: WorkloadKind,
    namespace: Option<String>,
    observe: Observe<K>,
    shutdown: CancellationToken,
) where
    K: kube::Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + 'static,
{
    let stream = watcher::watcher(api, watcher::Config::default()).default_backoff();
    let mut stream = std::pin::pin!(stream);
    let scope: Option<Vec<String>> = namespace.clone().map(|ns| vec![ns]);
    let mut listed: Vec<String> = Vec::new();
    let mut listed_since: Option<DateTime<Utc>> = None;
    loop {
        let event = tokio::select! {
            () = shutdown.cancelled() => return,
            event = stream.next() => match event {
                Some(event) => event,
                None => return,
            },
        };
        let event = match event {
            Ok(event) => event,
            Err(e) => {
                scanner.metrics.watch_errors.inc();
                tracing::warn!(kind = kind.as_str(), namespace = ?namespace, error = %e, "watch error; the watcher retries with backoff");
                continue;
            }
        };
        match event {
            Event::Init => {
                listed.clear();
                listed_since = scanner.db_now(&shutdown).await;
            }
            Event::InitApply(obj) => {
                if let Some(uid) = obj.meta().uid.clone() {
                    listed.push(uid);
                }
                scanner
                    .observe(kind, &obj, Seen::Present, observe, &shutdown)
                    .await;
            }
            Event::InitDone => {
                if let Some(since) = listed_since.take() {
                    scanner
                        .vanish(kind, scope.as_deref(), &listed, since, &shutdown)
                        .await;
                }
                listed = Vec::new();
            }
            Event::Apply(obj) => {
                scanner
                    .observe(kind, &obj, Seen::Present, observe, &shutdown)
                    .await;
            }
            Event::Delete(obj) => {
                scanner
                    .observe(kind, &obj, Seen::Deleted, observe, &shutdown)
                    .await;
            }
        }
    }
}

impl Scanner {
    /// Records one object, trying again while the database fails.
    async fn observe<K>(
        &self,
        kind: WorkloadKind,
        obj: &K,
        seen: Seen,
        observe: Observe<K>,
        stop: &CancellationToken,
    ) {
        self.retrying(stop, "record", || async {
            let now = Utc::now();
            let Some(observed) = observe(obj, seen, now) else {
                return Ok(());
            };
            let mut conn = self.pool.get().await?;
            let (row, filed) = record::observe(&mut conn, &self.cluster, &observed, now).await?;
            self.metrics.events.inc();
            self.metrics.enqueued.inc_by(filed as u64);
            if filed > 0 {
                tracing::info!(kind = kind.as_str(), uid = %row.uid, runs = filed, "job finished: runs enqueued");
            }
            Ok(())
        })
        .await;
    }

    async fn vanish(
        &self,
        kind: WorkloadKind,
        scope: Option<&[String]>,
        listed: &[String],
        since: DateTime<Utc>,
        stop: &CancellationToken,
    ) {
        self.retrying(stop, "relist", || async {
            let mut conn = self.pool.get().await?;
            let (ended, filed) =
                record::vanish(&mut conn, &self.cluster, kind, scope, listed, since).await?;
            self.metrics.vanished.inc_by(ended as u64);
            self.metrics.enqueued.inc_by(filed as u64);
            if ended > 0 {
                tracing::info!(
                    kind = kind.as_str(),
                    ended,
                    runs = filed,
                    "relist: ended workloads that went away unseen"
                );
            }
            Ok(())
        })
        .await;
    }

    /// The database's clock (rows' `first_seen_at` are on it).
    async fn db_now(&self, stop: &CancellationToken) -> Option<DateTime<Utc>> {
        self.retrying(stop, "clock", || async {
            use diesel_async::RunQueryDsl;
            let mut conn = self.pool.get().await?;
            let now = diesel::select(diesel::dsl::sql::<diesel::sql_types::Timestamptz>("now()"))
                .get_result::<DateTime<Utc>>(&mut conn)
                .await?;
            Ok(now)
        })
        .await
    }

    /// Runs `write` until it succeeds (its value) or the scanner stops
    /// (`None`), backing off to 5 s while the database is away or busy. An
    /// error the database gave for this write itself (a constraint, a bad
    /// value) will not go away: after three tries the event is dropped and
    /// counted (`wfm_scanner_events_dropped_total`), so one bad object never
    /// stalls the watch; the next relist or periodic scan sees it again.
    async fn retrying<T, F, Fut>(
        &self,
        stop: &CancellationToken,
        what: &str,
        mut write: F,
    ) -> Option<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = anyhow::Result<T>>,
    {
        let mut wait = Duration::from_millis(100);
        let mut refused = 0;
        loop {
            match write().await {
                Ok(value) => return Some(value),
                Err(e) if refused_by_database(&e) => {
                    refused += 1;
                    self.metrics.db_errors.inc();
                    if refused >= 3 {
                        self.metrics.events_dropped.inc();
                        tracing::error!(what, error = %format!("{e:#}"), "the database refused this write three times; dropping the event");
                        return None;
                    }
                }
                Err(e) => {
                    self.metrics.db_errors.inc();
                    tracing::warn!(what, error = %format!("{e:#}"), "database write failed; trying again in {wait:?}");
                }
            }
            tokio::select! {
                () = stop.cancelled() => return None,
                () = tokio::time::sleep(wait) => {}
            }
            wait = (wait * 2).min(Duration::from_secs(5));
        }
    }
}

/// Whether the database answered with an error about the write itself (not
/// a lost connection, a serialization failure or a deadlock, which pass).
fn refused_by_database(e: &anyhow::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match e.downcast_ref::<Error>() {
        Some(Error::DatabaseError(kind, info)) => {
            let passing = matches!(
                kind,
                DatabaseErrorKind::SerializationFailure | DatabaseErrorKind::ClosedConnection
            ) || info.message().contains("deadlock");
            !passing
        }
        _ => false,
    }
}
