//! Job logs through the API: a completed job's webhook queues its log once
//! (a job that never got a runner, or was skipped, has none); the log is
//! served by step, byte range and search, with its state before it is
//! fetched; bad requests are refused with the parameter named.

mod common;

use common::github::{apply_all, count, deliver, fixture, job_payload, signed_api};
use serde_json::json;

const DONE: &str = "workflow_job/completed.success.with-organization.payload.json";
const JOB: i64 = 289_782_451;

/// The fixture job's log as GitHub writes it: steps 2 and 3 start in the
/// same second; step 4 reports an error.
const LOG: &str = "\u{feff}2021-08-05T10:26:08.1000000Z Current runner version: '2.278.0'\n\
    2021-08-05T10:26:10.9000000Z Prepare all required actions\n\
    2021-08-05T10:26:11.2000000Z ##[group]Run actions/checkout@v2\n\
    2021-08-05T10:26:11.5000000Z Syncing repository: Codertocat/Hello-World\n\
    2021-08-05T10:26:11.8000000Z ##[group]Run ruby/setup-ruby@v1\n\
    2021-08-05T10:26:14.0000000Z Installed ruby 3.0 ✓\n\
    2021-08-05T10:26:15.1000000Z ##[group]Run bundle exec rubocop\n\
    2021-08-05T10:26:20.0000000Z ##[error]Rubocop found 3 offenses\n\
    2021-08-05T10:26:21.1000000Z ##[group]Run bundle exec brakeman\n\
    2021-08-05T10:26:25.1000000Z ##[group]Run bundle audit\n\
    2021-08-05T10:26:26.0000000Z Post job cleanup.\n";

