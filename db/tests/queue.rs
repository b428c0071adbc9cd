//! The run queue against a real PostgreSQL: claiming order and exclusivity,
//! guarded transitions, leases, backoff, reaping, requeue.

use std::time::Duration;

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use wfm_db::RunStatus;
use wfm_db::models::{Config, NewRun, Run};
use wfm_db::queue::{self, Backoff, Completion};
use wfm_db::schema::github_workflow_runs as runs;
use wfm_testing::TestDb;

const LEASE: Duration = Duration::from_secs(60);

async fn config(conn: &mut AsyncPgConnection) -> Config {
    wfm_testing::repo_config(conn, serde_json::json!(["*.csv"])).await
}

fn new_run(config_id: i64, uid: &str) -> NewRun {
    NewRun {
        config_id,
        workload_uid: uid.into(),
        ..NewRun::default()
    }
}

/// The claim token a run was claimed under.
fn token(run: &Run) -> String {
    run.claimed_by.clone().expect("a claimed run")
}

async fn get(conn: &mut AsyncPgConnection, id: i64) -> Run {
    runs::table
        .find(id)
        .select(Run::as_select())
        .first(conn)
        .await
        .expect("run")
}

#[tokio::test]
async fn enqueue_is_idempotent_per_workload() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    let c = config(&mut conn).await;
    let first = queue::enqueue(&mut conn, &new_run(c.id, "uid-1"))
        .await
        .expect("insert");
    assert!(first.is_some_and(|r| r.status == RunStatus::Pending));
    let again = queue::enqueue(&mut conn, &new_run(c.id, "uid-1"))
        .await
        .expect("no error");
    assert!(again.is_none(), "the same workload is one run");
}

#[tokio::test]
async fn claims_by_priority_then_age_and_never_twice() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    let c = config(&mut conn).await;
    let backfill = NewRun {
        priority: Some(10),
        ..new_run(c.id, "old-backfill")
    };
    let backfill = queue::enqueue(&mut conn, &backfill)
        .await
        .expect("insert")
        .expect("new");
    let a = queue::enqueue(&mut conn, &new_run(c.id, "a"))
        .await
        .expect("insert")
        .expect("new");
    let later = queue::enqueue(&mut conn, &new_run(c.id, "later"))
        .await
        .expect("insert")
        .expect("new");
    diesel::update(runs::table.find(later.id))
        .set(runs::next_attempt_at.eq(chrono::Utc::now() + chrono::Duration::minutes(10)))
        .execute(&mut conn)
        .await
        .expect("delay");

    let first = queue::claim(&mut conn, "w1", 1, LEASE)
        .await
        .expect("claim");
    assert_eq!(
        first.iter().map(|r| r.id).collect::<Vec<_>>(),
        [a.id],
        "real time before backfill"
    );
    assert_eq!(first[0].status, RunStatus::Collecting);
    assert!(token(&first[0]).starts_with("w1:"), "a claim token of w1");
    let rest = queue::claim(&mut conn, "w2", 10, LEASE)
        .await
        .expect("claim");
    assert_eq!(
        rest.iter().map(|r| r.id).collect::<Vec<_>>(),
        [backfill.id],
        "the delayed run waits"
    );
    assert!(
        queue::claim(&mut conn, "w3", 10, LEASE)
            .await
            .expect("claim")
            .is_empty()
    );
}

#[tokio::test]
async fn concurrent_claims_split_the_work() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    let c = config(&mut conn).await;
    for i in 0..200 {
        queue::enqueue(&mut conn, &new_run(c.id, &format!("uid-{i}")))
            .await
            .expect("insert");
    }
    let workers = (0..4).map(|w| {
        let pool = db.pool().clone();
        tokio::spawn(async move {
            let mut conn = pool.get().await.expect("conn");
            let mut mine = Vec::new();
            loop {
                let got = queue::claim(&mut conn, &format!("w{w}"), 7, LEASE)
                    .await
                    .expect("claim");
                if got.is_empty() {
                    return mine;
                }
                mine.extend(got.into_iter().map(|r| r.id));
            }
        })
    });
    let mut all: Vec<i64> = Vec::new();
    for worker in workers {
        all.extend(worker.await.expect("worker"));
    }
    let claimed = all.len();
    all.sort_unstable();
    all.dedup();
    assert_eq!(
        (claimed, all.len()),
        (200, 200),
        "every run claimed exactly once"
    );
}

