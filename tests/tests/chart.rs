//! charts/wfm rendered by real Helm (v4, as a library: see `wfm_e2e::chart`)
//! under several value sets, linted with `helm lint --strict`, every object
//! checked against Kubernetes 1.33's schemas, and the objects checked against
//! the binaries and each other: commands, ports, probes, settings read by the
//! code, non-root pods, selectors that match, hooks, service accounts bound by
//! the RBAC, and every value documented.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use wfm_e2e::binary;
use wfm_e2e::chart::{self, merge};
use wfm_e2e::repo::{default_port, read, settings_read_by};

const SERVICES: [&str; 4] = ["api", "collector", "scanner", "backfill"];

/// Every value the tests render with: `database.existingSecret` and these over values.yaml.
fn value_sets() -> Vec<(&'static str, Value)> {
    vec![
        ("defaults", json!({})),
        ("optional parts", optional_parts()),
        ("inline database URL", inline_database()),
        ("existing scanner account", existing_scanner_account()),
        ("every namespace", every_namespace()),
        ("no migrations", no_migrations()),
    ]
}

fn optional_parts() -> Value {
    json!({
        "collector": {"autoscaling": {"enabled": true, "maxReplicas": 7},
                      "results": {"claimName": "bench-results"}},
        "api": {"ingress": {"enabled": true, "className": "nginx"}, "env": {"WFM_API_WORKERS": 4}},
        "serviceMonitor": {"enabled": true},
        "secretEnv": {"WFM_WEBHOOK_SECRETS": "s3cret"},
        "config": {"WFM_DB_POOL_MAX_SIZE": 20, "WFM_MAX_FILE_BYTES": 5242880},
    })
}

fn inline_database() -> Value {
    json!({"database": {"existingSecret": "", "url": "postgres://u:p@db/wfm"}})
}

fn existing_scanner_account() -> Value {
    json!({"serviceAccount": {"scanner": {"create": false, "name": "ops-scanner"}}})
}

fn every_namespace() -> Value {
    json!({"runnerNamespaces": []})
}

fn no_migrations() -> Value {
    json!({"migrations": {"enabled": false}})
}

/// `database.existingSecret` and `overrides` over values.yaml.
fn values(overrides: Value) -> Value {
    let mut all = json!({"database": {"existingSecret": "wfm-db"}});
    merge(&mut all, &overrides);
    all
}

/// The objects of `helm template prod charts/wfm -n wfm` with `overrides`.
fn render(overrides: Value) -> Vec<Value> {
    chart::template("prod", "wfm", &values(overrides))
        .unwrap_or_else(|e| panic!("helm template: {e}"))
}

/// Helm's error for values that must not render.
fn render_error(values: Value) -> String {
    match chart::template("prod", "wfm", &values) {
        Ok(objects) => panic!("rendered {} objects, expected Helm to fail", objects.len()),
        Err(e) => e,
    }
}

#[test]
fn helm_lint_strict_passes_for_every_value_set() {
    for (name, overrides) in value_sets() {
        if let Err(report) = chart::lint(&values(overrides)) {
            panic!("helm lint --strict, {name}:\n{report}");
        }
    }
    // and it does fail a chart that cannot render
    let report = chart::lint(&values(json!({"config": "not a map"})))
        .expect_err("lint fails on a template error");
    assert!(report.contains("range can't iterate over"), "{report}");
}

#[test]
fn every_rendered_object_is_valid_kubernetes_1_33() {
    for (name, overrides) in value_sets() {
        let manifests = chart::template_yaml("prod", "wfm", &values(overrides))
            .unwrap_or_else(|e| panic!("helm template, {name}: {e}"));
        if let Err(failures) = chart::validate(&manifests) {
            panic!(
                "{name}: objects Kubernetes {} would refuse:\n{failures}",
                chart::KUBE_VERSION
            );
        }
    }
    // the validation does catch what a cluster refuses: an unknown field, a wrong type
    let bad = "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {selectr: {}}\n---\n\
               apiVersion: v1\nkind: Service\nmetadata: {name: b}\nspec: {ports: [{port: http}]}\n";
    let err = chart::validate(bad).unwrap_err();
    assert!(
        err.contains("Service/a") && err.contains("'selectr' was unexpected"),
        "{err}"
    );
    assert!(
        err.contains("Service/b") && err.contains("spec.ports.0.port"),
        "{err}"
    );
}

