//! What ARC runner pods use, from the `metrics.k8s.io` API (metrics-server):
//! each runner pod's CPU and memory summed over its containers, with the
//! limits its EphemeralRunner's pod spec sets, so usage can be told as a
//! share (read from the EphemeralRunner the scanner may already list, not
//! the Pod: the scanner needs no right on pods). No agent runs on the
//! runner; the pod's name is the runner's (ARC names the pod after its
//! EphemeralRunner, and GitHub's `runner_name` is that name).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::PodSpec;
use kube::api::{ApiResource, DynamicObject, GroupVersionKind, ListParams};
use kube::{Api, Client};

use crate::arc::EphemeralRunner;

/// The label ARC puts on every runner pod.
pub const RUNNER_POD_LABEL: &str = "actions-ephemeral-runner=True";

/// One runner pod's usage at one time.
#[derive(Debug, Clone, PartialEq)]
pub struct RunnerPodUsage {
    pub runner_name: String,
    /// The end of the window metrics-server measured over.
    pub t: DateTime<Utc>,
    pub cpu_cores: f64,
    pub memory_bytes: i64,
    /// The pod's limits, when every container sets one.
    pub cpu_limit_cores: Option<f64>,
    pub memory_limit_bytes: Option<i64>,
}

fn pod_metrics(client: Client, namespace: Option<&str>) -> Api<DynamicObject> {
    let resource = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("metrics.k8s.io", "v1beta1", "PodMetrics"),
        "pods",
    );
    match namespace {
        Some(ns) => Api::namespaced_with(client, ns, &resource),
        None => Api::all_with(client, &resource),
    }
}

/// The usage of the running ARC runner pods of `namespace` (all when
/// `None`): their PodMetrics, and their EphemeralRunners for the limits.
pub async fn runner_pod_usage(
    client: &Client,
    namespace: Option<&str>,
) -> Result<Vec<RunnerPodUsage>, kube::Error> {
    let metrics = pod_metrics(client.clone(), namespace)
        .list(&ListParams::default().labels(RUNNER_POD_LABEL))
        .await?;
    let runners: Api<EphemeralRunner> = match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    };
    let runners = runners.list(&ListParams::default()).await?;
    // by namespace and name: two namespaces may have runners of one name
    let limits: HashMap<(Option<&str>, &str), Limits> = runners
        .items
        .iter()
        .filter_map(|r| {
            let name = r.metadata.name.as_deref()?;
            let spec = r.spec.spec.as_ref()?;
            Some(((r.metadata.namespace.as_deref(), name), limits_of(spec)))
        })
        .collect();
    Ok(metrics
        .items
        .iter()
        .filter_map(|m| {
            let name = m.metadata.name.clone()?;
            let (cpu_limit_cores, memory_limit_bytes) = limits
                .get(&(m.metadata.namespace.as_deref(), name.as_str()))
                .copied()
                .unwrap_or((None, None));
            let usage = usage_of(&m.data)?;
            Some(RunnerPodUsage {
                runner_name: name,
                t: usage.0,
                cpu_cores: usage.1,
                memory_bytes: usage.2,
                cpu_limit_cores,
                memory_limit_bytes,
            })
        })
        .collect())
}

/// (time, CPU cores, memory bytes) of a PodMetrics' body, summed over its
/// containers; `None` when it says nothing usable.
fn usage_of(data: &serde_json::Value) -> Option<(DateTime<Utc>, f64, i64)> {
    let t = DateTime::parse_from_rfc3339(data["timestamp"].as_str()?)
        .ok()?
        .with_timezone(&Utc);
    let containers = data["containers"].as_array()?;
    if containers.is_empty() {
        return None;
    }
    let mut cpu = 0.0;
    let mut memory = 0i64;
    for c in containers {
        cpu += cpu_cores(c["usage"]["cpu"].as_str()?)?;
        memory = memory.checked_add(bytes(c["usage"]["memory"].as_str()?)?)?;
    }
    Some((t, cpu, memory))
}

/// A pod's CPU limit in cores and memory limit in bytes.
type Limits = (Option<f64>, Option<i64>);

