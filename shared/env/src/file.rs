//! The optional settings file named by `WFM_CONFIG_FILE`.
//!
//! A YAML mapping of setting names to values, read once at start:
//!
//! ```yaml
//! DATABASE_URL: postgres://wfm@db:5432/wfm
//! WFM_LISTEN_ADDR: 0.0.0.0:8080
//! WFM_DB_POOL_MAX_SIZE: 20
//! WFM_MIGRATE_ON_START: true
//! WFM_API_READ_TOKENS: [t1, t2]   # a list is the comma-separated value "t1,t2"
//! ```
//!
//! Every value is taken as the text written, exactly as if it had been set in
//! the environment (`0755` stays `0755`, `1.10` stays `1.10`); quoting is never
//! needed but allowed. An empty value (`WFM_X:`, `~`, `null`) leaves the
//! setting unset. Names must be `WFM_*` or one of the other settings wfm reads
//! ([`OTHER_SETTINGS`]): anything else is refused, so a typo surfaces at start
//! instead of being ignored. Nested mappings, aliases and more than one
//! document are refused too.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::{Path, PathBuf};

use serde_saphyr::granit_parser::{Event, Options, Parser, ScalarStyle, ScanError, Span};

use crate::{CONFIG_FILE_VAR, EnvError};

/// The settings not named `WFM_*` that wfm reads, and so the other names a
/// settings file may set.
pub const OTHER_SETTINGS: [&str; 4] = [
    "DATABASE_URL",
    "RUST_LOG",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_SERVICE_NAME",
];

/// A settings file larger than this is refused (it is a handful of lines).
const MAX_BYTES: u64 = 1024 * 1024;

/// The settings of a file: names to values, as text.
#[derive(Clone, PartialEq, Eq)]
pub struct SettingsFile {
    path: PathBuf,
    values: HashMap<String, String>,
}

impl std::fmt::Debug for SettingsFile {
    /// The path and the names set, never the values: they include secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&str> = self.values.keys().map(String::as_str).collect();
        names.sort_unstable();
        f.debug_struct("SettingsFile")
            .field("path", &self.path)
            .field("names", &names)
            .finish()
    }
}

