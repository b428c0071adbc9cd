//! The four services and the admin CLI together, as separate processes on one database.

use std::time::Duration;

use wfm_db::migrate::migration_count;
use wfm_e2e::binary;
use wfm_testing::{ServiceProcess, TestDb, free_port};

const SERVICES: [&str; 4] = ["wfm-api", "wfm-collector", "wfm-scanner", "wfm-backfill"];

fn wfm(args: &[&str], db: &TestDb) -> (Option<i32>, String) {
    ServiceProcess::run_to_end(
        &binary("wfm"),
        args,
        &[("DATABASE_URL", db.url())],
        Duration::from_secs(60),
    )
}

async fn start_all(db: &TestDb, extra: &[(&str, &str)]) -> Vec<(ServiceProcess, String)> {
    let mut started = Vec::new();
    for name in SERVICES {
        let addr = format!("127.0.0.1:{}", free_port());
        let mut env = vec![
            ("DATABASE_URL", db.url()),
            ("WFM_LISTEN_ADDR", addr.as_str()),
        ];
        env.extend_from_slice(extra);
        let process = ServiceProcess::spawn(&binary(name), &[], &env);
        started.push((process, format!("http://{addr}")));
    }
    for (process, base) in &mut started {
        process
            .wait_for_status(&format!("{base}/readyz"), 200, Duration::from_secs(30))
            .await;
    }
    started
}

fn stop_all(started: Vec<(ServiceProcess, String)>) {
    for (process, _) in &started {
        process.signal(libc::SIGTERM);
    }
    for (mut process, _) in started {
        let status = process.wait_exit(Duration::from_secs(5));
        assert_eq!(
            status.and_then(|s| s.code()),
            Some(0),
            "{}",
            process.output()
        );
    }
}

#[tokio::test]
async fn migrate_then_all_four_services_become_ready_and_stop_cleanly() {
    let db = TestDb::empty().await;
    let mut migrate =
        ServiceProcess::spawn(&binary("wfm"), &["migrate"], &[("DATABASE_URL", db.url())]);
    let status = migrate
        .wait_exit(Duration::from_secs(60))
        .expect("wfm migrate finishes");
    assert!(status.success(), "{}", migrate.output());

    let started = start_all(&db, &[]).await;
    stop_all(started);
}

#[tokio::test]
async fn services_migrating_on_start_at_once_migrate_exactly_once() {
    let db = TestDb::empty().await;
    let started = start_all(&db, &[("WFM_MIGRATE_ON_START", "true")]).await;

    let (code, out) = wfm(&["migrate", "status"], &db);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("0 pending"), "{out}");

    let applied: usize = started
        .iter()
        .map(|(p, _)| {
            let out = p.output();
            out.lines()
                .find(|l| l.contains("migrations up to date"))
                .and_then(|l| l.split("applied=").nth(1))
                .and_then(|n| {
                    n.trim()
                        .split(|c: char| !c.is_ascii_digit())
                        .next()
                        .map(str::to_owned)
                })
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or_else(|| panic!("no migration line in:\n{out}"))
        })
        .sum();
    assert_eq!(
        applied,
        migration_count(),
        "every migration was applied once across the four services"
    );
    stop_all(started);
}
