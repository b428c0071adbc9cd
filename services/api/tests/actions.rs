//! Runner observability's navigation over GitHub's own webhook payloads:
//! organizations → repositories → runs → jobs with their steps, counted
//! against the fixtures; a run known only from its jobs is put together
//! from them; a late event never takes steps away.

mod common;

use common::github::{apply_all, deliver, fixture, job_payload, signed_api};
use serde_json::{Value, json};

const DONE: &str = "workflow_job/completed.success.with-organization.payload.json";

fn payload(file: &str) -> Value {
    serde_json::from_slice(&fixture(file)).expect("JSON")
}

fn seconds(job: &Value, from: &str, to: &str) -> f64 {
    let t = |f: &str| {
        chrono::DateTime::parse_from_rfc3339(job[f].as_str().expect(f)).expect("RFC 3339")
    };
    (t(to) - t(from)).num_milliseconds() as f64 / 1000.0
}

#[tokio::test]
async fn organizations_repositories_runs_and_jobs_with_steps() {
    let api = signed_api().await;
    let mut n = 0;
    let mut send = async |event: &str, body: Vec<u8>| {
        n += 1;
        assert_eq!(deliver(&api, event, &format!("d-{n}"), body).await.0, 200);
    };
    for file in [
        "workflow_job/queued.payload.json",
        "workflow_job/in_progress.payload.json",
        DONE,
        "workflow_job/in_progress.with-queued-steps.payload.json",
        "workflow_job/waiting.payload.json",
    ] {
        send("workflow_job", fixture(file)).await;
    }
    // a second job of the Hello-World run, which failed
    send(
        "workflow_job",
        job_payload(
            "workflow_job/completed.failure.with-organization.payload.json",
            json!({"id": 7, "name": "bench"}),
        ),
    )
    .await;
    for file in [
        "workflow_run/requested.payload.json",
        "workflow_run/completed.payload.json",
    ] {
        send("workflow_run", fixture(file)).await;
    }
    apply_all(&api).await;
    // the in-progress event again, late, and the completed one again without
    // steps (a redelivery trimmed by a proxy, say): neither takes a step away
    send(
        "workflow_job",
        fixture("workflow_job/in_progress.payload.json"),
    )
    .await;
    send("workflow_job", job_payload(DONE, json!({"steps": []}))).await;
    apply_all(&api).await;

    let orgs = api.get("actions/organizations").await.data();
    let owners: Vec<&str> = orgs["organizations"]
        .as_array()
        .expect("list")
        .iter()
        .map(|o| o["owner"].as_str().expect("owner"))
        .collect();
    let mut sorted = owners.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, ["Codertocat", "lineville", "octo-org", "wolfy1339"]);
    let coder = &orgs["organizations"]
        .as_array()
        .expect("list")
        .iter()
        .find(|o| o["owner"] == "Codertocat")
        .expect("Codertocat")
        .clone();
    assert_eq!(
        (
            coder["repositories"].clone(),
            coder["runs"].clone(),
            coder["failed_runs"].clone()
        ),
        (json!(1), json!(1), json!(1))
    );

    // any case finds the organization
    let repos = api
        .get("actions/organizations/codertocat/repositories")
        .await
        .data();
    let repos = repos["repositories"].as_array().expect("list");
    assert_eq!(repos.len(), 1);
    assert_eq!(repos[0]["repository"], "Codertocat/Hello-World");
    assert_eq!(repos[0]["jobs"], 2);

    // the Hello-World run had no workflow_run event: put together from its jobs
    let runs = api
        .get("actions/repositories/Codertocat/Hello-World/runs")
        .await;
    let body = runs.json();
    assert_eq!(body["data"]["total"], 1);
    let run = &body["data"]["runs"][0];
    let done = payload(DONE);
    assert_eq!(run["github_run_id"], done["workflow_job"]["run_id"]);
    assert_eq!(run["status"], "completed");
    assert_eq!(run["conclusion"], "failure", "a job failed");
    assert_eq!(run["workflow_name"], "CodeQL");
    assert_eq!(
        (run["jobs"].clone(), run["failed_jobs"].clone()),
        (json!(2), json!(1))
    );
    // the octo-org run is the workflow_run event's
    let octo = api
        .get("actions/repositories/octo-org/octo-repo/runs")
        .await
        .data();
    let completed = payload("workflow_run/completed.payload.json");
    assert_eq!(
        octo["runs"][0]["github_run_id"],
        completed["workflow_run"]["id"]
    );
    assert_eq!(octo["runs"][0]["conclusion"], "success");
    assert_eq!(octo["runs"][0]["jobs"], 0);
    // filters
    let none = api
        .get("actions/repositories/Codertocat/Hello-World/runs?conclusion=success")
        .await
        .data();
    assert_eq!(none["total"], 0);
    let page = api
        .get("actions/repositories/Codertocat/Hello-World/runs?offset=5")
        .await
        .data();
    assert_eq!(
        (
            page["total"].clone(),
            page["runs"].as_array().expect("runs").len()
        ),
        (json!(1), 0)
    );

    let run_id = done["workflow_job"]["run_id"].as_i64().expect("run id");
    let jobs = api
        .get(&format!(
            "actions/repositories/Codertocat/Hello-World/runs/{run_id}/jobs"
        ))
        .await
        .data();
    let jobs = jobs["jobs"].as_array().expect("jobs");
    assert_eq!(jobs.len(), 2);
    let job_id = done["workflow_job"]["id"].as_i64().expect("job id");
    let linters = jobs
        .iter()
        .find(|j| j["github_job_id"] == job_id)
        .expect("the fixture's job");
    let want_steps = done["workflow_job"]["steps"].as_array().expect("steps");
    assert_eq!(
        linters["steps"].as_array().expect("steps").len(),
        want_steps.len()
    );
    assert_eq!(linters["steps"][0]["name"], want_steps[0]["name"]);
    assert_eq!(linters["labels"], done["workflow_job"]["labels"]);

    let one = api.get(&format!("actions/jobs/{job_id}")).await.data();
    assert_eq!(one["steps"], linters["steps"]);
    assert_eq!(one["runner_name"], done["workflow_job"]["runner_name"]);
    assert_eq!(
        one["duration_seconds"].as_f64(),
        Some(seconds(&done["workflow_job"], "started_at", "completed_at"))
    );
    assert_eq!(
        one["queued_seconds"].as_f64(),
        Some(seconds(&done["workflow_job"], "created_at", "started_at"))
    );

    // what is not there, and what is not an input
    for path in [
        "actions/organizations/nobody/repositories".to_owned(),
        "actions/jobs/1".to_owned(),
        format!("actions/repositories/octo-org/octo-repo/runs/{run_id}/jobs"),
    ] {
        assert_eq!(api.get(&path).await.error().0, 4040, "{path}");
    }
    for path in [
        format!("actions/repositories/Codertocat/Hello-World/runs/{run_id}/jobs?attempt=0"),
        "actions/jobs/abc".to_owned(),
        "actions/repositories/Codertocat/Hello-World/runs?status=%00".to_owned(),
    ] {
        assert_eq!(api.get(&path).await.error().0, 4000, "{path}");
    }
}

