//! The extracted records: columnar inside, one `Record` view per row
//! outside. Serialises as
//! `[{"dimensions":{…},"metrics":{…},"source_file","record_index","timestamp"?}]`.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use crate::builder::Builder;
use crate::cell::parse_number;
use crate::column::{Bits, Data, Dim};
use crate::infer::Placement;
use crate::names::names_timestamp;
use crate::schema::Role;

#[derive(Debug)]
struct OutColumn {
    name: Arc<str>,
    role: Role,
    data: Data,
    present: Bits,
}

/// The records of one file.
#[derive(Debug)]
pub struct Records {
    source_file: Arc<str>,
    columns: Vec<OutColumn>,
    strings: Vec<Arc<str>>,
    len: usize,
    timestamps: Vec<Option<DateTime<Utc>>>,
}

/// A dimension value as the file wrote it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DimValue<'a> {
    Str(&'a str),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl Serialize for DimValue<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            DimValue::Str(v) => s.serialize_str(v),
            DimValue::Int(v) => s.serialize_i64(v),
            DimValue::Float(v) => s.serialize_f64(v),
            DimValue::Bool(v) => s.serialize_bool(v),
        }
    }
}

impl std::fmt::Display for DimValue<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DimValue::Str(v) => f.write_str(v),
            DimValue::Int(v) => write!(f, "{v}"),
            DimValue::Float(v) => write!(f, "{v}"),
            DimValue::Bool(v) => write!(f, "{v}"),
        }
    }
}

impl Records {
    /// Builds the records from `builder`'s columns placed by `placements`
    /// (which decides each column's output name and role). Rows without any
    /// metric value are not records and are dropped.
    pub(crate) fn assemble(
        source_file: &str,
        builder: Builder,
        placements: &[Placement],
    ) -> Records {
        let rows = builder.rows();
        let Builder {
            mut columns,
            strings,
            ..
        } = builder;
        let strings = strings.strings;
        let mut out: Vec<OutColumn> = Vec::with_capacity(placements.len());
        for placement in placements {
            let Some(column) = columns.get_mut(placement.id) else {
                continue;
            };
            let mut data = std::mem::take(&mut column.data);
            let mut present = std::mem::take(&mut column.present);
            if placement.role == Role::Metric {
                data = to_metric(data, &mut present, &strings, placement.scale);
            }
            out.push(OutColumn {
                name: Arc::from(placement.name.as_str()),
                role: placement.role,
                data,
                present,
            });
        }
        let keep: Vec<bool> = (0..rows)
            .map(|row| {
                out.iter()
                    .any(|c| c.role == Role::Metric && c.present.get(row))
            })
            .collect();
        let len = keep.iter().filter(|&&k| k).count();
        if len < rows {
            for column in &mut out {
                column.data.retain(&keep);
                column.present = column.present.retain(&keep);
            }
        }
        let mut records = Records {
            source_file: Arc::from(source_file),
            columns: out,
            strings,
            len,
            timestamps: Vec::new(),
        };
        records.timestamps = records.find_timestamps();
        records
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn get(&self, index: usize) -> Option<Record<'_>> {
        (index < self.len).then_some(Record {
            records: self,
            row: index,
        })
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = Record<'_>> {
        (0..self.len).map(|row| Record { records: self, row })
    }

    pub fn source_file(&self) -> &str {
        &self.source_file
    }

    fn value(&self, column: &OutColumn, row: usize) -> Option<DimValue<'_>> {
        if !column.present.get(row) {
            return None;
        }
        Some(match column.data.get(row)? {
            Dim::Int(v) => DimValue::Int(v),
            Dim::Float(v) => DimValue::Float(v),
            Dim::Bool(v) => DimValue::Bool(v),
            Dim::Str(id) => DimValue::Str(self.strings.get(id as usize).map_or("", |s| s)),
        })
    }

    /// The first dimension whose name says "timestamp" and whose values parse
    /// as dates gives each record its time.
    fn find_timestamps(&self) -> Vec<Option<DateTime<Utc>>> {
        for column in self
            .columns
            .iter()
            .filter(|c| c.role == Role::Dimension && names_timestamp(&c.name))
        {
            let times: Vec<Option<DateTime<Utc>>> = (0..self.len)
                .map(|row| match self.value(column, row) {
                    Some(DimValue::Str(s)) => parse_time(s),
                    _ => None,
                })
                .collect();
            if times.iter().any(Option::is_some) {
                return times;
            }
        }
        Vec::new()
    }
}

