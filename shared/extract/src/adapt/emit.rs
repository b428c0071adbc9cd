//! How an adapter writes records: named dimensions and metrics with their
//! units and directions, one record at a time. Fields keep the roles the
//! adapter gives them; inference only fills in what it did not say.

use serde_json::Value;

use crate::builder::{Builder, FieldId};
use crate::column::Origin;
use crate::error::ExtractError;
use crate::schema::{Direction, Role};

/// A dimension's value.
#[derive(Debug, Clone, Copy)]
pub(crate) enum DimIn<'v> {
    Str(&'v str),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl<'v> From<&'v str> for DimIn<'v> {
    fn from(v: &'v str) -> Self {
        DimIn::Str(v)
    }
}
impl<'v> From<&'v String> for DimIn<'v> {
    fn from(v: &'v String) -> Self {
        DimIn::Str(v)
    }
}
impl From<i64> for DimIn<'_> {
    fn from(v: i64) -> Self {
        DimIn::Int(v)
    }
}
impl From<u64> for DimIn<'_> {
    fn from(v: u64) -> Self {
        i64::try_from(v).map_or(DimIn::Float(v as f64), DimIn::Int)
    }
}
impl From<usize> for DimIn<'_> {
    fn from(v: usize) -> Self {
        DimIn::from(v as u64)
    }
}
impl From<i32> for DimIn<'_> {
    fn from(v: i32) -> Self {
        DimIn::Int(i64::from(v))
    }
}
impl From<f64> for DimIn<'_> {
    fn from(v: f64) -> Self {
        DimIn::Float(v)
    }
}
impl From<bool> for DimIn<'_> {
    fn from(v: bool) -> Self {
        DimIn::Bool(v)
    }
}

pub(crate) struct Emit<'b> {
    builder: &'b mut Builder,
    warnings: &'b mut Vec<String>,
    /// Whether the record being written has a value yet.
    open: bool,
}

impl<'b> Emit<'b> {
    pub(crate) fn new(builder: &'b mut Builder, warnings: &'b mut Vec<String>) -> Self {
        Emit {
            builder,
            warnings,
            open: false,
        }
    }

    fn field(&mut self, name: &str, role: Role) -> Option<FieldId> {
        let id = self.builder.field(name, Origin::Data)?;
        self.builder.columns[id].role = Some(role);
        Some(id)
    }

    /// Sets dimension `name` of the record being written.
    pub(crate) fn dim<'v>(
        &mut self,
        name: &str,
        value: impl Into<DimIn<'v>>,
    ) -> Result<(), ExtractError> {
        let Some(id) = self.field(name, Role::Dimension) else {
            return Ok(());
        };
        self.open = true;
        match value.into() {
            DimIn::Str(v) => self.builder.set_str(id, v),
            DimIn::Int(v) => self.builder.set_int(id, v),
            DimIn::Float(v) if v.is_finite() => self.builder.set_float(id, v),
            DimIn::Float(_) => Ok(()),
            DimIn::Bool(v) => self.builder.set_bool(id, v),
        }
    }

    /// Declares dimension `name` without giving the record a value: a
    /// setting the file writes as `null` (`"max_concurrency": null`) is
    /// still one of the file's fields.
    pub(crate) fn dim_null(&mut self, name: &str) {
        let _ = self.field(name, Role::Dimension);
    }

    /// Sets metric `name` to `value` in `unit`; a value in another unit of
    /// the same family (µs where the field is in ns) is converted. A
    /// non-finite value is missing, never 0. The direction is guessed from
    /// the name and unit; see [`Emit::metric_dir`] to state it.
    pub(crate) fn metric(
        &mut self,
        name: &str,
        value: f64,
        unit: Option<&str>,
    ) -> Result<(), ExtractError> {
        let Some(id) = self.field(name, Role::Metric) else {
            return Ok(());
        };
        self.open = true;
        self.builder.set_measured(id, value, unit)
    }

    /// [`Emit::metric`] with the direction stated.
    pub(crate) fn metric_dir(
        &mut self,
        name: &str,
        value: f64,
        unit: Option<&str>,
        direction: Direction,
    ) -> Result<(), ExtractError> {
        self.metric(name, value, unit)?;
        if let Some(id) = self.builder.lookup(name.trim()) {
            self.builder.columns[id].direction = Some(direction);
        }
        Ok(())
    }

    /// [`Emit::metric`], with the direction stated when there is one.
    pub(crate) fn metric_with(
        &mut self,
        name: &str,
        value: f64,
        unit: Option<&str>,
        direction: Option<Direction>,
    ) -> Result<(), ExtractError> {
        match direction {
            Some(d) => self.metric_dir(name, value, unit, d),
            None => self.metric(name, value, unit),
        }
    }

    /// [`Emit::metric`] for a field whose records improve different ways
    /// (mixed modes or tools): it gets no direction, stated or guessed.
    pub(crate) fn metric_undirected(
        &mut self,
        name: &str,
        value: f64,
        unit: Option<&str>,
    ) -> Result<(), ExtractError> {
        self.metric(name, value, unit)?;
        if let Some(id) = self.builder.lookup(name.trim()) {
            self.builder.columns[id].undirected = true;
        }
        Ok(())
    }

    /// A JSON scalar as dimension `name`; `null`, arrays and objects are no
    /// value.
    pub(crate) fn dim_json(&mut self, name: &str, value: &Value) -> Result<(), ExtractError> {
        match value {
            Value::String(s) => self.dim(name, s.as_str()),
            Value::Bool(b) => self.dim(name, *b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => self.dim(name, i),
                None => self.dim(name, n.as_f64().unwrap_or(f64::NAN)),
            },
            _ => Ok(()),
        }
    }

    /// Sets metric `name` from text as tools print it (`12.3 ms`,
    /// `1,234`, `85%`, `n/a`), units included.
    pub(crate) fn metric_text(&mut self, name: &str, raw: &str) -> Result<(), ExtractError> {
        let Some(id) = self.field(name, Role::Metric) else {
            return Ok(());
        };
        self.open = true;
        self.builder.set_cell(id, raw)
    }

    /// Sets dimension `name` from text: numbers and booleans are read as
    /// such (`8` is 8), anything else kept as written.
    pub(crate) fn dim_text(&mut self, name: &str, raw: &str) -> Result<(), ExtractError> {
        let Some(id) = self.field(name, Role::Dimension) else {
            return Ok(());
        };
        self.open = true;
        self.builder.set_cell(id, raw)
    }

    /// Declares metric `name` before any value: its unit (values in other
    /// units of the family are converted to it) and direction.
    pub(crate) fn declare_metric(
        &mut self,
        name: &str,
        unit: Option<&str>,
        direction: Option<Direction>,
    ) {
        let Some(id) = self.field(name, Role::Metric) else {
            return;
        };
        if let Some(unit) = unit {
            self.builder.set_unit(id, unit);
        }
        self.builder.columns[id].direction = direction;
    }

    /// Ends the record being written; a record with no value is not one.
    pub(crate) fn end_record(&mut self) {
        if std::mem::take(&mut self.open) {
            self.builder.end_row();
        }
    }

    /// Abandons the record being written.
    pub(crate) fn discard_record(&mut self) {
        self.builder.discard_row();
        self.open = false;
    }

    /// Records finished so far.
    pub(crate) fn records(&self) -> usize {
        self.builder.rows()
    }

    pub(crate) fn warn(&mut self, message: impl Into<String>) {
        self.warnings.push(message.into());
    }
}
