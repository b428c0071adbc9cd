//! The claim loop. It claims as many runs as it has free slots
//! (`WFM_COLLECTOR_CONCURRENCY`), processes each in its own task under a
//! lease it renews every third of the lease, and sleeps until a NOTIFY, a
//! freed slot, the next pending run's due time (a retry's backoff) or the
//! poll interval. A reaper returns runs whose lease
//! expired (a crashed collector) to the queue. On shutdown it stops
//! claiming, gives in-flight runs `WFM_COLLECTOR_SHUTDOWN_GRACE` to finish,
//! then hands back the rest.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use wfm_db::models::Run;
use wfm_db::queue;

use crate::{Collector, Outcome};

/// Runs the collector until `shutdown` is cancelled.
pub async fn run(collector: Arc<Collector>, shutdown: CancellationToken) -> anyhow::Result<()> {
    let wake = Arc::new(Notify::new());
    let freed = Arc::new(Notify::new());
    let background = CancellationToken::new();
    tokio::spawn(wfm_db::notify::wake_on(
        collector.db.clone(),
        wfm_db::notify::RUNS_PENDING,
        wake.clone(),
        background.clone(),
    ));
    tokio::spawn(reap_loop(collector.clone(), background.clone()));
    if collector.notifier.is_some() {
        tokio::spawn(notify_loop(collector.clone(), background.clone()));
    }
    tokio::spawn(crate::repo_health::collect_loop(
        collector.clone(),
        background.clone(),
    ));
    tokio::spawn(crate::job_logs::fetch_loop(
        collector.clone(),
        background.clone(),
    ));
    tokio::spawn(crate::pods::reap_loop(
        collector.clone(),
        background.clone(),
    ));
    let slots = Arc::new(Semaphore::new(collector.config.concurrency));
    let mut tasks = JoinSet::new();
    while !shutdown.is_cancelled() {
        let free = slots.available_permits();
        let mut full_batch = false;
        // known only after a claim; with every slot busy a freed slot wakes us
        let mut next_due: Option<Duration> = None;
        if free > 0 {
            match claim(&collector, free).await {
                Ok((runs, due_in)) => {
                    next_due = due_in;
                    full_batch = runs.len() == free;
                    for run in runs {
                        let Ok(permit) = slots.clone().acquire_owned().await else {
                            break;
                        };
                        tasks.spawn(one_run(collector.clone(), run, permit, freed.clone()));
                    }
                }
                Err(e) => {
                    tracing::warn!(
                        error = format!("{e:#}"),
                        "claiming failed; trying again shortly"
                    );
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_secs(1)) => {}
                        () = shutdown.cancelled() => break,
                    }
                    continue;
                }
            }
        }
        while tasks.try_join_next().is_some() {}
        if full_batch && slots.available_permits() > 0 {
            continue; // there may be more waiting
        }
        tokio::select! {
            () = wake.notified() => {}
            () = freed.notified() => {}
            () = tokio::time::sleep(idle_for(collector.config.poll_interval, next_due)) => {}
            () = shutdown.cancelled() => break,
        }
    }
    background.cancel();
    drain(&collector, tasks).await;
    Ok(())
}

/// Claims up to `limit` due runs; when fewer came, also how long until the
/// next pending run comes due.
async fn claim(
    collector: &Collector,
    limit: usize,
) -> anyhow::Result<(Vec<Run>, Option<Duration>)> {
    let mut conn = collector.pool.get().await?;
    let wanted = i64::try_from(limit).unwrap_or(i64::MAX);
    let runs = queue::claim(&mut conn, &collector.worker, wanted, collector.config.lease).await?;
    let due_in = if runs.len() < limit {
        queue::next_due_in(&mut conn).await?
    } else {
        None
    };
    Ok((runs, due_in))
}

/// How long an idle loop sleeps (a NOTIFY or a freed slot wakes it sooner):
/// the poll interval, or until the next pending run comes due — a retry then
/// waits its backoff, not its backoff plus a poll interval. At least 250 ms
/// (or the poll interval, if shorter): a due run another collector is
/// claiming right now still looks pending.
fn idle_for(poll_interval: Duration, next_due: Option<Duration>) -> Duration {
    const FLOOR: Duration = Duration::from_millis(250);
    next_due.map_or(poll_interval, |due| {
        due.clamp(FLOOR.min(poll_interval), poll_interval)
    })
}

async fn one_run(
    collector: Arc<Collector>,
    run: Run,
    permit: OwnedSemaphorePermit,
    freed: Arc<Notify>,
) {
    let started = Instant::now();
    collector.metrics.claimed.inc();
    let lag = (chrono::Utc::now() - run.created_at)
        .num_milliseconds()
        .max(0) as f64
        / 1000.0;
    collector.metrics.queue_lag_seconds.observe(lag);
    let heartbeat = AbortOnDrop(tokio::spawn(heartbeat(
        collector.clone(),
        run.id,
        crate::claim_of(&run).to_owned(),
    )));
    let deadline = collector.config.run_timeout;
    let outcome = match tokio::time::timeout(deadline, collector.process(&run)).await {
        Ok(outcome) => outcome,
        // A hung mount or an endless listing must not hold the run forever.
        Err(_) => Outcome::Retry(format!(
            "run took longer than {deadline:?} (WFM_COLLECTOR_RUN_TIMEOUT)"
        )),
    };
    drop(heartbeat);
    if let Err(e) = collector.settle(&run, &outcome).await {
        // The lease runs out and the reaper puts the run back.
        tracing::error!(
            run = run.id,
            error = format!("{e:#}"),
            "cannot record the run's outcome"
        );
    }
    collector
        .metrics
        .run_seconds
        .observe(started.elapsed().as_secs_f64());
    drop(permit);
    freed.notify_one();
}

