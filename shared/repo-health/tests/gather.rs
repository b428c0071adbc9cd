//! Gathering through a fake GitHub that pages its lists with Link headers:
//! the metrics come out as those of the same data handed over directly,
//! each commit's stats are fetched once, and a rate limit comes back with
//! GitHub's wait instead of a loop, and a second collection asks
//! conditionally (ETags) and is told nothing changed.

mod common;

use std::time::Duration;

use common::fake::{Fake, start};
use common::{BRANCHES, T, at, snapshot};
use wfm_github::rest::{Credentials, GithubClient, RestError};
use wfm_repo_health::{CommitCache, compute, gather};

#[tokio::test]
async fn gathered_through_pages_the_metrics_are_those_of_the_data() {
    let fake = Fake::default();
    let base = start(fake.clone()).await;
    let client = GithubClient::new(
        &base,
        Credentials::Token("t".into()),
        Duration::from_secs(5),
    )
    .expect("client");
    let mut cache = CommitCache::default();
    let gathered = gather(&client, "o", "r", at(T), &mut cache)
        .await
        .expect("gathered");
    assert!(gathered.complete);
    assert_eq!(gathered.snapshot.branches, BRANCHES);
    let direct = compute(&snapshot(), at(T));
    let through = compute(&gathered.snapshot, at(T));
    assert_eq!(
        through.values, direct.values,
        "the same numbers as the data handed over"
    );
    assert_eq!(
        through.get("code.lines_added_7d"),
        Some(16.0),
        "code stats are not 0"
    );
    // five distinct commits in the window (the fake lists one from before
    // it, as a server ignoring `since` would: its stats are not fetched),
    // each detail fetched once; a second collection fetches none again
    assert_eq!(cache.len(), 5);
    assert!(
        !fake
            .detail_calls
            .lock()
            .expect("lock")
            .contains_key("o/r@e")
    );
    let first_calls = gathered.calls;
    // the next collection, 15 minutes on
    let later = at(T) + chrono::Duration::minutes(15);
    let again = gather(&client, "o", "r", later, &mut cache)
        .await
        .expect("again");
    assert_eq!(again.repository, "o/r");
    assert_eq!(again.calls, first_calls - 5);
    assert!(
        fake.detail_calls
            .lock()
            .expect("lock")
            .values()
            .all(|&n| n == 1)
    );
    // what is asked again was asked conditionally: GitHub said 304 (no rate
    // limit spent) for the repository, the pull requests, the branches and
    // the newest run on main, and the kept answers gave the same numbers;
    // the lists of a time window are new URLs, asked afresh
    let pulls_pages = fake.pull_pages();
    assert!(pulls_pages >= 2, "{pulls_pages}");
    assert_eq!(client.not_modified(), 3 + pulls_pages as u64 / 2);
    assert_eq!(compute(&again.snapshot, at(T)).values, direct.values);
}

#[tokio::test]
async fn a_rate_limit_comes_back_with_githubs_wait() {
    let fake = Fake::default();
    *fake.rate_limited.lock().expect("lock") = true;
    let base = start(fake).await;
    let client =
        GithubClient::new(&base, Credentials::Anonymous, Duration::from_secs(5)).expect("client");
    let mut cache = CommitCache::default();
    match gather(&client, "o", "r", at(T), &mut cache).await {
        Err(RestError::RateLimited { retry_after }) => {
            assert!(
                (100..=121).contains(&retry_after.as_secs()),
                "{retry_after:?}"
            );
        }
        other => panic!("expected a rate limit, got {other:?}"),
    }
}
