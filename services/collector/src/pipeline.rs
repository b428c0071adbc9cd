//! One claimed run, start to finish: list and read its files (`collecting`),
//! extract them under the config's active schema (`extracting`, creating
//! version 1 from these files when there is none), store the records and
//! complete the run in one transaction. Every problem ends as an `Outcome`
//! that says what the queue should do with the run.
//!
//! A pooled connection is taken only for the steps that need one: the
//! config (and a pod reader's runner template); after the files are read,
//! the move to `extracting` and the active schema; the first schema when
//! there is none; last, the store. Listing, reading and extracting files —
//! minutes with a reader pod, GitHub's artifacts or an LLM — hold none.
//! Exactly once still holds: each write is guarded by the run's claim
//! (`queue::advance`, then `store_and_complete`).
//!
//! This is the home of the collector's methods (`new`, `process`, `settle`);
//! the steps they call are functions of `files`, `pods`, `extract`,
//! `schema` and `store`.

use std::time::Instant;

use chrono::{DateTime, TimeDelta, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use wfm_db::RunStatus;
use wfm_db::models::{Config, Run};
use wfm_db::queue::{self, Completion};
use wfm_db::schema::github_workflow_configs as configs;
use wfm_reader::{FileReader, ListRequest, Placeholders, ReaderOptions, parse_reader_options};

use wfm_db::{DbConfig, DbPool};
use wfm_extract::llm::LlmClient;
use wfm_github::rest::GithubClient;

use crate::extract::Extractor;
use crate::files::{self, Files};
use crate::schema::{self, ActiveSchema, SchemaError};
use crate::store::{StoreLimits, Stored, examine_changes, refresh_rollups, store_and_complete};
use crate::{Collector, claim_of};
use crate::{CollectorConfig, CollectorMetrics};

/// How a run ended, and so what the queue does with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Completed {
        files: usize,
        records: usize,
    },
    /// Nothing to collect (volume gone, no file matched): `skipped`.
    Skipped(String),
    /// Cannot ever work (bad pattern or reader options, every file
    /// unreadable): `failed`.
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

/// A step's result: go on with `T`, or end the run with the outcome.
type Step<T> = Result<T, Outcome>;

/// What a run reads, settled on its first connection.
struct Prepared {
    config: Config,
    reader: Box<dyn FileReader>,
    request: ListRequest,
}

impl Collector {
    pub fn new(
        pool: DbPool,
        db: DbConfig,
        config: CollectorConfig,
        worker: String,
        metrics: CollectorMetrics,
    ) -> anyhow::Result<Self> {
        // Each run takes a connection for its database steps (not while it
        // reads or extracts files) and its heartbeat another; too small a
        // pool would starve heartbeats and lose leases.
        let needed = 2 * config.concurrency + 2;
        if db.pool_max_size < needed {
            anyhow::bail!(
                "WFM_DB_POOL_MAX_SIZE is {} but WFM_COLLECTOR_CONCURRENCY {} needs at least {needed} (2 × concurrency + 2)",
                db.pool_max_size,
                config.concurrency
            );
        }
        let llm = config.llm.clone().map(LlmClient::new).transpose()?;
        let github = GithubClient::new(
            &config.github.api_url,
            config.github.credentials.clone(),
            config.github.timeout,
        )?;
        let http = reqwest::Client::builder()
            .timeout(config.read_timeout)
            .build()?;
        let notifier = if config.notify.targets().is_empty() {
            None
        } else {
            let github = config.notify.github_status.then(|| github.clone());
            Some(wfm_change_tracking::notify::Notifier::new(
                config.notify.clone(),
                github,
            )?)
        };
        let pusher = if config.repo_health.push.any() {
            Some(wfm_repo_health::export::Pusher::new(
                config.repo_health.push.clone(),
            )?)
        } else {
            None
        };
        let log_store = wfm_runner_obs::logs::store::LogStore::new(config.job_logs.s3.as_ref())?;
        Ok(Collector {
            pusher,
            log_store,
            pool,
            db,
            config,
            worker,
            metrics,
            llm,
            github,
            kube: None,
            http,
            notifier,
        })
    }

    /// Reads through `client` for the `temp-pod` and `node-exporter` readers.
    pub fn with_kube(mut self, client: kube::Client) -> Self {
        self.kube = Some(client);
        self
    }

    /// Runs the pipeline; unexpected errors (the database) become a retry.
    pub async fn process(&self, run: &Run) -> Outcome {
        match self.collect(run).await {
            Ok(outcome) => outcome,
            Err(e) => Outcome::Retry(format!("{e:#}")),
        }
    }

