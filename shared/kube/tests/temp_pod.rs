//! The temp-pod reader against the fake Kubernetes API: the pod it makes,
//! the files it reads through `exec` (real `sh`/`find`/`stat`/`head` on this
//! machine, over the PVC's stand-in directory), the cleanup, the reaper, and
//! what missing, unbound or never-running pods mean for the run.

use std::path::PathBuf;
use std::time::Duration;

use chrono::Utc;
use k8s_openapi::api::core::v1::{Pod, Toleration};
use serde_json::{Value, json};
use wfm_kube::pod::{PodSettings, READER_LABEL};
use wfm_kube::volumes::result_mounts;
use wfm_kube::{Channel, PodTarget, TempPodReader};
use wfm_reader::{FileEntry, FileReader, ListError, ListRequest, Placeholders, ReadError};
use wfm_testing::arc_fixtures::load;
use wfm_testing::fake_kube::FakeKube;

const NS: &str = "arc-runners";

/// A directory standing in for the `bench-results` PVC, with two runs' files.
fn volume(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wfm-kube-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("runs/31753891150/gpu")).expect("mkdir");
    std::fs::create_dir_all(dir.join("runs/99")).expect("mkdir");
    std::fs::write(
        dir.join("runs/31753891150/summary.json"),
        r#"{"tokens_per_s": 1234.5}"#,
    )
    .expect("write");
    std::fs::write(
        dir.join("runs/31753891150/gpu/mi300.csv"),
        "gpu,tflops\nmi300,1.5\n",
    )
    .expect("write");
    std::fs::write(dir.join("runs/31753891150/notes.txt"), "not matched").expect("write");
    std::fs::write(dir.join("runs/99/summary.json"), "{}").expect("write");
    dir
}

fn target(run_id: i64) -> PodTarget {
    let ars: Value = load("autoscalingrunnerset.yaml");
    let template = json!({
        "volumes": ars["spec"]["template"]["spec"]["volumes"],
        "containers": ars["spec"]["template"]["spec"]["containers"],
    });
    PodTarget {
        namespace: NS.into(),
        config_id: 7,
        run_id,
        mounts: result_mounts(&template, "runner").expect("mounts"),
        root: "/home/runner/results".into(),
    }
}

fn settings() -> PodSettings {
    PodSettings {
        tolerations: vec![Toleration {
            key: Some("amd.com/gpu".into()),
            operator: Some("Exists".into()),
            effect: Some("NoSchedule".into()),
            ..Toleration::default()
        }],
        start_timeout: Duration::from_secs(2),
        ..PodSettings::default()
    }
}

fn request(patterns: &[&str]) -> ListRequest {
    ListRequest {
        patterns: patterns.iter().map(|p| (*p).to_owned()).collect(),
        placeholders: Placeholders {
            run_id: Some("31753891150".into()),
            ..Placeholders::default()
        },
        window: None,
        max_files: 100,
    }
}

fn reader(kube: &FakeKube, run_id: i64) -> TempPodReader {
    TempPodReader::new(
        kube.client(),
        settings(),
        Channel::Exec,
        target(run_id),
        Duration::from_secs(10),
    )
}

