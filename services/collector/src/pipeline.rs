//! One claimed run, start to finish: list and read its files (`collecting`),
//! extract them under the config's active schema (`extracting`, creating
//! version 1 from these files when there is none), store the records and
//! complete the run in one transaction. Every problem ends as an `Outcome`
//! that says what the queue should do with the run.

use std::time::Instant;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use wfm_db::models::{Config, Run};
use wfm_db::queue::{self, Completion};
use wfm_db::schema::github_workflow_configs as configs;
use wfm_db::{GeneratedBy, ReaderKind, RunStatus};
use wfm_extract::llm::{LlmRequest, Method, extract_with_llm};
use wfm_extract::{DimValue, Options, Record, parse_time};
use wfm_reader::{
    FileReader, GithubArtifactsReader, ListError, ListRequest, Listing, MountedReader, Placeholders,
};

use crate::Collector;
use crate::schema::{self, ActiveSchema};
use crate::store::{MetricRow, Stored, store_and_complete};

/// How a run ended, and so what the queue does with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Completed {
        files: usize,
        records: usize,
    },
    /// Nothing to collect (volume gone, no file matched): `skipped`.
    Skipped(String),
    /// Cannot ever work (bad pattern, every file unreadable): `failed`.
    Failed(String),
    /// Worth another attempt later (database, I/O timeout).
    Retry(String),
    /// Asked to wait (a rate limit): back to pending after the wait, no retry counted.
    Deferred(String, std::time::Duration),
    /// Another worker owns the run now; nothing was written.
    Lost,
}

/// Longest error_message stored on a run.
const MAX_ERROR_CHARS: usize = 4000;

impl Collector {
    /// Runs the pipeline; unexpected errors (the database) become a retry.
    pub async fn process(&self, run: &Run) -> Outcome {
        match self.collect(run).await {
            Ok(outcome) => outcome,
            Err(e) => Outcome::Retry(format!("{e:#}")),
        }
    }

    async fn collect(&self, run: &Run) -> anyhow::Result<Outcome> {
        let mut conn = self.pool.get().await?;
        let config: Config = configs::table
            .find(run.config_id)
            .select(Config::as_select())
            .first(&mut conn)
            .await?;
        let reader = match self.reader(&mut conn, &config, run).await? {
            Ok(reader) => reader,
            Err(outcome) => return Ok(outcome),
        };
        let patterns: Vec<String> = match serde_json::from_value(config.file_patterns.clone()) {
            Ok(p) if !Vec::is_empty(&p) => p,
            _ => {
                return Ok(Outcome::Failed(
                    "file_patterns must be a non-empty list of glob strings".into(),
                ));
            }
        };
        let window = match window(&config, run) {
            Ok(window) => window,
            Err(reason) => return Ok(Outcome::Skipped(reason)),
        };
        let request = ListRequest {
            patterns,
            placeholders: placeholders(run),
            window,
            max_files: self.config.max_files,
        };
        let gathered = self.gather(&*reader, &request).await;
        // The reader's resources (a temp pod) go before the extraction, however it went.
        reader.release().await;
        let (listing, mut files, mut problems) = match gathered {
            Ok(gathered) => gathered,
            Err(outcome) => return Ok(outcome),
        };
        let wanted = file_types(&config);
        if !wanted.is_empty() {
            files.retain(|(path, bytes)| of_wanted_type(&wanted, path, bytes));
            if files.is_empty() {
                return Ok(Outcome::Skipped(format!(
                    "no matched file is of file_types {:?}",
                    config.file_types
                )));
            }
        }
        let found = i32::try_from(listing.files.len()).unwrap_or(i32::MAX);
        if !queue::advance(
            &mut conn,
            run.id,
            crate::claim_of(run),
            RunStatus::Collecting,
            RunStatus::Extracting,
            found,
        )
        .await?
        {
            return Ok(Outcome::Lost);
        }
        let started = Instant::now();
        let active = match schema::active(&mut conn, config.id).await {
            Err(e) if e.is::<schema::InvalidSchema>() => {
                return Ok(Outcome::Failed(format!("{e:#}")));
            }
            Err(e) => return Err(e),
            Ok(Some(active)) => active,
            Ok(None) => match self
                .new_schema(&mut conn, &config, &files, &mut problems)
                .await?
            {
                Some(active) => active,
                None => return Ok(Outcome::Failed(joined(&problems))),
            },
        };
        let (rows, processed) = self
            .extract_all(run, &config, &active, &files, &mut problems)
            .await;
        self.metrics
            .extraction_seconds
            .observe(started.elapsed().as_secs_f64());
        if processed == 0 {
            return Ok(Outcome::Failed(joined(&problems)));
        }
        let done = Completion {
            files_processed: i32::try_from(processed).unwrap_or(i32::MAX),
            metrics_count: i32::try_from(rows.len()).unwrap_or(i32::MAX),
            error_message: (!problems.is_empty()).then(|| joined(&problems)),
        };
        let batch = self.config.insert_batch;
        match store_and_complete(
            &mut conn,
            run.id,
            config.id,
            active.id,
            crate::claim_of(run),
            &rows,
            batch,
            &done,
        )
        .await?
        {
            Stored::Completed { rows } => Ok(Outcome::Completed {
                files: processed,
                records: rows,
            }),
            Stored::Lost => Ok(Outcome::Lost),
        }
    }

