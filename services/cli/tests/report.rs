//! `wfm report github` as a process: against a fake GitHub of a quiet
//! repository (JSON output, values and no invented zeros), and its exit
//! codes when the argument is bad or GitHub cannot be reached.

use std::process::Command;
use std::sync::{Arc, Mutex};

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_wfm");

async fn quiet_repo(req: HttpRequest) -> HttpResponse {
    match req.path() {
        // no full_name, as a proxy or an old server may answer: the name asked for
        "/repos/o/r" => HttpResponse::Ok().json(json!({"default_branch": "main"})),
        "/repos/o/r/branches" => HttpResponse::Ok().json(json!([{"name": "main"}])),
        "/repos/o/r/pulls" | "/repos/o/r/commits" => HttpResponse::Ok().json(json!([])),
        "/repos/o/r/actions/runs" => {
            HttpResponse::Ok().json(json!({"total_count": 0, "workflow_runs": []}))
        }
        _ => HttpResponse::NotFound().json(json!({"message": "Not Found"})),
    }
}

/// (exit code, stdout, stderr) of `wfm report github args…` with `api`.
async fn report(api: &str, args: &[&str]) -> (i32, String, String) {
    report_with(api, args, &[]).await
}

/// [`report`] with more settings.
async fn report_with(api: &str, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut command = Command::new(BIN);
    command
        .args(["report", "github"])
        .args(args)
        .env("WFM_GITHUB_API_URL", api)
        .env_remove("WFM_GITHUB_TOKEN")
        .env_remove("WFM_REPO_HEALTH_OTLP_ENDPOINT")
        .env_remove("WFM_DATADOG_API_KEY")
        .envs(env.iter().copied());
    let out = tokio::task::spawn_blocking(move || command.output().expect("wfm runs"))
        .await
        .expect("joined");
    let text = |b: Vec<u8>| String::from_utf8(b).expect("utf-8");
    (
        out.status.code().unwrap_or(-1),
        text(out.stdout),
        text(out.stderr),
    )
}

#[tokio::test]
async fn a_quiet_repository_and_the_exit_codes() {
    let api = wfm_testing::serve(|cfg| {
        cfg.default_service(web::to(quiet_repo));
    });

    let (code, out, err) = report(
        &api,
        &[
            "--repo",
            "o/r",
            "--output",
            "json",
            "--at",
            "2026-12-04T12:00:00Z",
        ],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let body: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(body["repository"], "o/r");
    assert_eq!(body["complete"], true);
    let m = &body["metrics"];
    assert_eq!(m.as_object().expect("metrics").len(), 23);
    assert_eq!(
        (m["prs.open"].clone(), m["branches.active"].clone()),
        (json!(0.0), json!(1.0))
    );
    assert_eq!(
        m["ci.tests_passing_on_main"], 0.0,
        "no completed run on main"
    );
    assert!(
        m["prs.avg_time_to_merge_hours"].is_null(),
        "nothing merged: no value, not 0"
    );

    let (code, out, _) = report(&api, &["--repo", "o/r"]).await;
    assert_eq!(code, 0);
    assert!(
        out.contains("github.prs.open") && out.contains("github.ci.workflow_duration_minutes.p95"),
        "{out}"
    );

    let (code, _, err) = report(&api, &["--repo", "nobody"]).await;
    assert_eq!(code, 2);
    assert!(err.contains("OWNER/NAME"), "{err}");
    let (code, _, err) = report(&api, &["--repo", "o/missing"]).await;
    assert_eq!(code, 3, "GitHub answered 404");
    assert!(err.contains("404"), "{err}");
    let (code, _, err) = report("http://127.0.0.1:1", &["--repo", "o/r"]).await;
    assert_eq!(code, 3);
    assert!(err.contains("cannot reach GitHub"), "{err}");
}

/// A Datadog intake that keeps the bodies it got with the right key, and
/// answers 500 when `down`.
fn intake(down: bool) -> (String, Arc<Mutex<Vec<Value>>>) {
    let got: Arc<Mutex<Vec<Value>>> = Arc::default();
    let kept = got.clone();
    let url = wfm_testing::serve(move |cfg| {
        let kept = kept.clone();
        cfg.default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
            let kept = kept.clone();
            async move {
                if req
                    .headers()
                    .get("dd-api-key")
                    .and_then(|v| v.to_str().ok())
                    != Some("k")
                {
                    return HttpResponse::Forbidden().finish();
                }
                kept.lock()
                    .expect("lock")
                    .push(serde_json::from_slice(&body).expect("JSON"));
                if down {
                    HttpResponse::InternalServerError().body("intake down")
                } else {
                    HttpResponse::Accepted().json(json!({"errors": []}))
                }
            }
        }));
    });
    (url, got)
}

#[tokio::test]
async fn push_sends_and_says_when_it_could_not() {
    let api = wfm_testing::serve(|cfg| {
        cfg.default_service(web::to(quiet_repo));
    });
    let args = ["--repo", "o/r", "--push", "--at", "2026-12-04T12:00:00Z"];

    let (code, _, err) = report(&api, &args).await;
    assert_eq!(code, 2, "nowhere to push to");
    assert!(err.contains("WFM_DATADOG_API_KEY"), "{err}");

    let (intake_url, got) = intake(false);
    let series_url = format!("{intake_url}/api/v2/series");
    let env = [
        ("WFM_DATADOG_API_KEY", "k"),
        ("WFM_DATADOG_URL", series_url.as_str()),
    ];
    let (code, out, err) = report_with(&api, &args, &env).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("github.prs.open"), "printed as well: {out}");
    let bodies = got.lock().expect("lock").clone();
    assert_eq!(bodies.len(), 1);
    let open = bodies[0]["series"]
        .as_array()
        .expect("series")
        .iter()
        .find(|s| s["metric"] == "github.prs.open")
        .expect("prs.open")
        .clone();
    assert_eq!(open["points"][0]["value"], 0.0);
    assert_eq!(open["points"][0]["timestamp"], 1_796_385_600);
    // no value, nothing sent (not a 0 that never happened)
    assert!(
        !bodies[0]["series"]
            .as_array()
            .expect("series")
            .iter()
            .any(|s| s["metric"] == "github.prs.avg_time_to_merge_hours")
    );

    let (down_url, _) = intake(true);
    let down_series = format!("{down_url}/api/v2/series");
    let env = [
        ("WFM_DATADOG_API_KEY", "k"),
        ("WFM_DATADOG_URL", down_series.as_str()),
    ];
    let (code, _, err) = report_with(&api, &args, &env).await;
    assert_eq!(code, 4, "the push failed");
    assert!(err.contains("datadog") && err.contains("500"), "{err}");
}
