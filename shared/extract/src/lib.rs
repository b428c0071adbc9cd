#![doc = include_str!("../README.md")]

mod adapt;
mod builder;
mod cell;
mod column;
mod direction;
mod error;
mod extract;
mod format;
mod guided;
mod infer;
pub mod llm;
mod names;
mod parse;
mod reading;
pub mod recipe;
mod records;
mod schema;
mod units;

pub use adapt::names as adapter_names;
pub use error::ExtractError;
pub use extract::{DEFAULT_MAX_BYTES, Extraction, Options, extract, extract_with_schema};
pub use format::{Format, detect as detect_format};
pub use names::match_key;
pub use reading::{LOW_CONFIDENCE, ReadMethod, Reading};
pub use records::{DimValue, Record, Records, parse_time};
pub use schema::{Direction, Field, FieldType, Role, Schema, SchemaError};
