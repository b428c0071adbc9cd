//! Applying a recipe: deterministic, bounded (the file's size cap, a
//! linear-time regex engine with a compiled-size limit), no model call.

use std::collections::HashMap;

use regex::{Regex, RegexBuilder};
use serde_json::Value;

use super::{Recipe, RecipeError, RecipeField, Select};
use crate::adapt::{Emit, Input};
use crate::builder::Builder;
use crate::cell::parse_number;
use crate::column::Dim;
use crate::extract::{Extraction, Options, Parsed, decode, inferred, parse_generic};
use crate::format::{Format, detect};
use crate::names::match_key;
use crate::reading::{ReadMethod, Reading};
use crate::schema::Role;

/// Largest compiled pattern accepted (the regex crate's own measure).
const PATTERN_LIMIT: usize = 1 << 20;

pub(super) fn compile(pattern: &str) -> Result<Regex, RecipeError> {
    RegexBuilder::new(pattern)
        .size_limit(PATTERN_LIMIT)
        .build()
        .map_err(|e| RecipeError::Pattern(e.to_string()))
}

/// Applies `recipe` (named `name` in the reading) to one file; the schema
/// is the recipe's fields.
pub fn apply(
    recipe: &Recipe,
    name: &str,
    path: &str,
    bytes: &[u8],
    options: &Options,
) -> Result<Extraction, RecipeError> {
    let extraction = inferred(path, apply_parsed(recipe, name, path, bytes, options)?);
    if extraction.records.is_empty() {
        return Err(RecipeError::NoRecords);
    }
    Ok(extraction)
}

/// What `recipe` reads in the file, before a schema places it.
pub(crate) fn apply_parsed(
    recipe: &Recipe,
    name: &str,
    path: &str,
    bytes: &[u8],
    options: &Options,
) -> Result<Parsed, RecipeError> {
    recipe.validate()?;
    let extract_error = |e: crate::ExtractError| RecipeError::Extract(e.to_string());
    let (text, mut warnings) = decode(bytes, options).map_err(extract_error)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let (format, lied) = detect(path, text);
    warnings.extend(lied);
    let mut builder = Builder::new(bytes.len());
    {
        let mut out = Emit::new(&mut builder, &mut warnings);
        for field in recipe.fields.iter().filter(|f| f.role == Role::Metric) {
            out.declare_metric(&field.name, field.unit.as_deref(), field.direction);
        }
        match &recipe.select {
            Select::Json { each } => json(
                each,
                &recipe.fields,
                &Input::new(path, text, format),
                &mut out,
            )?,
            Select::Table => table(&recipe.fields, text, format, bytes.len(), &mut out)?,
            Select::Lines { pattern, context } => {
                lines(pattern, context, &recipe.fields, text, &mut out)?
            }
        }
        out.end_record();
    }
    if builder.rows() == 0 {
        return Err(RecipeError::NoRecords);
    }
    for field in &recipe.fields {
        let found = builder
            .lookup(field.name.trim())
            .is_some_and(|id| builder.columns[id].present.count() > 0);
        if !found {
            return Err(RecipeError::FieldNeverFound(field.name.clone()));
        }
    }
    let reading = Reading {
        method: ReadMethod::Recipe,
        name: Some(name.to_owned()),
        confidence: 0.9,
        reasons: vec![format!("recipe {name}: {}", describe(&recipe.select))],
    };
    Ok(Parsed {
        format,
        builder,
        warnings,
        reading,
    })
}

fn describe(select: &Select) -> String {
    match select {
        Select::Json { each } => format!("each JSON value at `{each}`"),
        Select::Table => "each table row".to_owned(),
        Select::Lines { pattern, .. } => format!("each line matching `{pattern}`"),
    }
}

// --- JSON ------------------------------------------------------------------

fn json(
    each: &str,
    fields: &[RecipeField],
    input: &Input<'_>,
    out: &mut Emit<'_>,
) -> Result<(), RecipeError> {
    let segments: Vec<String> = each
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    let documents: Vec<Value> = match input.format {
        Format::Json => vec![input.json().cloned().ok_or(RecipeError::NotJson)?],
        Format::Jsonl => input.json_lines().flatten().collect(),
        // The element tree the generic XML rules read (root name dropped).
        Format::Xml => {
            vec![crate::parse::xml::to_value(input.text, true).map_err(|_| RecipeError::NotJson)?]
        }
        format => {
            return Err(RecipeError::WrongFormat {
                select: "json",
                format,
            });
        }
    };
    for root in &documents {
        let mut found = Vec::new();
        select(root, &segments, None, &mut found);
        for (record, key) in found {
            for field in fields {
                let value = match field.from.as_str() {
                    "@key" => key.map(|k| Value::String(k.to_owned())),
                    from if from.starts_with('/') => root.pointer(from).cloned(),
                    from => record.pointer(&format!("/{from}")).cloned(),
                };
                if let Some(value) = value {
                    put_json(field, &value, out)
                        .map_err(|e| RecipeError::Extract(e.to_string()))?;
                }
            }
            out.end_record();
        }
    }
    Ok(())
}

