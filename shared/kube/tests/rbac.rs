//! The chart's RBAC (charts/wfm/rbac/*.yaml) is exactly what the code uses:
//! every request the scanner's watches and the collector's reader pods make
//! against the fake API server is allowed by the rules, and every rule is
//! used by some request.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use futures_util::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::runtime::watcher;
use serde::Deserialize;
use wfm_kube::arc::{AutoscalingRunnerSet, EphemeralRunner, EphemeralRunnerSet};
use wfm_kube::pod::PodSettings;
use wfm_kube::volumes::ResultMount;
use wfm_kube::{Channel, PodTarget, TempPodReader};
use wfm_reader::{FileReader, ListRequest, Placeholders};
use wfm_testing::fake_kube::FakeKube;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    api_groups: Vec<String>,
    resources: Vec<String>,
    verbs: Vec<String>,
}

fn rules(file: &str) -> Vec<Rule> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../charts/wfm/rbac")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// (group, resource, verb) of every permission in the rules.
fn grants(rules: &[Rule]) -> BTreeSet<(String, String, String)> {
    let mut all = BTreeSet::new();
    for rule in rules {
        for group in &rule.api_groups {
            for resource in &rule.resources {
                for verb in &rule.verbs {
                    assert!(
                        ![group, resource, verb].iter().any(|s| s.contains('*')),
                        "no wildcards: {rule:?}"
                    );
                    all.insert((group.clone(), resource.clone(), verb.clone()));
                }
            }
        }
    }
    all
}

/// The (group, resource, verb) an API request needs, from the fake's request log.
fn needed(request: &str) -> (String, String, String) {
    let (method, rest) = request.split_once(' ').expect("METHOD path");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, rest) = match parts.as_slice() {
        ["api", _, rest @ ..] => ("", rest),
        ["apis", group, _, rest @ ..] => (*group, rest),
        _ => panic!("unexpected path {path}"),
    };
    let rest = match rest {
        ["namespaces", _, rest @ ..] => rest,
        rest => rest,
    };
    let watch = query.split('&').any(|kv| kv == "watch=true");
    let (resource, verb) = match (method, rest) {
        ("GET", [resource]) if watch => (resource.to_string(), "watch"),
        ("GET", [resource]) => (resource.to_string(), "list"),
        ("POST", [resource]) => (resource.to_string(), "create"),
        ("GET", [resource, _]) => (resource.to_string(), "get"),
        ("DELETE", [resource, _]) => (resource.to_string(), "delete"),
        // A websocket upgrade: authorized as `create` since Kubernetes 1.31 (`get` before).
        ("GET", [resource, _, sub]) => (format!("{resource}/{sub}"), "create"),
        other => panic!("unexpected request {other:?}"),
    };
    (group.to_owned(), resource, verb.to_owned())
}

fn check(rule_files: &[&str], requests: &[String]) {
    let granted = grants(&rule_files.iter().flat_map(|f| rules(f)).collect::<Vec<_>>());
    let used: BTreeSet<_> = requests.iter().map(|r| needed(r)).collect();
    for need in &used {
        assert!(
            granted.contains(need),
            "the chart does not grant {need:?} (needed by the code)"
        );
    }
    // `get` on pods/exec is kept for clusters before 1.31 (websocket upgrades were GETs).
    let unused: Vec<_> = granted
        .difference(&used)
        .filter(|(_, r, v)| !(r == "pods/exec" && v == "get"))
        .collect();
    assert!(
        unused.is_empty(),
        "the chart grants more than the code uses: {unused:?}"
    );
}

#[tokio::test]
async fn the_scanners_rules_are_exactly_its_watches() {
    let kube = FakeKube::start().await;
    let client = kube.client();
    let ns = "arc-runners";
    let a = watcher::watcher(
        kube::Api::<AutoscalingRunnerSet>::namespaced(client.clone(), ns),
        Default::default(),
    );
    let b = watcher::watcher(
        kube::Api::<EphemeralRunnerSet>::namespaced(client.clone(), ns),
        Default::default(),
    );
    let c = watcher::watcher(
        kube::Api::<EphemeralRunner>::namespaced(client, ns),
        Default::default(),
    );
    // Each watcher lists (Init, InitDone), then watches.
    let drive = async {
        let (mut a, mut b, mut c) = (Box::pin(a), Box::pin(b), Box::pin(c));
        loop {
            tokio::select! {
                _ = a.next() => {}
                _ = b.next() => {}
                _ = c.next() => {}
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_millis(500), drive).await;
    // and the runner pods' usage
    wfm_kube::pod_metrics::runner_pod_usage(&kube.client(), Some(ns))
        .await
        .expect("runner pod usage");
    let requests = kube.requests();
    assert!(
        requests.iter().any(|r| r.contains("watch=true")),
        "{requests:?}"
    );
    check(&["scanner-rules.yaml"], &requests);
}

#[tokio::test]
async fn the_collectors_rules_are_exactly_its_reader_pods() {
    let kube = FakeKube::start().await;
    let ns = "arc-runners";
    let dir = std::env::temp_dir().join(format!("wfm-kube-rbac-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("r.json"), "{}").expect("write");
    kube.add_claim(ns, "results", &dir);
    let before = kube.requests().len();
    let target = PodTarget {
        namespace: ns.into(),
        config_id: 1,
        run_id: 1,
        mounts: vec![ResultMount {
            volume: "results".into(),
            claim: "results".into(),
            mount_path: "/results".into(),
            sub_path: None,
        }],
        root: "/results".into(),
    };
    let reader = TempPodReader::new(
        kube.client(),
        PodSettings::default(),
        Channel::Exec,
        target,
        Duration::from_secs(5),
    );
    let request = ListRequest {
        patterns: vec!["*.json".into()],
        placeholders: Placeholders::default(),
        window: None,
        max_files: 10,
    };
    let listing = reader.list(&request).await.expect("list");
    reader.read(&listing.files[0], 100).await.expect("read");
    reader.release().await;
    let pods = kube::Api::<Pod>::namespaced(kube.client(), ns);
    wfm_kube::reaper::reap_expired(&pods, Duration::from_secs(600), chrono::Utc::now())
        .await
        .expect("reap");
    let requests = kube.requests()[before..].to_vec();
    check(
        &["collector-rules.yaml", "collector-exec-rules.yaml"],
        &requests,
    );
}
