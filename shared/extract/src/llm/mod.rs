//! LLM extraction (spec topic `github.metrics.extract`) through any
//! OpenAI-compatible chat-completions endpoint. The model gets the file
//! (truncated to a budget), its type and path, the existing schema and the
//! config's prompt, and must answer JSON matching `answer::ANSWER_SCHEMA`.
//! Its answer is validated; when there is no endpoint, or it times out,
//! fails or answers badly, the built-in extractor serves and the reason is
//! returned with the result. This module is the crate's only I/O.

mod answer;
mod client;
mod config;
mod prompt;

use serde::Serialize;

pub use client::{LlmClient, LlmError};
pub use config::LlmConfig;

use crate::error::ExtractError;
use crate::extract::{
    Extraction, Options, extract, extract_with_schema, guided, inferred, parse_file,
};
use crate::schema::Schema;

/// Which extractor produced a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// The model's answer, validated.
    Llm,
    /// The built-in parsers.
    Builtin,
}

/// An extraction and how it was made.
#[derive(Debug, Serialize)]
pub struct Outcome {
    #[serde(flatten)]
    pub extraction: Extraction,
    pub method: Method,
    /// Why the LLM did not serve, when it did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback_reason: Option<String>,
    /// The model's own account of what it extracted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
}

/// What the model is asked about one file.
#[derive(Debug, Clone, Copy)]
pub struct LlmRequest<'a> {
    pub path: &'a str,
    pub bytes: &'a [u8],
    /// The config's active schema: the answer may use only its fields.
    pub schema: Option<&'a Schema>,
    /// The config's extra instructions.
    pub custom_prompt: Option<&'a str>,
}

/// Extracts one file with the LLM when `llm` is given, falling back to the
/// built-in extractor (with the reason) on any failure. Files over the size
/// cap or binary are refused before anything is sent.
pub async fn extract_with_llm(
    request: LlmRequest<'_>,
    options: &Options,
    llm: Option<&LlmClient>,
) -> Result<Outcome, ExtractError> {
    let Some(client) = llm else {
        let extraction = match request.schema {
            Some(schema) => extract_with_schema(request.path, request.bytes, schema, options)?,
            None => extract(request.path, request.bytes, options)?,
        };
        let reason = "no LLM endpoint configured".to_owned();
        return Ok(Outcome {
            extraction,
            method: Method::Builtin,
            fallback_reason: Some(reason),
            explanation: None,
        });
    };
    // Limits, decoding and format detection are the built-in ones; the parse
    // is kept so that a fallback does not parse the file a second time.
    let parsed = parse_file(request.path, request.bytes, options)?;
    let format = parsed.format;
    let reason = match client.extract(request, format).await {
        Ok(answer) => match answer.into_extraction(request, format, parsed.warnings.clone()) {
            Ok((extraction, explanation)) => {
                return Ok(Outcome {
                    extraction,
                    method: Method::Llm,
                    fallback_reason: None,
                    explanation,
                });
            }
            Err(invalid) => format!("LLM answer rejected: {invalid}"),
        },
        Err(error) => format!("LLM request failed: {error}"),
    };
    let extraction = match request.schema {
        Some(schema) => {
            schema.validate()?;
            guided(request.path, parsed, schema)
        }
        None => inferred(request.path, parsed),
    };
    Ok(Outcome {
        extraction,
        method: Method::Builtin,
        fallback_reason: Some(reason),
        explanation: None,
    })
}
