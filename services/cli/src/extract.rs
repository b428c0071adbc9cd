//! `wfm extract FILE...`: the extraction engine on local files, for trying a
//! schema or a new benchmark's output before a config collects it.

use std::collections::HashMap;
use std::io::{ErrorKind, Write};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use serde::Serialize;
use serde_json::json;
use wfm_env::{EXIT_CONFIG, Env, config_error_exit};
use wfm_extract::llm::{LlmClient, LlmConfig, LlmRequest, Method, Outcome, extract_with_llm};
use wfm_extract::recipe::{self, Recipe};
use wfm_extract::{
    DEFAULT_MAX_BYTES, ExtractError, Extraction, Options, ReadMethod, Reading, Schema, extract,
    extract_with_schema,
};

#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// Result files (JSON, JSON Lines, CSV/TSV, Markdown, text).
    #[arg(required = true)]
    files: Vec<String>,
    /// Apply this schema (JSON: fields, dimension_fields, metric_fields)
    /// instead of inferring one.
    #[arg(long, value_name = "FILE")]
    schema: Option<String>,
    #[arg(long, value_enum, default_value_t = Output::Table)]
    output: Output,
    /// Refuse files larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_BYTES)]
    max_bytes: usize,
    /// Extra instructions for the LLM (used only when WFM_LLM_BASE_URL is set).
    #[arg(long)]
    prompt: Option<String>,
    /// Read the files with this recipe (JSON; see the crate README) instead
    /// of the built-in extractor: to try a hand-written parser.
    #[arg(long, value_name = "FILE", conflicts_with = "schema")]
    recipe: Option<String>,
    /// Print which adapter or rule read each file and why, with the
    /// confidence and each reason that lowered it.
    #[arg(long)]
    explain: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Output {
    Json,
    Table,
}

/// One file's result, as printed.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum FileResult {
    Done(Box<Outcome>),
    Failed { path: String, error: String },
}

