//! Schema inference: which fields are dimensions, which are metrics, their
//! types and units. The rules, in order (first match wins), are documented
//! in the crate README:
//!
//! 1. Fields that describe the file (top-level values, headings, case keys,
//!    joined maps) are dimensions.
//! 2. Fields whose values are mostly not numbers are dimensions; a field
//!    with no values at all is a metric when its cells were placeholders
//!    (`-`, `n/a`: a measurement that did not happen) and a dimension when it
//!    was JSON `null` (a setting left unset).
//! 3. Fields under a settings namespace (`config.`, `options.`…) are
//!    dimensions.
//! 4. A unit in the name or the cells (other than a size unit) makes a
//!    metric.
//! 5. The name's words: the last knob word (batch, seq len, TP, GPUs, rank,
//!    id, version…) or measurement word (time, latency, throughput, mean,
//!    p99, acc, tokens, TFLOPS…) decides; see `names::name_says`.
//! 6. Whole numbers are dimensions (counts and settings); other numbers are
//!    metrics.

use crate::builder::{Builder, FieldId};
use crate::column::{Column, Origin};
use crate::names::{NameSays, in_settings, name_says};
use crate::schema::{Field, FieldType, Role, Schema};

/// A builder column's place in the output.
#[derive(Debug, Clone)]
pub(crate) struct Placement {
    pub id: FieldId,
    pub name: String,
    pub role: Role,
    pub field_type: FieldType,
    /// Multiplies a metric's values (a unit conversion); 1 otherwise.
    pub scale: f64,
}

/// Infers the schema of what `builder` holds; returns it with each field's
/// column.
pub(crate) fn infer(builder: &Builder) -> (Schema, Vec<Placement>) {
    let mut schema = Schema::default();
    let mut placements = Vec::new();
    for (id, column) in builder.columns.iter().enumerate() {
        let (role, field_type, why) = classify(column);
        let unit = column
            .unit
            .clone()
            .filter(|_| role == Role::Metric || column.stats.numeric() > 0);
        let description = describe(builder, column, role, why);
        let direction = match role {
            Role::Metric if column.undirected => None,
            Role::Metric => column
                .direction
                .or_else(|| crate::direction::guess(&column.name, unit.as_deref())),
            Role::Dimension => None,
        };
        schema.fields.push(Field {
            name: column.name.to_string(),
            field_type,
            unit,
            description,
            direction,
        });
        match role {
            Role::Dimension => schema.dimension_fields.push(column.name.to_string()),
            Role::Metric => schema.metric_fields.push(column.name.to_string()),
        }
        placements.push(Placement {
            id,
            name: column.name.to_string(),
            role,
            field_type,
            scale: 1.0,
        });
    }
    (schema, placements)
}

/// Why a field got its role, for its description.
#[derive(Debug, Clone, Copy)]
enum Why {
    /// An adapter said so.
    Adapter,
    Origin,
    Text,
    Unset,
    NotMeasured,
    Knob,
    Unit,
    Named,
    Whole,
    Fractional,
}

fn classify(column: &Column) -> (Role, FieldType, Why) {
    let stats = &column.stats;
    let numeric = stats.numeric();
    let dim_type = dimension_type(column);
    if let Some(role) = column.role {
        let field_type = match role {
            Role::Dimension => dim_type,
            Role::Metric if stats.floats == 0 && stats.ints > 0 => FieldType::Int,
            Role::Metric => FieldType::Float,
        };
        return (role, field_type, Why::Adapter);
    }
    if column.origin == Origin::Deviation {
        return (Role::Metric, FieldType::Float, Why::Unit);
    }
    if column.origin != Origin::Data {
        return (Role::Dimension, dim_type, Why::Origin);
    }
    if numeric == 0 {
        let nothing = stats.texts == 0 && stats.bools == 0;
        return match (nothing, stats.placeholders > 0) {
            (true, true) => (Role::Metric, FieldType::Float, Why::NotMeasured),
            (true, false) => (Role::Dimension, FieldType::String, Why::Unset),
            _ => (Role::Dimension, dim_type, Why::Text),
        };
    }
    if numeric < stats.texts + stats.bools {
        return (Role::Dimension, FieldType::String, Why::Text);
    }
    let metric_type = if stats.floats == 0 {
        FieldType::Int
    } else {
        FieldType::Float
    };
    if in_settings(&column.name) {
        return (Role::Dimension, dim_type, Why::Knob);
    }
    let unit_says_metric = column
        .unit
        .as_deref()
        .is_some_and(|u| !crate::units::is_size_unit(u));
    if unit_says_metric {
        return (Role::Metric, metric_type, Why::Unit);
    }
    match name_says(&column.name) {
        Some(NameSays::Knob) => return (Role::Dimension, dim_type, Why::Knob),
        Some(NameSays::Measurement) => return (Role::Metric, metric_type, Why::Named),
        None => {}
    }
    if stats.floats == 0 && stats.alternatives == 0 {
        return (Role::Dimension, dim_type, Why::Whole);
    }
    (Role::Metric, metric_type, Why::Fractional)
}

/// A dimension's type: one kind of value, or string when they mix.
fn dimension_type(column: &Column) -> FieldType {
    let s = &column.stats;
    let kinds = [
        s.ints + s.floats > 0,
        s.bools > 0,
        s.texts + s.alternatives > 0,
    ];
    match kinds {
        [true, false, false] if s.floats == 0 => FieldType::Int,
        [true, false, false] => FieldType::Float,
        [false, true, false] => FieldType::Bool,
        _ => FieldType::String,
    }
}

fn describe(builder: &Builder, column: &Column, role: Role, why: Why) -> String {
    let unit = column
        .unit
        .as_deref()
        .map(|u| format!(" ({u})"))
        .unwrap_or_default();
    match (column.origin, why) {
        (Origin::Shared, _) => "file-level value copied into every record".to_owned(),
        (Origin::Heading, _) => "heading above the table the record came from".to_owned(),
        (Origin::Key, _) => "key of the record in its collection".to_owned(),
        (Origin::Joined, _) => "value for the record's key in a sibling map".to_owned(),
        (Origin::Deviation, _) => {
            let of = column
                .deviation_of
                .map(|id| builder.columns[id].name.to_string())
                .unwrap_or_default();
            format!("spread (± part) of {of}{unit}")
        }
        (_, Why::Text) => "label".to_owned(),
        (_, Why::Unset) => "setting with no value in the sample".to_owned(),
        (_, Why::NotMeasured) => "measurement with no value in the sample".to_owned(),
        (_, Why::Knob | Why::Whole) => "configuration setting".to_owned(),
        (_, Why::Origin) => "label".to_owned(),
        (_, Why::Adapter) if role == Role::Metric => format!("measured value{unit}"),
        (_, Why::Adapter) => "label".to_owned(),
        (_, Why::Unit | Why::Named | Why::Fractional) if role == Role::Metric => {
            format!("measured value{unit}")
        }
        _ => String::new(),
    }
}
