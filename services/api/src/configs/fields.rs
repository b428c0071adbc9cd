//! A config's editable fields: what POST and PUT send whole and PATCH sends in
//! part, checked before anything is written.

use diesel::prelude::*;
use serde::Deserialize;
use serde::de::IgnoredAny;
use wfm_db::ReaderKind;
use wfm_db::models::Config;
use wfm_db::schema::github_workflow_configs;

use crate::error::{ApiError, ApiResult};

const MAX_NAME: usize = 255;
const MAX_PATTERN: usize = 1024;
const MAX_PATTERNS: usize = 100;
const MAX_PROMPT: usize = 10_000;

/// Every editable column, as written by create, replace and patch.
#[derive(Debug, Clone, PartialEq, Insertable, AsChangeset)]
#[diesel(table_name = github_workflow_configs, treat_none_as_null = true)]
pub struct ConfigFields {
    pub name: String,
    pub description: String,
    pub runner_set_namespace: Option<String>,
    pub runner_set_name: Option<String>,
    pub runner_set_uid: Option<String>,
    pub github_owner: Option<String>,
    pub github_repo: Option<String>,
    pub workflow_filter: Option<String>,
    pub branch_filter: Option<String>,
    pub file_patterns: serde_json::Value,
    pub reader: ReaderKind,
    pub reader_options: serde_json::Value,
    pub keep_raw_data: bool,
    pub enabled: bool,
    pub file_types: serde_json::Value,
    pub custom_prompt: Option<String>,
    pub export_series: bool,
}

/// The body of POST and PUT. Read-only fields a client may echo back from a GET
/// (`id`, times…) are accepted and ignored; any other unknown field is refused.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigBody {
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    runner_set_namespace: Option<String>,
    #[serde(default)]
    runner_set_name: Option<String>,
    #[serde(default)]
    runner_set_uid: Option<String>,
    #[serde(default)]
    github_owner: Option<String>,
    #[serde(default)]
    github_repo: Option<String>,
    #[serde(default)]
    workflow_filter: Option<String>,
    #[serde(default)]
    branch_filter: Option<String>,
    file_patterns: Vec<String>,
    #[serde(default)]
    reader: Option<ReaderKind>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    reader_options: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    keep_raw_data: Option<bool>,
    #[serde(default)]
    enabled: Option<bool>,
    /// Formats to extract of the matched files: json (also JSON Lines),
    /// jsonl, csv (also TSV), tsv, markdown, text, xml; empty or absent: every file.
    #[serde(default)]
    file_types: Option<Vec<String>>,
    /// Sent to the LLM with every file (at most 10,000 characters).
    #[serde(default)]
    custom_prompt: Option<String>,
    /// Export each series' latest value and an active-regression flag on
    /// the api's `/metrics` (default false).
    #[serde(default)]
    export_series: Option<bool>,
    // echoed read-only fields
    #[serde(default, rename = "id")]
    #[schema(ignore)]
    _id: Option<IgnoredAny>,
    #[serde(default, rename = "cluster_name")]
    #[schema(ignore)]
    _cluster_name: Option<IgnoredAny>,
    #[serde(default, rename = "metric_schema_id")]
    #[schema(ignore)]
    _metric_schema_id: Option<IgnoredAny>,
    #[serde(default, rename = "last_processed_workload_uid")]
    #[schema(ignore)]
    _last_processed_workload_uid: Option<IgnoredAny>,
    #[serde(default, rename = "last_checked_at")]
    #[schema(ignore)]
    _last_checked_at: Option<IgnoredAny>,
    #[serde(default, rename = "recipes_requested_at")]
    #[schema(ignore)]
    _recipes_requested_at: Option<IgnoredAny>,
    #[serde(default, rename = "created_at")]
    #[schema(ignore)]
    _created_at: Option<IgnoredAny>,
    #[serde(default, rename = "updated_at")]
    #[schema(ignore)]
    _updated_at: Option<IgnoredAny>,
}