    /// Records `outcome` on the run in the queue and counts it.
    pub async fn settle(&self, run: &Run, outcome: &Outcome) -> anyhow::Result<()> {
        let mut conn = self.pool.get().await?;
        let (id, me) = (run.id, claim_of(run));
        match outcome {
            Outcome::Completed { files, records } => {
                self.metrics.completed.inc();
                self.metrics.records_stored.inc_by(*records as u64);
                tracing::info!(run = id, files, records, "run completed");
            }
            Outcome::Skipped(reason) => {
                if queue::finish(&mut conn, id, me, RunStatus::Skipped, reason).await? {
                    self.metrics.skipped.inc();
                    tracing::info!(run = id, reason, "run skipped");
                }
            }
            Outcome::Failed(reason) => {
                if queue::finish(&mut conn, id, me, RunStatus::Failed, reason).await? {
                    self.metrics.failed.inc();
                    tracing::warn!(run = id, reason, "run failed");
                }
            }
            Outcome::Retry(error) => {
                match queue::retry_later(&mut conn, id, me, error, self.config.backoff).await? {
                    Some(RunStatus::Failed) => {
                        self.metrics.failed.inc();
                        tracing::warn!(run = id, error, "run failed: retries used up");
                    }
                    Some(_) => {
                        self.metrics.retried.inc();
                        tracing::warn!(run = id, error, "run will be retried");
                    }
                    None => tracing::warn!(run = id, "claim lost before the retry was recorded"),
                }
            }
            Outcome::Deferred(reason, wait) => {
                if queue::defer(&mut conn, id, me, reason, *wait).await? {
                    self.metrics.deferred.inc();
                    tracing::info!(run = id, reason, "run deferred");
                }
            }
            Outcome::Lost => {
                tracing::warn!(run = id, "claim lost to another collector; nothing written")
            }
        }
        Ok(())
    }

    async fn collect(&self, run: &Run) -> anyhow::Result<Outcome> {
        let prepared = {
            let mut conn = self.pool.get().await?;
            self.prepare(&mut conn, run).await?
        }; // the connection goes back before any file is listed
        let Prepared {
            config,
            reader,
            request,
        } = match prepared {
            Ok(prepared) => prepared,
            Err(outcome) => return Ok(outcome),
        };
        let gathered = files::gather(self, &*reader, &request).await;
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
        let started = Instant::now();
        let extractor = Extractor::new(self, &config);
        let active = match self
            .start_extracting(run, &config, found, &extractor, &files, &mut problems)
            .await?
        {
            Ok(active) => active,
            Err(outcome) => return Ok(outcome),
        };
        let extracted = extractor
            .extract_all(run, &active, &files, &mut problems)
            .await;
        let (rows, processed) = (&extracted.rows, extracted.processed);
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
            extraction: extracted.readings_json(),
            extraction_confidence: extracted.confidence(),
        };
        let mut conn = self.pool.get().await?;
        let stored = store_and_complete(
            &mut conn,
            run.id,
            config.id,
            active.id,
            claim_of(run),
            rows,
            StoreLimits {
                insert_batch: self.config.insert_batch,
                inline_rollup_records: self.config.inline_rollup_records,
            },
            &done,
        )
        .await?;
        if matches!(stored, Stored::Completed { .. }) {
            refresh_rollups(&mut conn, config.id).await;
            examine_changes(&mut conn, &self.config.changes, run.id).await;
            keep_recipes(&mut conn, &active, &extracted.proposed).await;
            if let Some(requested) = config.recipes_requested_at {
                recipes_answered(&mut conn, config.id, requested).await;
            }
        }
        Ok(match stored {
            Stored::Completed { rows } => Outcome::Completed {
                files: processed,
                records: rows,
            },
            Stored::Lost => Outcome::Lost,
        })
    }

    /// The run's config, its typed reader options (a config whose stored
    /// options do not parse fails the run, naming the option), its patterns
    /// and time window, and its reader.
    async fn prepare(
        &self,
        conn: &mut AsyncPgConnection,
        run: &Run,
    ) -> anyhow::Result<Step<Prepared>> {
        let config: Config = configs::table
            .find(run.config_id)
            .select(Config::as_select())
            .first(conn)
            .await?;
        let options = match parse_reader_options(config.reader.as_str(), &config.reader_options) {
            Ok(options) => options,
            Err(e) => return Ok(Err(Outcome::Failed(e.to_string()))),
        };
        let patterns: Vec<String> = match serde_json::from_value(config.file_patterns.clone()) {
            Ok(p) if !Vec::is_empty(&p) => p,
            _ => {
                return Ok(Err(Outcome::Failed(
                    "file_patterns must be a non-empty list of glob strings".into(),
                )));
            }
        };
        let window = match window(&options, run) {
            Ok(window) => window,
            Err(reason) => return Ok(Err(Outcome::Skipped(reason))),
        };
        let request = ListRequest {
            patterns,
            placeholders: placeholders(run),
            window,
            max_files: self.config.max_files,
        };
        let reader = match files::open_reader(self, conn, &config, &options, run).await? {
            Ok(reader) => reader,
            Err(outcome) => return Ok(Err(outcome)),
        };
        Ok(Ok(Prepared {
            config,
            reader,
            request,
        }))
    }

    /// Moves the run to `extracting` and finds the schema to extract under:
    /// the active one, or version 1 inferred from `files` (no connection is
    /// held while inferring).
    async fn start_extracting(
        &self,
        run: &Run,
        config: &Config,
        found: i32,
        extractor: &Extractor<'_>,
        files: &Files,
        problems: &mut Vec<String>,
    ) -> anyhow::Result<Step<ActiveSchema>> {
        let existing = {
            let mut conn = self.pool.get().await?;
            let (from, to) = (RunStatus::Collecting, RunStatus::Extracting);
            if !queue::advance(&mut conn, run.id, claim_of(run), from, to, found).await? {
                return Ok(Err(Outcome::Lost));
            }
            schema::active(&mut conn, config.id).await
        };
        match existing {
            Ok(Some(active)) => return Ok(Ok(active)),
            Ok(None) => {}
            Err(e) => return unusable(e),
        }
        let Some(inferred) = extractor.infer_schema(files, problems).await else {
            return Ok(Err(Outcome::Failed(joined(problems))));
        };
        let mut conn = self.pool.get().await?;
        let created = schema::create_active(
            &mut conn,
            config.id,
            &format!("{} schema", config.name),
            &inferred.schema,
            inferred.generated_by,
            inferred.explanation,
        )
        .await;
        match created {
            Ok(active) => {
                tracing::info!(config = config.id, schema = active.id, generated_by = %inferred.generated_by, "created the config's first schema");
                Ok(Ok(active))
            }
            Err(e) => unusable(e),
        }
    }
}