#[tokio::test]
async fn transitions_need_the_claim_and_the_expected_status() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    let c = config(&mut conn).await;
    queue::enqueue(&mut conn, &new_run(c.id, "u"))
        .await
        .expect("insert");
    let run = queue::claim(&mut conn, "w1", 1, LEASE)
        .await
        .expect("claim")
        .remove(0);
    let me = token(&run);
    let (collecting, extracting) = (RunStatus::Collecting, RunStatus::Extracting);
    let advance = async |conn: &mut AsyncPgConnection, claim: &str, from, to| {
        queue::advance(conn, run.id, claim, from, to, 3)
            .await
            .expect("advance")
    };
    assert!(
        !advance(&mut conn, "w2:x", collecting, extracting).await,
        "not w2's"
    );
    assert!(
        !advance(&mut conn, "w1", collecting, extracting).await,
        "the worker name is not the claim"
    );
    assert!(
        !advance(&mut conn, &me, extracting, RunStatus::Completed).await,
        "wrong status"
    );
    assert!(
        queue::renew_lease(&mut conn, run.id, &me, LEASE)
            .await
            .expect("renew")
    );
    assert!(
        !queue::renew_lease(&mut conn, run.id, "w2:x", LEASE)
            .await
            .expect("renew")
    );
    let done = Completion {
        files_processed: 2,
        metrics_count: 40,
        error_message: None,
        ..Default::default()
    };
    assert!(
        !queue::complete(&mut conn, run.id, &me, &done)
            .await
            .expect("q"),
        "still collecting"
    );
    assert!(advance(&mut conn, &me, collecting, extracting).await);
    assert!(
        queue::complete(&mut conn, run.id, &me, &done)
            .await
            .expect("q")
    );
    let run = get(&mut conn, run.id).await;
    assert_eq!(
        (run.status, run.files_found, run.metrics_count),
        (RunStatus::Completed, 3, 40)
    );
    assert!(run.claimed_by.is_none() && run.collection_completed_at.is_some());
    assert!(
        !queue::complete(&mut conn, run.id, &me, &done)
            .await
            .expect("q"),
        "only once"
    );
}

#[tokio::test]
async fn transient_failures_back_off_then_fail_with_the_last_error() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    let c = config(&mut conn).await;
    let new = NewRun {
        max_retries: Some(2),
        ..new_run(c.id, "flaky")
    };
    let id = queue::enqueue(&mut conn, &new)
        .await
        .expect("insert")
        .expect("new")
        .id;
    let backoff = Backoff {
        base: Duration::from_secs(2),
        cap: Duration::from_secs(3600),
    };
    for attempt in 0..3 {
        // Make the run due now rather than sleeping through its backoff.
        diesel::update(runs::table.find(id))
            .set(runs::next_attempt_at.eq(chrono::Utc::now()))
            .execute(&mut conn)
            .await
            .expect("due");
        let claimed = queue::claim(&mut conn, "w", 1, LEASE)
            .await
            .expect("claim")
            .remove(0);
        assert_eq!(claimed.id, id);
        let status = queue::retry_later(
            &mut conn,
            id,
            &token(&claimed),
            &format!("timeout {attempt}"),
            backoff,
        )
        .await
        .expect("retry")
        .expect("held the claim");
        let run = get(&mut conn, id).await;
        if attempt < 2 {
            assert_eq!(status, RunStatus::Pending);
            let wait = (run.next_attempt_at - chrono::Utc::now()).num_milliseconds();
            let expected = 2000 * (1 << attempt);
            assert!(
                (expected - 1500..=expected).contains(&wait),
                "attempt {attempt}: waits {wait} ms"
            );
            assert!(
                queue::claim(&mut conn, "w", 1, LEASE)
                    .await
                    .expect("claim")
                    .is_empty(),
                "not before next_attempt_at"
            );
        } else {
            assert_eq!(status, RunStatus::Failed);
            assert_eq!(run.error_message.as_deref(), Some("timeout 2"));
            assert_eq!(run.retry_count, 3);
        }
    }
}

#[tokio::test]
async fn backoff_is_capped() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    let c = config(&mut conn).await;
    let new = NewRun {
        max_retries: Some(50),
        ..new_run(c.id, "x")
    };
    let id = queue::enqueue(&mut conn, &new)
        .await
        .expect("insert")
        .expect("new")
        .id;
    diesel::update(runs::table.find(id))
        .set(runs::retry_count.eq(40))
        .execute(&mut conn)
        .await
        .expect("set");
    let claimed = queue::claim(&mut conn, "w", 1, LEASE)
        .await
        .expect("claim")
        .remove(0);
    let backoff = Backoff {
        base: Duration::from_secs(30),
        cap: Duration::from_secs(120),
    };
    queue::retry_later(&mut conn, id, &token(&claimed), "e", backoff)
        .await
        .expect("retry");
    let wait = (get(&mut conn, id).await.next_attempt_at - chrono::Utc::now()).num_seconds();
    assert!((110..=120).contains(&wait), "capped at 120 s, got {wait}");
}