#[derive(Debug)]
struct Seen {
    state: String,
    repositories: Vec<String>,
}

async fn installations(api: &common::TestApi) -> std::collections::BTreeMap<i64, Seen> {
    let data = api.get("actions/installations").await.data();
    data["installations"]
        .as_array()
        .expect("list")
        .iter()
        .map(|i| {
            let repos = i["repositories"]
                .as_array()
                .expect("repositories")
                .iter()
                .map(|r| r["full_name"].as_str().expect("name").to_owned())
                .collect();
            (
                i["installation_id"].as_i64().expect("id"),
                Seen {
                    state: i["state"].as_str().expect("state").to_owned(),
                    repositories: repos,
                },
            )
        })
        .collect()
}

#[tokio::test]
async fn installation_events_are_applied_once_in_order() {
    let api = signed_api().await;
    let created = payload("installation/created.payload.json");
    let id = created["installation"]["id"].as_i64().expect("id");
    let mut n = 0;
    let mut send = async |event: &str, file: &str| {
        n += 1;
        assert_eq!(
            deliver(&api, event, &format!("i-{n}"), fixture(file))
                .await
                .0,
            200
        );
    };
    send("installation", "installation/created.payload.json").await;
    send(
        "installation_repositories",
        "installation_repositories/added.payload.json",
    )
    .await;
    send("installation", "installation/suspend.payload.json").await;
    // Space removed and added again before the batch is applied: in the
    // order they arrived, it stays; the other way round it would be gone
    send(
        "installation_repositories",
        "installation_repositories/removed.payload.json",
    )
    .await;
    send(
        "installation_repositories",
        "installation_repositories/added.payload.json",
    )
    .await;
    apply_all(&api).await;
    let seen = installations(&api).await;
    assert_eq!(seen[&id].state, "active");
    assert_eq!(
        seen[&id].repositories,
        ["Codertocat/Hello-World", "Codertocat/Space"]
    );
    let suspended = payload("installation/suspend.payload.json")["installation"]["id"]
        .as_i64()
        .expect("id");
    assert_eq!(seen[&suspended].state, "suspended");

    // the same delivery again is a duplicate; the same event in a new
    // delivery, applied again, changes nothing
    for delivery in ["i-2", "i-again"] {
        let body = fixture("installation_repositories/added.payload.json");
        assert_eq!(
            deliver(&api, "installation_repositories", delivery, body)
                .await
                .0,
            200
        );
    }
    apply_all(&api).await;
    assert_eq!(installations(&api).await[&id].repositories.len(), 2);

    send("installation", "installation/unsuspend.payload.json").await;
    send(
        "installation_repositories",
        "installation_repositories/removed.payload.json",
    )
    .await;
    apply_all(&api).await;
    let seen = installations(&api).await;
    assert_eq!(seen[&suspended].state, "active");
    assert_eq!(seen[&id].repositories, ["Codertocat/Hello-World"]);

    send("installation", "installation/deleted.payload.json").await;
    apply_all(&api).await;
    let seen = installations(&api).await;
    assert_eq!(seen[&id].state, "deleted");
    assert!(seen[&id].repositories.is_empty());
}

