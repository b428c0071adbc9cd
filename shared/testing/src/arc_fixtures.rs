//! The ARC objects of `fixtures/arc/` (see its README), for tests.

use std::path::PathBuf;

use serde::de::DeserializeOwned;
use serde_json::Value;

/// `fixtures/arc/<name>` in this repository.
pub fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/arc")
        .join(name)
}

/// A YAML fixture as `T` (a typed ARC object, or `serde_json::Value`).
pub fn load<T: DeserializeOwned>(name: &str) -> T {
    let text =
        std::fs::read_to_string(path(name)).unwrap_or_else(|e| panic!("read fixture {name}: {e}"));
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("parse fixture {name}: {e}"))
}

/// `ephemeralrunner.watch-events.jsonl`: (type, object) per line.
pub fn watch_events() -> Vec<(String, Value)> {
    let name = "ephemeralrunner.watch-events.jsonl";
    std::fs::read_to_string(path(name))
        .unwrap_or_else(|e| panic!("read fixture {name}: {e}"))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let event: Value = serde_json::from_str(line).expect("a JSON watch event");
            (
                event["type"].as_str().unwrap_or_default().to_owned(),
                event["object"].clone(),
            )
        })
        .collect()
}

/// The namespace and name of the fixtures' AutoscalingRunnerSet.
pub const SET_NAMESPACE: &str = "arc-runners";
pub const SET_NAME: &str = "bench-runners";

/// Puts the fixtures' AutoscalingRunnerSet and EphemeralRunnerSet into `kube`.
pub fn apply_runner_sets(kube: &crate::fake_kube::FakeKube) {
    kube.apply(load("autoscalingrunnerset.yaml"));
    kube.apply(load("ephemeralrunnerset.yaml"));
}

/// Inserts a config bound to the fixtures' runner set.
pub async fn insert_set_config(db: &crate::TestDb) -> wfm_db::models::Config {
    crate::insert_config(
        &mut db.connect().await,
        &crate::runner_set_config(SET_NAMESPACE, SET_NAME),
    )
    .await
    .expect("a config bound to the fixtures' runner set")
}
