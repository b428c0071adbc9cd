//! Listing and reading through a node-exporter's container-FS API (the
//! spec's `/v1/container-fs/list` and `/read`, as Primus-Lens' node-exporter
//! serves them): the node agent reads the reader pod's container filesystem
//! from the host, so no `pods/exec` permission is needed.
//!
//! Both are `POST` with a JSON body naming the pod (`pod_uid`, `pod_name`,
//! `pod_namespace`, `container_name`) and a `path`; answers are
//! `{"code": 0, "data": …, "msg": …}`; file contents come base64-encoded.

use std::time::Duration;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;
use wfm_reader::{ListError, ReadError, RemoteFile};

use crate::pod::CONTAINER;

/// The node-exporter serving one reader pod.
#[derive(Debug, Clone)]
pub struct NodeExporter {
    pub http: reqwest::Client,
    /// Its base URL (the template filled with the pod's node).
    pub base: String,
    pub pod_uid: String,
    pub pod_name: String,
    pub namespace: String,
}

/// The base URL for a pod on `node` / `host_ip`: `{node_name}` and
/// `{host_ip}` in `template` are filled.
pub fn base_url(template: &str, node: &str, host_ip: &str) -> String {
    template
        .replace("{node_name}", node)
        .replace("{host_ip}", host_ip)
        .trim_end_matches('/')
        .to_owned()
}

#[derive(Debug, Deserialize)]
struct Envelope<T> {
    code: i64,
    data: Option<T>,
    #[serde(default)]
    msg: String,
}

#[derive(Debug, Deserialize)]
struct FileInfo {
    path: String,
    #[serde(default)]
    size: u64,
    #[serde(default)]
    mod_time: Option<DateTime<Utc>>,
    #[serde(default)]
    is_dir: bool,
    #[serde(default)]
    is_symlink: bool,
}

#[derive(Debug, Deserialize)]
struct ListData {
    #[serde(default)]
    files: Vec<FileInfo>,
}

#[derive(Debug, Deserialize)]
struct ReadData {
    #[serde(default)]
    content: String,
    #[serde(default)]
    file_info: Option<FileInfo>,
}

/// Why a call failed.
enum CallError {
    /// The agent said the path is not there.
    NotFound(String),
    Other(String),
}

impl NodeExporter {
    async fn call<T: for<'de> Deserialize<'de>>(
        &self,
        endpoint: &str,
        mut body: serde_json::Value,
        timeout: Duration,
    ) -> Result<T, CallError> {
        body["pod_uid"] = json!(self.pod_uid);
        body["pod_name"] = json!(self.pod_name);
        body["pod_namespace"] = json!(self.namespace);
        body["container_name"] = json!(CONTAINER);
        let url = format!("{}/v1/container-fs/{endpoint}", self.base);
        let response = self
            .http
            .post(&url)
            .json(&body)
            .timeout(timeout)
            .send()
            .await
            .map_err(|e| CallError::Other(format!("node-exporter {url}: {e}")))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| CallError::Other(format!("node-exporter {url}: {e}")))?;
        let envelope: Envelope<T> = serde_json::from_str(&text).map_err(|e| {
            CallError::Other(format!(
                "node-exporter {url} answered {status} with no envelope ({e})"
            ))
        })?;
        match envelope.data {
            Some(data) if envelope.code == 0 && status.is_success() => Ok(data),
            _ => {
                let msg = envelope.msg.to_ascii_lowercase();
                let reason = format!(
                    "node-exporter {url}: {status} code {}: {}",
                    envelope.code, envelope.msg
                );
                if status.as_u16() == 404
                    || msg.contains("not found")
                    || msg.contains("no such file")
                {
                    Err(CallError::NotFound(reason))
                } else {
                    Err(CallError::Other(reason))
                }
            }
        }
    }

    /// Regular files under `dirs` of `root`.
    pub async fn list(
        &self,
        root: &str,
        dirs: &[String],
        timeout: Duration,
    ) -> Result<Vec<RemoteFile>, ListError> {
        let mut files = Vec::new();
        for dir in dirs {
            let path = if dir.is_empty() {
                root.to_owned()
            } else {
                format!("{root}/{dir}")
            };
            let body = json!({"path": path, "recursive": true});
            let data: ListData = match self.call("list", body, timeout).await {
                Ok(data) => data,
                Err(CallError::NotFound(reason)) if dir.is_empty() => {
                    return Err(ListError::RootMissing(format!("{root} ({reason})")));
                }
                // A pattern's directory that does not exist holds no match.
                Err(CallError::NotFound(_)) => continue,
                Err(CallError::Other(reason)) => return Err(ListError::Io(reason)),
            };
            let prefix = format!("{}/", root.trim_end_matches('/'));
            for info in data.files {
                if info.is_dir || info.is_symlink {
                    continue;
                }
                // Paths come back absolute in the container; some agents answer relative.
                let relative = match info.path.strip_prefix(&prefix) {
                    Some(rel) => rel.to_owned(),
                    None if !info.path.starts_with('/') => {
                        if dir.is_empty() {
                            info.path.clone()
                        } else {
                            format!("{dir}/{}", info.path)
                        }
                    }
                    None => continue,
                };
                if relative.split('/').any(|p| p == ".." || p.is_empty()) {
                    continue;
                }
                files.push(RemoteFile {
                    path: relative,
                    size: info.size,
                    modified: info.mod_time,
                });
            }
        }
        Ok(files)
    }

    /// File `path` of `root`, refused over `max_bytes`.
    pub async fn read(
        &self,
        root: &str,
        path: &str,
        max_bytes: u64,
        timeout: Duration,
    ) -> Result<Vec<u8>, ReadError> {
        let body = json!({"path": format!("{root}/{path}"), "offset": 0, "length": max_bytes + 1});
        let data: ReadData = match self.call("read", body, timeout).await {
            Ok(data) => data,
            Err(CallError::NotFound(_)) => return Err(ReadError::NotFound),
            Err(CallError::Other(reason)) => {
                let kind = std::io::ErrorKind::ConnectionAborted;
                return Err(ReadError::Io(std::io::Error::new(kind, reason)));
            }
        };
        if let Some(size) = data.file_info.as_ref().map(|i| i.size)
            && size > max_bytes
        {
            return Err(ReadError::TooLarge {
                size,
                limit: max_bytes,
            });
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data.content.as_bytes())
            .map_err(|e| {
                ReadError::Io(std::io::Error::other(format!(
                    "node-exporter content is not base64: {e}"
                )))
            })?;
        if bytes.len() as u64 > max_bytes {
            return Err(ReadError::TooLarge {
                size: bytes.len() as u64,
                limit: max_bytes,
            });
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_template_takes_the_pods_node() {
        assert_eq!(
            base_url("http://{host_ip}:8989/", "gpu-1", "10.0.0.7"),
            "http://10.0.0.7:8989"
        );
        assert_eq!(
            base_url(
                "http://node-exporter-{node_name}.lens:8989",
                "gpu-1",
                "10.0.0.7"
            ),
            "http://node-exporter-gpu-1.lens:8989"
        );
    }
}
