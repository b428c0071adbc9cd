//! XML, read as the JSON rules read the equivalent tree: an element becomes
//! an object of its attributes and child elements, a child element that
//! repeats becomes an array, an element with only text becomes that text
//! (text beside attributes or children goes under `text`). The root's name
//! is dropped, so `<testsuites><testsuite>…` reads like
//! `{"testsuite": […]}`. Numbers written as text become JSON numbers for the
//! generic rules; adapters ask for the text as written.
//!
//! Bounded: at most [`MAX_DEPTH`] levels and [`MAX_ELEMENTS`] elements; no
//! DTD is read and no entity other than the five predefined ones and
//! character references is expanded (an unknown `&name;` stays as written),
//! so a document cannot grow beyond its own size.

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use serde_json::{Map, Number, Value};

use crate::builder::Builder;
use crate::error::ExtractError;

/// Deepest element nesting read, as for JSON.
pub(crate) const MAX_DEPTH: usize = 128;
/// Most elements read from one document.
pub(crate) const MAX_ELEMENTS: usize = 1_000_000;
/// Key of an element's text when it also has attributes or children.
pub(crate) const TEXT_KEY: &str = "text";

/// Parses `text` and reads it with the JSON document rules.
pub(crate) fn parse(
    text: &str,
    builder: &mut Builder,
    warnings: &mut Vec<String>,
) -> Result<(), ExtractError> {
    let tree = to_value(text, true)?;
    let json = serde_json::to_string(&tree)?;
    crate::parse::json::parse_document(&json, builder, warnings)
}

/// An element being read: its name, attributes and children so far, text.
struct Open {
    name: String,
    fields: Map<String, Value>,
    text: String,
}

/// The document as a JSON tree (see the module doc). With `numbers`,
/// text that is a plain number becomes a JSON number; without, every value
/// is the string the file wrote.
pub(crate) fn to_value(text: &str, numbers: bool) -> Result<Value, ExtractError> {
    to_named_value(text, numbers).map(|(_, value)| value)
}

/// [`to_value`] with the root element's name, which the tree drops.
pub(crate) fn to_named_value(text: &str, numbers: bool) -> Result<(String, Value), ExtractError> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Open> = Vec::new();
    let mut root: Option<Value> = None;
    let mut root_name = String::new();
    let mut elements = 0usize;
    let at = |reader: &Reader<&[u8]>| reader.buffer_position();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| ExtractError::Xml(format!("at byte {}: {e}", at(&reader))))?;
        match event {
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                return Err(ExtractError::Xml(format!(
                    "at byte {}: a second root element",
                    at(&reader)
                )));
            }
            Event::Start(start) => {
                elements += 1;
                if stack.len() >= MAX_DEPTH || elements > MAX_ELEMENTS {
                    return Err(ExtractError::Xml(format!(
                        "at byte {}: more than {MAX_DEPTH} levels or {MAX_ELEMENTS} elements",
                        at(&reader)
                    )));
                }
                let element = open(&start, numbers, at(&reader))?;
                if stack.is_empty() {
                    root_name.clone_from(&element.name);
                }
                stack.push(element);
            }
            Event::Empty(start) => {
                elements += 1;
                if elements > MAX_ELEMENTS {
                    return Err(ExtractError::Xml(format!(
                        "more than {MAX_ELEMENTS} elements"
                    )));
                }
                let element = open(&start, numbers, at(&reader))?;
                if stack.is_empty() {
                    root_name.clone_from(&element.name);
                }
                close(element, &mut stack, &mut root, numbers);
            }
            Event::End(_) => {
                if let Some(element) = stack.pop() {
                    close(element, &mut stack, &mut root, numbers);
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(top) = stack.last_mut() {
                    match r.resolve_char_ref() {
                        Ok(Some(c)) => top.text.push(c),
                        _ => match resolve_predefined_entity(&r) {
                            Some(s) => top.text.push_str(s),
                            None => {
                                top.text.push('&');
                                top.text.push_str(&r);
                                top.text.push(';');
                            }
                        },
                    }
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if let Some(unclosed) = stack.last() {
        return Err(ExtractError::Xml(format!(
            "the document ends inside <{}>",
            unclosed.name
        )));
    }
    root.map(|value| (root_name, value))
        .ok_or_else(|| ExtractError::Xml("no element".to_owned()))
}

fn open(start: &BytesStart<'_>, numbers: bool, at: u64) -> Result<Open, ExtractError> {
    let name = start.name().as_ref().to_owned();
    let mut fields = Map::new();
    for attribute in start.attributes() {
        let attribute =
            attribute.map_err(|e| ExtractError::Xml(format!("at byte {at}: <{name}>: {e}")))?;
        let key = attribute.key.as_ref().to_owned();
        let value = attribute
            .normalized_value(XmlVersion::Implicit1_0)
            .unwrap_or_else(|_| attribute.value.clone());
        insert(&mut fields, key, scalar(value, numbers));
    }
    Ok(Open {
        name,
        fields,
        text: String::new(),
    })
}

/// Finishes `element` into its parent (or makes it the root).
fn close(element: Open, stack: &mut [Open], root: &mut Option<Value>, numbers: bool) {
    let Open {
        name,
        mut fields,
        text,
    } = element;
    let text = text.trim();
    let value = if fields.is_empty() {
        if text.is_empty() {
            Value::Null
        } else {
            scalar(Cow::Borrowed(text), numbers)
        }
    } else {
        if !text.is_empty() {
            insert(
                &mut fields,
                TEXT_KEY.to_owned(),
                scalar(Cow::Borrowed(text), numbers),
            );
        }
        Value::Object(fields)
    };
    match stack.last_mut() {
        Some(parent) => insert(&mut parent.fields, name, value),
        None => *root = Some(value),
    }
}

/// Adds `key`; a key seen before (a repeated child) becomes an array.
fn insert(fields: &mut Map<String, Value>, key: String, value: Value) {
    match fields.get_mut(&key) {
        None => {
            fields.insert(key, value);
        }
        Some(Value::Array(items)) => items.push(value),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, value]);
        }
    }
}

