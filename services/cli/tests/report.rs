//! `wfm report github` as a process: against a fake GitHub of a quiet
//! repository (JSON output, values and no invented zeros), and its exit
//! codes when the argument is bad or GitHub cannot be reached.

use std::process::Command;

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_wfm");

async fn quiet_repo(req: HttpRequest) -> HttpResponse {
    match req.path() {
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
    let mut command = Command::new(BIN);
    command
        .args(["report", "github"])
        .args(args)
        .env("WFM_GITHUB_API_URL", api)
        .env_remove("WFM_GITHUB_TOKEN");
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
