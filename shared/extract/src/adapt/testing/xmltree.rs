//! Reading the XML tree (`parse::xml::to_named_value`, text kept as written)
//! the way the XML adapters need: children that may be one or many, and
//! attributes as text or numbers.

use serde_json::Value;

/// The children under `key`: none, the one, or each of the repeated ones.
pub(super) fn children<'v>(node: &'v Value, key: &str) -> impl Iterator<Item = &'v Value> {
    let found = node.get(key);
    let many = found.and_then(Value::as_array);
    let one = found.filter(|v| !v.is_array());
    many.into_iter().flatten().chain(one)
}

/// An attribute (or text-only child) as text, trimmed; empty is none.
pub(super) fn text<'v>(node: &'v Value, key: &str) -> Option<&'v str> {
    node.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// An attribute as a finite number (`1.5e+06`, `0.039`); `nan` is none.
pub(super) fn number(node: &Value, key: &str) -> Option<f64> {
    text(node, key)
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|v| v.is_finite())
}