/// An api whose webhooks are signed and whose API needs tokens: `r` reads,
/// `a` administers, `s` only posts samples.
async fn tokened_api() -> common::TestApi {
    use wfm_api::webhooks::{WebhookConfig, Webhooks};
    common::TestApi::with_state(|state| {
        state.webhooks = Webhooks::new(
            WebhookConfig {
                secrets: wfm_github::WebhookSecrets::new([common::github::SECRET]),
                ..WebhookConfig::default()
            },
            state.pool.clone(),
        );
        state.tokens = wfm_api::auth::Tokens::new(vec!["r".into()], vec!["a".into()])
            .with_samples(vec!["s".into()]);
    })
    .await
}

#[tokio::test]
async fn a_job_posts_its_runner_samples_and_its_page_reads_them() {
    let api = tokened_api().await;
    assert_eq!(
        deliver(&api, "workflow_job", "j-1", fixture(DONE)).await.0,
        200
    );
    apply_all(&api).await;
    let done = payload(DONE);
    let job = &done["workflow_job"];
    let started = chrono::DateTime::parse_from_rfc3339(job["started_at"].as_str().expect("t"))
        .expect("time")
        .with_timezone(&chrono::Utc);
    let at = |s: i64| (started + chrono::Duration::seconds(s)).to_rfc3339();
    let batch = json!({
        "repository": done["repository"]["full_name"],
        "run_id": job["run_id"],
        "run_attempt": job["run_attempt"],
        "runner_name": job["runner_name"],
        "samples": [
            {"t": at(0), "cpu_percent": 20.0, "memory_used_bytes": 1_000, "memory_total_bytes": 4_000},
            {"t": at(5), "cpu_percent": 90.0, "memory_used_bytes": 3_000, "memory_total_bytes": 4_000,
             "extra": {"disk_used_bytes": 12.0}},
            {"t": at(10), "cpu_percent": 40.0, "memory_used_bytes": 2_000, "memory_total_bytes": 4_000},
        ],
    })
    .to_string();
    let post = |token: Option<&'static str>, body: String| {
        let api = &api;
        async move {
            api.send(
                reqwest::Method::POST,
                "actions/runner-metrics",
                Some(&body),
                token,
            )
            .await
        }
    };
    // only a sample or admin token posts; a sample token reads nothing
    assert_eq!(post(None, batch.clone()).await.error().0, 4010);
    assert_eq!(post(Some("r"), batch.clone()).await.error().0, 4030);
    let stored = post(Some("s"), batch.clone()).await;
    assert_eq!(stored.status, 201, "{}", stored.text);
    assert_eq!(stored.data()["stored"], 3);
    // posted again (a retried step): nothing twice
    assert_eq!(post(Some("a"), batch.clone()).await.data()["stored"], 0);
    let job_id = job["id"].as_i64().expect("id");
    let path = format!("actions/jobs/{job_id}/resources");
    assert_eq!(
        api.send(reqwest::Method::GET, &path, None, Some("s"))
            .await
            .error()
            .0,
        4030
    );

    let read = api
        .send(reqwest::Method::GET, &path, None, Some("r"))
        .await
        .data();
    let samples = read["samples"].as_array().expect("samples");
    assert_eq!(samples.len(), 3);
    assert_eq!(samples[1]["extra"]["disk_used_bytes"], 12.0);
    let summary = &read["summary"];
    assert_eq!(summary["cpu_max_percent"], 90.0);
    assert_eq!(summary["cpu_mean_percent"], 50.0);
    assert_eq!(summary["memory_max_used_bytes"], 3_000);
    assert_eq!(summary["memory_max_fraction"], 0.75);

    // refused whole: nothing of a bad batch is stored
    let mut bad: Value = serde_json::from_str(&batch).expect("JSON");
    bad["samples"][0]["t"] = json!(at(20));
    bad["samples"][1]["cpu_percent"] = json!(250.0);
    let (code, message) = post(Some("s"), bad.to_string()).await.error();
    assert_eq!(code, 4000);
    assert!(message.contains("cpu_percent"), "{message}");
    for (field, value) in [
        ("repository", json!("not a repository")),
        ("samples", json!([])),
        ("runner_name", json!("")),
    ] {
        let mut bad: Value = serde_json::from_str(&batch).expect("JSON");
        bad[field] = value;
        assert_eq!(
            post(Some("s"), bad.to_string()).await.error().0,
            4000,
            "{field}"
        );
    }
    let read = api
        .send(reqwest::Method::GET, &path, None, Some("r"))
        .await
        .data();
    assert_eq!(read["samples"].as_array().expect("samples").len(), 3);
    assert_eq!(
        api.send(
            reqwest::Method::GET,
            "actions/jobs/1/resources",
            None,
            Some("r")
        )
        .await
        .error()
        .0,
        4040
    );
}