#[tokio::test]
async fn reads_the_runs_files_through_a_locked_down_pod_then_deletes_it() {
    let kube = FakeKube::start().await;
    let dir = volume("reads");
    kube.add_claim(NS, "bench-results", &dir);
    let reader = reader(&kube, 501);

    let listing = reader
        .list(&request(&[
            "runs/{run_id}/*.json",
            "runs/{run_id}/**/*.csv",
        ]))
        .await
        .expect("listing");
    let paths: Vec<&str> = listing.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "runs/31753891150/gpu/mi300.csv",
            "runs/31753891150/summary.json"
        ]
    );
    let summary = listing
        .files
        .iter()
        .find(|f| f.path.ends_with("summary.json"))
        .expect("summary");
    assert_eq!(summary.size, 24);
    let bytes = reader.read(summary, 1024).await.expect("read");
    assert_eq!(bytes, br#"{"tokens_per_s": 1234.5}"#);

    // The pod as created.
    let created = kube.created();
    assert_eq!(created.len(), 1, "one pod per run");
    let pod: Pod = serde_json::from_value(created[0].clone()).expect("a pod");
    assert_eq!(pod.metadata.name.as_deref(), Some("wfm-pvc-reader-7-501"));
    assert_eq!(pod.metadata.namespace.as_deref(), Some(NS));
    let labels = pod.metadata.labels.clone().expect("labels");
    assert_eq!(labels[READER_LABEL], "true");
    assert_eq!(labels["wfm.io/config-id"], "7");
    assert_eq!(labels["wfm.io/run-id"], "501");
    let expires = &pod.metadata.annotations.clone().expect("annotations")["wfm.io/expires-at"];
    let expires = chrono::DateTime::parse_from_rfc3339(expires).expect("RFC 3339");
    let ttl = expires.with_timezone(&Utc) - Utc::now();
    assert!(
        ttl > chrono::Duration::minutes(9) && ttl <= chrono::Duration::minutes(10),
        "{ttl}"
    );
    let spec = pod.spec.expect("spec");
    assert_eq!(spec.automount_service_account_token, Some(false));
    assert_eq!(spec.restart_policy.as_deref(), Some("Never"));
    assert_eq!(spec.active_deadline_seconds, Some(600));
    assert_eq!(spec.tolerations.as_ref().map(Vec::len), Some(1));
    let security = spec.security_context.expect("pod security");
    assert_eq!(security.run_as_non_root, Some(true));
    assert_eq!(security.run_as_user, Some(65534));
    let volumes = spec.volumes.expect("volumes");
    assert_eq!(volumes.len(), 1);
    let claim = volumes[0]
        .persistent_volume_claim
        .as_ref()
        .expect("a PVC volume");
    assert_eq!(
        (claim.claim_name.as_str(), claim.read_only),
        ("bench-results", Some(true))
    );
    let container = &spec.containers[0];
    assert_eq!(container.image.as_deref(), Some("busybox:1.37"));
    let mount = &container.volume_mounts.as_ref().expect("mounts")[0];
    assert_eq!(
        (mount.mount_path.as_str(), mount.read_only),
        ("/home/runner/results", Some(true))
    );
    let c = container
        .security_context
        .as_ref()
        .expect("container security");
    assert_eq!(c.allow_privilege_escalation, Some(false));
    assert_eq!(c.read_only_root_filesystem, Some(true));
    assert_eq!(
        c.capabilities.as_ref().and_then(|c| c.drop.clone()),
        Some(vec!["ALL".to_owned()])
    );
    let limits = container
        .resources
        .as_ref()
        .and_then(|r| r.limits.clone())
        .expect("limits");
    assert_eq!(limits["memory"].0, "64Mi");

    // Only the patterns' directory was listed, with paths as arguments.
    let execs = kube.execs();
    assert_eq!(execs[0][..2], ["sh".to_owned(), "-c".to_owned()]);
    assert_eq!(
        execs[0][4..],
        [
            "/home/runner/results".to_owned(),
            "./runs/31753891150".to_owned()
        ]
    );

    assert!(kube.get("pods", NS, "wfm-pvc-reader-7-501").is_some());
    reader.release().await;
    assert!(
        kube.get("pods", NS, "wfm-pvc-reader-7-501").is_none(),
        "deleted after reading"
    );
}

#[tokio::test]
async fn a_file_over_the_cap_or_gone_is_refused_without_failing_the_others() {
    let kube = FakeKube::start().await;
    let dir = volume("caps");
    kube.add_claim(NS, "bench-results", &dir);
    let reader = reader(&kube, 502);
    let listing = reader
        .list(&request(&["runs/{run_id}/*.json"]))
        .await
        .expect("listing");
    let summary = &listing.files[0];
    let err = reader.read(summary, 10).await.expect_err("over 10 bytes");
    assert!(
        matches!(err, ReadError::TooLarge { limit: 10, .. }),
        "{err}"
    );
    let gone = FileEntry {
        path: "runs/31753891150/vanished.json".into(),
        size: 1,
    };
    assert!(matches!(
        reader.read(&gone, 100).await,
        Err(ReadError::NotFound)
    ));
    // A symlink out of the volume is never followed.
    std::os::unix::fs::symlink("/etc/passwd", dir.join("runs/31753891150/evil.json"))
        .expect("symlink");
    let listing = reader
        .list(&request(&["runs/{run_id}/*.json"]))
        .await
        .expect("listing");
    assert!(listing.files.iter().all(|f| !f.path.ends_with("evil.json")));
    let evil = FileEntry {
        path: "runs/31753891150/evil.json".into(),
        size: 1,
    };
    assert!(matches!(
        reader.read(&evil, 10_000).await,
        Err(ReadError::NotFound)
    ));
    reader.release().await;
}

