//! The mounted reader on real directories: globs with placeholders, the
//! root boundary (`..`, absolute paths, symlinks), caps and the time window.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use wfm_reader::{FileReader, ListError, ListRequest, MountedReader, Placeholders, ReadError};

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wfm-reader-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn write(root: &Path, path: &str, body: &str) {
    let full = root.join(path);
    std::fs::create_dir_all(full.parent().expect("parent")).expect("dirs");
    std::fs::write(full, body).expect("write");
}

fn request(patterns: &[&str]) -> ListRequest {
    ListRequest {
        patterns: patterns.iter().map(|p| p.to_string()).collect(),
        placeholders: Placeholders {
            run_id: Some("7".into()),
            ..Placeholders::default()
        },
        window: None,
        max_files: 100,
    }
}

fn reader(root: &Path) -> MountedReader {
    MountedReader::new(root, None, Duration::from_secs(5)).expect("reader")
}

#[tokio::test]
async fn globs_with_placeholders_find_only_this_runs_files() {
    let root = scratch("globs");
    write(&root, "runs/7/a/result.json", "{}");
    write(&root, "runs/7/b/c/result.json", "{}");
    write(&root, "runs/7/summary.csv", "a,b");
    write(&root, "runs/8/result.json", "{}");
    let listing = reader(&root)
        .list(&request(&[
            "runs/{run_id}/**/*.json",
            "runs/{run_id}/*.csv",
        ]))
        .await
        .expect("list");
    let paths: Vec<&str> = listing.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "runs/7/a/result.json",
            "runs/7/b/c/result.json",
            "runs/7/summary.csv"
        ]
    );
    let missing = reader(&root)
        .list(&request(&["runs/{head_sha}/*.json"]))
        .await;
    assert!(
        matches!(missing, Err(ListError::BadPattern { .. })),
        "{missing:?}"
    );
}

#[tokio::test]
async fn nothing_outside_the_root_is_listed_or_read() {
    let root = scratch("escape");
    let outside = scratch("escape-outside");
    write(&outside, "secret.csv", "password,1");
    write(&root, "ok/real.csv", "a,1");
    std::os::unix::fs::symlink(outside.join("secret.csv"), root.join("ok/link.csv"))
        .expect("symlink");
    std::os::unix::fs::symlink(root.join("ok/real.csv"), root.join("ok/inner.csv"))
        .expect("symlink");
    let r = reader(&root);
    let listing = r.list(&request(&["ok/*.csv"])).await.expect("list");
    let paths: Vec<&str> = listing.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        ["ok/inner.csv", "ok/real.csv"],
        "a symlink inside the root is fine"
    );
    assert_eq!(listing.refused.len(), 1);
    assert_eq!(listing.refused[0].0, "ok/link.csv");
    assert!(
        listing.refused[0].1.contains("outside the result root"),
        "{:?}",
        listing.refused
    );
    for pattern in ["../escape-outside-*/*.csv", "ok/../../*", "/etc/passwd"] {
        let refused = r.list(&request(&[pattern])).await;
        assert!(
            matches!(refused, Err(ListError::BadPattern { .. })),
            "{pattern}: {refused:?}"
        );
    }
    let sneaky = wfm_reader::FileEntry {
        path: "ok/link.csv".into(),
        size: 0,
    };
    assert!(matches!(
        r.read(&sneaky, 1024).await,
        Err(ReadError::Outside)
    ));
    assert!(MountedReader::new(&root, Some("../x"), Duration::from_secs(1)).is_err());
}

#[tokio::test]
async fn a_missing_root_says_so() {
    let root = scratch("missing").join("not-mounted");
    let err = reader(&root)
        .list(&request(&["*.csv"]))
        .await
        .expect_err("missing");
    assert!(matches!(err, ListError::RootMissing(_)));
    assert!(err.to_string().contains("does not exist"), "{err}");
}

#[tokio::test]
async fn caps_on_size_and_count() {
    let root = scratch("caps");
    for i in 0..5 {
        write(&root, &format!("r{i}.csv"), "a,b\n1,2\n");
    }
    write(&root, "big.csv", &"x".repeat(2000));
    let r = reader(&root);
    let mut req = request(&["*.csv"]);
    req.max_files = 3;
    let listing = r.list(&req).await.expect("list");
    assert_eq!((listing.files.len(), listing.over_cap), (3, 3));
    let big = wfm_reader::FileEntry {
        path: "big.csv".into(),
        size: 2000,
    };
    let err = r.read(&big, 1000).await.expect_err("too large");
    assert_eq!(
        err.to_string(),
        "file is 2000 bytes, over the 1000-byte limit"
    );
    assert!(!err.is_transient());
    let small = wfm_reader::FileEntry {
        path: "r0.csv".into(),
        size: 8,
    };
    assert_eq!(r.read(&small, 1000).await.expect("read"), b"a,b\n1,2\n");
}

#[tokio::test]
async fn the_time_window_keeps_files_written_during_the_run() {
    let root = scratch("window");
    write(&root, "old.csv", "a");
    write(&root, "new.csv", "a");
    let old = std::fs::File::options()
        .write(true)
        .open(root.join("old.csv"))
        .expect("open");
    old.set_modified(SystemTime::now() - Duration::from_secs(3 * 3600))
        .expect("mtime");
    let mut req = request(&["*.csv"]);
    let now = chrono::Utc::now();
    req.window = Some((
        now - chrono::Duration::minutes(10),
        now + chrono::Duration::minutes(1),
    ));
    let listing = reader(&root).list(&req).await.expect("list");
    assert_eq!(
        listing
            .files
            .iter()
            .map(|f| f.path.as_str())
            .collect::<Vec<_>>(),
        ["new.csv"]
    );
}

