//! One field's values across records, stored by type so a 5 MB table costs a
//! few bytes per cell: `Vec<i64>`/`Vec<f64>`/`Vec<u32>` (interned strings)
//! plus a presence bitmap. A column widens its type as values arrive
//! (int → float → mixed).

use std::sync::Arc;

use crate::schema::{Direction, Role};

/// A value on its way into a column; strings are interned first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Dim {
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(u32),
}

#[derive(Debug, Default)]
pub(crate) enum Data {
    #[default]
    Empty,
    Int(Vec<i64>),
    Float(Vec<f64>),
    Bool(Vec<bool>),
    Str(Vec<u32>),
    Mixed(Vec<Dim>),
}

impl Data {
    pub(crate) fn len(&self) -> usize {
        match self {
            Data::Empty => 0,
            Data::Int(v) => v.len(),
            Data::Float(v) => v.len(),
            Data::Bool(v) => v.len(),
            Data::Str(v) => v.len(),
            Data::Mixed(v) => v.len(),
        }
    }

    pub(crate) fn get(&self, row: usize) -> Option<Dim> {
        match self {
            Data::Empty => None,
            Data::Int(v) => v.get(row).map(|&x| Dim::Int(x)),
            Data::Float(v) => v.get(row).map(|&x| Dim::Float(x)),
            Data::Bool(v) => v.get(row).map(|&x| Dim::Bool(x)),
            Data::Str(v) => v.get(row).map(|&x| Dim::Str(x)),
            Data::Mixed(v) => v.get(row).copied(),
        }
    }

    /// Writes `value` at `row`, padding the rows in between; widens the
    /// type when `value` does not fit.
    pub(crate) fn put(&mut self, row: usize, value: Dim) {
        self.widen_for(value);
        match (self, value) {
            (Data::Int(v), Dim::Int(x)) => put_at(v, row, x, 0),
            (Data::Float(v), Dim::Float(x)) => put_at(v, row, x, f64::NAN),
            (Data::Float(v), Dim::Int(x)) => put_at(v, row, x as f64, f64::NAN),
            (Data::Bool(v), Dim::Bool(x)) => put_at(v, row, x, false),
            (Data::Str(v), Dim::Str(x)) => put_at(v, row, x, u32::MAX),
            (Data::Mixed(v), x) => put_at(v, row, x, Dim::Int(0)),
            // widen_for made every other pair impossible.
            _ => {}
        }
    }

    fn widen_for(&mut self, value: Dim) {
        let fits = matches!(
            (&*self, value),
            (Data::Int(_), Dim::Int(_))
                | (Data::Float(_), Dim::Float(_) | Dim::Int(_))
                | (Data::Bool(_), Dim::Bool(_))
                | (Data::Str(_), Dim::Str(_))
                | (Data::Mixed(_), _)
        );
        if fits {
            return;
        }
        let old = std::mem::take(self);
        *self = match (old, value) {
            (Data::Empty, Dim::Int(_)) => Data::Int(Vec::new()),
            (Data::Empty, Dim::Float(_)) => Data::Float(Vec::new()),
            (Data::Empty, Dim::Bool(_)) => Data::Bool(Vec::new()),
            (Data::Empty, Dim::Str(_)) => Data::Str(Vec::new()),
            (Data::Int(v), Dim::Float(_)) => Data::Float(v.into_iter().map(|x| x as f64).collect()),
            (old, _) => Data::Mixed((0..old.len()).filter_map(|row| old.get(row)).collect()),
        };
    }

    /// Keeps the rows whose `keep` is true.
    pub(crate) fn retain(&mut self, keep: &[bool]) {
        fn filter<T>(v: &mut Vec<T>, keep: &[bool]) {
            let mut row = 0;
            v.retain(|_| {
                row += 1;
                keep.get(row - 1).copied().unwrap_or(false)
            });
        }
        match self {
            Data::Empty => {}
            Data::Int(v) => filter(v, keep),
            Data::Float(v) => filter(v, keep),
            Data::Bool(v) => filter(v, keep),
            Data::Str(v) => filter(v, keep),
            Data::Mixed(v) => filter(v, keep),
        }
    }
}

