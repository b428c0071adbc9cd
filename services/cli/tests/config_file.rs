//! `wfm` reads the settings file named by `WFM_CONFIG_FILE` as the services do.

use std::path::PathBuf;
use std::time::Duration;

use wfm_testing::{ServiceProcess, TestDb};

const BIN: &str = env!("CARGO_BIN_EXE_wfm");

/// A settings file of this test alone, removed on drop.
struct TempSettings(PathBuf);

impl TempSettings {
    fn new(test: &str, text: &str) -> Self {
        let path = std::env::temp_dir().join(format!("wfm-cli-{}-{test}.yaml", std::process::id()));
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

fn wfm(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    ServiceProcess::run_to_end(BIN, args, env, Duration::from_secs(60))
}

#[tokio::test]
async fn migrate_reads_the_database_from_the_settings_file() {
    let db = TestDb::new().await;
    let file = TempSettings::new("db", &format!("DATABASE_URL: {}\n", db.url()));
    let (code, out) = wfm(&["migrate", "status"], &[("WFM_CONFIG_FILE", file.path())]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("migrations: 0 pending"), "{out}");

    // the environment wins: a broken URL there is used, and refused
    let (code, out) = wfm(
        &["migrate", "status"],
        &[
            ("WFM_CONFIG_FILE", file.path()),
            ("DATABASE_URL", "postgres://h:port/db"),
        ],
    );
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.starts_with("wfm: configuration error: invalid value for DATABASE_URL"),
        "{out}"
    );
}

#[tokio::test]
async fn a_bad_settings_file_exits_2_naming_it() {
    let file = TempSettings::new("bad", "DATABASE_URL: postgres://h/db\nDATABSE_URL: x\n");
    for args in [
        &["migrate", "status"][..],
        &["extract", "/nonexistent.json"][..],
    ] {
        let (code, out) = wfm(args, &[("WFM_CONFIG_FILE", file.path())]);
        assert_eq!(code, Some(2), "{args:?}: {out}");
        assert!(
            out.starts_with(&format!(
                "wfm: configuration error: settings file {} (WFM_CONFIG_FILE), line 2: \"DATABSE_URL\" is not a wfm setting",
                file.path()
            )),
            "{args:?}: {out}"
        );
    }
}