impl ConfigBody {
    /// The whole config this body describes, checked.
    pub fn into_fields(self) -> ApiResult<ConfigFields> {
        ConfigFields {
            name: self.name,
            description: self.description.unwrap_or_default(),
            runner_set_namespace: self.runner_set_namespace,
            runner_set_name: self.runner_set_name,
            runner_set_uid: self.runner_set_uid,
            github_owner: self.github_owner,
            github_repo: self.github_repo,
            workflow_filter: self.workflow_filter,
            branch_filter: self.branch_filter,
            file_patterns: patterns_json(self.file_patterns),
            reader: self.reader.unwrap_or(ReaderKind::Mounted),
            reader_options: serde_json::Value::Object(self.reader_options.unwrap_or_default()),
            keep_raw_data: self.keep_raw_data.unwrap_or(false),
            enabled: self.enabled.unwrap_or(true),
            file_types: serde_json::Value::from(self.file_types.unwrap_or_default()),
            custom_prompt: self.custom_prompt,
            export_series: self.export_series.unwrap_or(false),
        }
        .checked()
    }
}

/// The body of PATCH: only the fields sent change; `null` clears an optional one.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigPatch {
    name: Option<String>,
    description: Option<String>,
    #[serde(default, deserialize_with = "present")]
    runner_set_namespace: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    runner_set_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    runner_set_uid: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    github_owner: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    github_repo: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    workflow_filter: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    branch_filter: Option<Option<String>>,
    file_patterns: Option<Vec<String>>,
    reader: Option<ReaderKind>,
    #[schema(value_type = Option<Object>)]
    reader_options: Option<serde_json::Map<String, serde_json::Value>>,
    keep_raw_data: Option<bool>,
    enabled: Option<bool>,
    file_types: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    custom_prompt: Option<Option<String>>,
    export_series: Option<bool>,
}

/// A field that is present, maybe as `null`: `Some(None)`; absent: `None` (via `default`).
fn present<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}

impl ConfigPatch {
    /// `current` with this patch applied, checked.
    pub fn apply(self, current: &Config) -> ApiResult<ConfigFields> {
        fn pick<T>(new: Option<T>, old: &T) -> T
        where
            T: Clone,
        {
            new.unwrap_or_else(|| old.clone())
        }
        ConfigFields {
            name: pick(self.name, &current.name),
            description: pick(self.description, &current.description),
            runner_set_namespace: pick(self.runner_set_namespace, &current.runner_set_namespace),
            runner_set_name: pick(self.runner_set_name, &current.runner_set_name),
            runner_set_uid: pick(self.runner_set_uid, &current.runner_set_uid),
            github_owner: pick(self.github_owner, &current.github_owner),
            github_repo: pick(self.github_repo, &current.github_repo),
            workflow_filter: pick(self.workflow_filter, &current.workflow_filter),
            branch_filter: pick(self.branch_filter, &current.branch_filter),
            file_patterns: self
                .file_patterns
                .map_or_else(|| current.file_patterns.clone(), patterns_json),
            reader: pick(self.reader, &current.reader),
            reader_options: self
                .reader_options
                .map_or_else(|| current.reader_options.clone(), serde_json::Value::Object),
            keep_raw_data: pick(self.keep_raw_data, &current.keep_raw_data),
            enabled: pick(self.enabled, &current.enabled),
            file_types: self
                .file_types
                .map_or_else(|| current.file_types.clone(), serde_json::Value::from),
            custom_prompt: pick(self.custom_prompt, &current.custom_prompt),
            export_series: pick(self.export_series, &current.export_series),
        }
        .checked()
    }
}

fn patterns_json(patterns: Vec<String>) -> serde_json::Value {
    serde_json::Value::from(patterns)
}

