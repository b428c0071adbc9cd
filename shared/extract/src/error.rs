//! Why a file could not be extracted.

use crate::schema::SchemaError;

#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("file is {size} bytes, over the {limit}-byte limit")]
    TooLarge { size: usize, limit: usize },
    #[error("file looks binary (NUL byte at offset {offset}), not a text result file")]
    Binary { offset: usize },
    #[error("invalid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Malformed XML, too deep, or too many elements; the message says where.
    #[error("invalid XML: {0}")]
    Xml(String),
    #[error("invalid CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("{fields} distinct fields over {records} records: too sparse to tabulate")]
    TooSparse { fields: usize, records: usize },
    #[error("invalid schema: {0}")]
    Schema(#[from] SchemaError),
}
