//! A run's files extracted as the collector extracts them — the LLM when
//! one is configured, wfm-extract's built-in extractors otherwise — under
//! the config's active schema, or without one to infer its first schema.
//! No database connection is held here: with an LLM this can take long.

use chrono::{DateTime, Utc};
use wfm_db::GeneratedBy;
use wfm_db::models::{Config, Run};
use wfm_extract::llm::{LlmClient, LlmRequest, Method, extract_with_llm};
use wfm_extract::{DimValue, Options, Record, Schema, parse_time};

use crate::Collector;
use crate::schema::{ActiveSchema, union};
use crate::store::MetricRow;

/// Extraction for one config's run.
pub(crate) struct Extractor<'a> {
    llm: Option<&'a LlmClient>,
    max_bytes: usize,
    config: &'a Config,
}

/// A first schema, inferred from a run's files.
pub(crate) struct Inferred {
    pub schema: Schema,
    pub generated_by: GeneratedBy,
    /// The LLM's explanations, one line per file.
    pub explanation: Option<String>,
}

impl<'a> Extractor<'a> {
    pub fn new(collector: &'a Collector, config: &'a Config) -> Self {
        Extractor {
            llm: collector.llm.as_ref(),
            max_bytes: usize::try_from(collector.config.max_file_bytes).unwrap_or(usize::MAX),
            config,
        }
    }

    /// The union of the schemas of the files that yield records; `None`
    /// (and why, first in `problems`) when none does.
    pub async fn infer_schema(
        &self,
        files: &[(String, Vec<u8>)],
        problems: &mut Vec<String>,
    ) -> Option<Inferred> {
        let mut schemas = Vec::new();
        let mut by_llm = false;
        let mut explanations = Vec::new();
        for (path, bytes) in files {
            match self.one(path, bytes, None).await {
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
            return None;
        }
        Some(Inferred {
            schema: union(schemas),
            generated_by: if by_llm {
                GeneratedBy::Ai
            } else {
                GeneratedBy::Inference
            },
            explanation: (!explanations.is_empty()).then(|| explanations.join("\n")),
        })
    }

    /// Every file under the active schema: the rows, and how many files
    /// were extracted; failed files become problems.
    pub async fn extract_all(
        &self,
        run: &Run,
        active: &ActiveSchema,
        files: &[(String, Vec<u8>)],
        problems: &mut Vec<String>,
    ) -> (Vec<MetricRow>, usize) {
        let default_time = run.workload_completed_at.unwrap_or(run.created_at);
        let mut rows = Vec::new();
        let mut processed = 0;
        for (path, bytes) in files {
            match self.one(path, bytes, Some(&active.schema)).await {
                Ok(outcome) => {
                    let x = outcome.extraction;
                    processed += 1;
                    rows.extend(x.records.iter().map(|record| {
                        MetricRow {
                            timestamp: record_time(&record, active, default_time),
                            source_file: path.clone(),
                            dimensions: record.dimensions_json(),
                            metrics: record.metrics_json(),
                            raw_data: self
                                .config
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

    async fn one(
        &self,
        path: &str,
        bytes: &[u8],
        schema: Option<&Schema>,
    ) -> Result<wfm_extract::llm::Outcome, wfm_extract::ExtractError> {
        let options = Options {
            max_bytes: self.max_bytes,
        };
        let request = LlmRequest {
            path,
            bytes,
            schema,
            custom_prompt: self.config.custom_prompt.as_deref(),
        };
        let outcome = extract_with_llm(request, &options, self.llm).await?;
        if let (Some(_), Some(reason)) = (self.llm, &outcome.fallback_reason) {
            tracing::warn!(
                path,
                reason,
                "LLM extraction fell back to the built-in extractor"
            );
        }
        Ok(outcome)
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
