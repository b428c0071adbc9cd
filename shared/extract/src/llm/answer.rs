//! The model's answer: its JSON schema, parsing, and validation into an
//! `Extraction`. Nothing the model says is trusted: values must have the
//! right types, and with an existing schema it may not invent fields.

use std::sync::LazyLock;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::builder::Builder;
use crate::column::Origin;
use crate::extract::Extraction;
use crate::format::Format;
use crate::infer::Placement;
use crate::llm::LlmRequest;
use crate::names::match_key;
use crate::reading::{ReadMethod, Reading};
use crate::records::Records;
use crate::schema::{FieldType, Role, Schema};

/// The JSON schema the answer must match (sent as `response_format`).
pub(crate) static ANSWER_SCHEMA: LazyLock<Value> = LazyLock::new(|| {
    json!({
        "type": "object",
        "required": ["schema", "records"],
        "properties": {
            "schema": {
                "type": "object",
                "required": ["fields", "dimension_fields", "metric_fields"],
                "properties": {
                    "fields": {"type": "array", "items": {
                        "type": "object",
                        "required": ["name", "type"],
                        "properties": {
                            "name": {"type": "string"},
                            "type": {"enum": ["string", "int", "float", "bool"]},
                            "unit": {"type": ["string", "null"]},
                            "description": {"type": "string"}
                        }
                    }},
                    "dimension_fields": {"type": "array", "items": {"type": "string"}},
                    "metric_fields": {"type": "array", "items": {"type": "string"}}
                }
            },
            "records": {"type": "array", "items": {
                "type": "object",
                "required": ["dimensions", "metrics"],
                "properties": {
                    "dimensions": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean", "null"]}},
                    "metrics": {"type": "object", "additionalProperties": {"type": ["number", "null"]}}
                }
            }},
            "explanation": {"type": "string"},
            "recipe": {"type": ["object", "null"],
                       "description": "a declarative parser for files of this shape (see the instructions)"}
        }
    })
});

#[derive(Debug, Deserialize)]
pub(crate) struct Answer {
    #[serde(default)]
    schema: Option<Schema>,
    /// The spec's response calls the list `metrics`; either name is accepted.
    #[serde(alias = "metrics")]
    records: Vec<AnswerRecord>,
    #[serde(default)]
    explanation: Option<String>,
    /// Checked and parsed separately: a bad recipe does not spoil the records.
    #[serde(default)]
    pub(crate) recipe: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct AnswerRecord {
    #[serde(default)]
    dimensions: Map<String, Value>,
    #[serde(default)]
    metrics: Map<String, Value>,
}

impl Answer {
    /// Parses the message content, tolerating a Markdown code fence around it.
    pub(crate) fn parse(content: &str) -> Result<Answer, String> {
        let body = content.trim();
        let body = body
            .strip_prefix("```json")
            .or_else(|| body.strip_prefix("```"))
            .and_then(|b| b.trim_end().strip_suffix("```"))
            .unwrap_or(body);
        serde_json::from_str(body)
            .map_err(|e| format!("answer does not match the requested JSON ({e})"))
    }

