//! JSON and JSON Lines. A document yields one record per benchmark case:
//!
//! - the best *collection* in the document gives the records: an array of
//!   objects (`{"benchmarks": [{…}, {…}]}`) or a map of objects keyed by case
//!   name (`{"results": {"taskA": {…}}}`, the key becoming a dimension);
//!   shallower wins, then a conventional name (`results`, `benchmarks`…),
//!   then the larger share of numbers;
//! - a sibling map with scalar values keyed by the same cases
//!   (`"versions": {"taskA": 1.1}`) is joined into each record;
//! - every other scalar of the document (model, date, commit) is copied into
//!   each record as a dimension;
//! - with no collection, the document is one record.
//!
//! Nested objects flatten to dotted names (`stats.mean`); arrays inside a
//! record (raw samples, exit codes) are not records and are skipped.
//! Large documents are walked as borrowed raw slices, so only one record's
//! values are decoded at a time.

mod flatten;
pub(crate) mod lenient;
mod node;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use serde_json::value::RawValue;

use crate::builder::Builder;
use crate::column::Origin;
use crate::error::ExtractError;
use flatten::{Scalar, flatten_record, flatten_scalars};
use node::{Node, is_object, parse_node};

/// Keys that conventionally hold a document's records.
const COLLECTION_NAMES: &[&str] = &[
    "benchmarks",
    "results",
    "data",
    "runs",
    "cases",
    "tests",
    "records",
    "items",
    "entries",
    "rows",
    "measurements",
    "experiments",
    "tasks",
];
/// How deep a collection may sit.
const MAX_DEPTH: usize = 3;
/// Most file-level values copied into each record.
const MAX_SHARED: usize = 200;

pub(crate) fn parse_document(
    text: &str,
    builder: &mut Builder,
    warnings: &mut Vec<String>,
) -> Result<(), ExtractError> {
    match serde_json::from_str::<&RawValue>(text) {
        Ok(root) => document(root, builder, warnings, &[]),
        Err(strict) => {
            // NaN/Infinity, a JavaScript assignment, log lines first
            let Some((fixed, notes)) = lenient::recover(text) else {
                return Err(ExtractError::Json(strict));
            };
            warnings.extend(notes);
            let root: &RawValue = serde_json::from_str(&fixed)?;
            document(root, builder, warnings, &[])
        }
    }
}

/// JSON Lines: each line a document; a bad line is reported and skipped.
/// A first line of another shape than the lines after it (a run's header:
/// model, date, config) is not a record: its values go into every record.
pub(crate) fn parse_lines(
    text: &str,
    builder: &mut Builder,
    warnings: &mut Vec<String>,
) -> Result<(), ExtractError> {
    let (mut good, mut bad) = (0usize, 0usize);
    let mut first_error = None;
    let (skip, inherited) = match header_line(text) {
        Some((number, values)) => (Some(number), values),
        None => (None, Vec::new()),
    };
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if Some(number) == skip {
            good += 1;
            continue;
        }
        match parse_line(line, builder, warnings, &inherited) {
            Ok(()) => good += 1,
            // A line too deep or malformed is skipped like any bad line.
            Err(ExtractError::Json(e)) => {
                bad += 1;
                if bad <= 5 {
                    warnings.push(format!(
                        "line {}: invalid JSON ({e}); line skipped",
                        number + 1
                    ));
                }
                first_error.get_or_insert(e);
            }
            Err(other) => return Err(other),
        }
    }
    if bad > 5 {
        warnings.push(format!("{bad} lines in all were invalid JSON and skipped"));
    }
    match first_error {
        Some(e) if good == 0 => Err(ExtractError::Json(e)),
        _ => Ok(()),
    }
}

/// One JSON Lines line; one with NaN/Infinity is read with them missing
/// (strict parsing first, so a valid line is parsed once).
fn parse_line(
    line: &str,
    builder: &mut Builder,
    warnings: &mut Vec<String>,
    inherited: &[(String, Scalar)],
) -> Result<(), ExtractError> {
    match serde_json::from_str::<&RawValue>(line) {
        Ok(root) => document(root, builder, warnings, inherited),
        Err(strict) => {
            let Some((fixed, notes)) = lenient::recover(line) else {
                return Err(ExtractError::Json(strict));
            };
            for note in notes {
                if !warnings.contains(&note) {
                    warnings.push(note);
                }
            }
            let root: &RawValue = serde_json::from_str(&fixed)?;
            document(root, builder, warnings, inherited)
        }
    }
}