/// The values at `segments` under `value`, with the member name the last
/// `*` matched.
fn select<'v>(
    value: &'v Value,
    segments: &[String],
    key: Option<&'v str>,
    found: &mut Vec<(&'v Value, Option<&'v str>)>,
) {
    let Some((first, rest)) = segments.split_first() else {
        found.push((value, key));
        return;
    };
    match (first.as_str(), value) {
        ("*", Value::Array(items)) => items.iter().for_each(|v| select(v, rest, key, found)),
        ("*", Value::Object(members)) => members
            .iter()
            .for_each(|(k, v)| select(v, rest, Some(k), found)),
        (name, Value::Object(members)) => {
            if let Some(v) = members.get(name) {
                select(v, rest, key, found);
            }
        }
        (index, Value::Array(items)) => {
            if let Some(v) = index.parse::<usize>().ok().and_then(|i| items.get(i)) {
                select(v, rest, key, found);
            }
        }
        _ => {}
    }
}

fn put_json(
    field: &RecipeField,
    value: &Value,
    out: &mut Emit<'_>,
) -> Result<(), crate::ExtractError> {
    match (field.role, value) {
        (Role::Metric, Value::Number(n)) => {
            out.metric(&field.name, n.as_f64().unwrap_or(f64::NAN), None)
        }
        (Role::Metric, Value::String(s)) => metric_text(field, s, out),
        (Role::Dimension, Value::Number(n)) => match n.as_i64() {
            Some(i) => out.dim(&field.name, i),
            None => out.dim(&field.name, n.as_f64().unwrap_or(f64::NAN)),
        },
        (Role::Dimension, Value::String(s)) => out.dim(&field.name, s.as_str()),
        (Role::Dimension, Value::Bool(b)) => out.dim(&field.name, *b),
        _ => Ok(()),
    }
}

fn metric_text(
    field: &RecipeField,
    raw: &str,
    out: &mut Emit<'_>,
) -> Result<(), crate::ExtractError> {
    match parse_number(raw) {
        Some(n) => out.metric(&field.name, n.value, n.unit),
        None => Ok(()),
    }
}

// --- tables ------------------------------------------------------------------

fn table(
    fields: &[RecipeField],
    text: &str,
    format: Format,
    size: usize,
    out: &mut Emit<'_>,
) -> Result<(), RecipeError> {
    if matches!(format, Format::Json | Format::Jsonl) {
        return Err(RecipeError::WrongFormat {
            select: "table",
            format,
        });
    }
    let mut ignored = Vec::new();
    let rows = parse_generic(text, format, size, &mut ignored)
        .map_err(|e| RecipeError::Extract(e.to_string()))?;
    let column = |from: &str| {
        rows.lookup(from.trim()).or_else(|| {
            let key = match_key(from);
            rows.field_names().position(|n| match_key(n) == key)
        })
    };
    let sources: Vec<(&RecipeField, Option<usize>)> =
        fields.iter().map(|f| (f, column(&f.from))).collect();
    for row in 0..rows.rows() {
        for (field, source) in &sources {
            let Some(id) = *source else { continue };
            let source = &rows.columns[id];
            if !source.present.get(row) {
                continue;
            }
            let text;
            let value = match source.data.get(row) {
                Some(Dim::Str(s)) => {
                    text = rows.strings.strings.get(s as usize).cloned();
                    match &text {
                        Some(t) => Cell::Text(t),
                        None => continue,
                    }
                }
                Some(Dim::Int(i)) => Cell::Number(i as f64, Some(i)),
                Some(Dim::Float(x)) => Cell::Number(x, None),
                Some(Dim::Bool(b)) => Cell::Bool(b),
                None => continue,
            };
            let put = match (field.role, value) {
                (Role::Metric, Cell::Number(x, _)) => {
                    out.metric(&field.name, x, source.unit.as_deref())
                }
                (Role::Metric, Cell::Text(t)) => metric_text(field, t, out),
                (Role::Dimension, Cell::Number(_, Some(i))) => out.dim(&field.name, i),
                (Role::Dimension, Cell::Number(x, None)) => out.dim(&field.name, x),
                (Role::Dimension, Cell::Text(t)) => out.dim(&field.name, t),
                (Role::Dimension, Cell::Bool(b)) => out.dim(&field.name, b),
                (Role::Metric, Cell::Bool(_)) => Ok(()),
            };
            put.map_err(|e| RecipeError::Extract(e.to_string()))?;
        }
        out.end_record();
    }
    Ok(())
}

enum Cell<'t> {
    Number(f64, Option<i64>),
    Text(&'t str),
    Bool(bool),
}

// --- lines -------------------------------------------------------------------

fn lines(
    pattern: &str,
    context: &[String],
    fields: &[RecipeField],
    text: &str,
    out: &mut Emit<'_>,
) -> Result<(), RecipeError> {
    let record = compile(pattern)?;
    let context: Vec<Regex> = context
        .iter()
        .map(|p| compile(p))
        .collect::<Result<_, _>>()?;
    let mut known: HashMap<String, String> = HashMap::new();
    for line in text.lines() {
        if let Some((regex, caps)) = context
            .iter()
            .find_map(|c| c.captures(line).map(|caps| (c, caps)))
        {
            for name in regex.capture_names().flatten() {
                if let Some(m) = caps.name(name) {
                    known.insert(name.to_owned(), m.as_str().trim().to_owned());
                }
            }
            continue;
        }
        let Some(caps) = record.captures(line) else {
            continue;
        };
        for field in fields {
            let value = caps
                .name(&field.from)
                .map(|m| m.as_str().trim())
                .or_else(|| known.get(&field.from).map(String::as_str));
            let Some(value) = value.filter(|v| !v.is_empty()) else {
                continue;
            };
            let put = match field.role {
                Role::Metric => metric_text(field, value, out),
                Role::Dimension => out.dim_text(&field.name, value),
            };
            put.map_err(|e| RecipeError::Extract(e.to_string()))?;
        }
        out.end_record();
    }
    Ok(())
}
