//! A config's `reader_options`, typed per reader: every option a reader
//! reads is a field here, and an option it does not know — a misspelling —
//! is refused with its name, when the config is written (the api) and again
//! when a run is collected (options stored before they were checked).
//!
//! | reader | options |
//! |---|---|
//! | `mounted` | [`MountedOptions`]: `path`, `mtime_window`, `mtime_margin_seconds` |
//! | `github-artifacts` | [`GithubArtifactsOptions`]: `repository` |
//! | `temp-pod` | [`TempPodOptions`]: `path`, `container`, `mtime_window`, `mtime_margin_seconds` |
//! | `node-exporter` | [`NodeExporterOptions`]: the temp-pod options and `url` |

use std::time::Duration;

use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde_json::Value;

/// The readers, as a config's `reader` names them.
pub const READER_KINDS: &[&str] = &["mounted", "github-artifacts", "temp-pod", "node-exporter"];

/// The default of `mtime_margin_seconds`.
pub const DEFAULT_MTIME_MARGIN_SECONDS: u32 = 300;

/// The default of the pod readers' `container`.
pub const DEFAULT_CONTAINER: &str = "runner";

/// One config's reader options, parsed for its reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderOptions {
    Mounted(MountedOptions),
    GithubArtifacts(GithubArtifactsOptions),
    TempPod(TempPodOptions),
    NodeExporter(NodeExporterOptions),
}

impl ReaderOptions {
    /// The reader these options are for, as a config names it.
    pub fn kind(&self) -> &'static str {
        match self {
            ReaderOptions::Mounted(_) => "mounted",
            ReaderOptions::GithubArtifacts(_) => "github-artifacts",
            ReaderOptions::TempPod(_) => "temp-pod",
            ReaderOptions::NodeExporter(_) => "node-exporter",
        }
    }

    /// The margin around the runner's start and completion when
    /// `mtime_window` is on; `None` when every matched file is collected.
    pub fn mtime_window(&self) -> Option<Duration> {
        let (on, margin) = match self {
            ReaderOptions::Mounted(o) => (o.mtime_window, o.mtime_margin_seconds),
            ReaderOptions::TempPod(o) => (o.mtime_window, o.mtime_margin_seconds),
            ReaderOptions::NodeExporter(o) => (o.mtime_window, o.mtime_margin_seconds),
            ReaderOptions::GithubArtifacts(_) => (false, 0),
        };
        on.then(|| Duration::from_secs(u64::from(margin)))
    }
}

/// `mounted`: a directory under the collector's `WFM_MOUNTED_ROOT`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MountedOptions {
    /// The directory to read, relative to `WFM_MOUNTED_ROOT`, without `..`
    /// (default: the root itself; `""` is the same).
    #[serde(deserialize_with = "relative_path")]
    pub path: Option<String>,
    /// Only files modified between the runner's start and completion
    /// (± `mtime_margin_seconds`), for a volume shared by many runs.
    pub mtime_window: bool,
    /// The margin of `mtime_window`, in seconds.
    pub mtime_margin_seconds: u32,
}

impl Default for MountedOptions {
    fn default() -> Self {
        Self {
            path: None,
            mtime_window: false,
            mtime_margin_seconds: DEFAULT_MTIME_MARGIN_SECONDS,
        }
    }
}

/// `github-artifacts`: the workflow run's artifacts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GithubArtifactsOptions {
    /// The repository whose run it is, `owner/name` (default: the config's
    /// `github_owner`/`github_repo`; needed by a runner-set config).
    #[serde(deserialize_with = "repository")]
    pub repository: Option<Repository>,
}

/// A GitHub repository, `owner/name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    pub owner: String,
    pub name: String,
}

/// `temp-pod`: a reader pod mounting the runner set's PVCs, read through `pods/exec`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TempPodOptions {
    /// The directory to read, an absolute path as the runner saw it, under
    /// one of its PVC mounts (default: the only PVC mount; required when the
    /// runner mounts several).
    #[serde(deserialize_with = "absolute_path")]
    pub path: Option<String>,
    /// The runner container whose mounts are read.
    #[serde(deserialize_with = "container")]
    pub container: String,
    /// As for the mounted reader.
    pub mtime_window: bool,
    /// As for the mounted reader.
    pub mtime_margin_seconds: u32,
}

impl Default for TempPodOptions {
    fn default() -> Self {
        Self {
            path: None,
            container: DEFAULT_CONTAINER.to_owned(),
            mtime_window: false,
            mtime_margin_seconds: DEFAULT_MTIME_MARGIN_SECONDS,
        }
    }
}

/// `node-exporter`: the temp-pod reader's pod, read through a node agent.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NodeExporterOptions {
    /// As for the temp-pod reader.
    #[serde(deserialize_with = "absolute_path")]
    pub path: Option<String>,
    /// As for the temp-pod reader.
    #[serde(deserialize_with = "container")]
    pub container: String,
    /// As for the mounted reader.
    pub mtime_window: bool,
    /// As for the mounted reader.
    pub mtime_margin_seconds: u32,
    /// The node agent's URL, `{host_ip}` and `{node_name}` of the reader
    /// pod's node filled in (default: the collector's `WFM_NODE_EXPORTER_URL`).
    #[serde(deserialize_with = "non_empty")]
    pub url: Option<String>,
}