/// The first line of a JSON Lines file when it is a header: an object of
/// scalars (nested objects allowed, no collection) whose keys are not
/// those of the two next lines, which share one shape. Returns its line number
/// and its values.
fn header_line(text: &str) -> Option<(usize, Vec<(String, Scalar)>)> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .take(3);
    let (number, first) = lines.next()?;
    let rest: Vec<&str> = lines.map(|(_, l)| l.trim()).collect();
    let keys = |line: &str| -> Option<HashSet<String>> {
        let root: &RawValue = serde_json::from_str(line).ok()?;
        match parse_node(root).ok()? {
            Node::Object(entries) => Some(entries.iter().map(|(k, _)| k.to_string()).collect()),
            _ => None,
        }
    };
    let alike = |a: &HashSet<String>, b: &HashSet<String>| {
        let shared = a.intersection(b).count();
        shared * 2 >= a.len() + b.len() - shared
    };
    let [second, third] = rest.as_slice() else {
        return None;
    };
    let (head, next, after) = (keys(first.trim())?, keys(second)?, keys(third)?);
    if alike(&head, &next) || !alike(&after, &next) {
        return None;
    }
    let root: &RawValue = serde_json::from_str(first.trim()).ok()?;
    let Node::Object(entries) = parse_node(root).ok()? else {
        return None;
    };
    let mut found = Vec::new();
    search(&entries, &mut Vec::new(), 1, &mut found).ok()?;
    if !found.is_empty() {
        return None;
    }
    let mut values = Vec::new();
    flatten_scalars(root, "", &mut values, MAX_SHARED).ok()?;
    (!values.is_empty()).then_some((number, values))
}

/// An object's entries, values still raw.
type Entries<'a> = Vec<(Cow<'a, str>, &'a RawValue)>;

/// Where the records of a document are.
struct Collection<'a> {
    /// Keys from the root to the collection.
    path: Vec<Cow<'a, str>>,
    items: Items<'a>,
    depth: usize,
    named: bool,
    numeric_share: f64,
    /// Sibling maps keyed by the same cases.
    joins: Vec<(Cow<'a, str>, Entries<'a>)>,
}

enum Items<'a> {
    Array(Vec<&'a RawValue>),
    Map(Vec<(Cow<'a, str>, &'a RawValue)>),
}

impl Items<'_> {
    fn len(&self) -> usize {
        match self {
            Items::Array(v) => v.len(),
            Items::Map(v) => v.len(),
        }
    }
}

/// One document's records; `inherited` values (a JSON Lines header) go
/// into each record that lacks them.
fn document(
    root: &RawValue,
    builder: &mut Builder,
    warnings: &mut Vec<String>,
    inherited: &[(String, Scalar)],
) -> Result<(), ExtractError> {
    let context = shared_ids(builder, inherited.to_vec());
    match parse_node(root)? {
        Node::Array(items) => {
            let objects: Vec<&RawValue> = items.into_iter().filter(|i| is_object(i)).collect();
            if objects.is_empty() {
                warnings.push("the JSON array holds no objects: no records".to_owned());
            }
            for item in objects {
                flatten_record(item, builder, &context)?;
            }
            Ok(())
        }
        Node::Object(entries) => {
            let mut found = Vec::new();
            if let Some(cases) = root_cases(&entries)? {
                found.push(cases);
            }
            search(&entries, &mut Vec::new(), 1, &mut found)?;
            let best = found.into_iter().min_by(|a, b| {
                (a.depth, !a.named)
                    .cmp(&(b.depth, !b.named))
                    .then(b.numeric_share.total_cmp(&a.numeric_share))
                    .then(b.items.len().cmp(&a.items.len()))
            });
            match best {
                None => flatten_record(root, builder, &context),
                Some(collection) => {
                    collection_records(&entries, collection, builder, warnings, context)
                }
            }
        }
        Node::Scalar => {
            warnings.push("the JSON document is a single value: no records".to_owned());
            Ok(())
        }
    }
}