#[tokio::test]
async fn symlinked_directories_out_of_the_volume_are_neither_listed_nor_read() {
    let kube = FakeKube::start().await;
    let dir = volume("symlinked-dir");
    let outside = dir.with_extension("outside");
    std::fs::create_dir_all(&outside).expect("mkdir");
    std::fs::write(outside.join("secret.json"), "{}").expect("write");
    // runs/escape -> a directory outside the volume
    std::os::unix::fs::symlink(&outside, dir.join("runs/escape")).expect("symlink");
    kube.add_claim(NS, "bench-results", &dir);
    let reader = reader(&kube, 505);
    let both = ListRequest {
        patterns: vec!["runs/escape/*.json".into(), "runs/**/*.json".into()],
        ..request(&[])
    };
    let listing = reader.list(&both).await.expect("listing");
    let paths: Vec<&str> = listing.files.iter().map(|f| f.path.as_str()).collect();
    assert!(paths.iter().all(|p| !p.contains("escape")), "{paths:?}");
    assert!(paths.contains(&"runs/99/summary.json"), "{paths:?}");
    // Listing the symlinked directory itself: skipped, and said so.
    let only_escape = ListRequest {
        patterns: vec!["runs/escape/*.json".into()],
        ..request(&[])
    };
    let listing = reader.list(&only_escape).await.expect("listing");
    assert!(listing.files.is_empty(), "{:?}", listing.files);
    assert!(
        listing
            .refused
            .iter()
            .any(|(_, why)| why.contains("resolves outside the root")),
        "{:?}",
        listing.refused
    );
    let forged = FileEntry {
        path: "runs/escape/secret.json".into(),
        size: 2,
    };
    assert!(matches!(
        reader.read(&forged, 100).await,
        Err(ReadError::NotFound)
    ));
    reader.release().await;
}

#[tokio::test]
async fn a_missing_or_unbound_pvc_skips_the_run_without_a_pod() {
    let kube = FakeKube::start().await;
    let err = reader(&kube, 503)
        .list(&request(&["*.json"]))
        .await
        .expect_err("no PVC");
    assert!(
        matches!(&err, ListError::Unavailable(m) if m.contains("arc-runners/bench-results does not exist")),
        "{err}"
    );
    kube.apply(json!({
        "apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": "bench-results", "namespace": NS},
        "status": {"phase": "Pending"},
    }));
    let err = reader(&kube, 503)
        .list(&request(&["*.json"]))
        .await
        .expect_err("unbound");
    assert!(
        matches!(&err, ListError::Unavailable(m) if m.contains("is Pending, not Bound")),
        "{err}"
    );
    assert!(
        kube.created().is_empty(),
        "no pod for a run that cannot be read"
    );
}

#[tokio::test]
async fn a_pod_that_never_runs_is_deleted_and_the_run_retried() {
    let kube = FakeKube::start().await;
    kube.add_claim(NS, "bench-results", &volume("pending"));
    kube.set_pod_phase("Pending");
    let reader = reader(&kube, 504);
    let err = reader
        .list(&request(&["*.json"]))
        .await
        .expect_err("never Running");
    assert!(
        matches!(&err, ListError::Io(m) if m.contains("not Running after 2s") && m.contains("0/1 nodes are available")),
        "{err}"
    );
    assert!(
        kube.get("pods", NS, "wfm-pvc-reader-7-504").is_none(),
        "the stuck pod is deleted"
    );
}

#[tokio::test]
async fn the_reaper_deletes_expired_reader_pods_only() {
    let kube = FakeKube::start().await;
    let pod = |name: &str, expires: &str, reader: bool| {
        let mut labels = json!({"app": "x"});
        if reader {
            labels[READER_LABEL] = json!("true");
        }
        json!({"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": name, "namespace": NS, "labels": labels,
                            "annotations": {"wfm.io/expires-at": expires}},
               "spec": {"containers": [{"name": "reader"}]}})
    };
    let past = (Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    let future = (Utc::now() + chrono::Duration::minutes(5)).to_rfc3339();
    kube.apply(pod("wfm-pvc-reader-1-1", &past, true));
    kube.apply(pod("wfm-pvc-reader-1-2", &future, true));
    kube.apply(pod("someone-elses", &past, false));
    let pods = kube::Api::<Pod>::namespaced(kube.client(), NS);
    let reaped = wfm_kube::reaper::reap_expired(&pods, Duration::from_secs(600), Utc::now())
        .await
        .expect("reap");
    assert_eq!(reaped, ["wfm-pvc-reader-1-1"]);
    assert!(kube.get("pods", NS, "wfm-pvc-reader-1-1").is_none());
    assert!(kube.get("pods", NS, "wfm-pvc-reader-1-2").is_some());
    assert!(kube.get("pods", NS, "someone-elses").is_some());
}
