//! Every webhook fixture (GitHub's own example payloads) parses, and its
//! recorded `X-Hub-Signature-256` verifies over the exact file bytes.

use std::path::PathBuf;

use serde_json::Value;
use wfm_github::events::Status;
use wfm_github::{Event, WebhookSecrets};

fn webhooks() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/github/webhooks")
}

fn signatures() -> Value {
    let text =
        std::fs::read_to_string(webhooks().join("signatures.json")).expect("signatures.json");
    serde_json::from_str(&text).expect("signatures.json is JSON")
}

#[test]
fn every_fixture_parses_and_its_signature_verifies() {
    let signatures = signatures();
    let secrets = WebhookSecrets::new([signatures["secret"].as_str().expect("secret")]);
    let files = signatures["files"].as_object().expect("files");
    assert_eq!(files.len(), 11);
    for (file, entry) in files {
        let body = std::fs::read(webhooks().join(file)).expect("fixture file");
        let headers = &entry["headers"];
        let header = headers["X-Hub-Signature-256"].as_str();
        assert_eq!(secrets.verify(header, &body), Ok(()), "{file}");
        let mut tampered = body.clone();
        tampered[10] ^= 1;
        assert!(secrets.verify(header, &tampered).is_err(), "{file}");
        let name = headers["X-GitHub-Event"].as_str().expect("event header");
        let event = Event::parse(name, &body)
            .unwrap_or_else(|e| panic!("{file}: {e}"))
            .expect("a known event");
        match event {
            Event::WorkflowJob(e) => {
                // the action names the event, the status is the job's (a job
                // waiting on a deployment is queued with status `waiting`)
                assert!(file.contains(&e.action), "{file}: {}", e.action);
                assert!(e.repository.full_name.contains('/'));
            }
            Event::WorkflowRun(e) => {
                assert!(e.workflow_run.id > 0);
                assert!(e.workflow_name().is_some(), "{file}");
            }
            Event::Ping | Event::Installation(_) | Event::InstallationRepositories(_) => {
                panic!("{file} is a workflow event")
            }
        }
    }
}

#[test]
fn installation_events_read_as_github_sends_them() {
    for (event, file, action) in [
        (
            "installation",
            "installation/created.payload.json",
            "created",
        ),
        (
            "installation",
            "installation/suspend.payload.json",
            "suspend",
        ),
        (
            "installation_repositories",
            "installation_repositories/added.payload.json",
            "added",
        ),
    ] {
        let body = std::fs::read(webhooks().join(file)).expect("fixture");
        match Event::parse(event, &body).expect("parses").expect("known") {
            Event::Installation(e) => {
                assert_eq!(e.action, action);
                assert_eq!(e.installation.account.name(), "Codertocat");
                if action == "suspend" {
                    assert!(e.installation.suspended_at.is_some());
                } else {
                    assert_eq!(e.repositories[0].full_name, "Codertocat/Hello-World");
                }
            }
            Event::InstallationRepositories(e) => {
                assert_eq!(e.repositories_added[0].full_name, "Codertocat/Space");
                assert!(e.repositories_removed.is_empty());
            }
            other => panic!("{file}: {other:?}"),
        }
    }
}

#[test]
fn a_completed_job_carries_what_wfm_keeps() {
    let body = std::fs::read(
        webhooks().join("workflow_job/completed.success.with-organization.payload.json"),
    )
    .expect("fixture");
    let Some(Event::WorkflowJob(event)) = Event::parse("workflow_job", &body).expect("parses")
    else {
        panic!("not a workflow_job");
    };
    let job = event.workflow_job;
    assert_eq!(
        (job.id, job.run_id, job.run_attempt),
        (289782451, 2202229078, 1)
    );
    assert_eq!(job.status, Status::Completed);
    assert_eq!(job.conclusion.as_deref(), Some("success"));
    assert_eq!(job.name, "linters");
    assert_eq!(job.workflow_name.as_deref(), Some("CodeQL"));
    assert_eq!(job.runner_name.as_deref(), Some("GitHub Actions 5"));
    assert_eq!(
        job.started_at.map(|t| t.to_rfc3339()).as_deref(),
        Some("2021-08-05T10:34:58+00:00")
    );
    assert_eq!(event.repository.owner.login, "Octocoders");
    assert_eq!(event.repository.name, "Hello-World");
}

#[test]
fn unreadable_payloads_name_where_they_fail() {
    let e = Event::parse(
        "workflow_job",
        br#"{"action":"queued","workflow_job":{"id":"x"}}"#,
    )
    .expect_err("a string id");
    assert_eq!(e.path, "workflow_job.id");
    assert!(
        e.to_string()
            .starts_with("invalid workflow_job payload at workflow_job.id:"),
        "{e}"
    );
    let e = Event::parse("workflow_run", b"not json").expect_err("not JSON");
    assert!(
        e.to_string().starts_with("invalid workflow_run payload"),
        "{e}"
    );
    let status =
        br#"{"action":"x","repository":{"full_name":"a/b","name":"b","owner":{"login":"a"}},
        "workflow_job":{"id":1,"run_id":2,"name":"j","status":"exploded"}}"#;
    let e = Event::parse("workflow_job", status).expect_err("unknown status");
    assert_eq!(e.path, "workflow_job.status");
    assert!(matches!(Event::parse("push", b"{}"), Ok(None)));
    assert!(matches!(Event::parse("ping", b"{}"), Ok(Some(Event::Ping))));
}

#[test]
fn a_late_event_never_moves_a_job_back() {
    let read = |file: &str| {
        let body = std::fs::read(webhooks().join(file)).expect("fixture");
        match Event::parse("workflow_job", &body).expect("parses") {
            Some(Event::WorkflowJob(e)) => e.workflow_job,
            other => panic!("{other:?}"),
        }
    };
    let done = read("workflow_job/completed.success.with-organization.payload.json");
    let mut job = done.clone();
    job.merge(read("workflow_job/in_progress.payload.json"));
    assert_eq!(job, done, "in_progress after completed changes nothing");
    let mut job = read("workflow_job/queued.payload.json");
    let mut completed = done.clone();
    completed.runner_name = None;
    job.merge(read("workflow_job/in_progress.payload.json"));
    job.merge(completed);
    assert_eq!(job.status, Status::Completed);
    assert_eq!(
        job.runner_name.as_deref(),
        Some("GitHub Actions 5"),
        "kept from in_progress"
    );
    assert_eq!(Status::Pending.rank(), Status::Queued.rank());
}

#[test]
fn an_empty_runner_name_is_no_runner() {
    let body = std::fs::read(webhooks().join("workflow_job/queued.payload.json")).expect("fixture");
    let mut payload: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    payload["workflow_job"]["runner_name"] = "".into();
    let body = serde_json::to_vec(&payload).expect("JSON");
    let Some(Event::WorkflowJob(event)) = Event::parse("workflow_job", &body).expect("parses")
    else {
        panic!("not a workflow_job");
    };
    assert_eq!(event.workflow_job.runner_name, None);
}