impl SettingsFile {
    /// Reads and parses the file at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, EnvError> {
        let path = path.as_ref();
        let fail = |reason: String| file_error(path, None, reason);
        let bytes = crate::read_regular_file(path, MAX_BYTES).map_err(|e| match e {
            crate::ReadFileError::TooLarge { .. } => fail(format!("larger than {MAX_BYTES} bytes")),
            other => fail(format!("cannot read it: {other}")),
        })?;
        let text = String::from_utf8(bytes).map_err(|_| fail("not UTF-8 text".to_owned()))?;
        Self::parse(path, &text)
    }

    /// Parses `text`, the contents of the file at `path` (named in errors).
    pub fn parse(path: impl AsRef<Path>, text: &str) -> Result<Self, EnvError> {
        let path = path.as_ref();
        let values = parse_settings(text)
            .map_err(|Refusal { line, reason }| file_error(path, line, reason))?;
        Ok(Self {
            path: path.to_owned(),
            values,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The value the file gives `name`, if any.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// The names the file sets, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.values.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }
}

fn file_error(path: &Path, line: Option<usize>, reason: String) -> EnvError {
    EnvError::File {
        path: path.display().to_string(),
        line,
        reason,
    }
}

/// Why a file's text is refused, and on which line.
#[derive(Debug)]
struct Refusal {
    line: Option<usize>,
    reason: String,
}

impl Refusal {
    fn at(span: &Span, reason: impl Into<String>) -> Self {
        Self {
            line: Some(span.start.line()),
            reason: reason.into(),
        }
    }
}

impl From<ScanError> for Refusal {
    fn from(e: ScanError) -> Self {
        Self {
            line: Some(e.marker().line()),
            reason: format!("invalid YAML: {}", e.info()),
        }
    }
}

/// The parser's events, as results with a line on every refusal.
struct Events<'a>(Parser<'a, serde_saphyr::granit_parser::StrInput<'a>>);

impl<'a> Events<'a> {
    fn new(text: &'a str) -> Self {
        let mut options = Options::default();
        options.emit_comments = false;
        Self(Parser::new_from_str_with_options(text, options))
    }

    fn next(&mut self) -> Result<(Event<'a>, Span), Refusal> {
        match self.0.next() {
            Some(event) => Ok(event?),
            None => Err(Refusal {
                line: None,
                reason: "invalid YAML: unexpected end of the file".to_owned(),
            }),
        }
    }
}

/// A mapping of setting names to scalars or lists of scalars, as text.
fn parse_settings(text: &str) -> Result<HashMap<String, String>, Refusal> {
    let mut events = Events::new(text);
    let mut values = HashMap::new();
    if !matches!(events.next()?.0, Event::StreamStart) {
        return Err(Refusal {
            line: None,
            reason: "invalid YAML: no stream start".to_owned(),
        });
    }
    match events.next()? {
        (Event::StreamEnd, _) => return Ok(values), // nothing but comments
        (Event::DocumentStart(..), _) => {}
        (_, span) => return Err(Refusal::at(&span, "invalid YAML: expected a document")),
    }
    match events.next()? {
        (Event::MappingStart(..), _) => read_mapping(&mut events, &mut values)?,
        (Event::Scalar(value, style, _, None), _) if is_null(&value, style) => {}
        (_, span) => {
            return Err(Refusal::at(
                &span,
                "expected a mapping of setting names to values, such as `WFM_LISTEN_ADDR: 0.0.0.0:8080`",
            ));
        }
    }
    if !matches!(events.next()?.0, Event::DocumentEnd) {
        return Err(Refusal {
            line: None,
            reason: "invalid YAML: expected the end of the document".to_owned(),
        });
    }
    match events.next()? {
        (Event::StreamEnd, _) => Ok(values),
        (_, span) => Err(Refusal::at(
            &span,
            "more than one YAML document; write one mapping of settings",
        )),
    }
}

/// The entries of the top-level mapping, up to its end.
fn read_mapping(
    events: &mut Events<'_>,
    values: &mut HashMap<String, String>,
) -> Result<(), Refusal> {
    // where each name was set, null values included, to refuse a second setting
    let mut lines: HashMap<String, usize> = HashMap::new();
    loop {
        let (name, span) = match events.next()? {
            (Event::MappingEnd, _) => return Ok(()),
            (Event::Scalar(name, ..), span) => (name.into_owned(), span),
            (_, span) => {
                return Err(Refusal::at(
                    &span,
                    "a setting name must be a plain name such as WFM_LISTEN_ADDR",
                ));
            }
        };
        check_name(&name, &span)?;
        let value = read_value(events, &name)?;
        match lines.entry(name.clone()) {
            Entry::Occupied(first) => {
                return Err(Refusal::at(
                    &span,
                    format!("{name} is set twice (first on line {})", first.get()),
                ));
            }
            Entry::Vacant(slot) => {
                slot.insert(span.start.line());
            }
        }
        if let Some(value) = value {
            values.insert(name, value);
        }
    }
}

fn check_name(name: &str, span: &Span) -> Result<(), Refusal> {
    if name == CONFIG_FILE_VAR {
        return Err(Refusal::at(
            span,
            format!("{CONFIG_FILE_VAR} names the settings file; set it in the environment"),
        ));
    }
    let wfm = name.strip_prefix("WFM_").is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
    });
    if wfm || OTHER_SETTINGS.contains(&name) {
        return Ok(());
    }
    Err(Refusal::at(
        span,
        format!(
            "{name:?} is not a wfm setting (expected WFM_* in capitals, or one of {})",
            OTHER_SETTINGS.join(", ")
        ),
    ))
}

/// A setting's value: a scalar's text, or a list's items joined with commas;
/// `None` when empty.
fn read_value(events: &mut Events<'_>, name: &str) -> Result<Option<String>, Refusal> {
    match events.next()? {
        (Event::Scalar(value, style, _, tag), _) => {
            Ok((tag.is_some() || !is_null(&value, style)).then(|| value.into_owned()))
        }
        (Event::SequenceStart(..), _) => {
            let mut items = Vec::new();
            loop {
                match events.next()? {
                    (Event::SequenceEnd, _) => break,
                    (Event::Scalar(item, style, _, tag), span) => {
                        if tag.is_none() && is_null(&item, style) {
                            return Err(Refusal::at(
                                &span,
                                format!("{name}: an empty item in the list"),
                            ));
                        }
                        if item.contains(',') {
                            return Err(Refusal::at(
                                &span,
                                format!(
                                    "{name}: the list item {item:?} contains a comma (the items are joined with commas)"
                                ),
                            ));
                        }
                        items.push(item.into_owned());
                    }
                    (event, span) => return Err(Refusal::at(&span, nested(name, &event))),
                }
            }
            Ok((!items.is_empty()).then(|| items.join(",")))
        }
        (event, span) => Err(Refusal::at(&span, nested(name, &event))),
    }
}

