//! wfm-scanner as a process reading its settings from the YAML file named by
//! `WFM_CONFIG_FILE`, with the environment over it. The settings code is
//! shared (wfm-env, wfm-service), so this stands for every service.

use std::path::{Path, PathBuf};
use std::time::Duration;

use wfm_testing::{ServiceProcess, free_port, http_get};

const BIN: &str = env!("CARGO_BIN_EXE_wfm-scanner");
const START: Duration = Duration::from_secs(20);

/// A settings file of this test alone, removed on drop.
struct TempSettings(PathBuf);

impl TempSettings {
    fn new(test: &str, text: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("wfm-scanner-{}-{test}.yaml", std::process::id()));
        std::fs::write(&path, text).expect("writing the settings file");
        Self(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("a UTF-8 temp path")
    }
}

impl Drop for TempSettings {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A database nothing listens on: `/healthz` answers without one.
fn dead_database() -> String {
    format!("postgres://postgres@127.0.0.1:{}/postgres", free_port())
}

#[tokio::test]
async fn listens_where_the_settings_file_says() {
    let addr = format!("127.0.0.1:{}", free_port());
    let file = TempSettings::new(
        "listen",
        &format!(
            "# wfm-scanner settings\n\
             DATABASE_URL: {}\n\
             WFM_LISTEN_ADDR: {addr}\n\
             WFM_DB_CONNECT_TIMEOUT: 1s\n\
             WFM_SCANNER_NAMESPACES: [arc-runners, arc-gpu]\n",
            dead_database()
        ),
    );
    let mut scanner = ServiceProcess::spawn(BIN, &[], &[("WFM_CONFIG_FILE", file.path())]);
    let health = scanner
        .wait_for_status(&format!("http://{addr}/healthz"), 200, START)
        .await;
    assert!(health.contains("\"service\":\"wfm-scanner\""), "{health}");
    let output = scanner.output();
    assert!(
        output.contains(file.path()),
        "the start line names the file: {output}"
    );
}

#[tokio::test]
async fn the_environment_wins_over_the_settings_file() {
    let from_file = format!("127.0.0.1:{}", free_port());
    let from_env = format!("127.0.0.1:{}", free_port());
    let file = TempSettings::new(
        "precedence",
        &format!(
            "DATABASE_URL: {}\nWFM_LISTEN_ADDR: {from_file}\nWFM_DB_CONNECT_TIMEOUT: 1s\n",
            dead_database()
        ),
    );
    let mut scanner = ServiceProcess::spawn(
        BIN,
        &[],
        &[
            ("WFM_CONFIG_FILE", file.path()),
            ("WFM_LISTEN_ADDR", &from_env),
        ],
    );
    scanner
        .wait_for_status(&format!("http://{from_env}/healthz"), 200, START)
        .await;
    assert_eq!(
        http_get(&format!("http://{from_file}/healthz")).await,
        None,
        "nothing listens on the file's address"
    );
}

#[tokio::test]
async fn a_bad_settings_file_exits_2_naming_it() {
    let url = dead_database();
    let missing =
        std::env::temp_dir().join(format!("wfm-scanner-{}-missing.yaml", std::process::id()));
    let missing = missing.to_str().expect("UTF-8");
    let invalid = TempSettings::new(
        "invalid",
        &format!("DATABASE_URL: {url}\nWFM_LISTEN_ADDR: [\n"),
    );
    let unknown = TempSettings::new("unknown", &format!("DATABASE_URL: {url}\nLISTEN_ADDR: x\n"));
    let nested = TempSettings::new("nested", "WFM_DB:\n  POOL_MAX_SIZE: 3\n");
    let bad_value = TempSettings::new(
        "value",
        &format!("DATABASE_URL: {url}\nWFM_LISTEN_ADDR: everywhere\n"),
    );
    let cases = [
        (
            missing,
            format!("settings file {missing} (WFM_CONFIG_FILE): cannot read it: "),
        ),
        (
            invalid.path(),
            format!(
                "settings file {} (WFM_CONFIG_FILE), line 2: invalid YAML: ",
                invalid.path()
            ),
        ),
        (
            unknown.path(),
            format!(
                "settings file {} (WFM_CONFIG_FILE), line 2: \"LISTEN_ADDR\" is not a wfm setting",
                unknown.path()
            ),
        ),
        (
            nested.path(),
            format!(
                "settings file {} (WFM_CONFIG_FILE), line 2: WFM_DB: a nested mapping",
                nested.path()
            ),
        ),
        (
            bad_value.path(),
            "invalid value for WFM_LISTEN_ADDR: \"everywhere\"".to_owned(),
        ),
    ];
    for (path, message) in cases {
        // a valid environment does not make up for a bad file
        let mut scanner = ServiceProcess::spawn(
            BIN,
            &[],
            &[("WFM_CONFIG_FILE", path), ("DATABASE_URL", url.as_str())],
        );
        let status = scanner
            .wait_exit(Duration::from_secs(10))
            .unwrap_or_else(|| panic!("{path}: still running:\n{}", scanner.output()));
        let output = scanner.output();
        assert_eq!(status.code(), Some(2), "{path}: {output}");
        let lines: Vec<&str> = output.lines().collect();
        assert_eq!(lines.len(), 1, "one line: {output}");
        assert!(
            lines[0].starts_with(&format!("wfm-scanner: configuration error: {message}")),
            "{output}"
        );
    }
    assert!(!Path::new(missing).exists());
}
