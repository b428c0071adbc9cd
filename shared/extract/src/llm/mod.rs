//! LLM extraction (spec topic `github.metrics.extract`) through any
//! OpenAI-compatible chat-completions endpoint. The model gets the file
//! (truncated to a budget), its type and path, the existing schema and the
//! config's prompt, and must answer JSON matching `answer::ANSWER_SCHEMA`.
//! Its answer is validated; when there is no endpoint, or it times out,
//! fails or answers badly, the built-in extractor serves and the reason is
//! returned with the result. The model also writes a recipe
//! ([`crate::recipe`]), kept when it reproduces the model's own records, so
//! that later files of the same shape need no model call. This module is
//! the crate's only I/O.

mod answer;
mod client;
mod config;
mod prompt;

use serde::Serialize;

pub use client::{LlmClient, LlmError};
pub use config::LlmConfig;

use crate::error::ExtractError;
use crate::extract::{Extraction, Options, Parsed, guided, inferred, parse_file};
use crate::reading::ReadMethod;
use crate::recipe::{KnownRecipe, Recipe, agrees, apply_parsed};
use crate::schema::Schema;

/// Which extractor produced a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// The model's answer, validated.
    Llm,
    /// A stored recipe, with no model call.
    Recipe,
    /// The built-in parsers (an adapter or the generic rules).
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
    /// The file's shape ([`crate::recipe::fingerprint`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// A recipe the model wrote that reproduces its own extraction: to be
    /// stored for the user to review, and used for later files of the shape.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposed_recipe: Option<Recipe>,
    /// Why the model's recipe (or a stored one) was not used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipe_refused: Option<String>,
}

impl Outcome {
    fn builtin(extraction: Extraction, fallback_reason: Option<String>) -> Self {
        Outcome {
            extraction,
            method: Method::Builtin,
            fallback_reason,
            explanation: None,
            fingerprint: None,
            proposed_recipe: None,
            recipe_refused: None,
        }
    }
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
    /// The config's stored recipes: a file of a known shape is read by its
    /// recipe, with no model call.
    pub recipes: &'a [KnownRecipe],
    /// Ask the model even when an adapter or a stored recipe reads the file
    /// (a schema regeneration the user asked for).
    pub force: bool,
}

/// Extracts one file:
/// 1. a stored recipe for the file's shape, when there is one (no model);
/// 2. the built-in extractor when an adapter reads the file, or no LLM is
///    configured (a tool's known format needs no model);
/// 3. otherwise the LLM, whose recipe is kept when it reproduces the model's
///    own records; on any LLM failure the built-in extractor serves, with
///    the reason.
///
/// Files over the size cap or binary are refused before anything is sent.
pub async fn extract_with_llm(
    request: LlmRequest<'_>,
    options: &Options,
    llm: Option<&LlmClient>,
) -> Result<Outcome, ExtractError> {
    if let Some(schema) = request.schema {
        schema.validate()?;
    }
    // Limits, decoding and format detection are the built-in ones; the parse
    // is kept so that a fallback does not parse the file a second time.
    let parsed = parse_file(request.path, request.bytes, options)?;
    let place = |parsed: Parsed| match request.schema {
        Some(schema) => guided(request.path, parsed, schema),
        None => inferred(request.path, parsed),
    };
    // The shape costs a second parse: only worth it when a recipe may read
    // the file or the model may write one.
    let fingerprint = (llm.is_some() || !request.recipes.is_empty())
        .then(|| crate::recipe::fingerprint(request.path, request.bytes, options))
        .flatten();
    let mut recipe_refused = None;
    let stored = fingerprint
        .as_deref()
        .filter(|_| !request.force)
        .and_then(|f| request.recipes.iter().find(|k| k.fingerprint == f));
    if let Some(known) = stored {
        match apply_parsed(
            &known.recipe,
            &known.name,
            request.path,
            request.bytes,
            options,
        ) {
            Ok(by_recipe) => {
                let extraction = place(by_recipe);
                if !extraction.records.is_empty() {
                    return Ok(Outcome {
                        method: Method::Recipe,
                        fingerprint,
                        ..Outcome::builtin(extraction, None)
                    });
                }
                recipe_refused = Some(format!("stored recipe {}: no records", known.name));
            }
            Err(e) => recipe_refused = Some(format!("stored recipe {}: {e}", known.name)),
        }
    }
    let Some(client) = llm else {
        let reason = "no LLM endpoint configured".to_owned();
        return Ok(Outcome {
            fingerprint,
            recipe_refused,
            ..Outcome::builtin(place(parsed), Some(reason))
        });
    };
    if parsed.reading.method == ReadMethod::Adapter && !request.force {
        let reason = format!(
            "adapter {} reads this format; the LLM is not asked",
            parsed.reading.name.as_deref().unwrap_or_default()
        );
        return Ok(Outcome {
            fingerprint,
            recipe_refused,
            ..Outcome::builtin(place(parsed), Some(reason))
        });
    }
    let format = parsed.format;
    let reason = match client.extract(request, format).await {
        Ok(mut answer) => {
            let proposal = answer.recipe.take();
            match answer.into_extraction(request, format, parsed.warnings.clone()) {
                Ok((extraction, explanation)) => {
                    let (proposed_recipe, refused) = match proposal {
                        Some(value) if !value.is_null() => {
                            check_proposal(value, &request, &extraction, options, &place)
                        }
                        _ => (None, None),
                    };
                    return Ok(Outcome {
                        extraction,
                        method: Method::Llm,
                        fallback_reason: None,
                        explanation,
                        fingerprint,
                        proposed_recipe,
                        recipe_refused: refused.or(recipe_refused),
                    });
                }
                Err(invalid) => format!("LLM answer rejected: {invalid}"),
            }
        }
        Err(error) => format!("LLM request failed: {error}"),
    };
    Ok(Outcome {
        fingerprint,
        recipe_refused,
        ..Outcome::builtin(place(parsed), Some(reason))
    })
}

/// The model's recipe, when it parses, runs, and reproduces the model's own
/// extraction; otherwise why not.
fn check_proposal(
    value: serde_json::Value,
    request: &LlmRequest<'_>,
    by_model: &Extraction,
    options: &Options,
    place: &dyn Fn(Parsed) -> Extraction,
) -> (Option<Recipe>, Option<String>) {
    let recipe: Recipe = match serde_json::from_value(value) {
        Ok(recipe) => recipe,
        Err(e) => return (None, Some(format!("the LLM's recipe is malformed: {e}"))),
    };
    let applied = apply_parsed(&recipe, "proposed", request.path, request.bytes, options)
        .map(place)
        .map_err(|e| format!("the LLM's recipe does not run: {e}"))
        .and_then(|x| {
            agrees(&x, by_model).map_err(|why| format!("the LLM's recipe is wrong: {why}"))
        });
    match applied {
        Ok(()) => (Some(recipe), None),
        Err(why) => (None, Some(why)),
    }
}
