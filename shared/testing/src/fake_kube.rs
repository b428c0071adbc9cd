//! A fake Kubernetes API server on loopback, so the real kube-rs client,
//! kube-runtime's watcher and wfm's temp-pod reader run end to end without a
//! cluster.
//!
//! It keeps objects as JSON by (resource, namespace, name) and answers:
//! LIST (with `labelSelector` equality terms), WATCH (history after the
//! requested resourceVersion, then live events; `expire` ends every watch
//! with a 410 Gone and refuses older versions, forcing a relist), pod
//! create/get/delete, PVC get, and pod `exec` over the websocket channel
//! protocol (`v4.channel.k8s.io`). Exec runs the command here, on this
//! machine, with the pod's PVC mount paths rewritten to the directories the
//! test gave for those claims: the reader's real shell commands read real
//! files. `metrics.k8s.io` PodMetrics applied with [`FakeKube::apply`] are
//! served as metrics-server serves them (kept apart from the Pods of the
//! same name).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use actix_web::dev::ServerHandle;
use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;
use tokio::sync::broadcast;

/// One watch event as sent.
#[derive(Debug, Clone)]
struct Feed {
    resource: String,
    namespace: String,
    rv: u64,
    kind: &'static str,
    object: Value,
}

#[derive(Debug, Default)]
struct State {
    rv: u64,
    objects: BTreeMap<(String, String, String), Value>,
    history: Vec<Feed>,
    /// Watches from a resourceVersion below this get 410 Gone.
    gone_below: u64,
    /// The phase created pods get.
    pod_phase: String,
    /// (namespace, claim) → the directory standing in for the volume.
    claims: BTreeMap<(String, String), PathBuf>,
    /// Every request line (`METHOD path?query`), for assertions.
    requests: Vec<String>,
    /// Every exec's command, as the client sent it.
    execs: Vec<Vec<String>>,
    /// Every object created through the API, as stored.
    created: Vec<Value>,
    next_uid: u64,
}

#[derive(Debug)]
struct Inner {
    state: Mutex<State>,
    feed: broadcast::Sender<Feed>,
}

impl Inner {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores (or, for DELETED, removes) `object` with the next
    /// resourceVersion and sends the watch event; returns it as stored.
    fn publish(&self, kind: &'static str, mut object: Value) -> Value {
        let key = key_of(&object);
        let mut state = self.state();
        state.rv += 1;
        let rv = state.rv;
        object["metadata"]["resourceVersion"] = json!(rv.to_string());
        if kind == "DELETED" {
            state.objects.remove(&key);
        } else {
            state.objects.insert(key.clone(), object.clone());
        }
        let feed = Feed {
            resource: key.0,
            namespace: key.1,
            rv,
            kind,
            object: object.clone(),
        };
        state.history.push(feed.clone());
        // Sent under the lock, so a watch that just read the history cannot miss it.
        let _ = self.feed.send(feed);
        object
    }

    /// Deletes a stored object (DELETED to watchers); `None` when absent.
    fn delete(&self, resource: &str, namespace: &str, name: &str) -> Option<Value> {
        let key = (resource.to_owned(), namespace.to_owned(), name.to_owned());
        let object = self.state().objects.get(&key).cloned()?;
        Some(self.publish("DELETED", object))
    }
}

/// The fake server; stopped on drop.
#[derive(Debug)]
pub struct FakeKube {
    inner: Arc<Inner>,
    /// `http://127.0.0.1:<port>`
    pub url: String,
    handle: ServerHandle,
}

impl FakeKube {
    /// Starts a server on a free loopback port; created pods are `Running`.
    pub async fn start() -> FakeKube {
        let (feed, _) = broadcast::channel(65_536);
        let inner = Arc::new(Inner {
            state: Mutex::new(State {
                rv: 1000,
                pod_phase: "Running".into(),
                ..State::default()
            }),
            feed,
        });
        let data = web::Data::from(inner.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(handle))
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .expect("bind the fake API server");
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        FakeKube {
            inner,
            url: format!("http://127.0.0.1:{port}"),
            handle,
        }
    }

    /// A kube client for this server.
    pub fn client(&self) -> kube::Client {
        let config = kube::Config::new(self.url.parse().expect("the server's URL"));
        kube::Client::try_from(config).expect("a kube client")
    }