    async fn reader(
        &self,
        conn: &mut diesel_async::AsyncPgConnection,
        config: &Config,
        run: &Run,
    ) -> anyhow::Result<Result<Box<dyn FileReader>, Outcome>> {
        Ok(match config.reader {
            ReaderKind::Mounted => {
                let Some(base) = &self.config.mounted_root else {
                    return Ok(Err(Outcome::Skipped(
                        "this collector has no mounted result root (WFM_MOUNTED_ROOT)".into(),
                    )));
                };
                let sub = config
                    .reader_options
                    .get("path")
                    .and_then(serde_json::Value::as_str);
                MountedReader::new(base, sub, self.config.read_timeout)
                    .map(|r| Box::new(r) as Box<dyn FileReader>)
                    .map_err(|e| Outcome::Failed(e.to_string()))
            }
            ReaderKind::GithubArtifacts => {
                let repository = config
                    .reader_options
                    .get("repository")
                    .and_then(serde_json::Value::as_str)
                    .and_then(|r| r.split_once('/'))
                    .map(|(o, r)| (o.to_owned(), r.to_owned()))
                    .or_else(|| config.github_owner.clone().zip(config.github_repo.clone()));
                let Some((owner, repo)) = repository else {
                    return Ok(Err(Outcome::Failed(
                        "the github-artifacts reader needs the config's github_owner and github_repo, \
                         or reader_options.repository (owner/name)"
                            .into(),
                    )));
                };
                Ok(Box::new(GithubArtifactsReader::new(
                    self.github.clone(),
                    &owner,
                    &repo,
                    self.config.github.limits,
                )))
            }
            ReaderKind::TempPod | ReaderKind::NodeExporter => {
                return self.pod_reader(conn, config, run).await;
            }
        })
    }