    /// Validates the answer and turns it into records.
    pub(crate) fn into_extraction(
        self,
        request: LlmRequest<'_>,
        format: Format,
        warnings: Vec<String>,
    ) -> Result<(Extraction, Option<String>), String> {
        let schema = match (request.schema, self.schema) {
            (Some(existing), _) => existing.clone(),
            (None, Some(proposed)) => {
                proposed
                    .validate()
                    .map_err(|e| format!("proposed schema is invalid: {e}"))?;
                proposed
            }
            (None, None) => return Err("no schema in the answer".to_owned()),
        };
        if self.records.is_empty() {
            return Err("no records in the answer".to_owned());
        }
        let mut builder = Builder::new(request.bytes.len());
        for (index, record) in self.records.iter().enumerate() {
            write_record(&mut builder, &schema, index, record)?;
        }
        let placements: Vec<Placement> = schema
            .roles()
            .filter_map(|(name, role)| {
                let id = builder.lookup(name)?;
                let declared = schema.field(name).map(|f| f.field_type);
                let field_type = declared.unwrap_or(if role == Role::Metric {
                    FieldType::Float
                } else {
                    FieldType::String
                });
                Some(Placement {
                    id,
                    name: name.to_owned(),
                    role,
                    field_type,
                    scale: 1.0,
                })
            })
            .collect();
        let records = Records::assemble(request.path, builder, &placements);
        let extraction = Extraction {
            path: request.path.to_owned(),
            format,
            schema,
            records,
            warnings,
            reading: Reading {
                method: ReadMethod::Llm,
                name: None,
                confidence: 0.8,
                reasons: vec!["the LLM's answer, checked against the schema".to_owned()],
            },
        };
        Ok((extraction, self.explanation))
    }
}

fn write_record(
    builder: &mut Builder,
    schema: &Schema,
    index: usize,
    record: &AnswerRecord,
) -> Result<(), String> {
    let mut metrics = 0;
    for (name, value) in &record.dimensions {
        let field = schema_name(&schema.dimension_fields, name)
            .ok_or_else(|| format!("record {index}: dimension `{name}` is not in the schema"))?;
        if !fits(schema, field, value) {
            return Err(format!(
                "record {index}: dimension `{name}` = {value} does not match its declared type"
            ));
        }
        let id = builder
            .field(field, Origin::Data)
            .ok_or("too many fields")?;
        let written = match value {
            Value::Null => Ok(()),
            Value::String(s) => builder.set_str(id, s),
            Value::Bool(b) => builder.set_bool(id, *b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => builder.set_int(id, i),
                None => builder.set_float(id, n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::Array(_) | Value::Object(_) => {
                return Err(format!(
                    "record {index}: dimension `{name}` is not a string, number or boolean"
                ));
            }
        };
        written.map_err(|e| e.to_string())?;
    }
    for (name, value) in &record.metrics {
        let field = schema_name(&schema.metric_fields, name)
            .ok_or_else(|| format!("record {index}: metric `{name}` is not in the schema"))?;
        let number = match value {
            Value::Null => continue,
            Value::Number(n) => n.as_f64().filter(|x| x.is_finite()),
            _ => None,
        }
        .ok_or_else(|| format!("record {index}: metric `{name}` is not a number: {value}"))?;
        if !fits(schema, field, value) {
            return Err(format!(
                "record {index}: metric `{name}` = {value} does not match its declared type"
            ));
        }
        let id = builder
            .field(field, Origin::Data)
            .ok_or("too many fields")?;
        builder.set_float(id, number).map_err(|e| e.to_string())?;
        metrics += 1;
    }
    if metrics == 0 {
        return Err(format!("record {index} has no metric value"));
    }
    builder.end_row();
    Ok(())
}

/// Whether `value` has the type the schema declares for `field` (a field
/// the schema lists without declaring a type takes any scalar).
fn fits(schema: &Schema, field: &str, value: &Value) -> bool {
    let Some(declared) = schema.field(field).map(|f| f.field_type) else {
        return true;
    };
    match (declared, value) {
        (_, Value::Null) => true,
        (FieldType::String, v) => !v.is_array() && !v.is_object(),
        (FieldType::Int, Value::Number(n)) => n.as_f64().is_some_and(|x| x.fract() == 0.0),
        (FieldType::Float, Value::Number(_)) => true,
        (FieldType::Bool, Value::Bool(_)) => true,
        _ => false,
    }
}

/// The schema's spelling of `name`, matched exactly or by match key.
fn schema_name<'s>(names: &'s [String], name: &str) -> Option<&'s str> {
    let key = match_key(name);
    names
        .iter()
        .find(|n| *n == name)
        .or_else(|| names.iter().find(|n| match_key(n) == key))
        .map(String::as_str)
}