    /// Writes a kubeconfig pointing at this server (for service processes).
    pub fn write_kubeconfig(&self, path: &Path) {
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: {}\n\
             users:\n- name: fake\n  user: {{}}\ncontexts:\n- name: fake\n  context:\n    cluster: fake\n    user: fake\n    namespace: default\n\
             current-context: fake\n",
            self.url
        );
        std::fs::write(path, text).expect("write the kubeconfig");
    }

    /// Creates or replaces `object` (ADDED or MODIFIED to watchers); returns it as stored.
    pub fn apply(&self, object: Value) -> Value {
        let key = key_of(&object);
        let kind = if self.inner.state().objects.contains_key(&key) {
            "MODIFIED"
        } else {
            "ADDED"
        };
        self.emit(kind, object)
    }

    /// Sends one watch event as given (`ADDED`, `MODIFIED`, `DELETED`) and
    /// updates the store to match.
    pub fn emit(&self, kind: &str, object: Value) -> Value {
        let kind: &'static str = match kind {
            "ADDED" => "ADDED",
            "MODIFIED" => "MODIFIED",
            "DELETED" => "DELETED",
            other => panic!("unknown watch event type {other}"),
        };
        self.inner.publish(kind, object)
    }

    /// Deletes an object (DELETED to watchers); `false` when absent.
    pub fn delete(&self, resource: &str, namespace: &str, name: &str) -> bool {
        self.inner.delete(resource, namespace, name).is_some()
    }

    /// Removes an object without telling any watcher, as if the deletion
    /// happened while nobody watched.
    pub fn remove_unseen(&self, resource: &str, namespace: &str, name: &str) -> bool {
        let key = (resource.to_owned(), namespace.to_owned(), name.to_owned());
        let mut state = self.inner.state();
        state.rv += 1;
        state.objects.remove(&key).is_some()
    }

    /// Ends every open watch with 410 Gone and refuses to resume from any
    /// version seen so far: watchers must relist.
    pub fn expire(&self) {
        let mut state = self.inner.state();
        state.rv += 1;
        state.gone_below = state.rv;
        let _ = self.inner.feed.send(Feed {
            resource: "*".into(),
            namespace: String::new(),
            rv: state.rv,
            kind: "ERROR",
            object: gone(),
        });
    }

    /// A stored object.
    pub fn get(&self, resource: &str, namespace: &str, name: &str) -> Option<Value> {
        let key = (resource.to_owned(), namespace.to_owned(), name.to_owned());
        self.inner.state().objects.get(&key).cloned()
    }

    /// Stored objects of a resource in a namespace.
    pub fn list(&self, resource: &str, namespace: &str) -> Vec<Value> {
        self.inner
            .state()
            .objects
            .iter()
            .filter(|((r, ns, _), _)| r == resource && ns == namespace)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Makes `claim` in `namespace` a bound PVC whose files are in `dir`.
    pub fn add_claim(&self, namespace: &str, claim: &str, dir: &Path) {
        self.inner
            .state()
            .claims
            .insert((namespace.into(), claim.into()), dir.to_path_buf());
        self.apply(json!({
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": claim, "namespace": namespace},
            "spec": {"accessModes": ["ReadWriteMany"]},
            "status": {"phase": "Bound"},
        }));
    }

    /// The phase pods created from now on get (`Running`, `Pending`…).
    pub fn set_pod_phase(&self, phase: &str) {
        self.inner.state().pod_phase = phase.into();
    }

    /// Request lines so far (`METHOD /path?query`).
    pub fn requests(&self) -> Vec<String> {
        self.inner.state().requests.clone()
    }

    /// Objects created through the API so far (deleted ones included).
    pub fn created(&self) -> Vec<Value> {
        self.inner.state().created.clone()
    }

    /// Exec commands so far.
    pub fn execs(&self) -> Vec<Vec<String>> {
        self.inner.state().execs.clone()
    }
}

impl Drop for FakeKube {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

fn gone() -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
           "message": "too old resource version", "reason": "Expired", "code": 410})
}

fn status(code: u16, reason: &str, message: &str) -> HttpResponse {
    HttpResponse::build(StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .json(
            json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                     "message": message, "reason": reason, "code": code}),
        )
}

