//! The pipeline for one file: limits, decoding, format detection, parsing,
//! schema inference or schema-guided placement, records.

use std::borrow::Cow;

use serde::Serialize;

use crate::adapt;
use crate::builder::Builder;
use crate::error::ExtractError;
use crate::format::{Format, detect};
use crate::infer::infer;
use crate::parse;
use crate::reading::{ReadMethod, Reading};
use crate::records::Records;
use crate::schema::Schema;

/// The default cap on a result file's size: 5 MiB.
pub const DEFAULT_MAX_BYTES: usize = 5 * 1024 * 1024;

/// Limits for one extraction.
#[derive(Debug, Clone)]
pub struct Options {
    /// Files larger than this are refused.
    pub max_bytes: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

/// What one file yielded.
#[derive(Debug, Serialize)]
pub struct Extraction {
    pub path: String,
    pub format: Format,
    /// The inferred schema, or the one that was applied.
    pub schema: Schema,
    pub records: Records,
    /// Things the user should know: skipped lines, fields the schema lacks…
    pub warnings: Vec<String>,
    /// Which reader made the records, how sure it is, and why.
    pub reading: Reading,
}

/// Extracts the records of one file and infers their schema.
pub fn extract(path: &str, bytes: &[u8], options: &Options) -> Result<Extraction, ExtractError> {
    Ok(inferred(path, parse_file(path, bytes, options)?))
}

/// Extracts exactly the fields of `schema`, matched by name.
pub fn extract_with_schema(
    path: &str,
    bytes: &[u8],
    schema: &Schema,
    options: &Options,
) -> Result<Extraction, ExtractError> {
    schema.validate()?;
    Ok(guided(path, parse_file(path, bytes, options)?, schema))
}

/// What the parser found in a file, before a schema places it.
pub(crate) struct Parsed {
    pub format: Format,
    pub builder: Builder,
    pub warnings: Vec<String>,
    pub reading: Reading,
}

/// The records of a parsed file under the schema inferred from them.
pub(crate) fn inferred(path: &str, parsed: Parsed) -> Extraction {
    let Parsed {
        format,
        builder,
        mut warnings,
        mut reading,
    } = parsed;
    let (schema, placements) = infer(&builder);
    if schema.metric_fields.is_empty() && builder.rows() > 0 {
        warnings.push("no field holds measured numbers: no records".to_owned());
    }
    let records = Records::assemble(path, builder, &placements);
    if reading.method == ReadMethod::Generic {
        reading.score_generic(format, &schema, records.len(), warnings.len());
    }
    Extraction {
        path: path.to_owned(),
        format,
        schema,
        records,
        warnings,
        reading,
    }
}

/// The records of a parsed file under `schema` (already validated).
pub(crate) fn guided(path: &str, parsed: Parsed, schema: &Schema) -> Extraction {
    let Parsed {
        format,
        builder,
        mut warnings,
        mut reading,
    } = parsed;
    let (inferred_schema, inferred) = infer(&builder);
    let placements = crate::guided::place(&builder, &inferred, schema, &mut warnings);
    let records = Records::assemble(path, builder, &placements);
    if reading.method == ReadMethod::Generic {
        reading.score_generic(format, &inferred_schema, records.len(), warnings.len());
    }
    reading
        .reasons
        .push("fields placed by the given schema".to_owned());
    Extraction {
        path: path.to_owned(),
        format,
        schema: schema.clone(),
        records,
        warnings,
        reading,
    }
}

/// Checks limits, decodes and parses; returns what the parser found.
pub(crate) fn parse_file(
    path: &str,
    bytes: &[u8],
    options: &Options,
) -> Result<Parsed, ExtractError> {
    let (text, mut warnings) = decode(bytes, options)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let (format, lied) = detect(path, text);
    warnings.extend(lied);
    let mut reasons = Vec::new();
    if let Some(parsed) = adapted(path, text, format, bytes.len(), &warnings, &mut reasons) {
        return Ok(parsed);
    }
    let builder = parse_generic(text, format, bytes.len(), &mut warnings)?;
    Ok(Parsed {
        format,
        builder,
        warnings,
        reading: Reading::generic(format, reasons),
    })
}

/// Checks the limits and decodes: the text (invalid UTF-8 replaced, with a
/// warning) and the warnings so far.
pub(crate) fn decode<'b>(
    bytes: &'b [u8],
    options: &Options,
) -> Result<(Cow<'b, str>, Vec<String>), ExtractError> {
    if bytes.len() > options.max_bytes {
        return Err(ExtractError::TooLarge {
            size: bytes.len(),
            limit: options.max_bytes,
        });
    }
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        return Err(ExtractError::Binary { offset });
    }
    let mut warnings = Vec::new();
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(e) => {
            warnings.push(format!(
                "not valid UTF-8 (first bad byte at offset {}); invalid bytes replaced with U+FFFD",
                e.valid_up_to()
            ));
            String::from_utf8_lossy(bytes)
        }
    };
    Ok((text, warnings))
}

/// The generic rules of `format` (no adapter).
pub(crate) fn parse_generic(
    text: &str,
    format: Format,
    size: usize,
    warnings: &mut Vec<String>,
) -> Result<Builder, ExtractError> {
    let mut builder = Builder::new(size);
    match format {
        Format::Json => parse::json::parse_document(text, &mut builder, warnings)?,
        Format::Jsonl => parse::json::parse_lines(text, &mut builder, warnings)?,
        Format::Csv | Format::Tsv => {
            parse::delimited::parse(text, format == Format::Tsv, &mut builder, warnings)?
        }
        Format::Markdown => parse::markdown::parse(text, &mut builder, warnings)?,
        Format::Text => parse::text::parse(text, &mut builder, warnings)?,
        Format::Xml => parse::xml::parse(text, &mut builder, warnings)?,
    }
    if builder.dropped_fields > 0 {
        warnings.push(format!(
            "more than {} distinct fields; {} more were ignored",
            crate::builder::MAX_FIELDS,
            builder.dropped_fields
        ));
    }
    Ok(builder)
}

/// The first adapter that recognises the content and reads records from
/// it; adapters that recognise it but read nothing are noted in `reasons`.
fn adapted(
    path: &str,
    text: &str,
    format: Format,
    size: usize,
    warnings: &[String],
    reasons: &mut Vec<String>,
) -> Option<Parsed> {
    let input = adapt::Input::new(path, text, format);
    for adapter in adapt::candidates(format) {
        let Some(signature) = (adapter.detect)(&input) else {
            continue;
        };
        let mut builder = Builder::new(size);
        let mut own = warnings.to_vec();
        let read = (adapter.read)(&input, &mut adapt::Emit::new(&mut builder, &mut own));
        match read {
            Ok(()) if builder.rows() > 0 => {
                let mut reading = Reading::adapter(adapter.name, signature);
                if own.len() > warnings.len() {
                    reading.confidence = 0.85;
                    reading
                        .reasons
                        .push(format!("{} warnings", own.len() - warnings.len()));
                }
                return Some(Parsed {
                    format,
                    builder,
                    warnings: own,
                    reading,
                });
            }
            Ok(()) => reasons.push(format!(
                "adapter {} recognised {signature} but read no records",
                adapter.name
            )),
            Err(e) => reasons.push(format!(
                "adapter {} recognised {signature} but failed: {e}",
                adapter.name
            )),
        }
    }
    None
}