#[tokio::test]
async fn a_planted_directory_symlink_and_a_fifo_are_refused() {
    let base = scratch("planted");
    let outside = scratch("planted-outside");
    write(&outside, "secret.csv", "x");
    std::os::unix::fs::symlink(&outside, base.join("team-x")).expect("symlink");
    let planted =
        MountedReader::new(&base, Some("team-x"), Duration::from_secs(5)).expect("reader");
    let refused = planted.list(&request(&["*.csv"])).await;
    assert!(
        matches!(refused, Err(ListError::BadPattern { .. })),
        "{refused:?}"
    );

    let root = scratch("fifo");
    let fifo = root.join("pipe.csv");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let entry = wfm_reader::FileEntry {
        path: "pipe.csv".into(),
        size: 0,
    };
    let started = std::time::Instant::now();
    let err = reader(&root)
        .read(&entry, 1024)
        .await
        .expect_err("not a file");
    assert!(matches!(err, ReadError::NotRegular), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "opening a FIFO must not block"
    );
    assert!(!err.is_transient());
}

/// Lists on a thread of its own and gives up after a few seconds, so a
/// listing that never ends fails the test instead of hanging it.
fn list_within_seconds(r: &MountedReader, req: &ListRequest) -> wfm_reader::Listing {
    let (r, req) = (r.clone(), req.clone());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let _ = tx.send(rt.block_on(r.list(&req)));
    });
    rx.recv_timeout(Duration::from_secs(10))
        .expect("the listing must end")
        .expect("list")
}

fn paths(listing: &wfm_reader::Listing) -> Vec<&str> {
    listing.files.iter().map(|f| f.path.as_str()).collect()
}

fn link(target: &str, at: &Path) {
    std::os::unix::fs::symlink(target, at).expect("symlink");
}

#[test]
fn a_symlink_loop_lists_each_file_once() {
    let root = scratch("loop");
    write(&root, "r.json", "{}");
    write(&root, "d/s.json", "{}");
    link(".", &root.join("a"));
    let listing = list_within_seconds(&reader(&root), &request(&["**/*.json"]));
    assert_eq!(paths(&listing), ["d/s.json", "r.json"]);
    assert!(listing.refused.is_empty(), "{:?}", listing.refused);
}

#[test]
fn two_symlink_loops_finish_and_list_each_file_once() {
    let root = scratch("loops");
    write(&root, "r.json", "{}");
    write(&root, "d/s.json", "{}");
    write(&root, "x/1.json", "{}");
    write(&root, "y/2.json", "{}");
    link(".", &root.join("a"));
    link("..", &root.join("d/b"));
    link("../y", &root.join("x/to-y"));
    link("../x", &root.join("y/to-x"));
    let listing = list_within_seconds(&reader(&root), &request(&["**/*.json", "*/*.json"]));
    assert_eq!(
        paths(&listing),
        ["d/s.json", "r.json", "x/1.json", "y/2.json"]
    );
}

#[test]
fn a_link_to_a_sibling_directory_does_not_duplicate_its_files() {
    let root = scratch("sibling");
    write(&root, "runs/7/data/r.json", "{}");
    // Sorts before its target: the file is still listed under its real path.
    link("data", &root.join("runs/7/0-latest"));
    let listing = list_within_seconds(&reader(&root), &request(&["runs/{run_id}/**/*.json"]));
    assert_eq!(paths(&listing), ["runs/7/data/r.json"]);
    let one_level = list_within_seconds(&reader(&root), &request(&["runs/7/*/r.json"]));
    assert_eq!(paths(&one_level), ["runs/7/data/r.json"]);
}

#[test]
fn a_directory_link_out_of_the_root_is_refused_under_a_recursive_pattern() {
    let root = scratch("recursive-escape");
    let outside = scratch("recursive-escape-outside");
    write(&outside, "secret.json", "{}");
    write(&root, "ok/r.json", "{}");
    std::os::unix::fs::symlink(&outside, root.join("ok/out")).expect("symlink");
    link(".", &root.join("ok/again"));
    let listing = list_within_seconds(&reader(&root), &request(&["**/*.json"]));
    assert_eq!(paths(&listing), ["ok/r.json"]);
    assert!(
        listing.refused.iter().any(
            |(path, why)| path.starts_with("ok/out") && why.contains("outside the result root")
        ),
        "{:?}",
        listing.refused
    );
}

#[tokio::test]
async fn the_entry_cap_ends_a_listing_with_the_reason() {
    let root = scratch("entry-cap");
    for i in 0..20 {
        write(&root, &format!("d/r{i}.json"), "{}");
    }
    let capped = reader(&root).with_max_entries(10);
    let err = capped
        .list(&request(&["**/*.json"]))
        .await
        .expect_err("over the cap");
    assert!(matches!(err, ListError::Refused(_)), "{err:?}");
    assert!(err.to_string().contains("10 directory entries"), "{err}");
    let roomy = reader(&root).with_max_entries(wfm_reader::DEFAULT_MAX_LISTED_ENTRIES);
    let listing = roomy.list(&request(&["**/*.json"])).await.expect("list");
    assert_eq!(listing.files.len(), 20);
}