/// The sums of the containers' limits, each only when every container sets it.
fn limits_of(spec: &PodSpec) -> Limits {
    let limit = |name: &str| -> Vec<Option<String>> {
        spec.containers
            .iter()
            .map(|c| {
                c.resources
                    .as_ref()
                    .and_then(|r| r.limits.as_ref())
                    .and_then(|l| l.get(name))
                    .map(|q| q.0.clone())
            })
            .collect()
    };
    let cpu = limit("cpu")
        .into_iter()
        .map(|q| q.and_then(|q| cpu_cores(&q)))
        .sum::<Option<f64>>();
    let memory = limit("memory")
        .into_iter()
        .map(|q| q.and_then(|q| bytes(&q)))
        .sum::<Option<i64>>();
    (cpu.filter(|c| *c > 0.0), memory.filter(|m| *m > 0))
}

/// A CPU quantity in cores: `2`, `250m`, `1500000n`, `12u`, `0.5`.
pub fn cpu_cores(quantity: &str) -> Option<f64> {
    let q = quantity.trim();
    let (number, scale) = match q.char_indices().last()? {
        (i, 'n') => (&q[..i], 1e-9),
        (i, 'u') => (&q[..i], 1e-6),
        (i, 'm') => (&q[..i], 1e-3),
        _ => (q, 1.0),
    };
    let value: f64 = number.parse().ok()?;
    (value.is_finite() && value >= 0.0).then_some(value * scale)
}

/// A memory quantity in bytes: `123456`, `512Ki`, `2Gi`, `1G`, `100M`, `1e3`.
pub fn bytes(quantity: &str) -> Option<i64> {
    let q = quantity.trim();
    let split = q
        .find(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
        .unwrap_or(q.len());
    let (number, suffix) = q.split_at(split);
    let scale: f64 = match suffix {
        "" => 1.0,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "m" => 1e-3,
        _ => return None,
    };
    let value: f64 = number.parse().ok()?;
    let bytes = (value * scale).round();
    (bytes.is_finite() && (0.0..9.0e18).contains(&bytes)).then_some(bytes as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quantities_read_as_kubernetes_writes_them() {
        assert_eq!(cpu_cores("2"), Some(2.0));
        assert_eq!(cpu_cores("250m"), Some(0.25));
        assert!((cpu_cores("1500000n").unwrap() - 0.0015).abs() < 1e-12);
        assert!((cpu_cores("12u").unwrap() - 0.000012).abs() < 1e-12);
        assert_eq!(cpu_cores("0.5"), Some(0.5));
        for bad in ["", "m", "-1", "x", "1Ki", "NaN"] {
            assert_eq!(cpu_cores(bad), None, "{bad}");
        }
        assert_eq!(bytes("123456"), Some(123_456));
        assert_eq!(bytes("512Ki"), Some(524_288));
        assert_eq!(bytes("2Gi"), Some(2 << 30));
        assert_eq!(bytes("1G"), Some(1_000_000_000));
        assert_eq!(bytes("100M"), Some(100_000_000));
        assert_eq!(bytes("1e3"), Some(1000));
        for bad in ["", "Gi", "-1Gi", "1Xi", "1e99", "12 Gi"] {
            assert_eq!(bytes(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_pods_usage_is_its_containers_summed() {
        let data = json!({"timestamp": "2026-12-05T10:00:15Z", "window": "15s", "containers": [
            {"name": "runner", "usage": {"cpu": "1500m", "memory": "2Gi"}},
            {"name": "dind", "usage": {"cpu": "250000000n", "memory": "512Mi"}}
        ]});
        let (t, cpu, memory) = usage_of(&data).expect("usage");
        assert_eq!(t.to_rfc3339(), "2026-12-05T10:00:15+00:00");
        assert!((cpu - 1.75).abs() < 1e-9);
        assert_eq!(memory, (2 << 30) + (512 << 20));
        assert_eq!(
            usage_of(&json!({"timestamp": "2026-12-05T10:00:15Z", "containers": []})),
            None
        );
        assert_eq!(
            usage_of(&json!({"containers": [{"usage": {"cpu": "1", "memory": "1"}}]})),
            None
        );
    }

    #[test]
    fn limits_count_only_when_every_container_sets_one() {
        let pod = |containers: serde_json::Value| -> PodSpec {
            serde_json::from_value(json!({"containers": containers})).expect("a pod spec")
        };
        let both = pod(json!([
            {"name": "runner", "resources": {"limits": {"cpu": "4", "memory": "8Gi"}}},
            {"name": "dind", "resources": {"limits": {"cpu": "500m", "memory": "1Gi"}}}
        ]));
        assert_eq!(limits_of(&both), (Some(4.5), Some(9 << 30)));
        let one = pod(json!([
            {"name": "runner", "resources": {"limits": {"cpu": "4"}}},
            {"name": "dind"}
        ]));
        assert_eq!(limits_of(&one), (None, None));
    }
}