/// The document itself as a map of cases (`{"tests::a/b.c": {…}, "x.y":
/// {…}}`): two or more objects of one shape, whatever their keys say,
/// beside at most as many scalars (file-level values). The shape is the
/// set of keys with the kind of their values, so `{"results": {task: {…}},
/// "versions": {task: 1}}` is not a map of cases.
fn root_cases<'a>(entries: &Entries<'a>) -> Result<Option<Collection<'a>>, ExtractError> {
    let objects: Vec<&(Cow<'a, str>, &'a RawValue)> =
        entries.iter().filter(|(_, v)| is_object(v)).collect();
    if objects.len() < 2 || objects.len() * 2 < entries.len() {
        return Ok(None);
    }
    let mut shapes: Vec<HashSet<(&str, u8)>> = Vec::with_capacity(objects.len());
    for (_, raw) in &objects {
        let Node::Object(children) = parse_node(raw)? else {
            return Ok(None);
        };
        let shape: HashSet<(&str, u8)> = children
            .iter()
            .map(|(k, v)| {
                let kind = match v.get().trim_start().as_bytes().first() {
                    Some(b'{') => 1,
                    Some(b'[') => 2,
                    _ => 0,
                };
                // Borrowed keys only: an escaped key makes the shape unknown.
                let key: &str = match k {
                    Cow::Borrowed(k) => k,
                    Cow::Owned(_) => "",
                };
                (key, kind)
            })
            .collect();
        shapes.push(shape);
    }
    let first = &shapes[0];
    let alike = shapes.iter().all(|shape| {
        let shared = shape.intersection(first).count();
        let union = shape.len() + first.len() - shared;
        union > 0 && shared * 2 >= union
    });
    if !alike {
        return Ok(None);
    }
    let items = Items::Map(objects.into_iter().cloned().collect());
    let numeric_share = numeric_share(&items);
    if numeric_share == 0.0 {
        return Ok(None);
    }
    Ok(Some(Collection {
        path: Vec::new(),
        items,
        depth: 0,
        named: false,
        numeric_share,
        joins: Vec::new(),
    }))
}

/// Finds collections among `entries` and below, down to `MAX_DEPTH`.
fn search<'a>(
    entries: &[(Cow<'a, str>, &'a RawValue)],
    path: &mut Vec<Cow<'a, str>>,
    depth: usize,
    found: &mut Vec<Collection<'a>>,
) -> Result<(), ExtractError> {
    for (key, value) in entries {
        let node = match parse_node(value)? {
            Node::Scalar => continue,
            node => node,
        };
        path.push(key.clone());
        let items = match node {
            Node::Array(items) if !items.is_empty() && items.iter().all(|i| is_object(i)) => {
                Some(Items::Array(items))
            }
            Node::Object(children) => {
                if depth < MAX_DEPTH {
                    search(&children, path, depth + 1, found)?;
                }
                (!children.is_empty() && children.iter().all(|(_, v)| is_object(v)))
                    .then_some(Items::Map(children))
            }
            _ => None,
        };
        if let Some(items) = items {
            let numeric_share = numeric_share(&items);
            if numeric_share > 0.0 {
                let joins = match &items {
                    Items::Map(cases) => joins(entries, key, cases)?,
                    Items::Array(_) => Vec::new(),
                };
                found.push(Collection {
                    path: path.clone(),
                    named: COLLECTION_NAMES.contains(&key.to_ascii_lowercase().as_str()),
                    items,
                    depth,
                    numeric_share,
                    joins,
                });
            }
        }
        path.pop();
    }
    Ok(())
}

/// Share of numbers among the scalar leaves of the first few items.
fn numeric_share(items: &Items<'_>) -> f64 {
    let sample: Vec<&RawValue> = match items {
        Items::Array(v) => v.iter().take(3).copied().collect(),
        Items::Map(v) => v.iter().take(3).map(|(_, r)| *r).collect(),
    };
    let (mut numbers, mut all) = (0usize, 0usize);
    for raw in sample {
        let mut scalars = Vec::new();
        if flatten_scalars(raw, "", &mut scalars, 10_000).is_ok() {
            all += scalars.len();
            numbers += scalars
                .iter()
                .filter(|(_, s)| matches!(s, Scalar::Int(_) | Scalar::Float(_)))
                .count();
        }
    }
    if all == 0 {
        0.0
    } else {
        numbers as f64 / all as f64
    }
}

/// Sibling maps of scalars whose keys are mostly the collection's cases.
fn joins<'a>(
    siblings: &[(Cow<'a, str>, &'a RawValue)],
    own_key: &str,
    cases: &[(Cow<'a, str>, &'a RawValue)],
) -> Result<Vec<(Cow<'a, str>, Entries<'a>)>, ExtractError> {
    let mut out = Vec::new();
    let case_keys: HashSet<&str> = cases.iter().map(|(c, _)| c.as_ref()).collect();
    for (key, value) in siblings {
        if key == own_key || !is_object(value) {
            continue;
        }
        let Node::Object(map) = parse_node(value)? else {
            continue;
        };
        let scalars = !map.is_empty()
            && map
                .iter()
                .all(|(_, v)| !is_object(v) && !v.get().trim_start().starts_with('['));
        let shared = map
            .iter()
            .filter(|(k, _)| case_keys.contains(k.as_ref()))
            .count();
        if scalars && shared * 2 >= map.len().max(1) && shared * 2 >= cases.len().min(map.len()) {
            out.push((key.clone(), map));
        }
    }
    Ok(out)
}

