//! No Docker engine runs here, so docker-compose.yml and the Dockerfile are
//! checked against the binaries instead: every service's command, listen
//! port, health check and settings; the image's stages, binaries and user;
//! and `wfm probe`, the health check the compose file runs.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::Value;
use wfm_e2e::binary;
use wfm_e2e::repo::{default_port, read, settings_read_by};
use wfm_testing::{ServiceProcess, TestDb, free_port};

#[test]
fn the_compose_file_matches_the_binaries() {
    let compose: Value = serde_saphyr::from_str(&read("docker-compose.yml")).expect("YAML");
    let services = compose["services"].as_object().expect("services");
    let names: BTreeSet<&str> = services.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        BTreeSet::from([
            "api",
            "backfill",
            "collector",
            "demo",
            "migrate",
            "postgres",
            "scanner"
        ])
    );
    assert_eq!(
        services["migrate"]["command"],
        serde_json::json!(["wfm", "migrate"])
    );
    assert_eq!(
        services["migrate"]["depends_on"]["postgres"]["condition"],
        "service_healthy"
    );
    assert!(services["postgres"]["healthcheck"]["test"].is_array());
    // the demo writes into the volume the collector reads as WFM_MOUNTED_ROOT
    let demo = &services["demo"];
    assert_eq!(demo["profiles"], serde_json::json!(["demo"]));
    let command: Vec<&str> = demo["command"]
        .as_array()
        .expect("a command")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let arg = |flag: &str| {
        let at = command.iter().position(|a| *a == flag).expect(flag);
        command[at + 1]
    };
    assert_eq!(command[..2], ["wfm", "demo"]);
    assert_eq!(arg("--api"), format!("http://api:{}", default_port("api")));
    assert_eq!(
        demo["volumes"],
        serde_json::json!([format!("results:{}", arg("--results"))])
    );
    let collector = &services["collector"];
    assert_eq!(
        collector["volumes"],
        serde_json::json!([format!("results:{}:ro", arg("--results"))])
    );
    assert_eq!(
        collector["environment"]["WFM_MOUNTED_ROOT"],
        arg("--results")
    );
    assert_eq!(
        services["api"]["environment"]["WFM_WEBHOOK_SECRETS"],
        arg("--secret")
    );
    for service in ["api", "collector", "scanner", "backfill"] {
        let s = &services[service];
        let bin = format!("wfm-{service}");
        assert_eq!(s["command"], serde_json::json!([bin]), "{service}");
        let port = default_port(service);
        let env = s["environment"].as_object().expect("environment");
        assert_eq!(
            env["WFM_LISTEN_ADDR"],
            format!("0.0.0.0:{port}"),
            "{service}"
        );
        assert_eq!(
            s["ports"],
            serde_json::json!([format!("{port}:{port}")]),
            "{service}"
        );
        let health = s["healthcheck"]["test"].as_array().expect("a health check");
        assert_eq!(
            health,
            &[
                Value::from("CMD"),
                "wfm".into(),
                "probe".into(),
                format!("http://127.0.0.1:{port}/readyz").into()
            ],
            "{service}"
        );
        assert_eq!(
            s["depends_on"]["migrate"]["condition"], "service_completed_successfully",
            "{service}"
        );
        assert!(
            env["DATABASE_URL"]
                .as_str()
                .is_some_and(|u| u.contains("@postgres:5432/")),
            "{service}"
        );
        let read_by_code = settings_read_by(service);
        for name in env.keys().filter(|k| k.starts_with("WFM_")) {
            assert!(
                read_by_code(name),
                "{service}: {name} is read by no wfm code"
            );
        }
    }
}

#[test]
fn the_image_builds_every_binary_and_runs_as_a_user() {
    let dockerfile = read("Dockerfile");
    assert!(dockerfile.contains(" AS build"), "a build stage");
    assert!(
        dockerfile.contains(" AS runtime"),
        "the runtime stage compose targets"
    );
    for bin in [
        "wfm",
        "wfm-api",
        "wfm-collector",
        "wfm-scanner",
        "wfm-backfill",
    ] {
        assert!(
            dockerfile.contains(&format!("/src/target/release/{bin} "))
                || dockerfile.contains(&format!("/src/target/release/{bin}\n")),
            "{bin} is copied into the image"
        );
        assert!(
            std::path::Path::new(&binary(bin)).exists(),
            "{bin} is a workspace binary"
        );
    }
    // the console: built in a Node stage, served from where WFM_CONSOLE_DIR says
    assert!(dockerfile.contains(" AS console"), "a console build stage");
    assert!(
        dockerfile.contains("COPY --from=console /web/dist /usr/share/wfm/console")
            && dockerfile.contains("ENV WFM_CONSOLE_DIR=/usr/share/wfm/console"),
        "the console is in the image where the api looks"
    );
    let user = dockerfile
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("USER "))
        .expect("a USER");
    assert_ne!(user.trim(), "0");
    assert_ne!(user.trim(), "root");
}

#[tokio::test]
async fn wfm_probe_passes_a_ready_service_and_fails_a_dead_one() {
    let db = TestDb::new().await;
    let addr = format!("127.0.0.1:{}", free_port());
    let mut scanner = ServiceProcess::spawn(
        &binary("wfm-scanner"),
        &[],
        &[("DATABASE_URL", db.url()), ("WFM_LISTEN_ADDR", &addr)],
    );
    let readyz = format!("http://{addr}/readyz");
    scanner
        .wait_for_status(&readyz, 200, Duration::from_secs(30))
        .await;
    let (code, out) = ServiceProcess::run_to_end(
        &binary("wfm"),
        &["probe", &readyz],
        &[],
        Duration::from_secs(10),
    );
    assert_eq!(code, Some(0), "{out}");
    let dead = format!("http://127.0.0.1:{}/readyz", free_port());
    let (code, out) = ServiceProcess::run_to_end(
        &binary("wfm"),
        &["probe", &dead, "--timeout", "1s"],
        &[],
        Duration::from_secs(10),
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("wfm probe:"), "{out}");
    scanner.signal(libc::SIGTERM);
}