impl Default for NodeExporterOptions {
    fn default() -> Self {
        Self {
            path: None,
            container: DEFAULT_CONTAINER.to_owned(),
            mtime_window: false,
            mtime_margin_seconds: DEFAULT_MTIME_MARGIN_SECONDS,
            url: None,
        }
    }
}

/// Why a config's `reader_options` were refused; the message names the option.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReaderOptionsError {
    #[error("unknown reader {0:?}; expected one of: {list}", list = READER_KINDS.join(", "))]
    UnknownReader(String),
    #[error("reader_options: must be a JSON object, not {0}")]
    NotAnObject(&'static str),
    #[error(
        "reader_options.{option}: unknown option for the {reader} reader; expected one of: {list}",
        list = expected.join(", ")
    )]
    UnknownOption {
        reader: &'static str,
        option: String,
        expected: &'static [&'static str],
    },
    #[error("reader_options.{option}: {message}")]
    Invalid { option: String, message: String },
}

impl ReaderOptionsError {
    /// The option named (`path`, `mtime_window`…), for an error's field.
    pub fn option(&self) -> Option<&str> {
        match self {
            ReaderOptionsError::UnknownOption { option, .. }
            | ReaderOptionsError::Invalid { option, .. } => Some(option),
            _ => None,
        }
    }
}

/// `options` (a config's `reader_options`) as the options of reader `kind`
/// (the config's `reader`: `mounted`, `github-artifacts`, `temp-pod`,
/// `node-exporter`). An empty object gives every default.
pub fn parse_reader_options(
    kind: &str,
    options: &Value,
) -> Result<ReaderOptions, ReaderOptionsError> {
    Ok(match kind {
        "mounted" => ReaderOptions::Mounted(parse("mounted", options)?),
        "github-artifacts" => ReaderOptions::GithubArtifacts(parse("github-artifacts", options)?),
        "temp-pod" => ReaderOptions::TempPod(parse("temp-pod", options)?),
        "node-exporter" => ReaderOptions::NodeExporter(parse("node-exporter", options)?),
        other => return Err(ReaderOptionsError::UnknownReader(other.to_owned())),
    })
}

/// The names of `T`'s fields, as serde's derive lists them (a struct
/// without `#[serde(flatten)]`, which would hide them).
fn option_names<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut names: &'static [&'static str] = &[];
    // Fails by design once it has the names.
    let _ = T::deserialize(FieldNames(&mut names));
    names
}

fn parse<T: DeserializeOwned>(
    reader: &'static str,
    options: &Value,
) -> Result<T, ReaderOptionsError> {
    let Value::Object(map) = options else {
        return Err(ReaderOptionsError::NotAnObject(json_type(options)));
    };
    // Checked here rather than left to `deny_unknown_fields`, so the error
    // can name the option and the reader.
    let expected = option_names::<T>();
    if let Some(option) = map.keys().find(|k| !expected.contains(&k.as_str())) {
        return Err(ReaderOptionsError::UnknownOption {
            reader,
            option: option.clone(),
            expected,
        });
    }
    serde_path_to_error::deserialize(options).map_err(|e| ReaderOptionsError::Invalid {
        option: e.path().to_string(),
        message: e.into_inner().to_string(),
    })
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A string option; `""` and `null` are unset.
fn non_empty<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.is_empty()))
}

/// The mounted reader's directory: relative, without `.` or `..` parts.
fn relative_path<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let path = non_empty(d)?;
    // as `MountedReader::new` checks it
    if let Some(path) = &path
        && std::path::Path::new(path)
            .components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        return Err(de::Error::custom(format!(
            "{path:?} must be a directory relative to WFM_MOUNTED_ROOT, without `.` or `..` parts"
        )));
    }
    Ok(path)
}

/// A pod reader's directory: absolute, as the runner saw it, without `..`.
fn absolute_path<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let path = non_empty(d)?;
    if let Some(path) = &path
        && (!path.starts_with('/') || path.split('/').any(|part| part == ".."))
    {
        return Err(de::Error::custom(format!(
            "{path:?} must be an absolute path as the runner saw it, without `..`"
        )));
    }
    Ok(path)
}

fn container<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let name = String::deserialize(d)?;
    if name.is_empty() {
        return Err(de::Error::custom("must be a container name, not empty"));
    }
    Ok(name)
}

fn repository<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Repository>, D::Error> {
    let Some(text) = non_empty(d)? else {
        return Ok(None);
    };
    let valid = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    match text.split_once('/') {
        Some((owner, name)) if valid(owner) && valid(name) => Ok(Some(Repository {
            owner: owner.to_owned(),
            name: name.to_owned(),
        })),
        _ => Err(de::Error::custom(format!(
            "{text:?} is not a repository; expected owner/name"
        ))),
    }
}

/// A deserializer that only records the field names a struct asks for.
struct FieldNames<'a>(&'a mut &'static [&'static str]);

impl<'de> Deserializer<'de> for FieldNames<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = fields;
        Err(de::Error::custom("field names only"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}