fn to_metric(data: Data, present: &mut Bits, strings: &[Arc<str>], scale: f64) -> Data {
    let mut values: Vec<f64> = match data {
        Data::Float(v) => v,
        Data::Int(v) => v.into_iter().map(|x| x as f64).collect(),
        other => (0..other.len())
            .map(|row| match other.get(row) {
                Some(Dim::Int(x)) => x as f64,
                Some(Dim::Float(x)) => x,
                Some(Dim::Str(id)) => strings
                    .get(id as usize)
                    .and_then(|s| parse_number(s))
                    .map_or(f64::NAN, |n| n.value),
                _ => f64::NAN,
            })
            .collect(),
    };
    for (row, value) in values.iter_mut().enumerate() {
        *value *= scale;
        if !value.is_finite() {
            present.set(row, false);
        }
    }
    Data::Float(values)
}

/// Dates as benchmark tools print them: RFC 3339, `2019-11-29 21:26:59`,
/// `20250304-014141`, `2019-11-29`. Times without a zone are UTC.
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    use chrono::Datelike;
    // Years a database column and a dashboard can hold; anything else is not a time.
    parse_any_time(text).filter(|t| (1900..=2200).contains(&t.year()))
}

fn parse_any_time(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y%m%d-%H%M%S",
        "%Y-%m-%d_%H-%M-%S",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// One record of a file.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    records: &'a Records,
    row: usize,
}

impl<'a> Record<'a> {
    /// Position among the file's records.
    pub fn index(&self) -> usize {
        self.row
    }

    pub fn source_file(&self) -> &'a str {
        &self.records.source_file
    }

    pub fn timestamp(&self) -> Option<DateTime<Utc>> {
        self.records.timestamps.get(self.row).copied().flatten()
    }

    pub fn dimensions(&self) -> impl Iterator<Item = (&'a str, DimValue<'a>)> + 'a {
        let (records, row) = (self.records, self.row);
        records
            .columns
            .iter()
            .filter(|c| c.role == Role::Dimension)
            .filter_map(move |c| records.value(c, row).map(|v| (&*c.name, v)))
    }

    pub fn metrics(&self) -> impl Iterator<Item = (&'a str, f64)> + 'a {
        let (records, row) = (self.records, self.row);
        records
            .columns
            .iter()
            .filter(|c| c.role == Role::Metric)
            .filter_map(move |c| match records.value(c, row) {
                Some(DimValue::Float(v)) => Some((&*c.name, v)),
                _ => None,
            })
    }

    /// The dimensions as a JSON object, written straight from the columns.
    pub fn dimensions_json(&self) -> String {
        serde_json::to_string(&Pairs(std::cell::Cell::new(Some(self.dimensions()))))
            .unwrap_or_default()
    }

    /// The metrics as a JSON object.
    pub fn metrics_json(&self) -> String {
        serde_json::to_string(&Pairs(std::cell::Cell::new(Some(self.metrics()))))
            .unwrap_or_default()
    }

    pub fn dimension(&self, name: &str) -> Option<DimValue<'a>> {
        self.dimensions().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    pub fn metric(&self, name: &str) -> Option<f64> {
        self.metrics().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
}

struct Pairs<I>(std::cell::Cell<Option<I>>);

impl<K: Serialize, V: Serialize, I: Iterator<Item = (K, V)>> Serialize for Pairs<I> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        for (k, v) in self.0.take().into_iter().flatten() {
            map.serialize_entry(&k, &v)?;
        }
        map.end()
    }
}

impl Serialize for Record<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry(
            "dimensions",
            &Pairs(std::cell::Cell::new(Some(self.dimensions()))),
        )?;
        map.serialize_entry(
            "metrics",
            &Pairs(std::cell::Cell::new(Some(self.metrics()))),
        )?;
        map.serialize_entry("source_file", self.source_file())?;
        map.serialize_entry("record_index", &self.row)?;
        if let Some(t) = self.timestamp() {
            map.serialize_entry("timestamp", &t)?;
        }
        map.end()
    }
}

impl Serialize for Records {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.len))?;
        for record in self.iter() {
            seq.serialize_element(&record)?;
        }
        seq.end()
    }
}