/// The resource objects are kept under: the plural name, qualified by
/// the API group where a core resource has the same name (the metrics
/// API's `pods` are PodMetrics, not Pods): `pods.metrics.k8s.io`.
fn resource_key(plural: &str, group: &str) -> String {
    if group == METRICS_GROUP {
        format!("{plural}.{group}")
    } else {
        plural.to_owned()
    }
}

const METRICS_GROUP: &str = "metrics.k8s.io";

/// (resource, namespace, name) of an object from its kind.
fn key_of(object: &Value) -> (String, String, String) {
    let kind = object["kind"].as_str().unwrap_or_default();
    let group = object["apiVersion"]
        .as_str()
        .and_then(|v| v.split_once('/'))
        .map_or("", |(group, _)| group);
    let plural = match kind {
        "PodMetrics" => "pods".to_owned(),
        "NodeMetrics" => "nodes".to_owned(),
        _ => format!("{}s", kind.to_ascii_lowercase()),
    };
    let meta = &object["metadata"];
    (
        resource_key(&plural, group),
        meta["namespace"].as_str().unwrap_or_default().to_owned(),
        meta["name"].as_str().unwrap_or_default().to_owned(),
    )
}

/// The parts of an API path: `/api/v1/...` or `/apis/<group>/<version>/...`,
/// then `[namespaces/<ns>/]<resource>[/<name>[/<subresource>]]`.
#[derive(Debug)]
struct Target {
    api_version: String,
    namespace: Option<String>,
    /// As objects are kept ([`resource_key`]).
    resource: String,
    name: Option<String>,
    sub: Option<String>,
}

fn target(path: &str) -> Option<Target> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, api_version, rest) = match parts.as_slice() {
        ["api", version, rest @ ..] => ("", (*version).to_owned(), rest),
        ["apis", group, version, rest @ ..] => (*group, format!("{group}/{version}"), rest),
        _ => return None,
    };
    let (namespace, rest) = match rest {
        ["namespaces", ns, rest @ ..] if !rest.is_empty() => (Some((*ns).to_owned()), rest),
        rest => (None, rest),
    };
    let (resource, name, sub) = match rest {
        [resource] => (*resource, None, None),
        [resource, name] => (*resource, Some(*name), None),
        [resource, name, sub] => (*resource, Some(*name), Some(*sub)),
        _ => return None,
    };
    Some(Target {
        api_version,
        namespace,
        resource: resource_key(resource, group),
        name: name.map(str::to_owned),
        sub: sub.map(str::to_owned),
    })
}

