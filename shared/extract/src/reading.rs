//! How an extraction was made and how sure it is: the method (a named
//! adapter, the generic rules, a recipe, the LLM), a confidence between 0
//! and 1, and the reasons, in the order they were decided (`wfm extract
//! --explain` prints them).

use serde::{Deserialize, Serialize};

use crate::format::Format;
use crate::schema::Schema;

/// Which reader produced the records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReadMethod {
    /// A tool's known format (`adapter` names it).
    Adapter,
    /// The generic rules for a format.
    Generic,
    /// A recipe: a declarative parser stored with the schema.
    Recipe,
    /// The LLM's own answer.
    Llm,
}

/// Below this, an extraction is flagged as unsure (on the run and in
/// `wfm extract`), and the LLM is asked to write a recipe when one is
/// configured.
pub const LOW_CONFIDENCE: f64 = 0.6;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    pub method: ReadMethod,
    /// The adapter or recipe that read the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// 0 to 1: how likely the records are the file's natural records.
    pub confidence: f64,
    /// Why this reader was chosen and what lowered the confidence.
    #[serde(default)]
    pub reasons: Vec<String>,
}

impl Reading {
    pub(crate) fn adapter(name: &str, signature: &str) -> Self {
        Reading {
            method: ReadMethod::Adapter,
            name: Some(name.to_owned()),
            confidence: 0.95,
            reasons: vec![format!("adapter {name}: {signature}")],
        }
    }

    pub(crate) fn generic(format: Format, reasons: Vec<String>) -> Self {
        let mut reasons = reasons;
        reasons.push(format!(
            "no adapter recognised the content: generic {format} rules"
        ));
        Reading {
            method: ReadMethod::Generic,
            name: None,
            confidence: 0.0,
            reasons,
        }
    }

    /// Whether the confidence is under [`LOW_CONFIDENCE`].
    pub fn is_low(&self) -> bool {
        self.confidence < LOW_CONFIDENCE
    }

    /// Scores a generic reading once its records are known: starts from
    /// the format's reliability and loses for each sign of a poor read.
    pub(crate) fn score_generic(
        &mut self,
        format: Format,
        schema: &Schema,
        records: usize,
        warnings: usize,
    ) {
        let mut confidence: f64 = match format {
            Format::Json | Format::Jsonl | Format::Csv | Format::Tsv => 0.8,
            Format::Markdown | Format::Xml => 0.7,
            Format::Text => 0.4,
        };
        let mut lose = |by: f64, why: String| {
            confidence -= by;
            self.reasons.push(why);
        };
        if records == 0 {
            lose(1.0, "no records".to_owned());
        }
        if schema.metric_fields.is_empty() {
            lose(1.0, "no metric fields".to_owned());
        }
        let positional = schema
            .fields
            .iter()
            .filter(|f| f.name.starts_with("column_"))
            .count();
        if positional > 0 {
            lose(0.3, format!("{positional} fields have no name (column_N)"));
        }
        let numeric_names = schema
            .dimension_fields
            .iter()
            .chain(&schema.metric_fields)
            .filter(|n| crate::cell::parse_number(n).is_some())
            .count();
        if numeric_names > 0 {
            lose(0.3, format!("{numeric_names} field names are numbers"));
        }
        if schema.metric_fields.len() > 50 {
            lose(
                0.2,
                format!(
                    "{} metric fields: a wide table, perhaps pivoted",
                    schema.metric_fields.len()
                ),
            );
        }
        if warnings > 0 {
            lose(0.1, format!("{warnings} warnings"));
        }
        if records == 1 && format != Format::Json {
            lose(0.1, "a single record".to_owned());
        }
        self.confidence = confidence.clamp(0.0, 1.0);
    }
}