/// Why a node is not a setting's value (or list item).
fn nested(name: &str, event: &Event<'_>) -> String {
    match event {
        Event::MappingStart(..) => format!(
            "{name}: a nested mapping is not a setting value; write a value or a list of values"
        ),
        Event::SequenceStart(..) => {
            format!("{name}: a list inside a list is not a setting value")
        }
        Event::Alias(..) => format!("{name}: aliases (*name) are not supported"),
        _ => format!("{name}: expected a value or a list of values"),
    }
}

/// An unquoted, untagged empty value: `~`, `null`, or nothing.
fn is_null(value: &str, style: ScalarStyle) -> bool {
    style == ScalarStyle::Plain && matches!(value, "" | "~" | "null" | "Null" | "NULL")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<SettingsFile, EnvError> {
        SettingsFile::parse("/etc/wfm/settings.yaml", text)
    }

    fn refusal(text: &str) -> String {
        parse(text).expect_err("the file is refused").to_string()
    }

    #[test]
    fn scalars_keep_the_text_as_written() {
        let file = parse(
            "# wfm settings\n\
             WFM_LISTEN_ADDR: 0.0.0.0:8080\n\
             WFM_DB_POOL_MAX_SIZE: 20\n\
             WFM_MIGRATE_ON_START: true\n\
             WFM_INSTANCE_ID: 0755\n\
             WFM_CLUSTER_NAME: '1.10'\n\
             WFM_WEBHOOK_SECRETS: \"a,b\"\n\
             DATABASE_URL: postgres://wfm:p%40ss@db:5432/wfm  # a comment\n\
             RUST_LOG: info,wfm_db=debug\n\
             WFM_LLM_PROMPT: |\n  two\n  lines\n",
        )
        .expect("a valid file");
        assert_eq!(file.get("WFM_LISTEN_ADDR"), Some("0.0.0.0:8080"));
        assert_eq!(file.get("WFM_DB_POOL_MAX_SIZE"), Some("20"));
        assert_eq!(file.get("WFM_MIGRATE_ON_START"), Some("true"));
        assert_eq!(file.get("WFM_INSTANCE_ID"), Some("0755"));
        assert_eq!(file.get("WFM_CLUSTER_NAME"), Some("1.10"));
        assert_eq!(file.get("WFM_WEBHOOK_SECRETS"), Some("a,b"));
        assert_eq!(
            file.get("DATABASE_URL"),
            Some("postgres://wfm:p%40ss@db:5432/wfm")
        );
        assert_eq!(file.get("RUST_LOG"), Some("info,wfm_db=debug"));
        assert_eq!(file.get("WFM_LLM_PROMPT"), Some("two\nlines\n"));
        assert_eq!(file.path(), Path::new("/etc/wfm/settings.yaml"));
    }

    #[test]
    fn lists_are_comma_separated_values() {
        let file = parse(
            "WFM_API_READ_TOKENS: [t1, t2]\n\
             WFM_API_ADMIN_TOKENS:\n  - a1\n  - 12\n\
             WFM_GITHUB_METRICS_JOBS: []\n",
        )
        .expect("a valid file");
        assert_eq!(file.get("WFM_API_READ_TOKENS"), Some("t1,t2"));
        assert_eq!(file.get("WFM_API_ADMIN_TOKENS"), Some("a1,12"));
        assert_eq!(file.get("WFM_GITHUB_METRICS_JOBS"), None);
        assert!(refusal("WFM_API_READ_TOKENS: [a, 'b,c']\n").ends_with(
            "line 1: WFM_API_READ_TOKENS: the list item \"b,c\" contains a comma (the items are joined with commas)"
        ));
        assert!(refusal("WFM_API_READ_TOKENS: [a, ~]\n").contains("an empty item"));
    }

    #[test]
    fn empty_values_and_files_set_nothing() {
        let file = parse("WFM_A:\nWFM_B: ~\nWFM_C: null\nWFM_D: ''\n").expect("valid");
        assert_eq!(file.get("WFM_A"), None);
        assert_eq!(file.get("WFM_B"), None);
        assert_eq!(file.get("WFM_C"), None);
        assert_eq!(file.names(), ["WFM_D"]); // set, but blank: Env treats it as unset
        for empty in ["", "# only a comment\n", "---\n", "~\n", "{}\n"] {
            assert_eq!(
                parse(empty).expect("an empty file").names(),
                Vec::<&str>::new()
            );
        }
    }

    #[test]
    fn names_must_be_settings() {
        assert_eq!(
            refusal("WFM_LISTEN_ADDR: x\nLISTEN_ADDR: 0.0.0.0:80\n"),
            "settings file /etc/wfm/settings.yaml (WFM_CONFIG_FILE), line 2: \"LISTEN_ADDR\" is not a wfm setting \
             (expected WFM_* in capitals, or one of DATABASE_URL, RUST_LOG, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME)"
        );
        assert!(
            refusal("wfm_listen_addr: x\n").contains("\"wfm_listen_addr\" is not a wfm setting")
        );
        assert!(refusal("WFM_: x\n").contains("\"WFM_\" is not a wfm setting"));
        assert!(refusal("KUBECONFIG: /k\n").contains("\"KUBECONFIG\" is not a wfm setting"));
        assert!(refusal("WFM_CONFIG_FILE: /other.yaml\n").contains(
            "line 1: WFM_CONFIG_FILE names the settings file; set it in the environment"
        ));
        assert!(refusal("[WFM_A]: x\n").contains("a setting name must be a plain name"));
    }

    #[test]
    fn nested_and_repeated_settings_are_refused() {
        assert_eq!(
            refusal("WFM_LISTEN_ADDR: x\nWFM_DB:\n  POOL_MAX_SIZE: 3\n"),
            "settings file /etc/wfm/settings.yaml (WFM_CONFIG_FILE), line 3: WFM_DB: a nested mapping is not \
             a setting value; write a value or a list of values"
        );
        assert!(refusal("WFM_A: [[x]]\n").contains("WFM_A: a list inside a list"));
        assert!(refusal("WFM_A: [{x: 1}]\n").contains("WFM_A: a nested mapping"));
        assert!(refusal("WFM_A: &a x\nWFM_B: *a\n").contains("line 2: WFM_B: aliases"));
        assert!(
            refusal("WFM_A: x\nWFM_B: y\nWFM_A: z\n")
                .ends_with("line 3: WFM_A is set twice (first on line 1)")
        );
        assert!(refusal("WFM_A: x\n---\nWFM_B: y\n").contains("more than one YAML document"));
        assert!(refusal("- WFM_A\n").contains("line 1: expected a mapping of setting names"));
        assert!(refusal("just text\n").contains("expected a mapping of setting names"));
    }

    #[test]
    fn yaml_errors_name_the_file_and_the_line() {
        let err = refusal("WFM_A: x\nWFM_B: \"unterminated\n");
        assert!(
            err.starts_with(
                "settings file /etc/wfm/settings.yaml (WFM_CONFIG_FILE), line 2: invalid YAML: "
            ),
            "{err}"
        );
        let err = refusal("WFM_A: x\n  WFM_B: y\nWFM_C: [\n");
        assert!(err.contains(", line 2: invalid YAML: "), "{err}");
        let err = refusal("WFM_A: [a\n");
        assert!(err.contains(", line 1: invalid YAML: "), "{err}");
    }

    #[test]
    fn unreadable_files_are_named() {
        let err = SettingsFile::load("/nonexistent/wfm.yaml").unwrap_err();
        assert!(
            err.to_string().starts_with(
                "settings file /nonexistent/wfm.yaml (WFM_CONFIG_FILE): cannot read it: "
            ),
            "{err}"
        );
        let dir = std::env::temp_dir();
        let err = SettingsFile::load(&dir).unwrap_err().to_string();
        assert!(err.contains("cannot read it"), "{err}");
    }

    #[test]
    fn debug_shows_names_not_values() {
        let file = parse("DATABASE_URL: postgres://u:secret@h/db\n").expect("valid");
        let debug = format!("{file:?}");
        assert!(debug.contains("DATABASE_URL"), "{debug}");
        assert!(!debug.contains("secret"), "{debug}");
    }
}
