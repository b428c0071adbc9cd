//! Rows of text cells under a header → records. Shared by CSV/TSV, Markdown
//! and text tables: unique names for blank or repeated headers, extra cells
//! kept in extra columns, and the table's layout read from its header and
//! first rows:
//!
//! - *rows* (the common case): one record per row, streamed;
//! - *key/value*: a two-column table whose header says so (`Metric | Value`)
//!   is one record;
//! - *melted*: a metric-name column and a value column (`model, metric,
//!   value[, unit]`) are pivoted: one record per combination of the other
//!   columns, each metric name a field, in its row's unit;
//! - *transposed*: metric names down the first column and systems across
//!   the header (`Throughput (tok/s) | 1234 | 987`) give one record per
//!   column, the header cell becoming a dimension.
//!
//! Header cells lose `↑`/`↓`, which become the metric's direction. A `unit`
//! column that holds one unit for every row gives the value columns their
//! unit; with several units it stays a dimension and values stay as printed.

use indexmap::{IndexMap, IndexSet};

use crate::builder::{Builder, FieldId};
use crate::cell::{Cell, parse_cell};
use crate::column::Origin;
use crate::error::ExtractError;
use crate::names::{NameSays, match_key, name_says, words};
use crate::schema::{Direction, Role};

/// Rows read before the layout is decided; a rows table streams after them.
const DECIDE_ROWS: usize = 64;

/// Writes one table's rows into the builder.
#[derive(Debug)]
pub(crate) struct TableWriter {
    /// Header names: unique, arrows stripped.
    names: Vec<String>,
    directions: Vec<Option<Direction>>,
    /// Units given from outside the cells (a units line under a text header).
    units: Vec<Option<String>>,
    fields: Vec<Option<FieldId>>,
    /// Values every row of this table carries (the heading above it).
    extras: Vec<(String, String, Origin)>,
    extra_ids: Vec<(FieldId, String)>,
    mode: Mode,
    /// Rows held until the layout is known (all of them for a pivot).
    pending: Vec<Vec<String>>,
    unit_column: Option<usize>,
    /// Distinct units in the unit column (at most two are kept).
    row_units: Vec<String>,
    /// Rows that had more cells than the header, or fewer.
    pub(crate) ragged_rows: usize,
    pub(crate) rows_written: usize,
}

#[derive(Debug, Clone, PartialEq)]
enum Mode {
    Deciding,
    Rows,
    KeyValue,
    Melted(Melted),
    Transposed,
}

/// Where a melted table keeps its metric names, values and units.
#[derive(Debug, Clone, PartialEq)]
struct Melted {
    name: usize,
    /// The header says the column names metrics (`metric`, not `name`).
    says_metric: bool,
    value: usize,
    unit: Option<usize>,
    /// Other numeric columns that measure the same thing as the value
    /// (`stderr`): written as `<metric>_<column>`.
    companions: Vec<usize>,
    /// Columns that describe the metric (`Description`), not the case.
    notes: Vec<usize>,
}

const KEY_HEADERS: &[&str] = &[
    "metric",
    "key",
    "parameter",
    "param",
    "property",
    "setting",
    "statistic",
    "stat",
    "field",
];
const VALUE_HEADERS: &[&str] = &["value", "values", "val"];
/// Headers of a column that names the measurement of its row.
const METRIC_NAME_HEADERS: &[&str] = &[
    "metric",
    "metrics",
    "metricname",
    "measure",
    "measurement",
    "statistic",
    "stat",
    "counter",
];
/// Headers that may name a measurement or a case: a melted table only when
/// the names repeat across the other columns.
const WEAK_NAME_HEADERS: &[&str] = &["name", "key", "field"];
/// Headers of the column that holds a melted table's numbers.
const MELTED_VALUE_HEADERS: &[&str] = &[
    "value",
    "values",
    "val",
    "score",
    "result",
    "metricvalue",
    "measuredvalue",
];
const UNIT_HEADERS: &[&str] = &["unit", "units", "metricunit"];
/// Columns of a melted table that describe its metrics rather than cases.
const NOTE_HEADERS: &[&str] = &[
    "description",
    "desc",
    "notes",
    "note",
    "comment",
    "comments",
    "explanation",
    "meaning",
    "definition",
];
/// Words of a column that a row's unit applies to.
const VALUE_WORDS: &[&str] = &[
    "value", "score", "result", "mean", "median", "avg", "average", "min", "max", "error",
];