fn put_at<T: Copy>(v: &mut Vec<T>, row: usize, value: T, filler: T) {
    if row < v.len() {
        v[row] = value;
    } else {
        v.resize(row, filler);
        v.push(value);
    }
}

/// Which rows have a value.
#[derive(Debug, Default, Clone)]
pub(crate) struct Bits(Vec<u64>);

impl Bits {
    pub(crate) fn set(&mut self, row: usize, on: bool) {
        let (word, bit) = (row / 64, row % 64);
        if word >= self.0.len() {
            if !on {
                return;
            }
            self.0.resize(word + 1, 0);
        }
        if on {
            self.0[word] |= 1 << bit;
        } else {
            self.0[word] &= !(1 << bit);
        }
    }

    /// How many rows are set.
    pub(crate) fn count(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }

    pub(crate) fn get(&self, row: usize) -> bool {
        self.0
            .get(row / 64)
            .is_some_and(|w| w & (1 << (row % 64)) != 0)
    }

    pub(crate) fn retain(&self, keep: &[bool]) -> Bits {
        let mut out = Bits::default();
        let mut next = 0;
        for (row, &k) in keep.iter().enumerate() {
            if k {
                out.set(next, self.get(row));
                next += 1;
            }
        }
        out
    }
}

/// Where a field came from; fields that describe the file, not a row, are
/// always dimensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A column or key of the data itself.
    Data,
    /// A top-level value shared by every record (model, date, commit).
    Shared,
    /// The heading above a Markdown table.
    Heading,
    /// The key of a map of cases (`{"results": {"taskA": {…}}}`).
    Key,
    /// A sibling map keyed by the same cases (`versions[task]`).
    Joined,
    /// The `y` of `x ± y` cells in another column.
    Deviation,
}

/// What the values of a column looked like, for schema inference.
#[derive(Debug, Default, Clone)]
pub(crate) struct Stats {
    pub ints: usize,
    pub floats: usize,
    pub bools: usize,
    pub texts: usize,
    /// `x (y)` cells, kept as text but numeric for classification.
    pub alternatives: usize,
    /// Placeholders in text (`-`, `n/a`).
    pub placeholders: usize,
    /// JSON nulls.
    pub nulls: usize,
    pub unit_conflicts: usize,
}

impl Stats {
    pub(crate) fn numeric(&self) -> usize {
        self.ints + self.floats + self.alternatives
    }
}

/// A field under construction.
#[derive(Debug)]
pub(crate) struct Column {
    pub name: Arc<str>,
    pub origin: Origin,
    pub data: Data,
    pub present: Bits,
    pub stats: Stats,
    /// The unit every value of the column is expressed in.
    pub unit: Option<String>,
    /// For `Origin::Deviation`: the column whose spread this is.
    pub deviation_of: Option<usize>,
    /// The string this column stored last, to skip re-interning repeats.
    pub last_str: Option<u32>,
    /// The role an adapter gave the field: inference does not second-guess it.
    pub role: Option<Role>,
    /// Which way the metric improves, when an adapter or its name says.
    pub direction: Option<Direction>,
    /// An adapter said the metric has no one direction (its records improve
    /// different ways, as a JMH report mixing `thrpt` and `avgt`): no guess.
    pub undirected: bool,
}

impl Column {
    pub(crate) fn new(name: Arc<str>, origin: Origin) -> Self {
        let unit = crate::units::name_unit(&name).1.map(str::to_owned);
        Column {
            name,
            origin,
            data: Data::Empty,
            present: Bits::default(),
            stats: Stats::default(),
            unit,
            deviation_of: None,
            last_str: None,
            role: None,
            direction: None,
            undirected: false,
        }
    }

    pub(crate) fn put(&mut self, row: usize, value: Dim) {
        self.data.put(row, value);
        self.present.set(row, true);
    }
}
