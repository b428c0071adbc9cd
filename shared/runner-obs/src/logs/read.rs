//! A job's stored log as the API serves it: its state, its steps' parts,
//! and either a byte range of it (of one step, or of all) or the lines
//! holding a search term.

use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use diesel::sql_types::{BigInt, Bool, Bytea, Integer, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

use super::LogError;
use super::capture::decompress;
use super::store::LogStore;
use super::text::{self, Match, StepRange, char_bounds, search, step_ranges};
use crate::navigation::{JobView, Step};

/// Bytes returned when the request does not say.
pub const DEFAULT_LENGTH: usize = 1 << 20;
/// Bytes returned at most.
pub const MAX_LENGTH: usize = 8 << 20;
/// Matching lines returned at most (all are counted).
pub const MAX_MATCHES: usize = 500;

/// What part of a log to return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogQuery {
    /// Only this step's part (its number).
    pub step: Option<i64>,
    /// Offset in the part (the step's, or the whole log).
    pub start: usize,
    pub length: usize,
    /// Return the lines holding this instead of text.
    pub search: Option<String>,
}

impl Default for LogQuery {
    fn default() -> Self {
        Self {
            step: None,
            start: 0,
            length: DEFAULT_LENGTH,
            search: None,
        }
    }
}

/// A job's log, or why there is none yet.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct JobLog {
    pub job_id: i64,
    /// `pending` (not fetched yet), `stored`, `unavailable` (GitHub does
    /// not have it, or kept refusing it; see `detail`) or `expired`
    /// (dropped after the retention period).
    pub state: String,
    pub detail: Option<String>,
    /// Fetch attempts made.
    pub attempts: i32,
    pub fetched_at: Option<DateTime<Utc>>,
    /// Bytes stored (at most `WFM_JOB_LOG_MAX_BYTES`).
    pub size: Option<i64>,
    /// Bytes GitHub served.
    pub original_size: Option<i64>,
    /// Whether the middle of a larger log was left out (a marker line says where).
    pub truncated: bool,
    /// Each step's part of the log (byte offsets), found from its start time.
    pub steps: Vec<StepRange>,
    /// Absolute byte offsets of `text`.
    pub start: usize,
    pub end: usize,
    /// The 1-based number, in the whole log, of the line `start` is in.
    pub first_line: usize,
    /// The bytes asked for (never a split character); null when the log is
    /// not stored or a search was asked.
    pub text: Option<String>,
    /// With `q`: the first 500 lines holding it, in the part asked for.
    pub matches: Option<Vec<Match>>,
    pub match_count: Option<usize>,
}

#[derive(diesel::QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = Nullable<Text>)]
    detail: Option<String>,
    #[diesel(sql_type = Integer)]
    attempts: i32,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    fetched_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Bytea>)]
    content: Option<Vec<u8>>,
    #[diesel(sql_type = Nullable<Text>)]
    object_key: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    original_bytes: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    stored_bytes: Option<i64>,
    #[diesel(sql_type = Bool)]
    truncated: bool,
}

/// A stored log's gzip: its row's, or its bucket object's.
async fn gzip_of(
    store: &LogStore,
    content: Option<Vec<u8>>,
    key: Option<String>,
) -> Result<Option<Vec<u8>>, LogError> {
    match (content, key) {
        (Some(content), _) => Ok(Some(content)),
        (None, Some(key)) => store.get(&key).await.map(Some),
        (None, None) => Ok(None),
    }
}

/// Job `job_id`'s log row, if any.
async fn row(conn: &mut AsyncPgConnection, job_id: i64) -> Result<Option<Row>, LogError> {
    Ok(diesel::sql_query(
        "SELECT state::text AS state, detail, attempts, fetched_at, content, object_key, \
            original_bytes, stored_bytes, truncated FROM github_job_logs WHERE github_job_id = $1",
    )
    .bind::<BigInt, _>(job_id)
    .get_result(conn)
    .await
    .optional()?)
}

