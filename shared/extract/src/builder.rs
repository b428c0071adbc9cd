//! Collects the records a parser finds, column by column. Parsers call
//! `field` once per name, `set_*` per value and `end_row` per record; schema
//! inference then reads the columns' names, origins and statistics.

use std::collections::HashMap;
use std::sync::Arc;

use indexmap::IndexMap;

use crate::cell::{Cell, parse_cell};
use crate::column::{Column, Dim, Origin};
use crate::error::ExtractError;

/// A field's position in the builder.
pub(crate) type FieldId = usize;

#[derive(Debug)]
pub(crate) struct Builder {
    fields: IndexMap<Arc<str>, FieldId>,
    pub(crate) columns: Vec<Column>,
    pub(crate) strings: Interner,
    /// Records finished so far; values go into row `rows`.
    rows: usize,
    /// Cells allocated across columns (values and padding).
    cells: usize,
    max_cells: usize,
    max_fields: usize,
    /// Fields refused because `max_fields` was reached.
    pub(crate) dropped_fields: usize,
}

/// Most fields a file may have: a 10,000-column CSV is fine, a JSON file
/// whose every record invents new keys is stopped.
pub(crate) const MAX_FIELDS: usize = 20_000;

impl Builder {
    /// `input_len` sizes the budget of padding cells (rows a field skipped):
    /// n + 1 M of them only stops pathological sparse inputs, whose padding
    /// would otherwise grow quadratically.
    pub(crate) fn new(input_len: usize) -> Self {
        Builder {
            fields: IndexMap::new(),
            columns: Vec::new(),
            strings: Interner::default(),
            rows: 0,
            cells: 0,
            max_cells: input_len.saturating_add(1 << 20),
            max_fields: MAX_FIELDS,
            dropped_fields: 0,
        }
    }

    /// The id of field `name`, created with `origin` on first use; `None`
    /// once the file has more than `MAX_FIELDS` distinct fields.
    pub(crate) fn field(&mut self, name: &str, origin: Origin) -> Option<FieldId> {
        let cleaned;
        let name = if name.contains('\0') {
            cleaned = name.replace('\0', "\u{FFFD}");
            cleaned.trim()
        } else {
            name.trim()
        };
        if let Some(&id) = self.fields.get(name) {
            return Some(id);
        }
        if self.columns.len() >= self.max_fields {
            self.dropped_fields += 1;
            return None;
        }
        let name: Arc<str> = Arc::from(name);
        let id = self.columns.len();
        self.fields.insert(name.clone(), id);
        self.columns.push(Column::new(name, origin));
        Some(id)
    }

    pub(crate) fn lookup(&self, name: &str) -> Option<FieldId> {
        self.fields.get(name).copied()
    }

    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    pub(crate) fn end_row(&mut self) {
        self.rows += 1;
    }

    /// Whether field `id` already has a value in the row being written.
    pub(crate) fn is_set(&self, id: FieldId) -> bool {
        self.columns[id].present.get(self.rows)
    }

    /// Forgets the values written into the row being written (a record that
    /// failed half-way).
    pub(crate) fn discard_row(&mut self) {
        let row = self.rows;
        for column in &mut self.columns {
            if column.present.get(row) {
                column.present.set(row, false);
            }
        }
    }

    fn put(&mut self, id: FieldId, value: Dim) -> Result<(), ExtractError> {
        let row = self.rows;
        let column = &mut self.columns[id];
        // Only padding can grow quadratically; real values are bounded by the input.
        let padding = row.saturating_sub(column.data.len());
        self.cells += padding;
        if self.cells > self.max_cells {
            return Err(ExtractError::TooSparse {
                fields: self.columns.len(),
                records: row + 1,
            });
        }
        column.put(row, value);
        Ok(())
    }

    pub(crate) fn set_int(&mut self, id: FieldId, value: i64) -> Result<(), ExtractError> {
        self.columns[id].stats.ints += 1;
        self.put(id, Dim::Int(value))
    }

    pub(crate) fn set_float(&mut self, id: FieldId, value: f64) -> Result<(), ExtractError> {
        if !value.is_finite() {
            self.columns[id].stats.placeholders += 1;
            return Ok(());
        }
        self.columns[id].stats.floats += 1;
        self.put(id, Dim::Float(value))
    }

    /// A measured value in `unit`, converted to the column's unit.
    pub(crate) fn set_measured(
        &mut self,
        id: FieldId,
        value: f64,
        unit: Option<&str>,
    ) -> Result<(), ExtractError> {
        let factor = self.adopt_unit(id, unit);
        self.set_float(id, value * factor)
    }

    pub(crate) fn set_bool(&mut self, id: FieldId, value: bool) -> Result<(), ExtractError> {
        self.columns[id].stats.bools += 1;
        self.put(id, Dim::Bool(value))
    }

    pub(crate) fn set_str(&mut self, id: FieldId, value: &str) -> Result<(), ExtractError> {
        // PostgreSQL's jsonb refuses U+0000 (a JSON file may escape one in).
        let cleaned;
        let value = if value.contains('\0') {
            cleaned = value.replace('\0', "\u{FFFD}");
            cleaned.as_str()
        } else {
            value
        };
        let column = &mut self.columns[id];
        column.stats.texts += 1;
        // Columns repeat values row after row (`MI300X`, `PASS`): check the
        // column's last string before hashing.
        let s = match column.last_str {
            Some(last)
                if self
                    .strings
                    .strings
                    .get(last as usize)
                    .is_some_and(|s| **s == *value) =>
            {
                last
            }
            _ => self.strings.intern(value),
        };
        self.columns[id].last_str = Some(s);
        self.put(id, Dim::Str(s))
    }

