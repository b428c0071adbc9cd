//! `wfm_db::queue` owns the run queue: no other code in the workspace sets a
//! run's status or claim columns, so each transition (and "failed → pending")
//! is defined once. A scan of the sources, so a new writer elsewhere fails here.

use std::path::{Path, PathBuf};

/// Text that writes a run's status or claim outside the queue.
const WRITES: [&str; 4] = [
    "runs::status.eq(",
    "runs::claimed_by.eq(",
    "runs::lease_expires_at.eq(",
    "runs::next_attempt_at.eq(",
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a source folder") {
        let path = entry.expect("an entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if path.is_dir() {
            // tests, benches and examples set up rows as they need
            if !matches!(name, "tests" | "benches" | "examples" | "target" | "queue") {
                sources(&path, out);
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

#[test]
fn only_the_queue_sets_run_status_and_claims() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for dir in ["db/src", "services", "shared"] {
        sources(&root.join(dir), &mut files);
    }
    assert!(files.len() > 50, "found the sources: {}", files.len());
    let mut offenders = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("a source file");
        // an UPDATE of the runs table that sets status or claim columns
        for (i, _) in text.match_indices("UPDATE github_workflow_runs") {
            let statement = &text[i..text[i..].find("\")").map_or(text.len(), |end| i + end)];
            let sets_queue_columns = [
                "status =",
                "claimed_by =",
                "lease_expires_at =",
                "next_attempt_at =",
            ]
            .iter()
            .any(|c| statement.contains(c));
            if sets_queue_columns {
                offenders.push(format!(
                    "{}: {}",
                    file.display(),
                    &statement[..statement.len().min(80)]
                ));
            }
        }
        let diesel_writes =
            text.contains("update(runs::table)") || text.contains("insert_into(runs::table)");
        if diesel_writes && WRITES.iter().any(|w| text.contains(w)) {
            offenders.push(format!(
                "{}: sets run status or claim columns",
                file.display()
            ));
        }
    }
    assert!(
        offenders.is_empty(),
        "outside wfm_db::queue:\n{}",
        offenders.join("\n")
    );
}