/// Aborts the heartbeat when the run's task ends, however it ends.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Renews the run's lease every third of it while the run is processed.
async fn heartbeat(collector: Arc<Collector>, run_id: i64, claim: String) {
    let lease = collector.config.lease;
    loop {
        tokio::time::sleep(lease / 3).await;
        let renewed = match collector.pool.get().await {
            Ok(mut conn) => queue::renew_lease(&mut conn, run_id, &claim, lease).await,
            Err(e) => {
                tracing::warn!(run = run_id, error = %e, "cannot renew the lease");
                continue;
            }
        };
        match renewed {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(run = run_id, "lease lost; the run's writes will be refused");
                return;
            }
            Err(e) => tracing::warn!(run = run_id, error = %e, "cannot renew the lease"),
        }
    }
}

async fn reap_loop(collector: Arc<Collector>, stop: CancellationToken) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(collector.config.reap_interval) => {}
            () = stop.cancelled() => return,
        }
        let reaped = match collector.pool.get().await {
            Ok(mut conn) => queue::reap(&mut conn, collector.config.backoff)
                .await
                .map_err(anyhow::Error::from),
            Err(e) => Err(e.into()),
        };
        match reaped {
            Ok(0) => {}
            Ok(n) => {
                collector.metrics.reaped.inc_by(n as u64);
                tracing::info!(runs = n, "returned runs with expired leases to the queue");
            }
            Err(e) => tracing::warn!(error = format!("{e:#}"), "reaping failed"),
        }
        // hours a store queued but whose refresh did not happen (a crash, a
        // failed refresh): any collector catches them up
        let refreshed = match collector.pool.get().await {
            Ok(mut conn) => wfm_db::rollups::refresh_queued(&mut conn, None)
                .await
                .map_err(anyhow::Error::from),
            Err(e) => Err(e.into()),
        };
        match refreshed {
            Ok(0) => {}
            Ok(n) => tracing::info!(hours = n, "refreshed the rollups of queued hours"),
            Err(e) => tracing::warn!(error = format!("{e:#}"), "refreshing queued rollups failed"),
        }
        // runs whose series were not examined after their store
        let examined = match collector.pool.get().await {
            Ok(mut conn) => {
                wfm_change_tracking::queue::examine_all(&mut conn, &collector.config.changes, 10)
                    .await
                    .map_err(anyhow::Error::from)
            }
            Err(e) => Err(e.into()),
        };
        match examined {
            Ok(v) if v.runs == 0 => {}
            Ok(v) => tracing::info!(
                runs = v.runs,
                filed = v.filed,
                "examined queued runs for changes"
            ),
            Err(e) => tracing::warn!(
                error = format!("{e:#}"),
                "examining queued runs for changes failed"
            ),
        }
    }
}

/// Delivers the notifications filed changes owe, every poll interval, in
/// batches until none is due.
async fn notify_loop(collector: Arc<Collector>, stop: CancellationToken) {
    let Some(notifier) = collector.notifier.as_ref() else {
        return;
    };
    const BATCH: usize = 20;
    loop {
        tokio::select! {
            () = tokio::time::sleep(notifier.settings().poll_interval) => {}
            () = stop.cancelled() => return,
        }
        loop {
            let round = notifier.deliver_due(&collector.pool, BATCH).await;
            match round {
                Ok(done) => {
                    if done.sent + done.retrying + done.failed > 0 {
                        tracing::info!(
                            sent = done.sent,
                            retrying = done.retrying,
                            failed = done.failed,
                            "change notifications"
                        );
                    }
                    if done.sent + done.retrying + done.failed < BATCH {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!(
                        error = format!("{e:#}"),
                        "delivering change notifications failed"
                    );
                    break;
                }
            }
        }
    }
}

/// Shutdown: in-flight runs get the grace period, then are handed back.
async fn drain(collector: &Collector, mut tasks: JoinSet<()>) {
    if tasks.is_empty() {
        return;
    }
    tracing::info!(in_flight = tasks.len(), "finishing in-flight runs");
    let grace = tokio::time::sleep(collector.config.shutdown_grace);
    tokio::pin!(grace);
    loop {
        tokio::select! {
            next = tasks.join_next() => if next.is_none() { return },
            () = &mut grace => break,
        }
    }
    tasks.abort_all();
    while tasks.join_next().await.is_some() {}
    match collector.pool.get().await {
        Ok(mut conn) => match queue::release_all(&mut conn, &collector.worker).await {
            Ok(n) => {
                collector.metrics.released.inc_by(n as u64);
                tracing::info!(runs = n, "handed unfinished runs back to the queue");
            }
            Err(e) => tracing::warn!(error = %e, "cannot hand runs back; their leases will expire"),
        },
        Err(e) => tracing::warn!(error = %e, "cannot hand runs back; their leases will expire"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_sleep_ends_when_the_next_run_comes_due() {
        let poll = Duration::from_secs(30);
        assert_eq!(
            idle_for(poll, None),
            poll,
            "nothing pending: the poll interval"
        );
        let soon = Duration::from_secs(2);
        assert_eq!(idle_for(poll, Some(soon)), soon, "a retry due in 2 s");
        assert_eq!(idle_for(poll, Some(Duration::from_secs(600))), poll);
        // due now but another collector is claiming it: do not spin
        assert_eq!(
            idle_for(poll, Some(Duration::ZERO)),
            Duration::from_millis(250)
        );
        let fast = Duration::from_millis(10);
        assert_eq!(
            idle_for(fast, Some(Duration::ZERO)),
            fast,
            "never past the poll interval"
        );
    }
}
