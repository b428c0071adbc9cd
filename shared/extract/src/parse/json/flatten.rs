//! One JSON object → one record: nested objects become dotted names, arrays
//! are skipped. Decoded straight into the builder, with no value tree.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::node::{Key, skip};
use crate::builder::{Builder, FieldId};
use crate::column::Origin;
use crate::error::ExtractError;

/// A scalar held outside the builder (file-level values, joined values).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

impl Scalar {
    pub(crate) fn from_raw(raw: &RawValue) -> Scalar {
        match serde_json::from_str::<serde_json::Value>(raw.get()) {
            Ok(value) => Scalar::from_value(&value),
            Err(_) => Scalar::Null,
        }
    }

    fn from_value(value: &serde_json::Value) -> Scalar {
        match value {
            serde_json::Value::Bool(b) => Scalar::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Scalar::Int(i),
                None => n.as_f64().map_or(Scalar::Null, Scalar::Float),
            },
            serde_json::Value::String(s) => Scalar::Str(s.clone()),
            _ => Scalar::Null,
        }
    }

    pub(crate) fn write(&self, builder: &mut Builder, id: FieldId) -> Result<(), ExtractError> {
        match self {
            Scalar::Null => {
                builder.set_null(id);
                Ok(())
            }
            Scalar::Bool(b) => builder.set_bool(id, *b),
            Scalar::Int(i) => builder.set_int(id, *i),
            Scalar::Float(f) => builder.set_float(id, *f),
            Scalar::Str(s) => builder.set_json_str(id, s),
        }
    }
}

/// The scalar leaves of `raw` with dotted names under `prefix`, at most
/// `limit` of them; arrays skipped.
pub(crate) fn flatten_scalars(
    raw: &RawValue,
    prefix: &str,
    out: &mut Vec<(String, Scalar)>,
    limit: usize,
) -> Result<(), serde_json::Error> {
    let value: serde_json::Value = serde_json::from_str(raw.get())?;
    walk(&value, prefix, out, limit);
    Ok(())
}

fn walk(value: &serde_json::Value, name: &str, out: &mut Vec<(String, Scalar)>, limit: usize) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                if out.len() >= limit {
                    return;
                }
                let child = if name.is_empty() {
                    k.clone()
                } else {
                    format!("{name}.{k}")
                };
                walk(v, &child, out, limit);
            }
        }
        serde_json::Value::Array(_) => {}
        scalar => out.push((name.to_owned(), Scalar::from_value(scalar))),
    }
}

/// Writes the object `raw` as one record, plus `extra` values; an object
/// with no scalar at all is not a record.
pub(crate) fn flatten_record(
    raw: &RawValue,
    builder: &mut Builder,
    extra: &[(FieldId, Scalar)],
) -> Result<(), ExtractError> {
    let mut ctx = Ctx {
        builder,
        name: String::new(),
        wrote: false,
        error: None,
    };
    let mut de = serde_json::Deserializer::from_str(raw.get());
    let outcome = de.deserialize_any(ValueSeed { ctx: &mut ctx });
    if let Some(error) = ctx.error.take() {
        return Err(error);
    }
    if let Err(error) = outcome {
        ctx.builder.discard_row();
        return Err(error.into());
    }
    if ctx.wrote {
        for (id, value) in extra {
            // File-level values never overwrite the record's own field.
            if !ctx.builder.is_set(*id) {
                value.write(ctx.builder, *id)?;
            }
        }
        ctx.builder.end_row();
    }
    Ok(())
}

struct Ctx<'b> {
    builder: &'b mut Builder,
    name: String,
    wrote: bool,
    error: Option<ExtractError>,
}

impl Ctx<'_> {
    fn set<E: serde::de::Error>(
        &mut self,
        write: impl FnOnce(&mut Builder, FieldId) -> Result<(), ExtractError>,
    ) -> Result<(), E> {
        if self.name.is_empty() {
            // A bare scalar where an object was expected: not a record.
            return Ok(());
        }
        let Some(id) = self.builder.field(&self.name, Origin::Data) else {
            return Ok(());
        };
        self.wrote = true;
        write(self.builder, id).map_err(|e| {
            self.error = Some(e);
            E::custom("stopped")
        })
    }
}

struct ValueSeed<'c, 'b> {
    ctx: &'c mut Ctx<'b>,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<(), E> {
        self.ctx.set(|b, id| b.set_bool(id, v))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<(), E> {
        self.ctx.set(|b, id| b.set_int(id, v))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<(), E> {
        match i64::try_from(v) {
            Ok(i) => self.ctx.set(|b, id| b.set_int(id, i)),
            Err(_) => self.ctx.set(|b, id| b.set_float(id, v as f64)),
        }
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<(), E> {
        self.ctx.set(|b, id| b.set_float(id, v))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<(), E> {
        self.ctx.set(|b, id| b.set_json_str(id, v))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        self.ctx.set(|b, id| {
            b.set_null(id);
            Ok(())
        })
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<(), E> {
        self.visit_unit()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        skip(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let len = self.ctx.name.len();
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            if len > 0 {
                self.ctx.name.push('.');
            }
            self.ctx.name.push_str(key.trim());
            map.next_value_seed(ValueSeed { ctx: self.ctx })?;
            self.ctx.name.truncate(len);
        }
        Ok(())
    }
}
