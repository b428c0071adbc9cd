//! Helpers for the end-to-end tests in `tests/tests/`.
//!
//! The tests run the binaries cargo built for this workspace: `cargo test
//! --workspace` builds them (every binary crate has integration tests, which makes
//! cargo build its binary); `scripts/test` does exactly that.

pub mod chart;
mod otlp_sink;
pub mod repo;

pub use otlp_sink::{OtlpSink, Received};

use std::path::PathBuf;
use std::time::Duration;

use wfm_testing::{ServiceProcess, free_port};

/// A results folder of the test's own (the collector's `WFM_MOUNTED_ROOT`),
/// removed when dropped.
#[derive(Debug)]
pub struct Results(PathBuf);

impl Results {
    pub fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("wfm-e2e-demo-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("results folder");
        Self(dir)
    }

    pub fn path(&self) -> &str {
        self.0.to_str().expect("utf-8 temp path")
    }
}

impl Drop for Results {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Path of a workspace binary (`wfm-api`, `wfm`…) next to the test executable.
pub fn binary(name: &str) -> String {
    let exe = std::env::current_exe().expect("the test executable's path");
    // target/<profile>/deps/<test> → target/<profile>/<name>
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(PathBuf::from)
        .expect("the target directory");
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} not built: run `cargo build --workspace` (scripts/test does) before the e2e tests",
        path.display()
    );
    path.to_string_lossy().into_owned()
}

/// Starts workspace binary `bin` with `env` on a free loopback port and waits
/// (30 s at most) for its `/readyz`; returns the process and its base URL.
pub async fn start(bin: &str, env: &[(&str, &str)]) -> (ServiceProcess, String) {
    let addr = format!("127.0.0.1:{}", free_port());
    let mut env = env.to_vec();
    env.push(("WFM_LISTEN_ADDR", &addr));
    let mut process = ServiceProcess::spawn(&binary(bin), &[], &env);
    let base = format!("http://{addr}");
    process
        .wait_for_status(&format!("{base}/readyz"), 200, Duration::from_secs(30))
        .await;
    (process, base)
}