#[tokio::test]
async fn expired_leases_are_reaped_and_the_old_claim_is_locked_out() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    let c = config(&mut conn).await;
    queue::enqueue(&mut conn, &new_run(c.id, "u"))
        .await
        .expect("insert");
    let run = queue::claim(&mut conn, "w", 1, Duration::from_secs(2))
        .await
        .expect("claim")
        .remove(0);
    let stale = token(&run);
    let no_wait = Backoff {
        base: Duration::ZERO,
        cap: Duration::ZERO,
    };
    assert_eq!(
        queue::reap(&mut conn, no_wait).await.expect("reap"),
        0,
        "lease still valid"
    );
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(queue::reap(&mut conn, no_wait).await.expect("reap"), 1);
    let reaped = get(&mut conn, run.id).await;
    assert_eq!((reaped.status, reaped.retry_count), (RunStatus::Pending, 1));
    assert_eq!(
        reaped.error_message,
        Some(format!("lease of {stale} expired while it was collecting"))
    );
    // The same worker claims it again: its old task's claim must not work.
    let again = queue::claim(&mut conn, "w", 1, LEASE).await.expect("claim");
    assert_eq!(again.len(), 1);
    assert_ne!(token(&again[0]), stale, "a new claim, a new token");
    let (collecting, extracting) = (RunStatus::Collecting, RunStatus::Extracting);
    assert!(
        !queue::advance(&mut conn, run.id, &stale, collecting, extracting, 1)
            .await
            .expect("q")
    );
    assert!(
        !queue::renew_lease(&mut conn, run.id, &stale, LEASE)
            .await
            .expect("q")
    );
    assert!(
        queue::renew_lease(&mut conn, run.id, &token(&again[0]), LEASE)
            .await
            .expect("q")
    );
}

#[tokio::test]
async fn reaped_runs_wait_out_the_backoff() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    let c = config(&mut conn).await;
    queue::enqueue(&mut conn, &new_run(c.id, "u"))
        .await
        .expect("insert");
    let run = queue::claim(&mut conn, "w", 1, LEASE)
        .await
        .expect("claim")
        .remove(0);
    diesel::update(runs::table.find(run.id))
        .set(runs::lease_expires_at.eq(chrono::Utc::now() - chrono::Duration::seconds(1)))
        .execute(&mut conn)
        .await
        .expect("expire");
    let backoff = Backoff {
        base: Duration::from_secs(60),
        cap: Duration::from_secs(3600),
    };
    assert_eq!(queue::reap(&mut conn, backoff).await.expect("reap"), 1);
    assert!(
        queue::claim(&mut conn, "w", 1, LEASE)
            .await
            .expect("claim")
            .is_empty(),
        "a crashing run is not retried at once"
    );
    // a collector with nothing to claim learns when to look again
    let due_in = queue::next_due_in(&mut conn)
        .await
        .expect("next due")
        .expect("one pending");
    assert!(
        due_in > Duration::from_secs(55) && due_in <= Duration::from_secs(60),
        "{due_in:?}"
    );
}

#[tokio::test]
async fn next_due_is_none_without_pending_runs_and_zero_for_a_due_one() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    assert_eq!(queue::next_due_in(&mut conn).await.expect("query"), None);
    let c = config(&mut conn).await;
    queue::enqueue(&mut conn, &new_run(c.id, "u"))
        .await
        .expect("insert");
    assert_eq!(
        queue::next_due_in(&mut conn).await.expect("query"),
        Some(Duration::ZERO)
    );
}

#[tokio::test]
async fn skip_fail_release_and_requeue() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    let c = config(&mut conn).await;
    for uid in ["a", "b", "c"] {
        queue::enqueue(&mut conn, &new_run(c.id, uid))
            .await
            .expect("insert");
    }
    let claimed = queue::claim(&mut conn, "w", 3, LEASE).await.expect("claim");
    let [a, b, c_run] = [&claimed[0], &claimed[1], &claimed[2]];
    assert!(
        queue::finish(
            &mut conn,
            a.id,
            &token(a),
            RunStatus::Skipped,
            "root missing"
        )
        .await
        .expect("q")
    );
    assert!(
        queue::finish(&mut conn, b.id, &token(b), RunStatus::Failed, "bad pattern")
            .await
            .expect("q")
    );
    assert!(
        queue::release(&mut conn, c_run.id, &token(c_run))
            .await
            .expect("q")
    );
    let released = get(&mut conn, c_run.id).await;
    assert_eq!(
        (released.status, released.retry_count),
        (RunStatus::Pending, 0)
    );
    assert_eq!(
        get(&mut conn, a.id).await.error_message.as_deref(),
        Some("root missing")
    );
    assert_eq!(
        queue::requeue(&mut conn, RunStatus::Failed, Some(c.id))
            .await
            .expect("q"),
        1
    );
    assert_eq!(
        queue::requeue(&mut conn, RunStatus::Pending, None)
            .await
            .expect("q"),
        0,
        "only finished runs"
    );
    assert_eq!(get(&mut conn, b.id).await.status, RunStatus::Pending);
}

#[tokio::test]
async fn release_all_hands_back_every_claim_of_one_worker_only() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    let c = config(&mut conn).await;
    for uid in ["a", "b", "c"] {
        queue::enqueue(&mut conn, &new_run(c.id, uid))
            .await
            .expect("insert");
    }
    queue::claim(&mut conn, "w", 2, LEASE).await.expect("claim");
    queue::claim(&mut conn, "w2", 1, LEASE)
        .await
        .expect("claim");
    assert_eq!(
        queue::release_all(&mut conn, "w").await.expect("release"),
        2,
        "not w2's run"
    );
}