fn scalar(text: Cow<'_, str>, numbers: bool) -> Value {
    if numbers && let Some(n) = plain_number(&text) {
        return Value::Number(n);
    }
    Value::String(text.into_owned())
}

/// A number as JSON would write it (`-12`, `0.5`, `1.5e+06`); `007`,
/// `1.`, `0x1F`, `NaN` stay text.
fn plain_number(text: &str) -> Option<Number> {
    let t = text.trim();
    let digits = t.strip_prefix('-').unwrap_or(t);
    let mantissa_end = digits.find(['e', 'E']).unwrap_or(digits.len());
    let (mantissa, exponent) = digits.split_at(mantissa_end);
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let int_ok = !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && !(int.len() > 1 && int.starts_with('0'));
    let frac_ok =
        !mantissa.contains('.') || (!frac.is_empty() && frac.bytes().all(|b| b.is_ascii_digit()));
    let exp_ok = exponent.is_empty() || {
        let e = &exponent[1..];
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
    };
    if !(int_ok && frac_ok && exp_ok) {
        return None;
    }
    if !mantissa.contains('.')
        && exponent.is_empty()
        && let Ok(i) = t.parse::<i64>()
    {
        return Some(Number::from(i));
    }
    t.parse::<f64>().ok().and_then(Number::from_f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn elements_attributes_repeats_and_text() {
        let v = to_value(
            r#"<?xml version="1.0"?>
            <!-- a comment -->
            <run name="r1" n="3"><case id="a" t="0.5"/><case id="b">x &amp; y</case>
            <note>007</note><v>1.5e+06</v><c><![CDATA[<raw>]]></c><r>&#65;&custom;</r></run>"#,
            true,
        )
        .expect("parses");
        assert_eq!(
            v,
            json!({"name": "r1", "n": 3,
                   "case": [{"id": "a", "t": 0.5}, {"id": "b", "text": "x & y"}],
                   "note": "007", "v": 1.5e6, "c": "<raw>", "r": "A&custom;"})
        );
        let s = to_value(r#"<a n="3"/>"#, false).expect("parses");
        assert_eq!(s, json!({"n": "3"}));
    }

    #[test]
    fn malformed_deep_and_doubled_documents_are_errors() {
        assert!(to_value("<a><b></a>", true).is_err());
        assert!(to_value("<a>", true).is_err());
        assert!(to_value("<a/><b/>", true).is_err());
        assert!(to_value("just text", true).is_err());
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert!(to_value(&deep, true).is_err());
    }

    #[test]
    fn plain_numbers_only() {
        for (text, number) in [("12", true), ("-0.5", true), ("1e3", true), ("007", false)] {
            assert_eq!(plain_number(text).is_some(), number, "{text}");
        }
        for text in ["1.", ".5", "0x1F", "NaN", "1e", "--1", ""] {
            assert!(plain_number(text).is_none(), "{text}");
        }
    }
}
