//! Schema-guided extraction: the active schema decides the fields. Each
//! schema field is found in the file by name, ignoring case, spaces and
//! punctuation, and with or without a unit in the name (`Mean` finds
//! `Mean [ms]`); the record carries the schema's spelling. A metric whose
//! schema unit differs from the file's is converted when the units convert
//! (`s` → `ms`) and left unmatched, with a warning, when they do not.

use std::collections::HashSet;

use crate::builder::{Builder, FieldId};
use crate::infer::Placement;
use crate::names::match_key;
use crate::schema::{FieldType, Role, Schema};
use crate::units::{conversion, name_unit};

/// Most field names listed in one warning.
const LISTED: usize = 20;

/// The file's fields with their match keys, computed once.
struct FileFields {
    names: Vec<(String, String, String)>,
}

impl FileFields {
    fn new(builder: &Builder) -> Self {
        let names = builder
            .field_names()
            .map(|n| (n.to_owned(), match_key(n), match_key(name_unit(n).0)))
            .collect();
        FileFields { names }
    }

    /// The column for schema field `name`: same name, then same match key,
    /// then same match key once units are set aside.
    fn find(&self, name: &str, used: &HashSet<FieldId>) -> Option<FieldId> {
        let free = || {
            self.names
                .iter()
                .enumerate()
                .filter(|(id, _)| !used.contains(id))
        };
        let (key, base_key) = (match_key(name), match_key(name_unit(name).0));
        free()
            .find(|(_, (n, _, _))| n == name)
            .or_else(|| free().find(|(_, (_, k, _))| *k == key))
            .or_else(|| free().find(|(_, (_, _, b))| *b == base_key))
            .map(|(id, _)| id)
    }
}

pub(crate) fn place(
    builder: &Builder,
    inferred: &[Placement],
    schema: &Schema,
    warnings: &mut Vec<String>,
) -> Vec<Placement> {
    let fields = FileFields::new(builder);
    let mut used = HashSet::new();
    let mut placements = Vec::new();
    let mut missing = Vec::new();
    for (name, role) in schema.roles() {
        let Some(id) = fields.find(name, &used) else {
            missing.push(name);
            continue;
        };
        let scale = match (role, schema.field(name).and_then(|f| f.unit.as_deref())) {
            (Role::Metric, Some(wanted)) => match builder.columns[id].unit.as_deref() {
                None => 1.0,
                Some(have) => match conversion(have, wanted) {
                    Some(factor) => factor,
                    None => {
                        warnings.push(format!(
                            "schema field `{name}` is in {wanted} but the file's `{}` is in {have}: not used",
                            builder.columns[id].name
                        ));
                        missing.push(name);
                        continue;
                    }
                },
            },
            _ => 1.0,
        };
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
            scale,
        });
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