    pub(crate) fn set_null(&mut self, id: FieldId) {
        self.columns[id].stats.nulls += 1;
    }

    /// A cell of text from a table or a JSON string: parsed into a number
    /// (with its unit converted to the column's), a boolean, a placeholder or
    /// text. `x ± y` also fills the `<name>_stddev` column.
    pub(crate) fn set_cell(&mut self, id: FieldId, raw: &str) -> Result<(), ExtractError> {
        self.set_cell_in_unit(id, raw, None)
    }

    /// A cell whose unit, when the cell shows none, is `unit` (a row's
    /// `unit` column).
    pub(crate) fn set_cell_in_unit(
        &mut self,
        id: FieldId,
        raw: &str,
        unit: Option<&str>,
    ) -> Result<(), ExtractError> {
        match parse_cell(raw) {
            Cell::Missing => {
                self.columns[id].stats.placeholders += 1;
                Ok(())
            }
            Cell::Bool(b) => self.set_bool(id, b),
            // A cross among numbers is a run that did not happen, not a label.
            Cell::Text("x" | "X" | "?") if self.columns[id].stats.numeric() > 0 => {
                self.columns[id].stats.placeholders += 1;
                Ok(())
            }
            Cell::Text(text) => self.set_str(id, text),
            Cell::Number(number) if number.has_alternative => {
                // Keep "1 (0)" whole: a dimension shows it as written, a
                // metric takes the first number when the column is finished.
                let column = &mut self.columns[id];
                column.stats.alternatives += 1;
                self.adopt_unit(id, number.unit.or(unit));
                let s = self.strings.intern(raw.trim());
                self.put(id, Dim::Str(s))
            }
            Cell::Number(number) => {
                let factor = self.adopt_unit(id, number.unit.or(unit));
                let value = number.value * factor;
                if let Some(stddev) = number.stddev {
                    self.set_deviation(id, stddev * factor)?;
                }
                if number.integral && factor == 1.0 && value.abs() < 9.0e15 {
                    self.set_int(id, value as i64)
                } else {
                    self.set_float(id, value)
                }
            }
        }
    }

    /// A JSON string: numbers with units (`"12.3 ms"`) are read as numbers,
    /// but digit strings with a leading zero (`"007"`, a commit prefix) stay
    /// text.
    pub(crate) fn set_json_str(&mut self, id: FieldId, value: &str) -> Result<(), ExtractError> {
        let b = value.trim().as_bytes();
        if b.len() > 1 && b[0] == b'0' && b[1].is_ascii_digit() {
            return self.set_str(id, value);
        }
        self.set_cell(id, value)
    }

    /// Makes `unit` the column's unit if it has none; returns the factor
    /// that converts a value in `unit` into the column's unit (1 when the
    /// units do not convert, counted as a conflict).
    fn adopt_unit(&mut self, id: FieldId, unit: Option<&str>) -> f64 {
        let Some(unit) = unit else { return 1.0 };
        let column = &mut self.columns[id];
        match &column.unit {
            None => {
                column.unit = Some(unit.to_owned());
                1.0
            }
            Some(own) => crate::units::conversion(unit, own).unwrap_or_else(|| {
                column.stats.unit_conflicts += 1;
                1.0
            }),
        }
    }

    fn set_deviation(&mut self, id: FieldId, stddev: f64) -> Result<(), ExtractError> {
        let base = crate::units::name_unit(&self.columns[id].name).0.to_owned();
        let Some(dev) = self.field(&format!("{base}_stddev"), Origin::Deviation) else {
            return Ok(());
        };
        let unit = self.columns[id].unit.clone();
        let column = &mut self.columns[dev];
        column.deviation_of = Some(id);
        if column.unit.is_none() {
            column.unit = unit;
        }
        self.set_float(dev, stddev)
    }

    /// Sets a field's role when the file states it (a table's `Metric`
    /// column); inference does not second-guess it.
    pub(crate) fn set_role(&mut self, id: FieldId, role: crate::schema::Role) {
        self.columns[id].role = Some(role);
    }

    /// Sets which way a column's metric improves (an arrow in its header).
    pub(crate) fn set_direction(&mut self, id: FieldId, direction: crate::schema::Direction) {
        self.columns[id].direction = Some(direction);
    }

    /// Sets a column's unit from outside its cells (a units line of a text table).
    pub(crate) fn set_unit(&mut self, id: FieldId, unit: &str) {
        self.columns[id].unit = Some(unit.to_owned());
    }

    pub(crate) fn field_names(&self) -> impl Iterator<Item = &str> {
        self.fields.keys().map(|k| &**k)
    }
}

/// Each distinct string stored once; columns hold its index.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    ids: HashMap<Arc<str>, u32>,
    pub(crate) strings: Vec<Arc<str>>,
}

impl Interner {
    pub(crate) fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = u32::try_from(self.strings.len()).unwrap_or(u32::MAX);
        let s: Arc<str> = Arc::from(s);
        self.strings.push(s.clone());
        self.ids.insert(s, id);
        id
    }
}
