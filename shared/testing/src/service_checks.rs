//! The checks every service binary must pass, run against the real binary as a
//! process. A service's `tests/process.rs` is one line:
//! `wfm_testing::service_process_tests!("wfm-api", env!("CARGO_BIN_EXE_wfm-api"));`

use std::time::Duration;

use crate::{ServiceProcess, TestDb, free_port, http_get};

const START: Duration = Duration::from_secs(20);
/// The bound: a service exits within 5 s of SIGTERM.
const STOP: Duration = Duration::from_secs(5);

fn listen_env(port: u16) -> String {
    format!("127.0.0.1:{port}")
}

/// Against a migrated test database: `/healthz` and `/readyz` answer 200,
/// `/metrics` carries the build info, and SIGTERM ends the process with 0 within 5 s.
pub async fn serves_health_ready_and_metrics_then_stops_on_sigterm(name: &str, bin: &str) {
    let db = TestDb::new().await;
    let port = free_port();
    let addr = listen_env(port);
    let mut service = ServiceProcess::spawn(
        bin,
        &[],
        &[("DATABASE_URL", db.url()), ("WFM_LISTEN_ADDR", &addr)],
    );
    let base = format!("http://{addr}");
    let health = service
        .wait_for_status(&format!("{base}/healthz"), 200, START)
        .await;
    assert!(
        health.contains(&format!("\"service\":\"{name}\"")),
        "{health}"
    );
    let ready = service
        .wait_for_status(&format!("{base}/readyz"), 200, START)
        .await;
    assert!(ready.contains("\"status\":\"ready\""), "{ready}");
    let (status, metrics) = http_get(&format!("{base}/metrics"))
        .await
        .expect("/metrics answers");
    assert_eq!(status, 200);
    assert!(
        metrics.contains(&format!("wfm_build_info{{service=\"{name}\"")),
        "{metrics}"
    );
    assert!(
        metrics.contains("wfm_db_pool_max_connections 10"),
        "{metrics}"
    );

    stop_with(&mut service, libc::SIGTERM, "SIGTERM").await;
}

/// With the database unreachable, the process still serves `/healthz` (liveness
/// must not depend on the database) but `/readyz` answers 503 with the reason;
/// SIGINT ends it with 0 within 5 s.
pub async fn reports_not_ready_without_a_database(bin: &str) {
    // Nothing listens on a port we just freed.
    let dead_db = format!("postgres://postgres@127.0.0.1:{}/postgres", free_port());
    let addr = listen_env(free_port());
    let mut service = ServiceProcess::spawn(
        bin,
        &[],
        &[
            ("DATABASE_URL", &dead_db),
            ("WFM_LISTEN_ADDR", &addr),
            ("WFM_DB_CONNECT_TIMEOUT", "1s"),
        ],
    );
    let base = format!("http://{addr}");
    service
        .wait_for_status(&format!("{base}/healthz"), 200, START)
        .await;
    let body = service
        .wait_for_status(&format!("{base}/readyz"), 503, START)
        .await;
    assert!(body.contains("\"status\":\"not ready\""), "{body}");
    assert!(body.contains("\"reason\""), "{body}");

    // Ctrl-C in a terminal: SIGINT stops it as cleanly as SIGTERM.
    stop_with(&mut service, libc::SIGINT, "SIGINT").await;
}

/// A bad or missing value ends the process with code 2 and a one-line message
/// naming the variable.
pub async fn exits_2_naming_a_bad_variable(name: &str, bin: &str) {
    let url = "postgres://postgres@127.0.0.1:1/postgres";
    let cases: [(&[(&str, &str)], &str); 4] = [
        (&[], "DATABASE_URL is required but not set"),
        (
            &[("DATABASE_URL", url), ("WFM_LISTEN_ADDR", "everywhere")],
            "invalid value for WFM_LISTEN_ADDR: \"everywhere\"",
        ),
        (
            &[("DATABASE_URL", url), ("WFM_DB_POOL_MAX_SIZE", "many")],
            "invalid value for WFM_DB_POOL_MAX_SIZE: \"many\"",
        ),
        (
            &[("DATABASE_URL", url), ("WFM_SHUTDOWN_TIMEOUT", "soon")],
            "invalid value for WFM_SHUTDOWN_TIMEOUT: \"soon\"",
        ),
    ];
    for (env, message) in cases {
        let mut service = ServiceProcess::spawn(bin, &[], env);
        let status = service
            .wait_exit(Duration::from_secs(10))
            .expect("a misconfigured service exits");
        assert_eq!(status.code(), Some(2), "{env:?}: {}", service.output());
        let output = service.output();
        let lines: Vec<&str> = output.lines().collect();
        assert_eq!(lines.len(), 1, "one line: {output}");
        assert!(
            lines[0].starts_with(&format!("{name}: configuration error: {message}")),
            "{env:?}: {output}"
        );
    }
}

/// Sends `signal`; the service must log a graceful shutdown and exit 0 within 5 s.
async fn stop_with(service: &mut ServiceProcess, signal: i32, name: &str) {
    service.signal(signal);
    let status = service
        .wait_exit(STOP)
        .unwrap_or_else(|| panic!("still running 5 s after {name}:\n{}", service.output()));
    assert_eq!(status.code(), Some(0), "{}", service.output());
    let output = service.output();
    assert!(
        output.contains("shutting down gracefully") && output.contains(name),
        "{output}"
    );
}

/// The standard process tests of a service binary: `name` as it logs itself,
/// `bin` from `env!("CARGO_BIN_EXE_<name>")`.
#[macro_export]
macro_rules! service_process_tests {
    ($name:literal, $bin:expr) => {
        #[tokio::test]
        async fn serves_health_ready_and_metrics_then_stops_on_sigterm() {
            $crate::service_checks::serves_health_ready_and_metrics_then_stops_on_sigterm(
                $name, $bin,
            )
            .await;
        }

        #[tokio::test]
        async fn reports_not_ready_without_a_database() {
            $crate::service_checks::reports_not_ready_without_a_database($bin).await;
        }

        #[tokio::test]
        async fn exits_2_naming_a_bad_variable() {
            $crate::service_checks::exits_2_naming_a_bad_variable($name, $bin).await;
        }
    };
}