/// An active schema that cannot be used fails the run; the database's
/// errors are worth a retry.
fn unusable(e: SchemaError) -> anyhow::Result<Step<ActiveSchema>> {
    match e {
        SchemaError::Invalid { .. } => Ok(Err(Outcome::Failed(e.to_string()))),
        SchemaError::RaceLost | SchemaError::Database(_) => Err(e.into()),
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

/// `mtime_window` (with `mtime_margin_seconds`): only files modified between
/// the runner's start and completion (± margin). Without those times the
/// window cannot be applied, and collecting every run's files instead would
/// be wrong: the run is skipped with that reason.
fn window(options: &ReaderOptions, run: &Run) -> Result<Option<Window>, String> {
    let Some(margin) = options.mtime_window() else {
        return Ok(None);
    };
    let margin = TimeDelta::from_std(margin).unwrap_or(TimeDelta::MAX);
    match (run.workload_started_at, run.workload_completed_at) {
        (Some(start), Some(end)) => Ok(Some((
            start
                .checked_sub_signed(margin)
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
            end.checked_add_signed(margin)
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
        ))),
        _ => Err(
            "mtime_window is on but the run has no workload start and completion time".to_owned(),
        ),
    }
}

/// Keeps the recipes the LLM proposed with the active schema, for later
/// files of their shapes; a shape that has one already keeps it. Losing one
/// costs an LLM call next time, not data: a failure is logged.
async fn keep_recipes(
    conn: &mut AsyncPgConnection,
    active: &ActiveSchema,
    proposed: &[wfm_db::recipes::StoredRecipe],
) {
    for recipe in proposed {
        match wfm_db::recipes::add_proposed(conn, active.id, recipe).await {
            Ok(true) => tracing::info!(
                schema = active.id,
                fingerprint = recipe.fingerprint,
                "recipe proposed by the LLM kept"
            ),
            Ok(false) => {}
            Err(e) => tracing::warn!(schema = active.id, error = %e, "recipe not kept"),
        }
    }
}

/// Clears the config's request for fresh recipes, once a run has asked the
/// LLM for its files; a newer request (made meanwhile) stays.
async fn recipes_answered(conn: &mut AsyncPgConnection, config_id: i64, requested: DateTime<Utc>) {
    let cleared = diesel::update(
        configs::table
            .find(config_id)
            .filter(configs::recipes_requested_at.eq(requested)),
    )
    .set(configs::recipes_requested_at.eq(None::<DateTime<Utc>>))
    .execute(conn)
    .await;
    if let Err(e) = cleared {
        tracing::warn!(config = config_id, error = %e, "request for recipes not cleared");
    }
}

/// The problems, joined for a run's `error_message`, at most
/// `MAX_ERROR_CHARS` characters.
pub(crate) fn joined(problems: &[String]) -> String {
    let text = problems.join("; ");
    if text.chars().count() <= MAX_ERROR_CHARS {
        return text;
    }
    let cut: String = text.chars().take(MAX_ERROR_CHARS).collect();
    format!("{cut}… ({} problems in all)", problems.len())
}
