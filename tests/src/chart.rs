//! charts/wfm through real Helm: `scripts/lib/helm.py` run by the test
//! virtualenv's Python, which has Helm v4 as a library (`helm-python-sdk`:
//! Helm's Go SDK behind a C ABI, no helm binary) and Kubernetes' schemas
//! (`kubernetes-validate`).
//!
//! The virtualenv is `$WFM_TEST_VENV` (scripts/test sets it) or
//! `.wfm/test-venv`, made or refreshed here by `scripts/lib/venv.sh` when
//! needed, so `cargo test -p wfm-e2e` works alone too.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

use crate::repo::path;

/// The Kubernetes version whose schemas `validate` checks objects against.
pub const KUBE_VERSION: &str = "1.33";

/// The test virtualenv, made or refreshed once per test process. A lock file
/// next to it keeps test processes running at once from building it twice.
pub fn venv() -> &'static Path {
    static VENV: OnceLock<PathBuf> = OnceLock::new();
    VENV.get_or_init(|| ensure_venv().unwrap_or_else(|e| panic!("the test virtualenv: {e}")))
}

fn ensure_venv() -> Result<PathBuf, String> {
    let given = std::env::var_os("WFM_TEST_VENV").filter(|v| !v.is_empty());
    let venv = given
        .clone()
        .map_or_else(|| path(".wfm/test-venv"), PathBuf::from);
    // scripts/test made it just now: trust it.
    if given.is_some() && venv.join("bin/python").exists() {
        return Ok(venv);
    }
    let lock_path = venv.with_extension("lock");
    if let Some(dir) = lock_path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let lock =
        std::fs::File::create(&lock_path).map_err(|e| format!("{}: {e}", lock_path.display()))?;
    lock.lock()
        .map_err(|e| format!("locking {}: {e}", lock_path.display()))?;
    // Quick when the virtualenv is current (a hash of the requirements compared).
    let out = Command::new("bash")
        .args(["-c", "source scripts/lib/venv.sh && ensure_test_venv"])
        .current_dir(path(""))
        .env("WFM_TEST_VENV", &venv)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("running bash: {e}"))?;
    drop(lock);
    if !out.status.success() {
        return Err(format!(
            "`source scripts/lib/venv.sh && ensure_test_venv` failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(venv)
}

/// `scripts/lib/helm.py ARGS` with `stdin`: its stdout, or on failure what
/// it said (stdout and stderr).
fn helm_py(args: &[&str], stdin: Option<&str>) -> Result<String, String> {
    use std::io::Write as _;

    let mut child = Command::new(venv().join("bin/python"))
        .arg(path("scripts/lib/helm.py"))
        .args(args)
        .current_dir(path(""))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("running scripts/lib/helm.py: {e}"));
    let mut input = child.stdin.take().expect("stdin");
    let text = stdin.unwrap_or_default().to_owned();
    // Written from a thread: the child may fill its stdout before reading all of stdin.
    let writer = std::thread::spawn(move || input.write_all(text.as_bytes()));
    let out = child
        .wait_with_output()
        .expect("scripts/lib/helm.py's output");
    writer
        .join()
        .expect("the stdin writer")
        .expect("writing scripts/lib/helm.py's stdin");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.success() {
        Ok(stdout)
    } else {
        Err(format!("{stdout}{}", String::from_utf8_lossy(&out.stderr)))
    }
}

/// `helm template RELEASE charts/wfm -n NAMESPACE` with `values` over
/// values.yaml: the manifests as multi-document YAML, or Helm's error.
pub fn template_yaml(release: &str, namespace: &str, values: &Value) -> Result<String, String> {
    helm_py(&["template", release, namespace, &values.to_string()], None)
}

/// The objects of `template_yaml`.
pub fn template(release: &str, namespace: &str, values: &Value) -> Result<Vec<Value>, String> {
    let yaml = template_yaml(release, namespace, values)?;
    objects(&yaml)
}

/// Every object of a multi-document YAML (empty documents skipped).
pub fn objects(yaml: &str) -> Result<Vec<Value>, String> {
    let docs: Vec<Value> =
        serde_saphyr::from_multiple(yaml).map_err(|e| format!("parsing Helm's output: {e}"))?;
    Ok(docs.into_iter().filter(|d| !d.is_null()).collect())
}

/// `helm lint --strict charts/wfm` with `values` over values.yaml: its
/// report, or the report with what failed.
pub fn lint(values: &Value) -> Result<String, String> {
    helm_py(&["lint", &values.to_string()], None)
}

/// Checks every object of `manifests` against Kubernetes `KUBE_VERSION`'s
/// schemas, unknown fields included (custom resources are skipped): a summary,
/// or each failing object with what is wrong.
pub fn validate(manifests: &str) -> Result<String, String> {
    helm_py(
        &["validate", "--kube-version", KUBE_VERSION],
        Some(manifests),
    )
}

/// `over` merged into `base`: maps key by key, anything else replaced; a
/// `null` removes the key (as Helm's value overrides do).
pub fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(base), Value::Object(over)) => {
            for (key, value) in over {
                if value.is_null() {
                    base.remove(key);
                } else {
                    merge(base.entry(key.clone()).or_insert(Value::Null), value);
                }
            }
        }
        (base, over) => *base = over.clone(),
    }
}
