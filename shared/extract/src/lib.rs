#![doc = include_str!("../README.md")]

mod builder;
mod cell;
mod column;
mod error;
mod extract;
mod format;
mod guided;
mod infer;
pub mod llm;
mod names;
mod parse;
mod records;
mod schema;
mod units;

pub use error::ExtractError;
pub use extract::{DEFAULT_MAX_BYTES, Extraction, Options, extract, extract_with_schema};
pub use format::{Format, detect as detect_format};
pub use names::match_key;
pub use records::{DimValue, Record, Records, parse_time};
pub use schema::{Field, FieldType, Role, Schema, SchemaError};
