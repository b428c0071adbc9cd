//! The ground-truth check shared by the fixture suites: an expected.json
//! entry (fields, record count, spot values, and optionally the adapter
//! that must read the file) against what `extract` makes of the file.

use serde_json::Value;
use wfm_extract::{DimValue, Extraction, Options, Record, extract, match_key};

/// What a suite knows about its files beyond expected.json.
#[derive(Debug, Default)]
pub struct Known {
    /// (file, expected name, our field): the fixture author's name for a
    /// field the file itself does not name.
    pub aliases: &'static [(&'static str, &'static str, &'static str)],
    /// (file, expected name): known gaps, listed so that the test fails when
    /// one starts to work.
    pub not_extracted: &'static [(&'static str, &'static str)],
}

/// The entries of the expected.json in `dir`.
pub fn expected(dir: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(format!("{dir}/expected.json"))
        .unwrap_or_else(|e| panic!("{dir}/expected.json: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{dir}/expected.json: {e}"))
}

fn strip_note(name: &str) -> &str {
    match name.rfind(" (") {
        Some(i) if name.ends_with(')') => &name[..i],
        _ => name,
    }
}

/// Our field for an expected name, among `fields`.
fn resolve<'a>(known: &Known, file: &str, name: &str, fields: &'a [String]) -> Option<&'a String> {
    let alias = known
        .aliases
        .iter()
        .find(|(f, n, _)| *f == file && *n == name)
        .map(|(_, _, ours)| *ours);
    let wanted = [alias, Some(name), Some(strip_note(name))];
    wanted
        .into_iter()
        .flatten()
        .find_map(|w| fields.iter().find(|f| match_key(f) == match_key(w)))
}

fn same_value(value: DimValue<'_>, wanted: &Value) -> bool {
    let as_number = |s: &str| s.trim().parse::<f64>().ok();
    match (value, wanted) {
        (DimValue::Str(s), Value::String(w)) => s.trim() == w.trim(),
        (DimValue::Int(i), w) => as_number(&w.to_string().replace('"', "")) == Some(i as f64),
        (DimValue::Float(x), w) => as_number(&w.to_string().replace('"', "")) == Some(x),
        (DimValue::Bool(b), Value::String(w)) => w.eq_ignore_ascii_case(&b.to_string()),
        (DimValue::Bool(b), Value::Bool(w)) => b == *w,
        _ => false,
    }
}

/// Checks one expected.json entry (a file under `dir`) against what
/// `extract` makes of it. `aliases` maps (file, expected name) to our field;
/// `not_extracted` lists known gaps.
pub fn check_file(dir: &str, entry: &Value, known: &Known) -> Result<(), String> {
    let file = entry["path"].as_str().ok_or("entry without path")?;
    let bytes = std::fs::read(format!("{dir}/{file}")).map_err(|e| format!("{file}: {e}"))?;
    if Some(bytes.len() as u64) != entry["bytes"].as_u64() {
        return Err(format!(
            "{file}: size differs from expected.json; the copy is not the original"
        ));
    }
    let x: Extraction =
        extract(file, &bytes, &Options::default()).map_err(|e| format!("{file}: {e}"))?;
    let dims = &x.schema.dimension_fields;
    let metrics = &x.schema.metric_fields;
    let mut problems = Vec::new();
    for name in entry["dimensions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        let gap = known.not_extracted.contains(&(file, name));
        match (resolve(known, file, name, dims), gap) {
            (Some(_), true) => problems.push(format!(
                "dimension `{name}` now extracted: remove it from NOT_EXTRACTED"
            )),
            (None, false) if !name.ends_with("(null)") => {
                let as_metric = resolve(known, file, name, metrics)
                    .map(|m| format!(" (it is a metric: `{m}`)"));
                problems.push(format!(
                    "dimension `{name}` missing{}",
                    as_metric.unwrap_or_default()
                ));
            }
            _ => {}
        }
    }
    for name in entry["metrics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if resolve(known, file, name, metrics).is_none() {
            let as_dim =
                resolve(known, file, name, dims).map(|d| format!(" (it is a dimension: `{d}`)"));
            problems.push(format!(
                "metric `{name}` missing{}",
                as_dim.unwrap_or_default()
            ));
        }
    }
    let rows = entry["rows"].as_u64().unwrap_or(0) as usize;
    let alternatives: Vec<usize> = entry["alt_rows"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(_, v)| v.as_u64())
        .map(|v| v as usize)
        .collect();
    // A file-level summary (`summary_metrics`) may come as one more record.
    let with_summary = entry["alt_rows"]["summary_metrics"]
        .as_u64()
        .map(|n| rows + n as usize);
    if x.records.len() != rows
        && !alternatives.contains(&x.records.len())
        && with_summary != Some(x.records.len())
    {
        problems.push(format!(
            "{} records, expected {rows} (or one of {alternatives:?})",
            x.records.len()
        ));
    }
    for check in entry["spot_checks"].as_array().into_iter().flatten() {
        problems.extend(spot_check(known, file, &x, check).err());
    }
    if let Some(adapter) = entry["adapter"].as_str()
        && x.reading.name.as_deref() != Some(adapter)
    {
        problems.push(format!(
            "read by {:?} {:?}, expected adapter {adapter}: {:?}",
            x.reading.method, x.reading.name, x.reading.reasons
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{file} ({}):\n  {}",
            x.format,
            problems.join("\n  ")
        ))
    }
}

fn spot_check(known: &Known, file: &str, x: &Extraction, check: &Value) -> Result<(), String> {
    let all_fields: Vec<String> = x.schema.roles().map(|(name, _)| name.to_owned()).collect();
    let conditions: Vec<(String, &Value)> = check["match"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            Ok((
                resolve(known, file, k, &all_fields)
                    .ok_or(format!("spot check field `{k}` missing"))?
                    .clone(),
                v,
            ))
        })
        .collect::<Result<_, String>>()?;
    let metric_name = check["metric"].as_str().unwrap_or_default();
    let metric = resolve(known, file, metric_name, &x.schema.metric_fields)
        .ok_or(format!("metric `{metric_name}` missing"))?;
    let matching: Vec<Record<'_>> = x
        .records
        .iter()
        .filter(|r| {
            conditions
                .iter()
                .all(|(k, v)| r.dimension(k).is_some_and(|d| same_value(d, v)))
        })
        .collect();
    let [record] = matching.as_slice() else {
        return Err(format!(
            "{} records match {}, expected 1",
            matching.len(),
            check["match"]
        ));
    };
    let got = record.metric(metric);
    match (check["value"].as_f64(), got) {
        (None, None) => Ok(()),
        (Some(want), Some(got)) if (got - want).abs() <= want.abs() * 1e-9 => Ok(()),
        (want, got) => Err(format!(
            "{metric} at {}: got {got:?}, expected {want:?}",
            check["match"]
        )),
    }
}