#[tokio::test]
async fn a_failed_job_is_analyzed_without_an_llm_and_the_analysis_kept() {
    let api = tokened_api().await;
    // the failure fixture, queued ten minutes before it started
    let failure = "workflow_job/completed.failure.with-organization.payload.json";
    let body = job_payload(failure, json!({"created_at": "2021-08-05T10:24:58Z"}));
    assert_eq!(deliver(&api, "workflow_job", "f-1", body).await.0, 200);
    apply_all(&api).await;
    let job = payload(failure)["workflow_job"].clone();
    let id = job["id"].as_i64().expect("id");
    // its runner busy and full
    let samples: Vec<Value> = (0..4)
        .map(|i| {
            json!({"t": format!("2021-08-05T10:35:0{i}Z"), "cpu_percent": 97.0,
                   "memory_used_bytes": 3_900, "memory_total_bytes": 4_000})
        })
        .collect();
    let batch = json!({"repository": "Codertocat/Hello-World", "run_id": job["run_id"],
        "runner_name": job["runner_name"], "samples": samples});
    let posted = api
        .send(
            reqwest::Method::POST,
            "actions/runner-metrics",
            Some(&batch.to_string()),
            Some("s"),
        )
        .await;
    assert_eq!(posted.status, 201, "{}", posted.text);

    let path = format!("actions/jobs/{id}/analyze");
    assert_eq!(
        api.send(reqwest::Method::POST, &path, Some("{}"), Some("r"))
            .await
            .error()
            .0,
        4030,
        "analyzing is a write"
    );
    let made = api
        .send(reqwest::Method::POST, &path, Some("{}"), Some("a"))
        .await;
    assert_eq!(made.status, 201, "{}", made.text);
    let analysis = made.data();
    assert_eq!(analysis["kind"], "deterministic");
    let findings = analysis["findings"].as_array().expect("findings");
    let kinds: Vec<&str> = findings
        .iter()
        .map(|f| f["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(kinds[0], "failed_step", "{kinds:?}");
    assert_eq!(findings[0]["step"], 8);
    assert_eq!(findings[0]["severity"], "error");
    for kind in [
        "queue_time",
        "cpu_saturation",
        "memory_pressure",
        "slow_step",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    let slowest = findings
        .iter()
        .find(|f| f["kind"] == "slow_step")
        .expect("slow");
    assert_eq!(slowest["step"], 6, "yarn install: 10 s");
    let md = analysis["markdown"].as_str().expect("markdown");
    assert!(md.contains("“Run yarn run format-check” failed"), "{md}");
    assert!(md.contains("waited 10 min 0 s for a runner"), "{md}");

    let kept = api
        .send(
            reqwest::Method::GET,
            &format!("actions/jobs/{id}/analyses"),
            None,
            Some("r"),
        )
        .await
        .data();
    assert_eq!(kept["analyses"][0]["id"], analysis["id"]);
    assert_eq!(
        api.send(
            reqwest::Method::POST,
            "actions/jobs/1/analyze",
            Some("{}"),
            Some("a")
        )
        .await
        .error()
        .0,
        4040
    );
}
