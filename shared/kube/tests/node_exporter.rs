//! The node-exporter reader: a reader pod for the mounts, files through a
//! node agent's container-FS API (a fake one here, serving a directory the
//! way Primus-Lens' node-exporter answers).

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use base64::Engine as _;
use serde_json::{Value, json};
use wfm_kube::pod::PodSettings;
use wfm_kube::volumes::ResultMount;
use wfm_kube::{Channel, PodTarget, TempPodReader};
use wfm_reader::{FileReader, ListRequest, Placeholders, ReadError};
use wfm_testing::fake_kube::FakeKube;

const NS: &str = "arc-runners";
const ROOT: &str = "/home/runner/results";

struct Agent {
    dir: PathBuf,
    bodies: Mutex<Vec<Value>>,
}

/// The container path `ROOT/...` as a file of `dir`.
fn local(dir: &Path, path: &str) -> Option<PathBuf> {
    let rel = path.strip_prefix(ROOT)?.trim_start_matches('/');
    Some(dir.join(rel))
}

async fn list(agent: web::Data<Agent>, body: web::Json<Value>) -> HttpResponse {
    agent.bodies.lock().expect("lock").push(body.0.clone());
    let path = body["path"].as_str().unwrap_or_default();
    let Some(start) = local(&agent.dir, path).filter(|p| p.is_dir()) else {
        return HttpResponse::Ok().json(json!({"code": 404, "msg": "directory not found"}));
    };
    let mut files = Vec::new();
    let mut stack = vec![start];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read_dir").flatten() {
            let p = entry.path();
            let meta = std::fs::symlink_metadata(&p).expect("meta");
            let shown = format!(
                "{ROOT}/{}",
                p.strip_prefix(&agent.dir).expect("inside").display()
            );
            if meta.is_dir() {
                stack.push(p);
            }
            files.push(
                json!({"path": shown, "size": meta.len(), "is_dir": meta.is_dir(),
                              "is_symlink": meta.file_type().is_symlink(),
                              "mod_time": "2026-07-01T10:20:00Z", "mode": "-rw-r--r--"}),
            );
        }
    }
    let total = files.len();
    HttpResponse::Ok()
        .json(json!({"code": 0, "data": {"files": files, "total": total}, "msg": "success"}))
}

async fn read(agent: web::Data<Agent>, body: web::Json<Value>) -> HttpResponse {
    agent.bodies.lock().expect("lock").push(body.0.clone());
    let path = body["path"].as_str().unwrap_or_default();
    let Some(bytes) = local(&agent.dir, path).and_then(|p| std::fs::read(p).ok()) else {
        return HttpResponse::Ok()
            .json(json!({"code": 500, "msg": "open: no such file or directory"}));
    };
    let length = body["length"].as_u64().unwrap_or(u64::MAX) as usize;
    let part = &bytes[..bytes.len().min(length)];
    HttpResponse::Ok().json(json!({"code": 0, "msg": "success", "data": {
        "content": base64::engine::general_purpose::STANDARD.encode(part),
        "file_info": {"path": path, "size": bytes.len(), "is_dir": false, "is_symlink": false},
        "bytes_read": part.len(), "eof": part.len() == bytes.len()}}))
}

#[tokio::test]
async fn files_come_through_the_node_agent_of_the_reader_pods_node() {
    let dir = std::env::temp_dir().join(format!("wfm-kube-node-exporter-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("runs/42")).expect("mkdir");
    std::fs::write(dir.join("runs/42/result.json"), r#"{"fps": 60}"#).expect("write");
    std::fs::write(dir.join("runs/42/big.json"), "x".repeat(5000)).expect("write");
    std::fs::write(dir.join("other.json"), "{}").expect("write");

    let agent = web::Data::new(Agent {
        dir: dir.clone(),
        bodies: Mutex::new(Vec::new()),
    });
    let data = agent.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/v1/container-fs/list", web::post().to(list))
            .route("/v1/container-fs/read", web::post().to(read))
    })
    .workers(1)
    .disable_signals()
    .bind(("127.0.0.1", 0))
    .expect("bind");
    let port = server.addrs()[0].port();
    let server = server.run();
    let handle = server.handle();
    tokio::spawn(server);

    let kube = FakeKube::start().await;
    kube.add_claim(NS, "bench-results", &dir);
    let target = PodTarget {
        namespace: NS.into(),
        config_id: 3,
        run_id: 9,
        mounts: vec![ResultMount {
            volume: "bench-results".into(),
            claim: "bench-results".into(),
            mount_path: ROOT.into(),
            sub_path: None,
        }],
        root: ROOT.into(),
    };
    let channel = Channel::NodeExporter {
        http: reqwest::Client::new(),
        url: format!("http://{{host_ip}}:{port}"),
    };
    let reader = TempPodReader::new(
        kube.client(),
        PodSettings::default(),
        channel,
        target,
        Duration::from_secs(5),
    );
    let request = ListRequest {
        patterns: vec!["runs/{run_id}/*.json".into()],
        placeholders: Placeholders {
            run_id: Some("42".into()),
            ..Placeholders::default()
        },
        window: None,
        max_files: 10,
    };
    let listing = reader.list(&request).await.expect("listing");
    let paths: Vec<&str> = listing.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["runs/42/big.json", "runs/42/result.json"]);
    let result = &listing.files[1];
    assert_eq!(
        reader.read(result, 1024).await.expect("read"),
        br#"{"fps": 60}"#
    );
    let big = &listing.files[0];
    assert!(matches!(
        reader.read(big, 1000).await,
        Err(ReadError::TooLarge {
            size: 5000,
            limit: 1000
        })
    ));

    // The agent was asked about the reader pod's container, by uid.
    let bodies = agent.bodies.lock().expect("lock").clone();
    let pod = kube
        .get("pods", NS, "wfm-pvc-reader-3-9")
        .expect("the reader pod");
    assert_eq!(bodies[0]["pod_uid"], pod["metadata"]["uid"]);
    assert_eq!(bodies[0]["container_name"], "reader");
    assert_eq!(bodies[0]["path"], format!("{ROOT}/runs/42"));
    assert_eq!(bodies[0]["recursive"], true);
    assert!(kube.execs().is_empty(), "no exec needed");
    reader.release().await;
    assert!(kube.get("pods", NS, "wfm-pvc-reader-3-9").is_none());
    handle.stop(false).await;
}