impl TableWriter {
    /// A writer for a table with `header`.
    pub(crate) fn new(header: &[&str]) -> Self {
        let (clean, directions): (Vec<String>, Vec<Option<Direction>>) =
            header.iter().map(|h| strip_arrows(h)).unzip();
        let clean_refs: Vec<&str> = clean.iter().map(String::as_str).collect();
        let key_value = clean.len() == 2
            && (VALUE_HEADERS.contains(&match_key(&clean[1]).as_str())
                || KEY_HEADERS.contains(&match_key(&clean[0]).as_str()));
        let names = unique_names(&clean_refs);
        let unit_column = names
            .iter()
            .position(|n| UNIT_HEADERS.contains(&match_key(n).as_str()));
        TableWriter {
            units: vec![None; names.len()],
            names,
            directions,
            fields: Vec::new(),
            extras: Vec::new(),
            extra_ids: Vec::new(),
            mode: if key_value {
                Mode::KeyValue
            } else {
                Mode::Deciding
            },
            pending: Vec::new(),
            unit_column,
            row_units: Vec::new(),
            ragged_rows: 0,
            rows_written: 0,
        }
    }

    /// Units by header position, from outside the cells.
    pub(crate) fn set_units(&mut self, units: Vec<Option<String>>) {
        for (slot, unit) in self.units.iter_mut().zip(units) {
            *slot = unit;
        }
    }

    /// Adds `name = value` (a string from the document) to every row.
    pub(crate) fn with_extra(
        &mut self,
        builder: &mut Builder,
        name: &str,
        value: &str,
        origin: Origin,
    ) {
        if self.mode == Mode::KeyValue {
            if let Some(id) = builder.field(name, origin) {
                self.extra_ids.push((id, value.to_owned()));
            }
        } else {
            self.extras
                .push((name.to_owned(), value.to_owned(), origin));
        }
    }