/// `job_id`'s log, when one is stored.
pub async fn load(
    conn: &mut AsyncPgConnection,
    store: &LogStore,
    job_id: i64,
) -> Result<Option<Vec<u8>>, LogError> {
    let Some(row) = row(conn, job_id).await?.filter(|r| r.state == "stored") else {
        return Ok(None);
    };
    let size = row.stored_bytes.unwrap_or(0);
    let Some(content) = gzip_of(store, row.content, row.object_key).await? else {
        return Ok(None);
    };
    tokio::task::spawn_blocking(move || decompress(&content, size.max(0) as u64))
        .await
        .map_err(|e| LogError::Task(format!("reading a log: {e}")))?
        .map(Some)
        .map_err(|e| LogError::Unreadable {
            job: job_id,
            message: e.to_string(),
        })
}

/// The part of `job`'s log `query` asks for; `None` when no log of it is
/// recorded (its job has not completed, or completed before logs were kept).
pub async fn read(
    conn: &mut AsyncPgConnection,
    store: &LogStore,
    job: &JobView,
    query: &LogQuery,
) -> Result<Option<JobLog>, LogError> {
    let Some(row) = row(conn, job.github_job_id).await? else {
        return Ok(None);
    };
    let mut answer = JobLog {
        job_id: job.github_job_id,
        state: row.state,
        detail: row.detail,
        attempts: row.attempts,
        fetched_at: row.fetched_at,
        size: row.stored_bytes,
        original_size: row.original_bytes,
        truncated: row.truncated,
        steps: Vec::new(),
        start: 0,
        end: 0,
        first_line: 1,
        text: None,
        matches: None,
        match_count: None,
    };
    if answer.state != "stored" {
        return Ok(Some(answer));
    }
    let content = match gzip_of(store, row.content, row.object_key).await {
        Ok(Some(content)) => content,
        Ok(None) => return Ok(Some(answer)),
        // removed from the bucket behind wfm's back (a lifecycle rule)
        Err(e @ LogError::Missing(_)) => {
            answer.state = "unavailable".into();
            answer.detail = Some(e.to_string());
            return Ok(Some(answer));
        }
        Err(e) => return Err(e),
    };
    let limit = row.stored_bytes.unwrap_or(0).max(0) as u64;
    let (steps, query) = (job.step_list(), query.clone());
    // un-gzip, split and search: CPU work, off the async threads
    tokio::task::spawn_blocking(move || {
        let log = decompress(&content, limit).map_err(|e| LogError::Unreadable {
            job: answer.job_id,
            message: e.to_string(),
        })?;
        slice(&log, &steps, &query, &mut answer)?;
        Ok(Some(answer))
    })
    .await
    .map_err(|e| LogError::Task(format!("reading a log: {e}")))?
}

/// Fills `answer` with the part of `log` that `query` asks for.
fn slice(
    log: &[u8],
    steps: &[Step],
    query: &LogQuery,
    answer: &mut JobLog,
) -> Result<(), LogError> {
    answer.steps = step_ranges(log, steps);
    let (from, to) = match query.step {
        None => (0, log.len()),
        Some(number) => answer
            .steps
            .iter()
            .find(|s| s.number == number)
            .map(|s| (s.start, s.end))
            .ok_or(LogError::NoStep {
                job: answer.job_id,
                step: number,
            })?,
    };
    if let Some(term) = &query.search {
        let (found, count) = search(log, from, to, term, MAX_MATCHES);
        (answer.start, answer.end) = (from, to);
        answer.matches = Some(found);
        answer.first_line = text::line_of(log, from);
        answer.match_count = Some(count);
    } else {
        let start = from.saturating_add(query.start).min(to);
        let end = start.saturating_add(query.length.min(MAX_LENGTH)).min(to);
        let (start, end) = char_bounds(log, start, end);
        (answer.start, answer.end) = (start, end);
        answer.first_line = text::line_of(log, start);
        answer.text = Some(String::from_utf8_lossy(&log[start..end]).into_owned());
    }
    Ok(())
}