    /// Lists and reads the run's files: the listing, the files read, and
    /// the problems worth noting; an `Outcome` when the run cannot go on.
    async fn gather(
        &self,
        reader: &dyn FileReader,
        request: &ListRequest,
    ) -> Result<(Listing, Vec<(String, Vec<u8>)>, Vec<String>), Outcome> {
        let listing = match reader.list(request).await {
            Ok(listing) => listing,
            Err(e @ (ListError::RootMissing(_) | ListError::Unavailable(_))) => {
                return Err(Outcome::Skipped(e.to_string()));
            }
            Err(e @ ListError::BadPattern { .. }) => return Err(Outcome::Failed(e.to_string())),
            Err(e @ ListError::Io(_)) => return Err(Outcome::Retry(e.to_string())),
            Err(e @ ListError::Refused(_)) => return Err(Outcome::Failed(e.to_string())),
            Err(ListError::RateLimited(wait)) => {
                return Err(Outcome::Deferred(
                    format!("GitHub rate limit: trying again in {}s", wait.as_secs()),
                    wait,
                ));
            }
        };
        let mut problems: Vec<String> = listing
            .refused
            .iter()
            .map(|(path, why)| format!("{path}: {why}"))
            .collect();
        if listing.over_cap > 0 {
            problems.push(format!(
                "{} more files matched beyond the cap of {}",
                listing.over_cap, self.config.max_files
            ));
        }
        if listing.files.is_empty() {
            problems.insert(0, format!("no file matched {:?}", request.patterns));
            return Err(Outcome::Skipped(joined(&problems)));
        }
        let mut files = Vec::with_capacity(listing.files.len());
        for file in &listing.files {
            match reader.read(file, self.config.max_file_bytes).await {
                Ok(bytes) => {
                    self.metrics.files_read.inc();
                    self.metrics.bytes_read.inc_by(bytes.len() as u64);
                    files.push((file.path.clone(), bytes));
                }
                Err(e) if e.is_transient() => {
                    return Err(Outcome::Retry(format!("{}: {e}", file.path)));
                }
                Err(e) => problems.push(format!("{}: {e}", file.path)),
            }
        }
        Ok((listing, files, problems))
    }

    /// Version 1 of the config's schema, from this run's files.
    async fn new_schema(
        &self,
        conn: &mut diesel_async::AsyncPgConnection,
        config: &Config,
        files: &[(String, Vec<u8>)],
        problems: &mut Vec<String>,
    ) -> anyhow::Result<Option<ActiveSchema>> {
        let mut schemas = Vec::new();
        let mut by_llm = false;
        let mut explanations = Vec::new();
        for (path, bytes) in files {
            match self.extract_one(config, path, bytes, None).await {
                Ok(x) if !x.extraction.records.is_empty() => {
                    by_llm |= x.method == Method::Llm;
                    explanations.extend(x.explanation.map(|e| format!("{path}: {e}")));
                    schemas.push(x.extraction.schema);
                }
                Ok(_) => {}
                Err(e) => problems.push(format!("{path}: {e}")),
            }
        }
        if schemas.is_empty() {
            problems.insert(0, "no file yielded records to build a schema from".into());
            return Ok(None);
        }
        let generated_by = if by_llm {
            GeneratedBy::Ai
        } else {
            GeneratedBy::Inference
        };
        let name = format!("{} schema", config.name);
        let active = schema::create_active(
            conn,
            config.id,
            &name,
            &schema::union(schemas),
            generated_by,
            (!explanations.is_empty()).then(|| explanations.join("\n")),
        )
        .await?;
        tracing::info!(config = config.id, schema = active.id, %generated_by, "created the config's first schema");
        Ok(Some(active))
    }

    /// Every file under the active schema; failed files become problems.
    async fn extract_all(
        &self,
        run: &Run,
        config: &Config,
        active: &ActiveSchema,
        files: &[(String, Vec<u8>)],
        problems: &mut Vec<String>,
    ) -> (Vec<MetricRow>, usize) {
        let default_time = run.workload_completed_at.unwrap_or(run.created_at);
        let mut rows = Vec::new();
        let mut processed = 0;
        for (path, bytes) in files {
            match self
                .extract_one(config, path, bytes, Some(&active.schema))
                .await
            {
                Ok(outcome) => {
                    let x = outcome.extraction;
                    processed += 1;
                    rows.extend(x.records.iter().map(|record| {
                        MetricRow {
                            timestamp: record_time(&record, active, default_time),
                            source_file: path.clone(),
                            dimensions: record.dimensions_json(),
                            metrics: record.metrics_json(),
                            raw_data: config
                                .keep_raw_data
                                .then(|| serde_json::to_string(&record).unwrap_or_default()),
                        }
                    }));
                }
                Err(e) => problems.push(format!("{path}: {e}")),
            }
        }
        (rows, processed)
    }