fn of_kind<'a>(objects: &'a [Value], kind: &str) -> Vec<&'a Value> {
    objects.iter().filter(|o| o["kind"] == kind).collect()
}

fn named<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    of_kind(objects, kind)
        .into_iter()
        .find(|o| o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

/// Whether `selector`'s labels all appear in `labels`.
fn selects(selector: &Value, labels: &Value) -> bool {
    let selector = selector.as_object().expect("a selector map");
    !selector.is_empty() && selector.iter().all(|(k, v)| labels[k] == *v)
}

fn env_of(container: &Value) -> BTreeMap<String, Value> {
    container["env"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| (e["name"].as_str().expect("env name").to_owned(), e.clone()))
        .collect()
}

#[test]
fn each_service_is_a_deployment_that_matches_its_binary() {
    let objects = render(json!({}));
    for service in SERVICES {
        let name = format!("prod-wfm-{service}");
        let deployment = named(&objects, "Deployment", &name);
        let pod = &deployment["spec"]["template"];
        assert!(
            selects(
                &deployment["spec"]["selector"]["matchLabels"],
                &pod["metadata"]["labels"]
            ),
            "{name}: the selector picks its own pods"
        );
        let containers = pod["spec"]["containers"].as_array().expect("containers");
        assert_eq!(containers.len(), 1);
        let c = &containers[0];
        let bin = format!("wfm-{service}");
        assert_eq!(c["command"], json!([bin]));
        assert!(std::path::Path::new(&binary(&bin)).exists());
        let port = default_port(service);
        assert_eq!(
            c["ports"],
            json!([{"name": "http", "containerPort": port}]),
            "{name}"
        );
        let env = env_of(c);
        assert_eq!(env["WFM_LISTEN_ADDR"]["value"], format!("0.0.0.0:{port}"));
        assert_eq!(
            env["DATABASE_URL"]["valueFrom"]["secretKeyRef"],
            json!({"name": "wfm-db", "key": "DATABASE_URL"})
        );
        assert_eq!(
            env["WFM_INSTANCE_ID"]["valueFrom"]["fieldRef"]["fieldPath"],
            "metadata.name"
        );
        let read_by_code = settings_read_by(service);
        for var in env.keys().filter(|k| k.starts_with("WFM_")) {
            assert!(read_by_code(var), "{name}: {var} is read by no wfm code");
        }
        assert_eq!(c["envFrom"][0]["configMapRef"]["name"], "prod-wfm-config");
        assert_eq!(
            c["livenessProbe"]["httpGet"],
            json!({"path": "/healthz", "port": "http"})
        );
        assert_eq!(
            c["readinessProbe"]["httpGet"],
            json!({"path": "/readyz", "port": "http"})
        );
        assert!(
            c["readinessProbe"]["timeoutSeconds"].as_u64() > Some(2),
            "over WFM_READY_TIMEOUT"
        );
        assert!(
            c["resources"]["requests"]["memory"].is_string(),
            "{name}: resources"
        );
        assert!(
            c["resources"]["limits"]["memory"].is_string(),
            "{name}: a memory limit"
        );
        // non-root, read-only, nothing to escalate
        let pod_security = &pod["spec"]["securityContext"];
        assert_eq!(pod_security["runAsNonRoot"], true);
        assert_eq!(pod_security["runAsUser"], 10001);
        assert_eq!(c["securityContext"]["readOnlyRootFilesystem"], true);
        assert_eq!(c["securityContext"]["allowPrivilegeEscalation"], false);
        assert_eq!(c["securityContext"]["capabilities"]["drop"], json!(["ALL"]));
        assert!(
            pod["spec"]["terminationGracePeriodSeconds"].as_u64() > Some(25),
            "longer than WFM_SHUTDOWN_TIMEOUT"
        );
        let checksum = pod["metadata"]["annotations"]["checksum/config"]
            .as_str()
            .unwrap_or_default();
        assert_eq!(checksum.len(), 64, "{name}: a config checksum");
        assert_eq!(c["image"], "ghcr.io/wfm/wfm:0.1.0");

        // its Service reaches the pods' http port
        let service_object = named(&objects, "Service", &name);
        assert!(selects(
            &service_object["spec"]["selector"],
            &pod["metadata"]["labels"]
        ));
        assert_eq!(service_object["spec"]["ports"][0]["targetPort"], "http");
    }
    assert_eq!(
        named(&objects, "Deployment", "prod-wfm-api")["spec"]["replicas"],
        2
    );
    assert_eq!(
        named(&objects, "Service", "prod-wfm-api")["spec"]["ports"][0]["port"],
        80
    );
    // disruption budgets for the services with two replicas by default
    let budgets = of_kind(&objects, "PodDisruptionBudget");
    assert_eq!(budgets.len(), 2);
    for pdb in budgets {
        let target = named(
            &objects,
            "Deployment",
            pdb["metadata"]["name"].as_str().unwrap(),
        );
        assert!(selects(
            &pdb["spec"]["selector"]["matchLabels"],
            &target["spec"]["template"]["metadata"]["labels"]
        ));
    }
    // off by default
    for kind in [
        "HorizontalPodAutoscaler",
        "Ingress",
        "ServiceMonitor",
        "ClusterRole",
    ] {
        assert!(of_kind(&objects, kind).is_empty(), "{kind}");
    }
}

#[test]
fn the_services_that_talk_to_kubernetes_run_as_the_accounts_the_rbac_binds() {
    let objects = render(json!({}));
    for (service, role) in [
        ("scanner", "prod-wfm-scanner"),
        ("collector", "prod-wfm-collector"),
    ] {
        let pod = &named(&objects, "Deployment", &format!("prod-wfm-{service}"))["spec"]["template"]
            ["spec"];
        let account = pod["serviceAccountName"].as_str().expect("an account");
        named(&objects, "ServiceAccount", account);
        let binding = named(&objects, "RoleBinding", role);
        assert_eq!(binding["metadata"]["namespace"], "arc-runners");
        assert_eq!(
            binding["subjects"],
            json!([{"kind": "ServiceAccount", "name": account, "namespace": "wfm"}])
        );
        assert!(
            named(&objects, "Role", role)["rules"]
                .as_array()
                .is_some_and(|r| !r.is_empty())
        );
    }
    let scanner = &named(&objects, "Deployment", "prod-wfm-scanner")["spec"]["template"]["spec"];
    assert_eq!(
        env_of(&scanner["containers"][0])["WFM_SCANNER_NAMESPACES"]["value"],
        "arc-runners"
    );
    for service in ["api", "backfill"] {
        let pod = &named(&objects, "Deployment", &format!("prod-wfm-{service}"))["spec"]["template"]
            ["spec"];
        assert_eq!(
            pod["automountServiceAccountToken"], false,
            "{service} needs no token"
        );
    }

    // an existing account must be named
    let err = render_error(
        json!({"database": {"existingSecret": "x"}, "serviceAccount": {"scanner": {"create": false}}}),
    );
    assert!(err.contains("serviceAccount.scanner.name"), "{err}");
    let objects = render(existing_scanner_account());
    assert!(
        of_kind(&objects, "ServiceAccount")
            .iter()
            .all(|a| a["metadata"]["name"] != "ops-scanner")
    );
    let scanner = &named(&objects, "Deployment", "prod-wfm-scanner")["spec"]["template"]["spec"];
    assert_eq!(scanner["serviceAccountName"], "ops-scanner");
    assert_eq!(
        named(&objects, "RoleBinding", "prod-wfm-scanner")["subjects"][0]["name"],
        "ops-scanner"
    );

    // every namespace: a read-only ClusterRole for the scanner, no namespace filter
    let objects = render(every_namespace());
    named(&objects, "ClusterRoleBinding", "prod-wfm-scanner");
    let scanner = &named(&objects, "Deployment", "prod-wfm-scanner")["spec"]["template"]["spec"];
    assert!(!env_of(&scanner["containers"][0]).contains_key("WFM_SCANNER_NAMESPACES"));
}

#[test]
fn migrations_run_as_a_hook_before_install_and_upgrade() {
    let objects = render(json!({}));
    let job = named(&objects, "Job", "prod-wfm-migrate");
    let hooks = job["metadata"]["annotations"]["helm.sh/hook"]
        .as_str()
        .expect("a hook");
    assert!(
        hooks.contains("pre-install") && hooks.contains("pre-upgrade"),
        "{hooks}"
    );
    let c = &job["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(c["command"], json!(["wfm", "migrate"]));
    assert_eq!(
        env_of(c)["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"],
        "wfm-db"
    );
    assert_eq!(job["spec"]["template"]["spec"]["restartPolicy"], "Never");
    // the shared settings reach the Job inline (its ConfigMap does not exist yet)
    assert_eq!(env_of(c)["WFM_CLUSTER_NAME"]["value"], "default");

    // an inline URL: a Secret for the services, and one made before the hook for the Job
    let objects = render(inline_database());
    let secret = named(&objects, "Secret", "prod-wfm-db");
    assert_eq!(
        secret["stringData"]["DATABASE_URL"],
        "postgres://u:p@db/wfm"
    );
    let hook_secret = named(&objects, "Secret", "prod-wfm-migrate-db");
    let weight = |o: &Value| -> i64 {
        o["metadata"]["annotations"]["helm.sh/hook-weight"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    let job = named(&objects, "Job", "prod-wfm-migrate");
    assert!(
        weight(hook_secret) < weight(job),
        "the Secret exists before the Job"
    );
    let c = &job["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        env_of(c)["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"],
        "prod-wfm-migrate-db"
    );
    let api =
        &named(&objects, "Deployment", "prod-wfm-api")["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        env_of(api)["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"],
        "prod-wfm-db"
    );

    // no database at all: the render fails and says what to set
    let err = render_error(json!({}));
    assert!(
        err.contains("database.existingSecret") && err.contains("database.url"),
        "{err}"
    );
    // migrations off: no Job
    assert!(of_kind(&render(no_migrations()), "Job").is_empty());
}

#[test]
fn optional_parts_render_when_enabled() {
    let objects = render(optional_parts());
    // HPA drives the collector, which then leaves its replica count alone
    let hpa = named(&objects, "HorizontalPodAutoscaler", "prod-wfm-collector");
    assert_eq!(hpa["spec"]["scaleTargetRef"]["name"], "prod-wfm-collector");
    assert_eq!(hpa["spec"]["maxReplicas"], 7);
    let collector = named(&objects, "Deployment", "prod-wfm-collector");
    assert!(collector["spec"]["replicas"].is_null());
    // the results volume, read-only, is the mounted reader's root
    let pod = &collector["spec"]["template"]["spec"];
    let c = &pod["containers"][0];
    assert_eq!(env_of(c)["WFM_MOUNTED_ROOT"]["value"], "/results");
    assert!(
        c["volumeMounts"]
            .as_array()
            .unwrap()
            .contains(&json!({"name": "results", "mountPath": "/results", "readOnly": true}))
    );
    assert!(
        pod["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["persistentVolumeClaim"]["claimName"] == "bench-results")
    );
    // the ingress reaches the api's Service
    let ingress = named(&objects, "Ingress", "prod-wfm-api");
    assert_eq!(ingress["spec"]["ingressClassName"], "nginx");
    let backend = &ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"];
    assert_eq!(
        backend,
        &json!({"name": "prod-wfm-api", "port": {"number": 80}})
    );
    // the ServiceMonitor scrapes every service's http port
    let monitor = named(&objects, "ServiceMonitor", "prod-wfm");
    for service in of_kind(&objects, "Service") {
        assert!(selects(
            &monitor["spec"]["selector"]["matchLabels"],
            &service["metadata"]["labels"]
        ));
    }
    assert_eq!(monitor["spec"]["endpoints"][0]["port"], "http");
    // settings: shared ones in the ConfigMap, secret ones in a Secret every pod reads, own ones inline
    let data = &named(&objects, "ConfigMap", "prod-wfm-config")["data"];
    assert_eq!(data["WFM_DB_POOL_MAX_SIZE"], "20");
    // a bare number reaches Helm as a float64: written as an integer, not 5.24288e+06
    assert_eq!(data["WFM_MAX_FILE_BYTES"], "5242880");
    assert_eq!(
        named(&objects, "Secret", "prod-wfm-env")["stringData"]["WFM_WEBHOOK_SECRETS"],
        "s3cret"
    );
    let api =
        &named(&objects, "Deployment", "prod-wfm-api")["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(api["envFrom"][1]["secretRef"]["name"], "prod-wfm-env");
    assert_eq!(env_of(api)["WFM_API_WORKERS"]["value"], "4");

    // a settings change rolls the pods: the checksum follows the ConfigMap
    let checksum = |objects: &[Value]| {
        named(objects, "Deployment", "prod-wfm-api")["spec"]["template"]["metadata"]["annotations"]
            ["checksum/config"]
            .clone()
    };
    assert_ne!(checksum(&objects), checksum(&render(json!({}))));
    assert_eq!(checksum(&render(json!({}))), checksum(&render(json!({}))));
}

#[test]
fn the_grafana_dashboard_ships_for_the_sidecar() {
    let objects = render(json!({"grafanaDashboard": {"annotations": {"grafana_folder": "CI"}}}));
    let map = named(&objects, "ConfigMap", "prod-wfm-dashboard");
    assert_eq!(map["metadata"]["labels"]["grafana_dashboard"], "1");
    assert_eq!(map["metadata"]["annotations"]["grafana_folder"], "CI");
    let dashboard: Value =
        serde_json::from_str(map["data"]["wfm.json"].as_str().expect("json text")).expect("JSON");
    assert_eq!(dashboard["uid"], "wfm-overview");
    let exprs: Vec<&str> = dashboard["panels"]
        .as_array()
        .expect("panels")
        .iter()
        .flat_map(|p| p["targets"].as_array().into_iter().flatten())
        .filter_map(|t| t["expr"].as_str())
        .collect();
    // what the api exports: the webhook metrics and the benchmark series
    for metric in [
        "github_workflow_run_total",
        "github_workflow_run_duration_seconds_bucket",
        "github_job_queue_duration_seconds_bucket",
        "wfm_benchmark_latest_value",
        "wfm_benchmark_regression_active",
    ] {
        assert!(
            exprs.iter().any(|e| e.contains(metric)),
            "no panel reads {metric}"
        );
    }
    let off = render(json!({"grafanaDashboard": {"enabled": false}}));
    assert!(
        of_kind(&off, "ConfigMap")
            .iter()
            .all(|m| m["metadata"]["name"] != "prod-wfm-dashboard")
    );
}

#[test]
fn every_value_is_documented_in_the_chart_readme() {
    let values: Value = serde_saphyr::from_str(&read("charts/wfm/values.yaml")).expect("values");
    let readme = read("charts/wfm/README.md");
    let mut keys = Vec::new();
    leaf_keys(&values, "", &mut keys);
    // per-service keys may be documented once, as `<service>.replicas`
    let documented = |key: &String| {
        let generic = match key.split_once('.') {
            Some((first, rest)) if SERVICES.contains(&first) => format!("`<service>.{rest}`"),
            _ => String::new(),
        };
        readme.contains(&format!("`{key}`")) || (!generic.is_empty() && readme.contains(&generic))
    };
    let missing: Vec<&String> = keys.iter().filter(|k| !documented(k)).collect();
    assert!(
        missing.is_empty(),
        "values not in charts/wfm/README.md: {missing:?}"
    );
}

/// `a.b.c` for every value that is not a map; Kubernetes objects passed
/// through whole (resources, security contexts) and free-form settings count
/// as one key.
fn leaf_keys(value: &Value, prefix: &str, out: &mut Vec<String>) {
    let whole = [
        "config",
        "resources",
        "podSecurityContext",
        "securityContext",
    ];
    let last = prefix.rsplit('.').next().unwrap_or_default();
    match value {
        Value::Object(map) if !map.is_empty() && !whole.contains(&last) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaf_keys(v, &key, out);
            }
        }
        _ => out.push(prefix.to_owned()),
    }
}