impl ConfigFields {
    /// Trims, turns empty optional strings into `None`, and refuses what cannot work.
    fn checked(mut self) -> ApiResult<Self> {
        self.name = self.name.trim().to_owned();
        if self.name.is_empty() {
            return Err(ApiError::bad_request("invalid name: must not be empty"));
        }
        check_len("name", &self.name)?;
        for (field, value) in [
            ("runner_set_namespace", &mut self.runner_set_namespace),
            ("runner_set_name", &mut self.runner_set_name),
            ("runner_set_uid", &mut self.runner_set_uid),
            ("github_owner", &mut self.github_owner),
            ("github_repo", &mut self.github_repo),
            ("workflow_filter", &mut self.workflow_filter),
            ("branch_filter", &mut self.branch_filter),
        ] {
            *value = value
                .take()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty());
            if let Some(v) = value {
                check_len(field, v)?;
            }
        }
        match (&self.runner_set_namespace, &self.runner_set_name) {
            (Some(_), None) | (None, Some(_)) => {
                return Err(ApiError::bad_request(
                    "invalid runner_set_namespace/runner_set_name: give both or neither",
                ));
            }
            (None, None) if self.github_owner.is_none() || self.github_repo.is_none() => {
                return Err(ApiError::bad_request(
                    "invalid binding: give runner_set_namespace and runner_set_name, \
                     or github_owner and github_repo for a webhook-triggered config",
                ));
            }
            _ => {}
        }
        check_patterns(&self.file_patterns)?;
        // A misspelt or mistyped reader option is refused now, not ignored by a run.
        wfm_reader::parse_reader_options(self.reader.as_str(), &self.reader_options)
            .map_err(|e| ApiError::bad_request(format!("invalid {e}")))?;
        self.file_types = checked_file_types(&self.file_types)?;
        self.custom_prompt = self.custom_prompt.take().filter(|p| !p.trim().is_empty());
        if let Some(prompt) = &self.custom_prompt
            && prompt.chars().count() > MAX_PROMPT
        {
            return Err(ApiError::bad_request(format!(
                "invalid custom_prompt: longer than {MAX_PROMPT} characters"
            )));
        }
        Ok(self)
    }
}

fn check_len(field: &str, value: &str) -> ApiResult<()> {
    if value.chars().count() > MAX_NAME {
        return Err(ApiError::bad_request(format!(
            "invalid {field}: longer than {MAX_NAME} characters"
        )));
    }
    Ok(())
}

fn check_patterns(patterns: &serde_json::Value) -> ApiResult<()> {
    let list = patterns.as_array().map(Vec::as_slice).unwrap_or_default();
    if list.is_empty() {
        return Err(ApiError::bad_request(
            "invalid file_patterns: give at least one pattern",
        ));
    }
    if list.len() > MAX_PATTERNS {
        return Err(ApiError::bad_request(format!(
            "invalid file_patterns: more than {MAX_PATTERNS} patterns"
        )));
    }
    for (i, pattern) in list.iter().enumerate() {
        let pattern = pattern.as_str().unwrap_or_default();
        if pattern.trim().is_empty() {
            return Err(ApiError::bad_request(format!(
                "invalid file_patterns[{i}]: must not be empty"
            )));
        }
        if pattern.len() > MAX_PATTERN {
            return Err(ApiError::bad_request(format!(
                "invalid file_patterns[{i}]: longer than {MAX_PATTERN} bytes"
            )));
        }
        // The readers refuse these too, but only when a run executes: say it now.
        if pattern.starts_with('/') || pattern.split('/').any(|part| part == "..") {
            return Err(ApiError::bad_request(format!(
                "invalid file_patterns[{i}]: {pattern:?} leaves the result root; \
                 patterns are relative and may not contain `..`"
            )));
        }
        glob::Pattern::new(pattern).map_err(|e| {
            ApiError::bad_request(format!(
                "invalid file_patterns[{i}]: {pattern:?} is not a glob ({e})"
            ))
        })?;
    }
    Ok(())
}

/// `file_types` with each entry known, in its canonical name, once each.
fn checked_file_types(types: &serde_json::Value) -> ApiResult<serde_json::Value> {
    let mut names: Vec<&'static str> = Vec::new();
    for (i, raw) in types.as_array().into_iter().flatten().enumerate() {
        let raw = raw.as_str().unwrap_or_default();
        let format = wfm_extract::Format::from_type_name(raw).ok_or_else(|| {
            ApiError::bad_request(format!(
                "invalid file_types[{i}]: {raw:?} is not one of {}",
                wfm_extract::Format::TYPE_NAMES
            ))
        })?;
        if !names.contains(&format.name()) {
            names.push(format.name());
        }
    }
    Ok(serde_json::Value::from(names))
}
