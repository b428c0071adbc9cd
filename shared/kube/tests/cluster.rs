//! The temp-pod reader against a real cluster: ignored by default (no
//! cluster runs here). Needs a namespace with a Bound PVC holding a file;
//! see services/collector/README.md, "Testing against a cluster":
//!
//! ```sh
//! KUBECONFIG=~/.kube/config WFM_TEST_NAMESPACE=arc-runners WFM_TEST_PVC=bench-results \
//!   WFM_TEST_PATTERN='**/*.json' cargo test -p wfm-kube --test cluster -- --ignored --nocapture
//! ```

use std::time::Duration;

use wfm_kube::pod::PodSettings;
use wfm_kube::volumes::ResultMount;
use wfm_kube::{Channel, PodTarget, TempPodReader};
use wfm_reader::{FileReader, ListRequest, Placeholders};

#[tokio::test]
#[ignore = "needs a Kubernetes cluster (KUBECONFIG, WFM_TEST_NAMESPACE, WFM_TEST_PVC)"]
async fn reads_a_real_pvc_through_a_reader_pod() {
    let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("set {name}"));
    let client = kube::Client::try_default()
        .await
        .expect("a cluster from KUBECONFIG");
    let namespace = var("WFM_TEST_NAMESPACE");
    let target = PodTarget {
        namespace: namespace.clone(),
        config_id: 0,
        run_id: std::process::id().into(),
        mounts: vec![ResultMount {
            volume: "results".into(),
            claim: var("WFM_TEST_PVC"),
            mount_path: "/results".into(),
            sub_path: None,
        }],
        root: "/results".into(),
    };
    let reader = TempPodReader::new(
        client,
        PodSettings::default(),
        Channel::Exec,
        target,
        Duration::from_secs(60),
    );
    let request = ListRequest {
        patterns: vec![std::env::var("WFM_TEST_PATTERN").unwrap_or_else(|_| "**/*.json".into())],
        placeholders: Placeholders::default(),
        window: None,
        max_files: 20,
    };
    let listing = reader.list(&request).await;
    let first = match &listing {
        Ok(listing) => listing.files.first().cloned(),
        Err(_) => None,
    };
    if let Some(file) = &first {
        let bytes = reader.read(file, 1 << 20).await;
        println!("{}: {:?}", file.path, bytes.map(|b| b.len()));
    }
    reader.release().await;
    let listing = listing.expect("listing");
    println!(
        "{} files, {} over the cap",
        listing.files.len(),
        listing.over_cap
    );
    assert!(first.is_some(), "the PVC has no file matching the pattern");
}
