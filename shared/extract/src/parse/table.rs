//! Rows of text cells under a header → records. Shared by CSV/TSV, Markdown
//! and text tables: unique names for blank or repeated headers, extra cells
//! kept in extra columns, key/value tables folded into one record.

use crate::builder::{Builder, FieldId};
use crate::column::Origin;
use crate::error::ExtractError;
use crate::names::match_key;

/// Writes one table's rows into the builder.
#[derive(Debug)]
pub(crate) struct TableWriter {
    fields: Vec<Option<FieldId>>,
    /// Values every row of this table carries (the heading above it).
    extras: Vec<(FieldId, String)>,
    key_value: bool,
    /// Rows that had more cells than the header, or fewer.
    pub(crate) ragged_rows: usize,
    pub(crate) rows_written: usize,
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

impl TableWriter {
    /// A writer for a table with `header`. A two-column table whose header
    /// says key/value (`Metric | Value`) becomes a single record.
    pub(crate) fn new(builder: &mut Builder, header: &[&str]) -> Self {
        let key_value = header.len() == 2
            && (VALUE_HEADERS.contains(&match_key(header[1]).as_str())
                || KEY_HEADERS.contains(&match_key(header[0]).as_str()));
        let mut writer = TableWriter {
            fields: Vec::new(),
            extras: Vec::new(),
            key_value,
            ragged_rows: 0,
            rows_written: 0,
        };
        if !key_value {
            let names = unique_names(header);
            writer.fields = names
                .iter()
                .map(|n| builder.field(n, Origin::Data))
                .collect();
        }
        writer
    }

    /// Adds `name = value` (a string from the document) to every row.
    pub(crate) fn with_extra(
        &mut self,
        builder: &mut Builder,
        name: &str,
        value: &str,
        origin: Origin,
    ) {
        if let Some(id) = builder.field(name, origin) {
            self.extras.push((id, value.to_owned()));
        }
    }

    /// Writes one row; rows with no non-blank cell are skipped.
    pub(crate) fn write_row<'c>(
        &mut self,
        builder: &mut Builder,
        cells: impl IntoIterator<Item = &'c str>,
    ) -> Result<(), ExtractError> {
        if self.key_value {
            return self.write_pair(builder, cells.into_iter());
        }
        let (mut count, width) = (0, self.fields.len());
        let mut any = false;
        for (i, cell) in cells.into_iter().enumerate() {
            count = i + 1;
            if cell.trim().is_empty() {
                continue;
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
        if key.trim().is_empty() {
            return Ok(());
        }
        if let Some(id) = builder.field(key, Origin::Data) {
            builder.set_cell(id, value)?;
        }
        Ok(())
    }

    fn finish_row(&mut self, builder: &mut Builder) -> Result<(), ExtractError> {
        for (id, value) in &self.extras {
            // A heading never overwrites the row's own field of that name.
            if !builder.is_set(*id) {
                builder.set_str(*id, value)?;
            }
        }
        builder.end_row();
        self.rows_written += 1;
        Ok(())
    }

    /// Ends the table: a key/value table's single record is written now.
    pub(crate) fn finish(mut self, builder: &mut Builder) -> Result<usize, ExtractError> {
        if self.key_value {
            self.finish_row(builder)?;
        }
        Ok(self.rows_written)
    }
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
