//! The metric schema: the fields of a config's records, which are
//! dimensions and which are metrics. Same JSON shape as the
//! `github_workflow_metric_schemas` row (`fields`, `dimension_fields`,
//! `metric_fields`).

use serde::{Deserialize, Serialize};

use crate::names::match_key;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    pub fields: Vec<Field>,
    #[serde(default)]
    pub dimension_fields: Vec<String>,
    #[serde(default)]
    pub metric_fields: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default)]
    pub description: String,
    /// For a metric: which way is an improvement, when known. Also read as
    /// `better: higher|lower`.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "better")]
    pub direction: Option<Direction>,
}

/// Which way a metric improves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    #[serde(alias = "lower")]
    LowerIsBetter,
    #[serde(alias = "higher")]
    HigherIsBetter,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    String,
    Int,
    Float,
    Bool,
}

/// What a field is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A label to group and filter by.
    Dimension,
    /// A measured number.
    Metric,
}

/// A schema that cannot be used, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    #[error("schema has no metric_fields: nothing would be extracted")]
    NoMetrics,
    #[error("schema field name is empty")]
    EmptyName,
    #[error("field `{0}` is listed both as a dimension and as a metric")]
    BothRoles(String),
    #[error("field `{0}` is listed twice")]
    Duplicate(String),
    #[error("metric field `{0}` has type {1:?}; metrics are numbers (int or float)")]
    NonNumericMetric(String, FieldType),
}

impl Schema {
    /// Checks that the schema can drive extraction.
    pub fn validate(&self) -> Result<(), SchemaError> {
        if self.metric_fields.is_empty() {
            return Err(SchemaError::NoMetrics);
        }
        let mut seen = std::collections::HashMap::new();
        for (name, role) in self.roles() {
            if name.trim().is_empty() {
                return Err(SchemaError::EmptyName);
            }
            match seen.insert(name, role) {
                Some(previous) if previous != role => {
                    return Err(SchemaError::BothRoles(name.to_owned()));
                }
                Some(_) => return Err(SchemaError::Duplicate(name.to_owned())),
                None => {}
            }
        }
        for name in &self.metric_fields {
            if let Some(field) = self.field(name)
                && matches!(field.field_type, FieldType::String | FieldType::Bool)
            {
                return Err(SchemaError::NonNumericMetric(
                    name.clone(),
                    field.field_type,
                ));
            }
        }
        Ok(())
    }

    /// Every dimension and metric name with its role, dimensions first.
    pub fn roles(&self) -> impl Iterator<Item = (&str, Role)> {
        let dims = self
            .dimension_fields
            .iter()
            .map(|n| (n.as_str(), Role::Dimension));
        dims.chain(
            self.metric_fields
                .iter()
                .map(|n| (n.as_str(), Role::Metric)),
        )
    }

    /// The field description for `name` (exact name first, then matching
    /// key), if the schema has one.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name).or_else(|| {
            let key = match_key(name);
            self.fields.iter().find(|f| match_key(&f.name) == key)
        })
    }
}
