//! Schema-guided extraction: the active schema decides the fields. Each
//! schema field is found in the file by name, ignoring case, spaces and
//! punctuation, and with or without a unit in the name (`Mean` finds
//! `Mean [ms]`); the record carries the schema's spelling.

use std::collections::HashSet;

use crate::builder::{Builder, FieldId};
use crate::infer::Placement;
use crate::names::match_key;
use crate::schema::{FieldType, Role, Schema};
use crate::units::name_unit;

/// Most field names listed in one warning.
const LISTED: usize = 20;

pub(crate) fn place(
    builder: &Builder,
    inferred: &[Placement],
    schema: &Schema,
    warnings: &mut Vec<String>,
) -> Vec<Placement> {
    let mut used = HashSet::new();
    let mut placements = Vec::new();
    let mut missing = Vec::new();
    for (name, role) in schema.roles() {
        match find(builder, name, &used) {
            Some(id) => {
                used.insert(id);
                let field_type = schema.field(name).map(|f| f.field_type).unwrap_or_else(|| {
                    inferred
                        .iter()
                        .find(|p| p.id == id)
                        .map_or(FieldType::Float, |p| p.field_type)
                });
                placements.push(Placement {
                    id,
                    name: name.to_owned(),
                    role,
                    field_type,
                });
            }
            None => missing.push(name),
        }
    }
    if !missing.is_empty() {
        warnings.push(format!(
            "schema fields missing from the file: {}",
            list(missing.iter().copied())
        ));
    }
    let extra: Vec<&str> = builder
        .field_names()
        .enumerate()
        .filter(|(id, _)| !used.contains(id))
        .map(|(_, n)| n)
        .collect();
    if !extra.is_empty() {
        warnings.push(format!(
            "file fields not in the schema (ignored): {}",
            list(extra.into_iter())
        ));
    }
    if !placements.iter().any(|p| p.role == Role::Metric) {
        warnings.push("none of the schema's metric fields is in the file: no records".to_owned());
    }
    placements
}

/// The builder column for schema field `name`: same name, then same match
/// key, then same match key once units are set aside.
fn find(builder: &Builder, name: &str, used: &HashSet<FieldId>) -> Option<FieldId> {
    if let Some(id) = builder.lookup(name).filter(|id| !used.contains(id)) {
        return Some(id);
    }
    let key = match_key(name);
    let base_key = match_key(name_unit(name).0);
    let candidates = || {
        builder
            .field_names()
            .enumerate()
            .filter(|(id, _)| !used.contains(id))
    };
    candidates()
        .find(|(_, n)| match_key(n) == key)
        .or_else(|| candidates().find(|(_, n)| match_key(name_unit(n).0) == base_key))
        .map(|(id, _)| id)
}

fn list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.collect();
    let shown: Vec<String> = names
        .iter()
        .take(LISTED)
        .map(|n| format!("`{n}`"))
        .collect();
    let more = names.len().saturating_sub(LISTED);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}
