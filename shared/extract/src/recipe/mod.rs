//! Recipes: a declarative parser for one shape of file, written once (by
//! the LLM, or by hand as the spec's "custom parser") and then applied
//! deterministically, with no model call, to every file of that shape.
//!
//! A recipe says where the records are (`select`: a JSON path with `*`
//! wildcards, the rows of the file's tables, or a regular expression per
//! line) and, for each output field, where its value comes from, whether it
//! is a dimension or a metric, its unit and which way it improves:
//!
//! ```json
//! {"select": {"kind": "json", "each": "/benchmarks/*"},
//!  "fields": [
//!    {"name": "benchmark", "from": "name", "role": "dimension"},
//!    {"name": "host", "from": "/context/host_name", "role": "dimension"},
//!    {"name": "real_time", "from": "real_time", "role": "metric", "unit": "ns",
//!     "direction": "lower_is_better"}]}
//! ```
//!
//! Files are matched to recipes by [`fingerprint`]: the shape of the file
//! (JSON key paths, table headers, line templates), not its values.

mod apply;
mod check;
mod fingerprint;

use serde::{Deserialize, Serialize};

use crate::schema::{Direction, Role};

pub use apply::apply;
pub(crate) use apply::apply_parsed;
pub use check::agrees;
pub use fingerprint::fingerprint;

/// A parser for one shape of file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    pub select: Select,
    pub fields: Vec<RecipeField>,
}

/// Where a file's records are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Select {
    /// Each value at `each`, a JSON pointer whose segments may be `*`
    /// (every element of an array or member of an object); `""` is the
    /// whole document. For JSON Lines, applied to each line; XML is read as
    /// its element tree (attributes and children as members, the root's
    /// name dropped).
    Json { each: String },
    /// Each row of the file's tables (CSV, TSV, Markdown, aligned text), as
    /// the generic rules read them; `from` names a column.
    Table,
    /// Each line matching `pattern`; `from` names one of its groups. A line
    /// matching one of `context` sets that pattern's groups for the lines
    /// after it (`pkg: (?P<pkg>\S+)`).
    Lines {
        pattern: String,
        #[serde(default)]
        context: Vec<String>,
    },
}

/// One output field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecipeField {
    /// The field's name in the records.
    pub name: String,
    /// JSON: a pointer relative to the record (`stats/mean`), absolute
    /// (`/context/date`), or `@key` (the member name the innermost `*`
    /// matched). Tables: the column's header. Lines: a group's name.
    pub from: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
}

/// A recipe kept for a config: the shape it reads and its name.
#[derive(Debug, Clone, PartialEq)]
pub struct KnownRecipe {
    /// The [`fingerprint`] of the files it reads.
    pub fingerprint: String,
    /// Shown as the reading's name (`schema v3 recipe json:1a2b…`).
    pub name: String,
    pub recipe: Recipe,
}

/// Why a recipe cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecipeError {
    #[error("recipe has no metric field")]
    NoMetric,
    #[error("recipe field {0} has an empty name or source")]
    EmptyField(usize),
    #[error("recipe names field `{0}` twice")]
    Duplicate(String),
    #[error("recipe pattern is not a valid regular expression: {0}")]
    Pattern(String),
    #[error("recipe reads `{select}` but the file is {format}")]
    WrongFormat {
        select: &'static str,
        format: crate::Format,
    },
    #[error("the file is not JSON (or XML) the recipe can read")]
    NotJson,
    #[error("recipe found no records in the file")]
    NoRecords,
    #[error("recipe field `{0}` found no value in any record")]
    FieldNeverFound(String),
    #[error("{0}")]
    Extract(String),
}

/// Most fields and context patterns a recipe may have.
const MAX_FIELDS: usize = 500;

impl Recipe {
    /// Checks the recipe can run: a metric, named fields, valid patterns.
    pub fn validate(&self) -> Result<(), RecipeError> {
        if !self.fields.iter().any(|f| f.role == Role::Metric) {
            return Err(RecipeError::NoMetric);
        }
        let mut seen = std::collections::HashSet::new();
        for (i, field) in self.fields.iter().enumerate().take(MAX_FIELDS + 1) {
            if i == MAX_FIELDS || field.name.trim().is_empty() || field.from.trim().is_empty() {
                return Err(RecipeError::EmptyField(i));
            }
            if !seen.insert(field.name.trim()) {
                return Err(RecipeError::Duplicate(field.name.clone()));
            }
        }
        if let Select::Lines { pattern, context } = &self.select {
            apply::compile(pattern)?;
            for p in context.iter().take(MAX_FIELDS) {
                apply::compile(p)?;
            }
        }
        Ok(())
    }
}
