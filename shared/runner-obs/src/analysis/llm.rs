//! A job explained by an LLM: the model is sent the job's metadata, its
//! steps' timings, the deterministic findings, a summary of its runner's
//! samples, the benchmark changes filed on its run and excerpts of its log
//! (the failing step's error lines and tail, the log's tail), together
//! within the configured input budget (`WFM_LLM_MAX_INPUT_BYTES`). Its
//! answer must follow [`ANSWER_SCHEMA`] and is checked before it is kept.

use std::sync::LazyLock;

use serde::Deserialize;
use serde_json::{Value, json};
use wfm_extract::llm::{LlmClient, LlmError};

use super::{Finding, RunChange, Severity};
use crate::logs::excerpt::{Excerpt, excerpts};
use crate::logs::text::step_ranges;
use crate::navigation::JobView;
use crate::resources::ResourceSummary;

const SYSTEM: &str = "You are a CI and benchmark engineer. You are given one GitHub Actions job as JSON: \
its metadata, its steps with timings, findings a rule-based analysis made, its runner's resource usage, \
benchmark regressions filed on its run, and excerpts of its log. Explain what happened and why, as a \
short Markdown report for the team (root cause first, then evidence, then what to do), and list the \
findings. Quote log lines only from the excerpts; say so when the evidence is not enough. Answer with \
JSON only.";

/// What the model must answer.
pub static ANSWER_SCHEMA: LazyLock<Value> = LazyLock::new(|| {
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["markdown", "findings"],
        "properties": {
            "markdown": {"type": "string", "description": "the report, Markdown"},
            "findings": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["kind", "severity", "message"],
                    "properties": {
                        "kind": {"type": "string", "description": "snake_case, e.g. failed_step, flaky_test, out_of_memory, slow_step, infrastructure"},
                        "severity": {"enum": ["info", "warning", "error"]},
                        "message": {"type": "string"},
                        "step": {"type": ["integer", "null"], "description": "the step number it is about"}
                    }
                }
            }
        }
    })
});

/// Characters of an answer's report kept at most; findings at most.
const MAX_MARKDOWN: usize = 20_000;
const MAX_FINDINGS: usize = 50;
const MAX_MESSAGE: usize = 2_000;

/// Why there is no LLM analysis.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    #[error("the LLM gave no answer: {0}")]
    Llm(#[from] LlmError),
    #[error("the LLM's answer is not an analysis: {0}")]
    Invalid(String),
}

impl AnalysisError {
    /// What may be shown to anyone who reads analyses: no endpoint address
    /// nor what the endpoint answered (the full error is logged).
    pub fn reason(&self) -> String {
        match self {
            Self::Llm(LlmError::Timeout(after)) => {
                format!("the LLM timed out after {}s", after.as_secs_f64())
            }
            Self::Llm(LlmError::Status { status, .. }) => {
                format!("the LLM endpoint answered HTTP {status}")
            }
            Self::Llm(LlmError::Transport(_)) => "the LLM endpoint could not be reached".into(),
            Self::Llm(LlmError::Protocol(_)) => {
                "the LLM endpoint did not answer as a chat completion".into()
            }
            Self::Invalid(why) => format!("the LLM's answer is not an analysis: {why}"),
        }
    }
}

/// The model's analysis, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub markdown: String,
    pub findings: Vec<Finding>,
}

#[derive(Deserialize)]
struct RawAnswer {
    markdown: String,
    findings: Vec<RawFinding>,
}

#[derive(Deserialize)]
struct RawFinding {
    kind: String,
    severity: Severity,
    message: String,
    #[serde(default)]
    step: Option<i64>,
}

/// What the job's analysis is based on.
#[derive(Debug, Clone)]
pub struct Evidence {
    pub job: JobView,
    pub findings: Vec<Finding>,
    pub resources: Option<ResourceSummary>,
    pub changes: Vec<RunChange>,
    /// The stored log, if any.
    pub log: Option<Vec<u8>>,
}

/// Steps and benchmark changes sent at most (a matrix job can have hundreds).
const MAX_LISTED: usize = 100;

