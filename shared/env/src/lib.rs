//! Reading configuration from the environment.
//!
//! Every service builds its config struct with these helpers and nothing else
//! touches `std::env`: an error always names the variable, so an operator sees
//! `invalid value for WFM_LISTEN_ADDR: "x" (invalid socket address syntax)`
//! in one line, and the binary exits with [`EXIT_CONFIG`].
//!
//! Values come through an [`Env`] source so tests can feed a map instead of
//! mutating the process environment. Binaries build theirs with
//! [`Env::from_process`]: the process environment, over the optional settings
//! file named by `WFM_CONFIG_FILE` ([`SettingsFile`]): a variable set in the
//! environment wins over the file.

mod file;
mod regular_file;

pub use file::{OTHER_SETTINGS, SettingsFile};
pub use regular_file::{ReadFileError, read_regular_file};

use std::collections::HashMap;
use std::fmt::Display;
use std::str::FromStr;
use std::time::Duration;

/// Exit code of a binary whose configuration is missing or invalid.
pub const EXIT_CONFIG: u8 = 2;

/// The variable naming the optional settings file (YAML, see [`SettingsFile`]).
pub const CONFIG_FILE_VAR: &str = "WFM_CONFIG_FILE";

/// Prints `<program>: configuration error: <error>` on stderr and returns exit code 2.
pub fn config_error_exit(program: &str, error: &dyn Display) -> std::process::ExitCode {
    eprintln!("{program}: configuration error: {error}");
    std::process::ExitCode::from(EXIT_CONFIG)
}

/// A configuration error, always about one named variable or the settings file.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EnvError {
    #[error("{name} is required but not set")]
    Missing { name: String },
    #[error("invalid value for {name}: {value:?} ({reason})")]
    Invalid {
        name: String,
        value: String,
        reason: String,
    },
    /// The settings file cannot be read or is not a mapping of settings.
    #[error("settings file {path} (WFM_CONFIG_FILE){}: {reason}", at_line(*.line))]
    File {
        path: String,
        /// The line (from 1) the reason is about, when it is about one.
        line: Option<usize>,
        reason: String,
    },
}

fn at_line(line: Option<usize>) -> String {
    line.map(|l| format!(", line {l}")).unwrap_or_default()
}

impl EnvError {
    /// An invalid-value error for checks done after parsing (ranges, cross-field rules).
    pub fn invalid(name: &str, value: impl Display, reason: impl Display) -> Self {
        Self::Invalid {
            name: name.to_owned(),
            value: value.to_string(),
            reason: reason.to_string(),
        }
    }
}

/// Where variables are read from: the process environment, a map in tests,
/// or one of those over a settings file.
#[derive(Debug, Clone, Default)]
pub enum Env {
    /// The process environment alone; binaries use [`Env::from_process`],
    /// which adds the settings file.
    #[default]
    Process,
    Map(HashMap<String, String>),
    /// `first`, then `file` for the variables `first` leaves unset (or blank).
    WithFile {
        first: Box<Env>,
        file: SettingsFile,
    },
}

impl Env {
    /// What a binary reads its settings from: the process environment, over
    /// the settings file named by `WFM_CONFIG_FILE` when that is set. The
    /// file is read here, once; a file that cannot be read or parsed is an
    /// error naming it (and the line).
    pub fn from_process() -> Result<Self, EnvError> {
        match std::env::var_os(CONFIG_FILE_VAR) {
            Some(path) if !path.to_string_lossy().trim().is_empty() => {
                Ok(Self::Process.with_file(SettingsFile::load(path)?))
            }
            _ => Ok(Self::Process),
        }
    }

    /// This source over `file`: a variable this source sets wins.
    pub fn with_file(self, file: SettingsFile) -> Self {
        Self::WithFile {
            first: Box::new(self),
            file,
        }
    }

    /// The settings file under this source, if any.
    pub fn settings_file(&self) -> Option<&SettingsFile> {
        match self {
            Self::Process | Self::Map(_) => None,
            Self::WithFile { first, file } => first.settings_file().or(Some(file)),
        }
    }