fn collection_records(
    root: &[(Cow<'_, str>, &RawValue)],
    collection: Collection<'_>,
    builder: &mut Builder,
    warnings: &mut Vec<String>,
    inherited: Vec<(usize, Scalar)>,
) -> Result<(), ExtractError> {
    let mut shared = Vec::new();
    // A map of cases at the root: its cases are not file-level values.
    let cases: HashSet<&str> = match (&collection.items, collection.path.is_empty()) {
        (Items::Map(cases), true) => cases.iter().map(|(k, _)| k.as_ref()).collect(),
        _ => HashSet::new(),
    };
    shared_values(root, &collection, &cases, 0, "", &mut shared)?;
    if shared.len() > MAX_SHARED {
        warnings.push(format!(
            "{} file-level values; the first {MAX_SHARED} are copied into each record",
            shared.len()
        ));
        shared.truncate(MAX_SHARED);
    }
    let mut context = shared_ids(builder, shared);
    context.extend(inherited);
    match collection.items {
        Items::Array(items) => {
            for item in items {
                flatten_record(item, builder, &context)?;
            }
        }
        Items::Map(cases) => {
            let last = collection.path.last().map_or("", |k| k.as_ref());
            let key_name = key_dimension_name(last);
            let key_id = builder.field(&key_name, Origin::Key);
            let join_ids: Vec<Option<usize>> = collection
                .joins
                .iter()
                .map(|(name, _)| builder.field(name, Origin::Joined))
                .collect();
            let join_maps: Vec<HashMap<&str, &RawValue>> = collection
                .joins
                .iter()
                .map(|(_, map)| map.iter().map(|(k, v)| (k.as_ref(), *v)).collect())
                .collect();
            for (case, raw) in cases {
                let mut extra = context.clone();
                if let Some(id) = key_id {
                    extra.push((id, Scalar::Str(case.to_string())));
                }
                for (map, id) in join_maps.iter().zip(&join_ids) {
                    if let (Some(id), Some(v)) = (id, map.get(case.as_ref())) {
                        extra.push((*id, Scalar::from_raw(v)));
                    }
                }
                flatten_record(raw, builder, &extra)?;
            }
        }
    }
    Ok(())
}

/// File-level values with their fields.
fn shared_ids(builder: &mut Builder, values: Vec<(String, Scalar)>) -> Vec<(usize, Scalar)> {
    values
        .into_iter()
        .filter_map(|(name, value)| Some((builder.field(&name, Origin::Shared)?, value)))
        .collect()
}

/// The key of a case map is named after the map, singular: `results` →
/// `result`, `tasks` → `task`, `models` → `model`; the document itself as a
/// map names its keys `case`.
fn key_dimension_name(collection: &str) -> String {
    if collection.is_empty() {
        return "case".to_owned();
    }
    let singular = collection
        .strip_suffix("es")
        .filter(|s| s.ends_with("ss") || s.ends_with('x'));
    let singular = singular
        .or_else(|| collection.strip_suffix('s'))
        .unwrap_or(collection);
    if singular.is_empty() || singular == collection {
        format!("{collection}_key")
    } else {
        singular.to_owned()
    }
}

/// File-level scalars outside the collection, with dotted names.
fn shared_values(
    entries: &[(Cow<'_, str>, &RawValue)],
    collection: &Collection<'_>,
    root_cases: &HashSet<&str>,
    depth: usize,
    prefix: &str,
    out: &mut Vec<(String, Scalar)>,
) -> Result<(), ExtractError> {
    for (key, value) in entries {
        if depth == 0 && root_cases.contains(key.as_ref()) {
            continue;
        }
        let name = if prefix.is_empty() {
            key.to_string()
        } else {
            format!("{prefix}.{key}")
        };
        let on_path = collection.path.get(depth).is_some_and(|p| p == key);
        if on_path {
            if depth + 1 < collection.path.len()
                && let Node::Object(children) = parse_node(value)?
            {
                shared_values(&children, collection, root_cases, depth + 1, &name, out)?;
            }
            continue;
        }
        if depth + 1 == collection.path.len() && collection.joins.iter().any(|(j, _)| j == key) {
            continue;
        }
        match parse_node(value)? {
            Node::Array(_) => {}
            Node::Scalar => out.push((name, Scalar::from_raw(value))),
            Node::Object(children) => {
                // Maps of objects are collections of something else: not file-level values.
                if !(children.len() > 1 && children.iter().all(|(_, v)| is_object(v))) {
                    flatten_scalars(value, &name, out, MAX_SHARED + 1)?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::key_dimension_name;

    #[test]
    fn case_keys_are_named_after_their_map() {
        assert_eq!(key_dimension_name("results"), "result");
        assert_eq!(key_dimension_name("tasks"), "task");
        assert_eq!(key_dimension_name("boxes"), "box");
        assert_eq!(key_dimension_name("data"), "data_key");
    }
}
