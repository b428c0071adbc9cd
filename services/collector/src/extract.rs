//! A run's files extracted as the collector extracts them — the LLM when
//! one is configured, wfm-extract's built-in extractors otherwise — under
//! the config's active schema, or without one to infer its first schema.
//! No database connection is held here: with an LLM this can take long.

use chrono::{DateTime, Utc};
use serde::Serialize;
use wfm_db::GeneratedBy;
use wfm_db::models::{Config, Run};
use wfm_db::recipes::{RecipeSource, RecipeStatus, StoredRecipe};
use wfm_extract::llm::{LlmClient, LlmRequest, Method, extract_with_llm};
use wfm_extract::recipe::KnownRecipe;
use wfm_extract::{DimValue, Options, ReadMethod, Reading, Record, Schema, parse_time};

use crate::Collector;
use crate::schema::{ActiveSchema, union};
use crate::store::MetricRow;

/// Extraction for one config's run.
pub(crate) struct Extractor<'a> {
    llm: Option<&'a LlmClient>,
    max_bytes: usize,
    config: &'a Config,
}

/// What a run's files yielded.
#[derive(Debug, Default)]
pub(crate) struct Extracted {
    pub rows: Vec<MetricRow>,
    /// Files extracted (with or without records).
    pub processed: usize,
    pub readings: Vec<FileReading>,
    /// Recipes the LLM wrote that reproduce its own records, to keep.
    pub proposed: Vec<StoredRecipe>,
}

/// How one file was read, as the run shows it.
#[derive(Debug, Serialize)]
pub(crate) struct FileReading {
    pub path: String,
    pub format: &'static str,
    pub records: usize,
    #[serde(flatten)]
    pub reading: Reading,
    pub warnings: Vec<String>,
}

impl Extracted {
    /// The readings as the run's `extraction` column (a JSON array).
    pub fn readings_json(&self) -> Option<String> {
        serde_json::to_string(&self.readings).ok()
    }

    /// The lowest confidence of the files read.
    pub fn confidence(&self) -> Option<f32> {
        self.readings
            .iter()
            .map(|r| r.reading.confidence as f32)
            .reduce(f32::min)
    }
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
            match self.one(path, bytes, None, &[]).await {
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

    /// Every file under the active schema: the rows, how many files were
    /// extracted and how each was read; failed files become problems.
    pub async fn extract_all(
        &self,
        run: &Run,
        active: &ActiveSchema,
        files: &[(String, Vec<u8>)],
        problems: &mut Vec<String>,
    ) -> Extracted {
        let default_time = run.workload_completed_at.unwrap_or(run.created_at);
        let mut out = Extracted::default();
        for (path, bytes) in files {
            match self
                .one(path, bytes, Some(&active.schema), &active.recipes)
                .await
            {
                Ok(outcome) => {
                    if let (Some(recipe), Some(fingerprint)) =
                        (&outcome.proposed_recipe, &outcome.fingerprint)
                    {
                        out.proposed.push(StoredRecipe {
                            fingerprint: fingerprint.clone(),
                            recipe: serde_json::to_value(recipe).unwrap_or_default(),
                            status: RecipeStatus::Proposed,
                            source: RecipeSource::Llm,
                            example_path: Some(path.clone()),
                            updated_at: Utc::now(),
                        });
                    }
                    let x = outcome.extraction;
                    out.processed += 1;
                    out.readings.push(FileReading {
                        path: path.clone(),
                        format: x.format.name(),
                        records: x.records.len(),
                        reading: x.reading.clone(),
                        warnings: x.warnings.clone(),
                    });
                    let rows = &mut out.rows;
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
        out
    }

    async fn one(
        &self,
        path: &str,
        bytes: &[u8],
        schema: Option<&Schema>,
        recipes: &[KnownRecipe],
    ) -> Result<wfm_extract::llm::Outcome, wfm_extract::ExtractError> {
        let options = Options {
            max_bytes: self.max_bytes,
        };
        let request = LlmRequest {
            path,
            bytes,
            schema,
            custom_prompt: self.config.custom_prompt.as_deref(),
            recipes,
            // A user asked (schema/regenerate) for fresh recipes.
            force: self.config.recipes_requested_at.is_some() && schema.is_some(),
        };
        let outcome = extract_with_llm(request, &options, self.llm).await?;
        if let Some(reason) = &outcome.recipe_refused {
            tracing::warn!(path, reason, "recipe not used");
        }
        let failed = outcome.method == Method::Builtin
            && outcome.extraction.reading.method != ReadMethod::Adapter;
        if let (Some(_), Some(reason), true) = (self.llm, &outcome.fallback_reason, failed) {
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