    /// Writes one row; rows with no non-blank cell are skipped.
    pub(crate) fn write_row<'c>(
        &mut self,
        builder: &mut Builder,
        cells: impl IntoIterator<Item = &'c str>,
    ) -> Result<(), ExtractError> {
        match self.mode {
            Mode::KeyValue => self.write_pair(builder, cells.into_iter()),
            Mode::Rows => self.write_cells(builder, cells),
            _ => {
                let row: Vec<String> = cells.into_iter().map(str::to_owned).collect();
                if row.len() != self.names.len() {
                    self.ragged_rows += 1;
                }
                if row.iter().all(|c| c.trim().is_empty()) {
                    return Ok(());
                }
                self.pending.push(row);
                if self.mode == Mode::Deciding && self.pending.len() >= DECIDE_ROWS {
                    self.decide(builder)?;
                }
                Ok(())
            }
        }
    }

    /// Chooses the layout from the header and the rows held so far; a rows
    /// table writes them now and streams from here on.
    fn decide(&mut self, builder: &mut Builder) -> Result<(), ExtractError> {
        self.mode = if let Some(melted) = self.melted() {
            Mode::Melted(melted)
        } else if self.transposed() {
            Mode::Transposed
        } else {
            Mode::Rows
        };
        if self.mode == Mode::Rows {
            self.create_fields(builder);
            for row in std::mem::take(&mut self.pending) {
                let count = self.ragged_rows;
                self.write_cells(builder, row.iter().map(String::as_str))?;
                // Counted once already, when the row was held.
                self.ragged_rows = count;
            }
        }
        Ok(())
    }

    fn create_fields(&mut self, builder: &mut Builder) {
        self.fields = self
            .names
            .iter()
            .map(|n| builder.field(n, Origin::Data))
            .collect();
        for (i, id) in self.fields.iter().enumerate() {
            let Some(id) = *id else { continue };
            if let Some(Some(unit)) = self.units.get(i) {
                builder.set_unit(id, unit);
            }
            if let Some(Some(direction)) = self.directions.get(i) {
                builder.set_direction(id, *direction);
            }
        }
        self.create_extras(builder);
    }

    fn create_extras(&mut self, builder: &mut Builder) {
        for (name, value, origin) in std::mem::take(&mut self.extras) {
            if let Some(id) = builder.field(&name, origin) {
                self.extra_ids.push((id, value));
            }
        }
    }

    fn write_cells<'c>(
        &mut self,
        builder: &mut Builder,
        cells: impl IntoIterator<Item = &'c str>,
    ) -> Result<(), ExtractError> {
        let (mut count, width) = (0, self.names.len());
        let mut any = false;
        for (i, cell) in cells.into_iter().enumerate() {
            count = i + 1;
            if cell.trim().is_empty() {
                continue;
            }
            if Some(i) == self.unit_column && self.row_units.len() < 2 {
                let unit = cell.trim();
                if !self.row_units.iter().any(|u| u == unit) {
                    self.row_units.push(unit.to_owned());
                }
            }
            // Keep what the header did not name rather than drop it.
            while self.fields.len() <= i {
                let name = format!("column_{}", self.fields.len() + 1);
                self.fields.push(builder.field(&name, Origin::Data));
            }
            if let Some(Some(id)) = self.fields.get(i) {
                builder.set_cell(*id, cell)?;
                any = true;
            }
        }
        if count != width {
            self.ragged_rows += 1;
        }
        if any {
            self.finish_row(builder)?;
        }
        Ok(())
    }

    fn write_pair<'c>(
        &mut self,
        builder: &mut Builder,
        mut cells: impl Iterator<Item = &'c str>,
    ) -> Result<(), ExtractError> {
        let (Some(key), Some(value)) = (cells.next(), cells.next()) else {
            self.ragged_rows += 1;
            return Ok(());
        };
        let (key, direction) = strip_arrows(key);
        if key.is_empty() {
            return Ok(());
        }
        if let Some(id) = builder.field(&key, Origin::Data) {
            builder.set_cell(id, value)?;
            if let Some(direction) = direction {
                builder.set_direction(id, direction);
            }
        }
        Ok(())
    }

    fn finish_row(&mut self, builder: &mut Builder) -> Result<(), ExtractError> {
        for (id, value) in &self.extra_ids {
            // A heading never overwrites the row's own field of that name.
            if !builder.is_set(*id) {
                builder.set_str(*id, value)?;
            }
        }
        builder.end_row();
        self.rows_written += 1;
        Ok(())
    }

    /// Ends the table: a key/value table's single record, or a pivoted
    /// table's records, are written now.
    pub(crate) fn finish(mut self, builder: &mut Builder) -> Result<usize, ExtractError> {
        if self.mode == Mode::Deciding {
            self.decide(builder)?;
        }
        match self.mode.clone() {
            Mode::KeyValue => self.finish_row(builder)?,
            Mode::Melted(melted) => self.write_melted(builder, &melted)?,
            Mode::Transposed => self.write_transposed(builder)?,
            Mode::Rows => self.apply_row_unit(builder),
            Mode::Deciding => {}
        }
        Ok(self.rows_written)
    }

    /// One unit in every row of the unit column: it is the value columns'
    /// unit. Several units: the column stays a dimension, values as printed.
    fn apply_row_unit(&self, builder: &mut Builder) {
        let (Some(at), [unit]) = (self.unit_column, self.row_units.as_slice()) else {
            return;
        };
        if !looks_like_unit(unit) {
            return;
        }
        let named: Vec<usize> = (0..self.names.len())
            .filter(|&i| i != at)
            .filter(|&i| {
                words(&self.names[i])
                    .iter()
                    .any(|w| VALUE_WORDS.contains(&w.as_str()))
            })
            .collect();
        let targets = if named.is_empty() {
            at.checked_sub(1).into_iter().collect()
        } else {
            named
        };
        for i in targets {
            if let Some(Some(id)) = self.fields.get(i)
                && builder.columns[*id].unit.is_none()
                && builder.columns[*id].stats.numeric() > 0
            {
                builder.set_unit(*id, unit);
            }
        }
    }

    /// A metric-name column and a value column, as `model, metric, value`.
    fn melted(&self) -> Option<Melted> {
        if self.names.len() < 3 || self.pending.is_empty() {
            return None;
        }
        let keys: Vec<String> = self.names.iter().map(|n| match_key(n)).collect();
        let heads: Vec<Vec<String>> = self.names.iter().map(|n| words(n)).collect();
        let last_is =
            |i: usize, set: &[&str]| heads[i].last().is_some_and(|w| set.contains(&w.as_str()));
        // `value`, `Example Value`, `score`.
        let value = (0..keys.len()).find(|&i| {
            MELTED_VALUE_HEADERS.contains(&keys[i].as_str())
                || last_is(i, &["value", "values", "score", "result"])
        })?;
        // `metric`, `Metric Name`; else `name`, `Test Name`, `key`.
        let strong = (0..keys.len()).find(|&i| {
            METRIC_NAME_HEADERS.contains(&keys[i].as_str())
                || heads[i].first().is_some_and(|w| w == "metric")
                    && last_is(i, &["metric", "name", "key", "id"])
        });
        let (name, strong) = match strong {
            Some(i) => (i, true),
            None => (
                (0..keys.len()).find(|&i| {
                    WEAK_NAME_HEADERS.contains(&keys[i].as_str()) || last_is(i, &["name"])
                })?,
                false,
            ),
        };
        if name == value {
            return None;
        }
        let cells = |col: usize| {
            self.pending
                .iter()
                .filter_map(move |r| r.get(col))
                .map(|c| c.trim())
                .filter(|c| !c.is_empty())
        };
        let numeric = |c: &&str| matches!(parse_cell(c), Cell::Number(_));
        let (values, numbers) = (cells(value).count(), cells(value).filter(numeric).count());
        let (labels, numeric_labels) = (cells(name).count(), cells(name).filter(numeric).count());
        if values == 0 || numbers * 10 < values * 7 || labels == 0 || numeric_labels * 10 > labels {
            return None;
        }
        if !strong {
            // `name, value` may as well list cases: pivot only when the
            // names repeat, once per combination of the other columns, or
            // half of them read as measurements (`Total time`, `p99_ms`).
            let distinct: std::collections::HashSet<&str> = cells(name).collect();
            let repeat = distinct.len() >= 2 && distinct.len() * 2 <= labels;
            let measured = cells(name).filter(|c| names_measurement(c)).count();
            if !repeat && measured * 2 < labels {
                return None;
            }
        }
        let unit = self.unit_column.filter(|&u| u != name && u != value);
        let notes = (0..self.names.len())
            .filter(|&i| NOTE_HEADERS.contains(&keys[i].as_str()))
            .collect();
        let companions = (0..self.names.len())
            .filter(|&i| i != name && i != value && Some(i) != unit)
            .filter(|&i| {
                name_says(&self.names[i]) == Some(NameSays::Measurement)
                    && cells(i).count() > 0
                    && cells(i).all(|c| !matches!(parse_cell(c), Cell::Text(_)))
            })
            .collect();
        Some(Melted {
            name,
            says_metric: strong,
            value,
            unit,
            companions,
            notes,
        })
    }

    fn write_melted(&mut self, builder: &mut Builder, m: &Melted) -> Result<(), ExtractError> {
        let rows = std::mem::take(&mut self.pending);
        let cell = |row: &Vec<String>, i: usize| row.get(i).map_or("", |c| c.trim()).to_owned();
        // A metric printed in units that do not convert into one another
        // keeps the unit as a dimension and its values as printed.
        let mut seen: IndexMap<String, String> = IndexMap::new();
        let mut mixed = false;
        if let Some(u) = m.unit {
            for row in &rows {
                let (metric, unit) = (cell(row, m.name), cell(row, u));
                match seen.get(&metric) {
                    Some(first) if crate::units::conversion(&unit, first).is_none() => {
                        mixed = true;
                    }
                    Some(_) => {}
                    None => {
                        seen.insert(metric, unit);
                    }
                }
            }
        }
        let dims: Vec<usize> = (0..self.names.len())
            .filter(|&i| i != m.name && i != m.value && !m.companions.contains(&i))
            .filter(|i| !m.notes.contains(i))
            .filter(|&i| mixed || Some(i) != m.unit)
            .collect();
        let dim_ids: Vec<Option<FieldId>> = dims
            .iter()
            .map(|&i| builder.field(&self.names[i], Origin::Data))
            .collect();
        self.create_extras(builder);
        let mut groups: IndexMap<Vec<String>, Vec<usize>> = IndexMap::new();
        for (r, row) in rows.iter().enumerate() {
            let key: Vec<String> = dims.iter().map(|&i| cell(row, i)).collect();
            groups.entry(key).or_default().push(r);
        }
        let mut metric_ids: IndexSet<FieldId> = IndexSet::new();
        for (key, members) in groups {
            let mut any = false;
            for &r in &members {
                let row = &rows[r];
                let (metric, direction) = strip_arrows(&cell(row, m.name));
                let value = cell(row, m.value);
                if metric.is_empty() || value.is_empty() {
                    continue;
                }
                let Some(id) = builder.field(&metric, Origin::Data) else {
                    continue;
                };
                metric_ids.insert(id);
                if let Some(direction) = direction {
                    builder.set_direction(id, direction);
                }
                let unit = m
                    .unit
                    .map(|u| cell(row, u))
                    .filter(|u| !mixed && looks_like_unit(u));
                builder.set_cell_in_unit(id, &value, unit.as_deref())?;
                for &c in &m.companions {
                    let companion = cell(row, c);
                    if companion.is_empty() {
                        continue;
                    }
                    if let Some(cid) =
                        builder.field(&format!("{metric}_{}", self.names[c]), Origin::Data)
                    {
                        builder.set_cell_in_unit(cid, &companion, unit.as_deref())?;
                    }
                }
                any = true;
            }
            if !any {
                continue;
            }
            for (value, id) in key.iter().zip(&dim_ids) {
                if let Some(id) = id
                    && !value.is_empty()
                {
                    builder.set_cell(*id, value)?;
                }
            }
            self.finish_row(builder)?;
        }
        if m.says_metric {
            metrics_by_header(builder, &metric_ids);
        }
        Ok(())
    }

    /// Metric names down the first column, systems across the header.
    fn transposed(&self) -> bool {
        // One row is enough when the header says the first column holds
        // metric names.
        let says_metric = self
            .names
            .first()
            .is_some_and(|n| METRIC_NAME_HEADERS.contains(&match_key(n).as_str()));
        if self.names.len() < 2 || self.pending.len() < if says_metric { 1 } else { 2 } {
            return false;
        }
        let labels: Vec<&str> = self
            .pending
            .iter()
            .map(|r| r.first().map_or("", |c| c.trim()))
            .collect();
        if labels
            .iter()
            .any(|l| l.is_empty() || !matches!(parse_cell(l), Cell::Text(_)))
        {
            return false;
        }
        // Labels read as measurement names, unless the header already says
        // they are metrics.
        let measured = labels.iter().filter(|l| names_measurement(l)).count();
        if !says_metric && measured * 3 < labels.len() * 2 {
            return false;
        }
        // The header's other cells are labels (systems, configs), not
        // measurement names.
        if self.names[1..].iter().any(|h| names_measurement(h)) {
            return false;
        }
        let (mut cells, mut numbers) = (0, 0);
        for row in &self.pending {
            for c in row
                .iter()
                .skip(1)
                .map(|c| c.trim())
                .filter(|c| !c.is_empty())
            {
                cells += 1;
                numbers += usize::from(matches!(parse_cell(c), Cell::Number(_)));
            }
        }
        cells > 0 && numbers * 10 >= cells * 6
    }

    fn write_transposed(&mut self, builder: &mut Builder) -> Result<(), ExtractError> {
        let rows = std::mem::take(&mut self.pending);
        let first = self.names[0].trim();
        let says_metric = METRIC_NAME_HEADERS.contains(&match_key(first).as_str());
        let column_name = if first.is_empty()
            || first.starts_with("column_")
            || METRIC_NAME_HEADERS.contains(&match_key(first).as_str())
            || KEY_HEADERS.contains(&match_key(first).as_str())
            || names_measurement(first)
        {
            "system"
        } else {
            first
        };
        let system = builder.field(column_name, Origin::Data);
        self.create_extras(builder);
        let width = rows.iter().map(Vec::len).max().unwrap_or(0);
        let mut label_ids: IndexSet<FieldId> = IndexSet::new();
        for j in 1..width {
            let mut any = false;
            for row in &rows {
                let (label, direction) = strip_arrows(row.first().map_or("", String::as_str));
                let value = row.get(j).map_or("", |c| c.trim());
                if value.is_empty() {
                    continue;
                }
                if let Some(id) = builder.field(&label, Origin::Data) {
                    label_ids.insert(id);
                    builder.set_cell(id, value)?;
                    if let Some(direction) = direction {
                        builder.set_direction(id, direction);
                    }
                    any = true;
                }
            }
            if !any {
                continue;
            }
            if let Some(id) = system {
                let header = self
                    .names
                    .get(j)
                    .cloned()
                    .unwrap_or_else(|| format!("column_{}", j + 1));
                builder.set_str(id, &header)?;
            }
            self.finish_row(builder)?;
        }
        if says_metric {
            metrics_by_header(builder, &label_ids);
        }
        Ok(())
    }
}