/// The user message: the evidence as JSON, the log excerpts fitted into
/// what `budget` (bytes of the message) leaves. Only evidence larger than
/// the budget before any log is added makes a longer message.
pub fn prompt(evidence: &Evidence, budget: usize) -> String {
    let job = &evidence.job;
    let steps = job.step_list();
    let listed: Vec<Value> = steps
        .iter()
        .take(MAX_LISTED)
        .map(|s| json!({"number": s.number, "name": s.name, "conclusion": s.conclusion, "seconds": s.seconds()}))
        .collect();
    let changes: Vec<Value> = evidence
        .changes
        .iter()
        .take(MAX_LISTED)
        .map(|c| json!({"metric": c.metric, "direction": c.direction, "change_percent": c.change_percent}))
        .collect();
    let mut doc = json!({
        "job": {
            "name": job.job_name, "repository": job.repository, "workflow": job.workflow_name,
            "branch": job.head_branch, "commit": job.head_sha, "status": job.status,
            "conclusion": job.conclusion, "runner": job.runner_name, "runner_group": job.runner_group_name,
            "labels": job.labels, "queued_seconds": job.queued_seconds, "duration_seconds": job.duration_seconds,
        },
        "steps": listed,
        "rule_based_findings": evidence.findings,
        "runner_resources": evidence.resources,
        "benchmark_changes_on_this_run": changes,
        "log_excerpts": "no log of this job is stored",
    });
    let Some(log) = evidence.log.as_deref() else {
        return doc.to_string();
    };
    doc["log_excerpts"] = json!([]);
    let failed = steps
        .iter()
        .find(|s| s.conclusion.as_deref() == Some("failure"))
        .map(|s| s.number);
    let ranges = step_ranges(log, &steps);
    let mut room = budget.saturating_sub(doc.to_string().len());
    loop {
        let parts: Vec<Excerpt> = excerpts(log, &ranges, failed, room);
        let empty = parts.is_empty();
        doc["log_excerpts"] = json!(parts);
        let text = doc.to_string();
        if text.len() <= budget || empty {
            return text;
        }
        // JSON escaping (line ends, control characters, quotes) grew it
        room = room.saturating_sub(text.len() - budget + 64);
    }
}

/// Checks the model's answer against the schema's rules and the job: a
/// finding about a step the job does not have loses the step.
pub fn parse(content: &str, job: &JobView) -> Result<Answer, AnalysisError> {
    let raw: RawAnswer = serde_json::from_str(content.trim())
        .map_err(|e| AnalysisError::Invalid(format!("not the JSON asked for ({e})")))?;
    let markdown = raw.markdown.trim();
    if markdown.is_empty() {
        return Err(AnalysisError::Invalid("an empty report".into()));
    }
    if raw.findings.len() > MAX_FINDINGS {
        return Err(AnalysisError::Invalid(format!(
            "{} findings, more than {MAX_FINDINGS}",
            raw.findings.len()
        )));
    }
    let numbers: Vec<i64> = job.step_list().iter().map(|s| s.number).collect();
    let findings = raw
        .findings
        .into_iter()
        .map(|f| {
            let kind: String = f
                .kind
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_lowercase()
                    } else {
                        '_'
                    }
                })
                .take(64)
                .collect();
            Finding {
                kind: if kind.is_empty() {
                    "finding".into()
                } else {
                    kind
                },
                severity: f.severity,
                message: f.message.trim().chars().take(MAX_MESSAGE).collect(),
                step: f.step.filter(|n| numbers.contains(n)),
            }
        })
        .collect();
    Ok(Answer {
        markdown: markdown.chars().take(MAX_MARKDOWN).collect(),
        findings,
    })
}

/// Asks `llm` about the job.
pub async fn analyze(llm: &LlmClient, evidence: Evidence) -> Result<Answer, AnalysisError> {
    let budget = llm.config().max_input_bytes;
    // reading the whole log is CPU work: off the async threads
    let (user, job) =
        tokio::task::spawn_blocking(move || (prompt(&evidence, budget), evidence.job))
            .await
            .map_err(|e| AnalysisError::Invalid(format!("the prompt could not be made: {e}")))?;
    let content = llm
        .chat_json(SYSTEM, &user, "job_analysis", &ANSWER_SCHEMA)
        .await?;
    parse(&content, &job)
}