#[tokio::test]
async fn a_completed_job_queues_its_log_once_and_it_is_served_by_step_range_and_search() {
    let api = signed_api().await;
    let mut n = 0;
    let mut send = async |body: Vec<u8>| {
        n += 1;
        assert_eq!(
            deliver(&api, "workflow_job", &format!("d-{n}"), body)
                .await
                .0,
            200
        );
    };
    send(fixture("workflow_job/queued.payload.json")).await;
    send(fixture(DONE)).await;
    send(fixture(DONE)).await; // redelivered
    // completed without ever getting a runner; skipped
    send(job_payload(DONE, json!({"id": 9, "runner_name": null}))).await;
    send(job_payload(
        DONE,
        json!({"id": 10, "conclusion": "skipped"}),
    ))
    .await;
    apply_all(&api).await;
    assert_eq!(
        count(&api, "SELECT count(*) AS n FROM github_job_logs").await,
        1
    );
    assert_eq!(
        count(
            &api,
            &format!("SELECT count(*) AS n FROM github_job_logs WHERE github_job_id = {JOB} AND state = 'pending' AND repository = 'Codertocat/Hello-World'")
        )
        .await,
        1
    );

    // before a collector fetched it
    let pending = api.get(&format!("actions/jobs/{JOB}/logs")).await.data();
    assert_eq!(pending["state"], "pending");
    assert!(pending["text"].is_null() && pending["steps"] == json!([]));
    assert_eq!(
        api.get("actions/jobs/9/logs").await.error().0,
        4040,
        "no log queued"
    );
    assert_eq!(
        api.get("actions/jobs/12345/logs").await.error().0,
        4040,
        "no job"
    );

    let mut conn = api.conn().await;
    wfm_runner_obs::logs::store_text(&mut conn, JOB, "Codertocat/Hello-World", LOG.as_bytes())
        .await
        .expect("stored");
    let whole = api.get(&format!("actions/jobs/{JOB}/logs")).await.data();
    assert_eq!(whole["state"], "stored");
    assert_eq!(whole["text"], LOG);
    assert_eq!(
        (whole["start"].as_u64(), whole["end"].as_u64()),
        (Some(0), Some(LOG.len() as u64))
    );
    assert_eq!(whole["size"], LOG.len());
    assert_eq!(whole["truncated"], false);
    let steps = whole["steps"].as_array().expect("steps");
    let numbers: Vec<i64> = steps
        .iter()
        .map(|s| s["number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [1, 2, 3, 4, 5, 6, 12, 13]);
    let part = |number: i64| {
        let s = steps.iter().find(|s| s["number"] == number).unwrap();
        &LOG[s["start"].as_u64().unwrap() as usize..s["end"].as_u64().unwrap() as usize]
    };
    assert!(part(1).ends_with("Prepare all required actions\n"));
    assert!(
        part(2).contains("checkout") && !part(2).contains("setup-ruby"),
        "{}",
        part(2)
    );
    assert!(part(3).contains("setup-ruby") && part(3).contains("✓"));
    assert!(part(4).contains("##[error]Rubocop"));

    // one step, and a range of it
    let step = api
        .get(&format!("actions/jobs/{JOB}/logs?step=4"))
        .await
        .data();
    assert_eq!(step["text"], part(4));
    let from = LOG.find("##[group]Run bundle exec rubocop").unwrap() - 29;
    assert_eq!(step["start"], from);
    assert_eq!(step["first_line"], 7);
    let range = api
        .get(&format!("actions/jobs/{JOB}/logs?step=4&start=29&length=9"))
        .await
        .data();
    assert_eq!(range["text"], "##[group]");
    assert_eq!(range["start"], from + 29);
    // a range never splits a character: "✓" is 3 bytes
    let tick = LOG.find('✓').unwrap();
    let cut = api
        .get(&format!(
            "actions/jobs/{JOB}/logs?start={}&length=2",
            tick + 1
        ))
        .await
        .data();
    assert_eq!(cut["text"], "");
    // past the end: empty, not an error
    let past = api
        .get(&format!("actions/jobs/{JOB}/logs?start=999999"))
        .await
        .data();
    assert_eq!(past["text"], "");

    // search, whole and within a step
    let found = api
        .get(&format!("actions/jobs/{JOB}/logs?q=RUN%20BUNDLE"))
        .await
        .data();
    assert_eq!(found["match_count"], 3);
    assert!(found["text"].is_null());
    assert_eq!(found["matches"][0]["line"], 7);
    assert_eq!(
        found["matches"][0]["text"],
        "2021-08-05T10:26:15.1000000Z ##[group]Run bundle exec rubocop"
    );
    let in_step = api
        .get(&format!("actions/jobs/{JOB}/logs?step=5&q=bundle"))
        .await
        .data();
    assert_eq!(in_step["match_count"], 1);
    assert_eq!(in_step["matches"][0]["line"], 9);

    // refused, the parameter named
    for (query, word) in [
        ("step=0", "step"),
        ("step=x", "step"),
        ("start=-1", "start"),
        ("length=0", "length"),
        ("length=8388609", "length"),
    ] {
        let (code, message) = api
            .get(&format!("actions/jobs/{JOB}/logs?{query}"))
            .await
            .error();
        assert_eq!(code, 4000, "{query}");
        assert!(message.contains(word), "{query}: {message}");
    }
    let (code, message) = api
        .get(&format!("actions/jobs/{JOB}/logs?step=7"))
        .await
        .error();
    assert_eq!(
        (code, message.contains("no step 7")),
        (4040, true),
        "{message}"
    );
}

#[tokio::test]
async fn a_log_fetched_past_the_cap_is_served_with_its_head_tail_and_marker() {
    use actix_web::{HttpRequest, HttpResponse, web};
    use wfm_github::rest::{Credentials, GithubClient};
    use wfm_runner_obs::logs::{Settings, fetch, store::LogStore};

    let api = signed_api().await;
    assert_eq!(
        deliver(&api, "workflow_job", "d-1", fixture(DONE)).await.0,
        200
    );
    apply_all(&api).await;
    // the Rubocop step (10:26:15–21) prints 20,000 lines
    let brakeman = LOG.find("2021-08-05T10:26:21.1000000Z").expect("step 5");
    let mut big = String::from(&LOG[..brakeman]);
    for i in 0..20_000 {
        big.push_str(&format!("2021-08-05T10:26:16.0000000Z offense {i:05}\n"));
    }
    big.push_str(&LOG[brakeman..]);
    big.push_str("2021-08-05T10:26:26.5000000Z Cleaning up orphan processes\n");
    let served = big.clone();
    let github = wfm_testing::serve(move |cfg| {
        let body = served.clone();
        cfg.route(
            "/repos/{owner}/{repo}/actions/jobs/{id}/logs",
            web::get().to(|req: HttpRequest| async move {
                let host = req.connection_info().host().to_owned();
                HttpResponse::Found()
                    .insert_header(("location", format!("http://{host}/signed/log")))
                    .finish()
            }),
        )
        .route(
            "/signed/log",
            web::get().to(move || {
                let body = body.clone();
                async move { HttpResponse::Ok().body(body) }
            }),
        );
    });
    let client = GithubClient::new(
        &github,
        Credentials::Token("t".into()),
        std::time::Duration::from_secs(10),
    )
    .expect("a client");
    let settings = Settings {
        max_bytes: 64 << 10,
        ..Settings::default()
    };
    let pass = fetch::fetch_due(
        api.db.pool(),
        &client,
        &LogStore::Postgres,
        "w",
        &settings,
        10,
    )
    .await
    .expect("a pass");
    assert_eq!(pass.stored, 1, "{pass:?}");

    let whole = api
        .get(&format!("actions/jobs/{JOB}/logs?length=8388608"))
        .await
        .data();
    assert_eq!(
        (whole["state"].as_str(), whole["truncated"].as_bool()),
        (Some("stored"), Some(true))
    );
    assert_eq!(whole["original_size"], big.len());
    let text = whole["text"].as_str().expect("text");
    assert!(text.starts_with(&LOG[..brakeman]), "the head is kept");
    assert!(
        text.ends_with("Cleaning up orphan processes\n"),
        "the tail is kept"
    );
    assert!(text.len() <= (64 << 10) + 200, "{}", text.len());
    let marker = api
        .get(&format!("actions/jobs/{JOB}/logs?q=left%20out"))
        .await
        .data();
    assert_eq!(marker["match_count"], 1);
    // the kept lines of step 4 and the tail's steps are still told apart
    let step4 = api
        .get(&format!("actions/jobs/{JOB}/logs?step=4&q=offense"))
        .await
        .data();
    assert!(
        step4["match_count"].as_u64().unwrap_or(0) > 1_000,
        "{}",
        step4["match_count"]
    );
    let last = api
        .get(&format!("actions/jobs/{JOB}/logs?step=13"))
        .await
        .data();
    assert_eq!(
        last["text"],
        "2021-08-05T10:26:26.5000000Z Cleaning up orphan processes\n"
    );
}