pub fn run(args: ExtractArgs) -> ExitCode {
    let schema = match args.schema.as_deref().map(read_schema).transpose() {
        Ok(schema) => schema,
        Err(message) => {
            eprintln!("wfm extract: {message}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let recipe = match args.recipe.as_deref().map(read_recipe).transpose() {
        Ok(recipe) => recipe,
        Err(message) => {
            eprintln!("wfm extract: {message}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let llm = match Env::from_process()
        .and_then(|env| LlmConfig::from_env(&env))
        .map(|c| c.map(LlmClient::new))
    {
        Ok(None) => None,
        Ok(Some(Ok(client))) => Some(client),
        Ok(Some(Err(e))) => return config_error_exit("wfm", &e),
        Err(e) => return config_error_exit("wfm", &e),
    };
    let options = Options {
        max_bytes: args.max_bytes,
    };
    let runtime = match crate::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let results: Vec<FileResult> = args
        .files
        .iter()
        .map(|path| {
            let outcome = read_capped(path, options.max_bytes).and_then(|bytes| {
                runtime.block_on(one_file(
                    path,
                    &bytes,
                    Given {
                        schema: schema.as_ref(),
                        recipe: recipe.as_ref(),
                        prompt: args.prompt.as_deref(),
                    },
                    &options,
                    llm.as_ref(),
                ))
            });
            match outcome {
                Ok(outcome) => FileResult::Done(Box::new(outcome)),
                Err(error) => {
                    eprintln!("wfm extract: {path}: {error}");
                    FileResult::Failed {
                        path: path.clone(),
                        error,
                    }
                }
            }
        })
        .collect();
    let failed = results
        .iter()
        .any(|r| matches!(r, FileResult::Failed { .. }));
    let printed = match args.output {
        Output::Json => serde_json::to_string_pretty(&json!({ "files": results }))
            .map_err(std::io::Error::other)
            .and_then(|text| print(&[text + "\n"])),
        Output::Table => print(
            &results
                .iter()
                .map(|r| render(r, args.explain))
                .collect::<Vec<_>>(),
        ),
    };
    match printed {
        // The reader has seen enough (`| head`): not worth a word.
        Err(e) if e.kind() == ErrorKind::BrokenPipe => {}
        Err(e) => {
            eprintln!("wfm extract: cannot print the result: {e}");
            return ExitCode::FAILURE;
        }
        Ok(()) => {}
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// What the command line gave besides the files.
#[derive(Debug, Clone, Copy)]
struct Given<'a> {
    schema: Option<&'a Schema>,
    recipe: Option<&'a Recipe>,
    prompt: Option<&'a str>,
}

async fn one_file(
    path: &str,
    bytes: &[u8],
    given: Given<'_>,
    options: &Options,
    llm: Option<&LlmClient>,
) -> Result<Outcome, String> {
    let fingerprint = recipe::fingerprint(path, bytes, options);
    if let Some(recipe) = given.recipe {
        let extraction =
            recipe::apply(recipe, "--recipe", path, bytes, options).map_err(|e| e.to_string())?;
        return Ok(outcome(extraction, Method::Recipe, fingerprint));
    }
    if llm.is_some() {
        let request = LlmRequest {
            path,
            bytes,
            schema: given.schema,
            custom_prompt: given.prompt,
            recipes: &[],
            force: false,
        };
        return extract_with_llm(request, options, llm)
            .await
            .map_err(|e| e.to_string());
    }
    let extraction = match given.schema {
        Some(schema) => extract_with_schema(path, bytes, schema, options),
        None => extract(path, bytes, options),
    }
    .map_err(|e| e.to_string())?;
    Ok(outcome(extraction, Method::Builtin, fingerprint))
}

fn outcome(extraction: Extraction, method: Method, fingerprint: Option<String>) -> Outcome {
    Outcome {
        extraction,
        method,
        fallback_reason: None,
        explanation: None,
        fingerprint,
        proposed_recipe: None,
        recipe_refused: None,
    }
}

fn read_recipe(path: &str) -> Result<Recipe, String> {
    let bytes = wfm_env::read_regular_file(path, 1024 * 1024)
        .map_err(|e| format!("cannot read recipe {path}: {e}"))?;
    let recipe: Recipe = serde_json::from_slice(&bytes)
        .map_err(|e| format!("recipe {path} is not a valid recipe: {e}"))?;
    recipe
        .validate()
        .map_err(|e| format!("recipe {path}: {e}"))?;
    Ok(recipe)
}

fn read_schema(path: &str) -> Result<Schema, String> {
    let bytes = wfm_env::read_regular_file(path, 16 * 1024 * 1024)
        .map_err(|e| format!("cannot read schema {path}: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|_| format!("schema {path} is not UTF-8"))?;
    let schema: Schema = serde_json::from_str(&text)
        .map_err(|e| format!("schema {path} is not a valid schema: {e}"))?;
    schema
        .validate()
        .map_err(|e| format!("schema {path}: {e}"))?;
    Ok(schema)
}

/// Writes to stdout through one lock; an error (a closed pipe) is returned,
/// where `print!` would panic.
fn print(chunks: &[String]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    for chunk in chunks {
        out.write_all(chunk.as_bytes())?;
    }
    out.flush()
}

/// Reads at most `limit` + 1 bytes of a regular file, so a huge file is
/// refused without being read whole, and a FIFO or a device is refused
/// without waiting (`wfm_env::read_regular_file`).
fn read_capped(path: &str, limit: usize) -> Result<Vec<u8>, String> {
    wfm_env::read_regular_file(path, limit as u64).map_err(|e| match e {
        wfm_env::ReadFileError::TooLarge { size, .. } => ExtractError::TooLarge {
            size: usize::try_from(size).unwrap_or(usize::MAX),
            limit,
        }
        .to_string(),
        other => other.to_string(),
    })
}

/// Most records shown per file in table output.
const SHOWN: usize = 50;

fn render(result: &FileResult, explain: bool) -> String {
    let outcome = match result {
        FileResult::Failed { path, error } => return format!("== {path}\nerror: {error}\n\n"),
        FileResult::Done(outcome) => outcome,
    };
    let x: &Extraction = &outcome.extraction;
    let mut out = format!(
        "== {} ({}, {} records, {})\n",
        x.path,
        x.format,
        x.records.len(),
        reading_line(&x.reading)
    );
    if explain {
        if let Some(fingerprint) = &outcome.fingerprint {
            out.push_str(&format!("shape: {fingerprint}\n"));
        }
        for reason in &x.reading.reasons {
            out.push_str(&format!("why: {reason}\n"));
        }
    }
    if let Some(reason) = &outcome.fallback_reason {
        out.push_str(&format!("llm fallback: {reason}\n"));
    }
    let describe = |names: &[String]| {
        names
            .iter()
            .map(
                |n| match x.schema.field(n).and_then(|f| f.unit.as_deref()) {
                    Some(unit) if !n.contains(unit) => format!("{n} [{unit}]"),
                    _ => n.clone(),
                },
            )
            .collect::<Vec<_>>()
            .join(", ")
    };
    out.push_str(&format!(
        "dimensions: {}\n",
        describe(&x.schema.dimension_fields)
    ));
    out.push_str(&format!(
        "metrics:    {}\n",
        describe(&x.schema.metric_fields)
    ));
    let header: Vec<String> = x.schema.roles().map(|(name, _)| name.to_owned()).collect();
    let rows: Vec<Vec<String>> = x
        .records
        .iter()
        .take(SHOWN)
        .map(|r| {
            // One pass over the record's fields, then a lookup per column.
            let mut cells: HashMap<&str, String> =
                r.dimensions().map(|(n, v)| (n, v.to_string())).collect();
            cells.extend(r.metrics().map(|(n, m)| (n, m.to_string())));
            header
                .iter()
                .map(|h| cells.remove(h.as_str()).unwrap_or_default())
                .collect()
        })
        .collect();
    out.push_str(&grid(&header, &rows));
    if x.records.len() > SHOWN {
        out.push_str(&format!(
            "… {} more records (use --output json)\n",
            x.records.len() - SHOWN
        ));
    }
    for warning in &x.warnings {
        out.push_str(&format!("warning: {warning}\n"));
    }
    out.push('\n');
    out
}

/// `adapter google-benchmark-json, confidence 0.95`, with a warning word
/// when the confidence is low.
fn reading_line(reading: &Reading) -> String {
    let method = match (reading.method, &reading.name) {
        (ReadMethod::Adapter | ReadMethod::Recipe, Some(name)) => {
            format!("{} {name}", method_name(reading.method))
        }
        (method, _) => method_name(method).to_owned(),
    };
    let low = if reading.is_low() {
        " (LOW: check the records, or configure an LLM)"
    } else {
        ""
    };
    format!("{method}, confidence {:.2}{low}", reading.confidence)
}

fn method_name(method: ReadMethod) -> &'static str {
    match method {
        ReadMethod::Adapter => "adapter",
        ReadMethod::Generic => "generic rules",
        ReadMethod::Recipe => "recipe",
        ReadMethod::Llm => "llm",
    }
}

/// A plain text table, columns padded to their widest cell.
fn grid(header: &[String], rows: &[Vec<String>]) -> String {
    let width = |i: usize| {
        rows.iter()
            .map(|r| r[i].chars().count())
            .chain([header[i].chars().count()])
            .max()
            .unwrap_or(0)
            .min(40)
    };
    let widths: Vec<usize> = (0..header.len()).map(width).collect();
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| {
                let c: String = c.chars().take(*w).collect();
                format!("{c:<w$}")
            })
            .collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut out = line(header);
    out.push_str(&line(
        &widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>(),
    ));
    for row in rows {
        out.push_str(&line(row));
    }
    out
}
