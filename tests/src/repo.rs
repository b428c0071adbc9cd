//! The repository's own files, for tests that check one file against
//! another (compose file, chart, binaries).

use std::path::PathBuf;

/// `path` relative to the repository root.
pub fn path(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path)
}

pub fn read(file: &str) -> String {
    std::fs::read_to_string(path(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// The default port a service binary declares (`default_port: N` in its main.rs).
pub fn default_port(service: &str) -> u16 {
    let main = read(&format!("services/{service}/src/main.rs"));
    main.lines()
        .find_map(|l| l.trim().strip_prefix("default_port: "))
        .and_then(|v| v.trim_end_matches(',').parse().ok())
        .unwrap_or_else(|| panic!("no default_port in services/{service}/src/main.rs"))
}

/// Every Rust source under `dir`, concatenated.
pub fn sources(dir: &str) -> String {
    let mut all = String::new();
    let mut stack = vec![path(dir)];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                all.push_str(&std::fs::read_to_string(&p).expect("read"));
            }
        }
    }
    all
}

/// Whether some wfm code reads an environment variable, by name: a string
/// literal in `service`'s own sources or the shared crates (read once here).
pub fn settings_read_by(service: &str) -> impl Fn(&str) -> bool {
    let code = [format!("services/{service}"), "shared".into(), "db".into()]
        .iter()
        .map(|dir| sources(dir))
        .collect::<String>();
    move |name| code.contains(&format!("\"{name}\""))
}