    async fn extract_one(
        &self,
        config: &Config,
        path: &str,
        bytes: &[u8],
        schema: Option<&wfm_extract::Schema>,
    ) -> Result<wfm_extract::llm::Outcome, wfm_extract::ExtractError> {
        let options = Options {
            max_bytes: usize::try_from(self.config.max_file_bytes).unwrap_or(usize::MAX),
        };
        let request = LlmRequest {
            path,
            bytes,
            schema,
            custom_prompt: config.custom_prompt.as_deref(),
        };
        let outcome = extract_with_llm(request, &options, self.llm.as_ref()).await?;
        if let (Some(_), Some(reason)) = (&self.llm, &outcome.fallback_reason) {
            tracing::warn!(
                path,
                reason,
                "LLM extraction fell back to the built-in extractor"
            );
        }
        Ok(outcome)
    }
}

/// The config's `file_types`, as formats (unknown names were refused when written).
fn file_types(config: &Config) -> Vec<wfm_extract::Format> {
    config
        .file_types
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t.as_str().and_then(wfm_extract::Format::from_type_name))
        .collect()
}

/// Whether the file, read as the extractor would read it, is of a wanted type.
fn of_wanted_type(wanted: &[wfm_extract::Format], path: &str, bytes: &[u8]) -> bool {
    let (read_as, _) = wfm_extract::detect_format(path, &String::from_utf8_lossy(bytes));
    wanted.iter().any(|w| w.takes(read_as))
}

fn placeholders(run: &Run) -> Placeholders {
    Placeholders {
        run_id: run.github_run_id.map(|v| v.to_string()),
        job_id: run.github_job_id.map(|v| v.to_string()),
        runner_name: Some(run.workload_name.clone()).filter(|n| !n.is_empty()),
        workload_uid: Some(run.workload_uid.clone()),
        head_sha: run.head_sha.clone(),
        branch: run.head_branch.clone(),
    }
}

/// Modification times a run's files may have.
type Window = (DateTime<Utc>, DateTime<Utc>);

/// `reader_options: {"mtime_window": true, "mtime_margin_seconds": 300}`:
/// only files modified between the runner's start and completion (± margin).
/// Without those times the window cannot be applied, and collecting every
/// run's files instead would be wrong: the run is skipped with that reason.
fn window(config: &Config, run: &Run) -> Result<Option<Window>, String> {
    let options = &config.reader_options;
    if options
        .get("mtime_window")
        .and_then(serde_json::Value::as_bool)
        != Some(true)
    {
        return Ok(None);
    }
    let margin = options
        .get("mtime_margin_seconds")
        .and_then(serde_json::Value::as_i64)
        .unwrap_or(300);
    let margin = chrono::Duration::seconds(margin.max(0));
    match (run.workload_started_at, run.workload_completed_at) {
        (Some(start), Some(end)) => Ok(Some((start - margin, end + margin))),
        _ => Err(
            "mtime_window is on but the run has no workload start and completion time".to_owned(),
        ),
    }
}

/// The record's own time when the schema names a timestamp field, else the
/// workload's completion.
fn record_time(
    record: &Record<'_>,
    active: &ActiveSchema,
    default: DateTime<Utc>,
) -> DateTime<Utc> {
    let own = active
        .timestamp_field
        .as_deref()
        .and_then(|field| match record.dimension(field) {
            Some(DimValue::Str(text)) => parse_time(text),
            _ => None,
        });
    own.unwrap_or(default)
}

fn joined(problems: &[String]) -> String {
    let text = problems.join("; ");
    if text.chars().count() <= MAX_ERROR_CHARS {
        return text;
    }
    let cut: String = text.chars().take(MAX_ERROR_CHARS).collect();
    format!("{cut}… ({} problems in all)", problems.len())
}