/// Fields a `Metric` column names are metrics, as the table says, when
/// their values are numbers (`Errors | 0 | 0` included); rows of words stay
/// to inference.
fn metrics_by_header(builder: &mut Builder, ids: &IndexSet<FieldId>) {
    for &id in ids {
        let stats = &builder.columns[id].stats;
        if stats.numeric() > 0 && stats.texts + stats.bools == 0 {
            builder.set_role(id, Role::Metric);
        }
    }
}

/// Whether a label reads as the name of a measurement: its words say so
/// or it carries a unit (`Latency p50 (ms)`).
fn names_measurement(label: &str) -> bool {
    name_says(label) == Some(NameSays::Measurement) || crate::units::name_unit(label).1.is_some()
}

fn looks_like_unit(text: &str) -> bool {
    let t = text.trim();
    !t.is_empty()
        && t.len() <= 24
        && !matches!(parse_cell(t), Cell::Number(_) | Cell::Missing)
        && t.split_whitespace().count() <= 2
}

/// A header cell without its `↑`/`↓` (and `(↑)`), and the direction the
/// arrow gave: up is higher-is-better.
pub(crate) fn strip_arrows(header: &str) -> (String, Option<Direction>) {
    const UP: &[char] = &['↑', '⬆', '⇑'];
    const DOWN: &[char] = &['↓', '⬇', '⇓'];
    let direction = if header.contains(UP) {
        Some(Direction::HigherIsBetter)
    } else if header.contains(DOWN) {
        Some(Direction::LowerIsBetter)
    } else {
        return (header.trim().to_owned(), None);
    };
    let mut name: String = header
        .chars()
        .filter(|c| !UP.contains(c) && !DOWN.contains(c))
        .collect();
    for empty in ["()", "( )", "[]"] {
        name = name.replace(empty, "");
    }
    (
        name.split_whitespace().collect::<Vec<_>>().join(" "),
        direction,
    )
}

/// Header names made usable: trimmed, blanks named `column_N`, repeats
/// suffixed `_2`, `_3`.
pub(crate) fn unique_names(header: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(header.len());
    let mut taken = std::collections::HashSet::new();
    // Next suffix to try per base name, so 100k repeats stay linear.
    let mut next: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, raw) in header.iter().enumerate() {
        let base = raw.trim();
        let base = if base.is_empty() {
            format!("column_{}", i + 1)
        } else {
            base.to_owned()
        };
        let mut name = base.clone();
        if taken.contains(&name) {
            let n = next.entry(base.clone()).or_insert(2);
            loop {
                name = format!("{base}_{n}");
                *n += 1;
                if !taken.contains(&name) {
                    break;
                }
            }
        }
        taken.insert(name.clone());
        names.push(name);
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrows_become_directions() {
        assert_eq!(
            strip_arrows("Accuracy ↑"),
            ("Accuracy".to_owned(), Some(Direction::HigherIsBetter))
        );
        assert_eq!(
            strip_arrows("Latency (ms) (↓)"),
            ("Latency (ms)".to_owned(), Some(Direction::LowerIsBetter))
        );
        assert_eq!(strip_arrows(" Model "), ("Model".to_owned(), None));
    }
}