    /// A map-backed source, for tests.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self::Map(
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        )
    }

    /// The raw value; an empty string counts as unset, as in most deploy
    /// tools (so a blank variable does not hide the settings file's value).
    pub fn var(&self, name: &str) -> Option<String> {
        let value = match self {
            Self::Process => std::env::var(name).ok(),
            Self::Map(map) => map.get(name).cloned(),
            Self::WithFile { first, file } => first
                .var(name)
                .or_else(|| file.get(name).map(str::to_owned)),
        };
        value.filter(|v| !v.trim().is_empty())
    }

    /// A value that must be present.
    pub fn required_var(&self, name: &str) -> Result<String, EnvError> {
        self.var(name).ok_or_else(|| EnvError::Missing {
            name: name.to_owned(),
        })
    }

    /// An optional value parsed with `FromStr`.
    pub fn var_parsed<T>(&self, name: &str) -> Result<Option<T>, EnvError>
    where
        T: FromStr,
        T::Err: Display,
    {
        self.var(name)
            .map(|raw| parse(name, &raw, |v| v.trim().parse::<T>()))
            .transpose()
    }

    /// A parsed value, or `default` when unset.
    pub fn var_or<T>(&self, name: &str, default: T) -> Result<T, EnvError>
    where
        T: FromStr,
        T::Err: Display,
    {
        Ok(self.var_parsed(name)?.unwrap_or(default))
    }

    /// A required value parsed with `FromStr`.
    pub fn required_var_parsed<T>(&self, name: &str) -> Result<T, EnvError>
    where
        T: FromStr,
        T::Err: Display,
    {
        let raw = self.required_var(name)?;
        parse(name, &raw, |v| v.trim().parse::<T>())
    }

    /// A duration written as `500ms`, `5s`, `2m`…, or `default` when unset.
    pub fn duration_or(&self, name: &str, default: Duration) -> Result<Duration, EnvError> {
        match self.var(name) {
            None => Ok(default),
            Some(raw) => parse(name, &raw, |v| humantime::parse_duration(v.trim())),
        }
    }

    /// A boolean (`true/false`, `1/0`, `yes/no`, `on/off`), or `default` when unset.
    pub fn bool_or(&self, name: &str, default: bool) -> Result<bool, EnvError> {
        match self.var(name) {
            None => Ok(default),
            Some(raw) => parse(name, &raw, parse_bool),
        }
    }

    /// An http or https URL without its trailing `/`, or `None` when unset
    /// or blank.
    pub fn http_url(&self, name: &str) -> Result<Option<String>, EnvError> {
        let Some(raw) = self.var(name).filter(|v| !v.trim().is_empty()) else {
            return Ok(None);
        };
        let parsed = url::Url::parse(raw.trim()).map_err(|e| EnvError::invalid(name, &raw, e))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(EnvError::invalid(
                name,
                &raw,
                "must be an http or https URL",
            ));
        }
        Ok(Some(raw.trim().trim_end_matches('/').to_owned()))
    }

    /// A comma-separated list; empty items are dropped.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.var(name)
            .map(|raw| {
                raw.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn parse<T, E: Display>(
    name: &str,
    raw: &str,
    f: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, EnvError> {
    f(raw).map_err(|e| EnvError::invalid(name, raw, e))
}

fn parse_bool(raw: &str) -> Result<bool, &'static str> {
    match raw.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err("expected true or false"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_urls_are_checked_and_trimmed() {
        let env = Env::from_pairs([
            ("A", " https://x.example/hook/ "),
            ("B", "ftp://x.example"),
            ("C", "not a url"),
            ("D", "  "),
        ]);
        assert_eq!(
            env.http_url("A").unwrap().as_deref(),
            Some("https://x.example/hook")
        );
        assert!(
            env.http_url("B")
                .unwrap_err()
                .to_string()
                .contains("http or https")
        );
        assert!(env.http_url("C").is_err());
        assert_eq!(env.http_url("D").unwrap(), None);
        assert_eq!(env.http_url("unset").unwrap(), None);
    }

    #[test]
    fn missing_required_names_the_variable() {
        let env = Env::from_pairs([]);
        let err = env.required_var("DATABASE_URL").unwrap_err();
        assert_eq!(err.to_string(), "DATABASE_URL is required but not set");
    }

    #[test]
    fn blank_counts_as_unset() {
        let env = Env::from_pairs([("X", "  ")]);
        assert_eq!(env.var("X"), None);
        assert_eq!(env.var_or("X", 7u32), Ok(7));
    }

    #[test]
    fn invalid_number_names_variable_value_and_reason() {
        let env = Env::from_pairs([("WFM_DB_POOL_MAX_SIZE", "lots")]);
        let err = env.var_or("WFM_DB_POOL_MAX_SIZE", 10usize).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid value for WFM_DB_POOL_MAX_SIZE: \"lots\" (invalid digit found in string)"
        );
    }

    #[test]
    fn durations_and_bools_parse() {
        let env = Env::from_pairs([("T", "1500ms"), ("B", "Yes"), ("BAD", "maybe")]);
        assert_eq!(
            env.duration_or("T", Duration::ZERO),
            Ok(Duration::from_millis(1500))
        );
        assert_eq!(env.bool_or("B", false), Ok(true));
        assert!(env.bool_or("BAD", false).is_err());
        assert!(
            env.duration_or("B", Duration::ZERO)
                .unwrap_err()
                .to_string()
                .starts_with("invalid value for B:")
        );
    }

    fn settings(text: &str) -> SettingsFile {
        SettingsFile::parse("/etc/wfm.yaml", text).expect("a valid settings file")
    }

    #[test]
    fn the_environment_wins_over_the_file() {
        let file = settings(
            "WFM_LISTEN_ADDR: 127.0.0.1:9000\n\
             WFM_DB_POOL_MAX_SIZE: 20\n\
             WFM_SHUTDOWN_TIMEOUT: 10s\n\
             WFM_API_READ_TOKENS: [t1, t2]\n\
             WFM_MIGRATE_ON_START: yes\n",
        );
        let env = Env::from_pairs([
            ("WFM_LISTEN_ADDR", "127.0.0.1:9999"),
            ("WFM_SHUTDOWN_TIMEOUT", " "),
        ])
        .with_file(file);
        assert_eq!(
            env.var("WFM_LISTEN_ADDR").as_deref(),
            Some("127.0.0.1:9999")
        );
        assert_eq!(env.var_or("WFM_DB_POOL_MAX_SIZE", 10usize), Ok(20));
        // blank counts as unset: the file's value shows through
        assert_eq!(
            env.duration_or("WFM_SHUTDOWN_TIMEOUT", Duration::ZERO),
            Ok(Duration::from_secs(10))
        );
        assert_eq!(env.list("WFM_API_READ_TOKENS"), ["t1", "t2"]);
        assert_eq!(env.bool_or("WFM_MIGRATE_ON_START", false), Ok(true));
        assert_eq!(env.var("WFM_CLUSTER_NAME"), None);
        assert_eq!(
            env.settings_file().map(SettingsFile::path),
            Some(std::path::Path::new("/etc/wfm.yaml"))
        );
        assert!(Env::from_pairs([]).settings_file().is_none());
    }

    #[test]
    fn file_values_are_checked_like_variables() {
        let env =
            Env::from_pairs([]).with_file(settings("WFM_DB_POOL_MAX_SIZE: lots\nWFM_X: ''\n"));
        assert_eq!(
            env.var_or("WFM_DB_POOL_MAX_SIZE", 10usize)
                .unwrap_err()
                .to_string(),
            "invalid value for WFM_DB_POOL_MAX_SIZE: \"lots\" (invalid digit found in string)"
        );
        assert_eq!(
            env.required_var("WFM_X").unwrap_err().to_string(),
            "WFM_X is required but not set"
        );
    }

    #[test]
    fn list_splits_and_trims() {
        let env = Env::from_pairs([("L", " a, ,b ,c")]);
        assert_eq!(env.list("L"), ["a", "b", "c"]);
        assert!(env.list("NONE").is_empty());
    }
}