async fn handle(
    req: HttpRequest,
    body: web::Payload,
    inner: web::Data<Inner>,
) -> actix_web::Result<HttpResponse> {
    let query: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let param = |k: &str| {
        query
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    inner.state().requests.push(format!(
        "{} {}?{}",
        req.method(),
        req.path(),
        req.query_string()
    ));
    let Some(t) = target(req.path()) else {
        return Ok(status(404, "NotFound", "no such path"));
    };
    let method = req.method().as_str();
    Ok(match (method, &t.name, t.sub.as_deref()) {
        ("GET", None, _) if matches!(param("watch"), Some("true" | "1")) => {
            let from: u64 = param("resourceVersion")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            watch(&inner, &t, from)
        }
        ("GET", None, _) => list(&inner, &t, param("labelSelector")),
        ("POST", None, _) => {
            let bytes = body.to_bytes().await?;
            let object: Value = serde_json::from_slice(&bytes)
                .map_err(|e| actix_web::error::ErrorBadRequest(e.to_string()))?;
            create(&inner, &t, object)
        }
        ("GET", Some(name), Some("exec")) => {
            let command: Vec<String> = query
                .iter()
                .filter(|(k, _)| k == "command")
                .map(|(_, v)| v.clone())
                .collect();
            let container = param("container").map(str::to_owned);
            exec(&req, body, &inner, &t, name, container, command)?
        }
        ("GET", Some(name), None) => {
            let key = (
                t.resource.clone(),
                t.namespace.clone().unwrap_or_default(),
                name.clone(),
            );
            match inner.state().objects.get(&key) {
                Some(object) => HttpResponse::Ok().json(object),
                None => status(
                    404,
                    "NotFound",
                    &format!("{} \"{name}\" not found", t.resource),
                ),
            }
        }
        ("DELETE", Some(name), None) => {
            let ns = t.namespace.clone().unwrap_or_default();
            match inner.delete(&t.resource, &ns, name) {
                Some(object) => HttpResponse::Ok().json(object),
                None => status(
                    404,
                    "NotFound",
                    &format!("{} \"{name}\" not found", t.resource),
                ),
            }
        }
        _ => status(405, "MethodNotAllowed", "not supported by the fake"),
    })
}

fn matches_labels(object: &Value, selector: Option<&str>) -> bool {
    selector.into_iter().flat_map(|s| s.split(',')).all(|term| {
        let Some((k, v)) = term.split_once('=') else {
            return true;
        };
        object["metadata"]["labels"][k.trim_end_matches('=')].as_str() == Some(v)
    })
}

fn list(inner: &Inner, t: &Target, selector: Option<&str>) -> HttpResponse {
    let state = inner.state();
    let items: Vec<&Value> = state
        .objects
        .iter()
        .filter(|((r, ns, _), _)| {
            *r == t.resource && t.namespace.as_ref().is_none_or(|want| want == ns)
        })
        .map(|(_, v)| v)
        .filter(|v| matches_labels(v, selector))
        .collect();
    HttpResponse::Ok().json(json!({
        "apiVersion": t.api_version, "kind": "List",
        "metadata": {"resourceVersion": state.rv.to_string()},
        "items": items,
    }))
}

fn watch(inner: &Inner, t: &Target, from: u64) -> HttpResponse {
    // Subscribed before the history is read: an event sent in between is in
    // both, and the live part skips what the backlog had.
    let rx = inner.feed.subscribe();
    let state = inner.state();
    let resource = t.resource.clone();
    let namespace = t.namespace.clone();
    let wanted = move |f: &Feed| {
        f.kind == "ERROR"
            || (f.resource == resource && namespace.as_ref().is_none_or(|n| *n == f.namespace))
    };
    if from < state.gone_below {
        return HttpResponse::Ok()
            .content_type("application/json")
            .body(watch_line("ERROR", &gone()));
    }
    let backlog: Vec<web::Bytes> = state
        .history
        .iter()
        .filter(|f| f.rv > from && wanted(f))
        .map(|f| watch_line(f.kind, &f.object))
        .collect();
    let seen = state.rv.max(from);
    drop(state);
    let live = futures_util::stream::unfold((rx, false), move |(mut rx, done)| {
        let wanted = wanted.clone();
        async move {
            if done {
                return None;
            }
            loop {
                match rx.recv().await {
                    Ok(f) if f.rv > seen && wanted(&f) => {
                        let end = f.kind == "ERROR";
                        return Some((watch_line(f.kind, &f.object), (rx, end)));
                    }
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        }
    });
    let stream = futures_util::stream::iter(backlog)
        .chain(live)
        .map(Ok::<_, actix_web::Error>);
    HttpResponse::Ok()
        .content_type("application/json")
        .streaming(stream)
}

fn watch_line(kind: &str, object: &Value) -> web::Bytes {
    let mut bytes =
        serde_json::to_vec(&json!({"type": kind, "object": object})).unwrap_or_default();
    bytes.push(b'\n');
    web::Bytes::from(bytes)
}

fn create(inner: &Inner, t: &Target, mut object: Value) -> HttpResponse {
    let ns = t.namespace.clone().unwrap_or_default();
    let name = object["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let key = (t.resource.clone(), ns.clone(), name.clone());
    let mut state = inner.state();
    if state.objects.contains_key(&key) {
        return status(
            409,
            "AlreadyExists",
            &format!("{} \"{name}\" already exists", t.resource),
        );
    }
    state.next_uid += 1;
    state.rv += 1;
    let meta = &mut object["metadata"];
    meta["namespace"] = json!(ns);
    meta["uid"] = json!(format!("00000000-fake-0000-0000-{:012}", state.next_uid));
    meta["resourceVersion"] = json!(state.rv.to_string());
    meta["creationTimestamp"] =
        json!(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    if t.resource == "pods" {
        let phase = state.pod_phase.clone();
        object["spec"]["nodeName"] = json!("fake-node");
        object["status"] = if phase == "Pending" {
            json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False",
                   "reason": "Unschedulable", "message": "0/1 nodes are available: fake"}]})
        } else {
            json!({"phase": phase, "hostIP": "127.0.0.1", "podIP": "127.0.0.1"})
        };
    }
    state.objects.insert(key, object.clone());
    state.created.push(object.clone());
    HttpResponse::Created().json(object)
}

/// Runs `command` locally with the pod's mount paths mapped to the claims' directories.
fn exec(
    req: &HttpRequest,
    body: web::Payload,
    inner: &Inner,
    t: &Target,
    name: &str,
    container: Option<String>,
    command: Vec<String>,
) -> actix_web::Result<HttpResponse> {
    let ns = t.namespace.clone().unwrap_or_default();
    let mut state = inner.state();
    state.execs.push(command.clone());
    let Some(pod) = state
        .objects
        .get(&("pods".into(), ns.clone(), name.to_owned()))
    else {
        return Ok(status(
            404,
            "NotFound",
            &format!("pods \"{name}\" not found"),
        ));
    };
    let mut mounts: Vec<(String, PathBuf)> = Vec::new();
    let volumes = pod["spec"]["volumes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let containers = pod["spec"]["containers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let chosen = containers
        .iter()
        .find(|c| container.as_deref().is_none_or(|want| c["name"] == want));
    for mount in chosen
        .and_then(|c| c["volumeMounts"].as_array())
        .into_iter()
        .flatten()
    {
        let volume = volumes.iter().find(|v| v["name"] == mount["name"]);
        let claim = volume.and_then(|v| v["persistentVolumeClaim"]["claimName"].as_str());
        if let Some(dir) = claim.and_then(|c| state.claims.get(&(ns.clone(), c.to_owned()))) {
            let mut dir = dir.clone();
            if let Some(sub) = mount["subPath"].as_str() {
                dir.push(sub);
            }
            mounts.push((mount["mountPath"].as_str().unwrap_or("/").to_owned(), dir));
        }
    }
    drop(state);
    // Longest mount path first, so nested mounts map correctly.
    mounts.sort_by_key(|(path, _)| std::cmp::Reverse(path.len()));
    let argv: Vec<String> = command
        .iter()
        .map(|arg| {
            for (path, dir) in &mounts {
                if let Some(rest) = arg.strip_prefix(path.as_str())
                    && (rest.is_empty() || rest.starts_with('/'))
                {
                    return format!("{}{rest}", dir.display());
                }
            }
            arg.clone()
        })
        .collect();
    let (mut response, mut session, _messages) = actix_ws::handle(req, body)?;
    response.headers_mut().insert(
        actix_web::http::header::SEC_WEBSOCKET_PROTOCOL,
        actix_web::http::header::HeaderValue::from_static("v4.channel.k8s.io"),
    );
    actix_web::rt::spawn(async move {
        let status = match run_command(&argv, &mut session).await {
            Ok(0) => json!({"metadata": {}, "status": "Success"}),
            Ok(code) => json!({"metadata": {}, "status": "Failure", "reason": "NonZeroExitCode",
                "message": format!("command terminated with non-zero exit code: {code}"),
                "details": {"causes": [{"reason": "ExitCode", "message": code.to_string()}]}}),
            Err(e) => json!({"metadata": {}, "status": "Failure", "message": e.to_string()}),
        };
        let mut frame = vec![3u8];
        frame.extend(serde_json::to_vec(&status).unwrap_or_default());
        let _ = session.binary(frame).await;
        let _ = session.close(None).await;
    });
    Ok(response)
}

async fn run_command(argv: &[String], session: &mut actix_ws::Session) -> std::io::Result<i32> {
    let Some((program, args)) = argv.split_first() else {
        return Ok(126);
    };
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let mut err_text = Vec::new();
    let read_err = stderr.read_to_end(&mut err_text);
    let send_out = async {
        let mut buf = vec![0u8; 32 * 1024];
        loop {
            let n = stdout.read(&mut buf).await?;
            if n == 0 {
                return std::io::Result::Ok(());
            }
            let mut frame = Vec::with_capacity(n + 1);
            frame.push(1u8);
            frame.extend_from_slice(&buf[..n]);
            if session.binary(frame).await.is_err() {
                // The client went away (a cap reached): stop the command.
                return Err(std::io::Error::other("client closed the stream"));
            }
        }
    };
    let (sent, _) = tokio::join!(send_out, read_err);
    sent?;
    if !err_text.is_empty() {
        let mut frame = vec![2u8];
        frame.extend(err_text);
        let _ = session.binary(frame).await;
    }
    let code = child.wait().await?.code().unwrap_or(128);
    Ok(code)
}
