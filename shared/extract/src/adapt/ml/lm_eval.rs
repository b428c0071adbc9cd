//! lm-evaluation-harness: the results JSON (`--output_path`) and the
//! Markdown tables it prints. Both give the same records: one per task and
//! filter. In v0.4 JSON a result key is `<metric>,<filter>` (`acc,none`,
//! `exact_match,strict-match`): the metric keeps its own name (`acc`,
//! `acc_stderr`) and the filter is the `filter` dimension, as the printed
//! table has them in its `Metric` and `Filter` columns (v0.3 keys have no
//! filter). Dimensions: `task` (the results key, or the table's
//! `Tasks`/`Groups` cell), `alias`, `versions` / `Version`, `n-shot`,
//! the `config` scalars (`config.model`, `config.model_args`) and the
//! document's other scalars (`git_hash`, `date`…); a table's preamble
//! `hf (pretrained=…), gen_kwargs: (…), limit: …, num_fewshot: …,
//! batch_size: …` gives `model`, `model_args` and the settings. A table's
//! `Stderr` is `<metric>_stderr`, like the JSON's `acc_stderr,none`.
//! Directions come from `higher_is_better` or the table's `↑`/`↓`.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

use super::super::{Adapter, Emit, Input};
use crate::error::ExtractError;
use crate::format::Format;
use crate::schema::Direction;

pub(crate) const JSON_ADAPTER: Adapter = Adapter {
    name: "lm-eval-json",
    formats: &[Format::Json],
    detect: detect_json,
    read: read_json,
};

pub(crate) const TABLE_ADAPTER: Adapter = Adapter {
    name: "lm-eval-table",
    formats: &[Format::Markdown, Format::Text, Format::Csv, Format::Tsv],
    detect: detect_table,
    read: read_table,
};

/// Top-level keys only lm-eval writes next to `results`.
const COMPANIONS: &[&str] = &[
    "versions",
    "n-shot",
    "higher_is_better",
    "group_subtasks",
    "configs",
    "n-samples",
];

/// Top-level values too long or too internal to be a dimension.
const SKIPPED: &[&str] = &["pretty_env_info", "chat_template", "chat_template_sha"];

/// A number inside a cell (`0.0150`, `np.float64(0.1146)`).
static NUMBER: LazyLock<Option<Regex>> =
    LazyLock::new(|| super::regex(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"));
/// The preamble above a printed table.
static PREAMBLE: LazyLock<Option<Regex>> =
    LazyLock::new(|| super::regex(r"^\s*(\S+) \((.*?)\), (\w+: .*)$"));

fn detect_json(input: &Input<'_>) -> Option<&'static str> {
    let head = input.head();
    if !head.contains("\"results\"")
        || !COMPANIONS
            .iter()
            .any(|k| head.contains(&format!("\"{k}\"")))
    {
        return None;
    }
    tasks(input.json()?).map(|_| "lm-eval results: a map of tasks to metrics beside `versions`/`n-shot`/`higher_is_better`")
}

/// The `results` map when the document is lm-eval's.
fn tasks(root: &Value) -> Option<&Map<String, Value>> {
    let doc = root.as_object()?;
    // v0.4 writes its own keys; v0.3 only `versions`, so it also needs the
    // run's `config` naming the model.
    let v03 = doc.contains_key("versions")
        && doc
            .get("config")
            .and_then(Value::as_object)
            .is_some_and(|c| c.contains_key("model"));
    if !v03 && !COMPANIONS[1..].iter().any(|k| doc.contains_key(*k)) {
        return None;
    }
    let results = doc.get("results")?.as_object()?;
    let metric_like = |m: &Map<String, Value>| {
        m.iter()
            .all(|(k, v)| k == "alias" || v.is_number() || v.is_string() || v.is_null())
    };
    (!results.is_empty()
        && results
            .values()
            .all(|t| t.as_object().is_some_and(metric_like)))
    .then_some(results)
}

/// One task × filter.
#[derive(Default)]
struct Row {
    task: String,
    filter: Option<String>,
    alias: Option<String>,
    version: Option<Value>,
    shots: Option<Value>,
    metrics: Vec<(String, f64)>,
}

fn read_json(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let Some(root) = input.json() else {
        return Ok(());
    };
    let Some(results) = tasks(root) else {
        return Ok(());
    };
    let doc = root.as_object();
    let part = |name: &str| doc.and_then(|d| d.get(name)).and_then(Value::as_object);
    let mut entries: Vec<(&String, &Value)> = results.iter().collect();
    // Groups a version lists apart from its results.
    if let Some(groups) = part("groups") {
        entries.extend(groups.iter().filter(|(k, _)| !results.contains_key(*k)));
    }
    let mut rows: Vec<Row> = Vec::new();
    for (task, values) in entries {
        let Some(values) = values.as_object() else {
            continue;
        };
        let first = rows.len();
        let alias = values.get("alias").and_then(Value::as_str);
        for (key, v) in values {
            let Some(x) = v.as_f64() else { continue };
            let (metric, filter) = match key.split_once(',') {
                Some((m, f)) => (m, Some(f)),
                None => (key.as_str(), None),
            };
            let row = match rows[first..]
                .iter_mut()
                .find(|r| r.filter.as_deref() == filter)
            {
                Some(row) => row,
                None => {
                    rows.push(Row {
                        task: task.clone(),
                        filter: filter.map(str::to_owned),
                        alias: alias.map(str::to_owned),
                        version: part("versions").and_then(|m| m.get(task)).cloned(),
                        shots: part("n-shot").and_then(|m| m.get(task)).cloned(),
                        metrics: Vec::new(),
                    });
                    let Some(row) = rows.last_mut() else { continue };
                    row
                }
            };
            row.metrics.push((metric.to_owned(), x));
        }
    }
    let better = part("higher_is_better");
    let samples = part("n-samples");
    for row in &rows {
        out.dim("task", row.task.as_str())?;
        if let Some(f) = &row.filter {
            out.dim("filter", f.as_str())?;
        }
        if let Some(a) = &row.alias {
            out.dim("alias", a.as_str())?;
        }
        if let Some(v) = &row.version {
            scalar_dim(out, "versions", v)?;
        }
        if let Some(v) = &row.shots {
            scalar_dim(out, "n-shot", v)?;
        }
        for (k, v) in samples
            .and_then(|s| s.get(&row.task))
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            scalar_dim(out, &format!("n-samples.{k}"), v)?;
        }
        let task_better = better
            .and_then(|b| b.get(&row.task))
            .and_then(Value::as_object);
        for (metric, x) in &row.metrics {
            match task_better
                .and_then(|b| b.get(metric))
                .and_then(Value::as_bool)
            {
                Some(true) => out.metric_dir(metric, *x, None, Direction::HigherIsBetter)?,
                Some(false) => out.metric_dir(metric, *x, None, Direction::LowerIsBetter)?,
                None => out.metric(metric, *x, None)?,
            }
        }
        document_dims(out, doc)?;
        out.end_record();
    }
    Ok(())
}

/// The `config` scalars and the document's own scalars, in every record.
fn document_dims(out: &mut Emit<'_>, doc: Option<&Map<String, Value>>) -> Result<(), ExtractError> {
    let Some(doc) = doc else { return Ok(()) };
    for (k, v) in doc {
        match v {
            Value::Object(config) if k == "config" => {
                for (ck, cv) in config {
                    scalar_dim(out, &format!("config.{ck}"), cv)?;
                }
            }
            _ if SKIPPED.contains(&k.as_str()) => {}
            Value::String(s) if s.len() > 200 => {}
            _ => scalar_dim(out, k, v)?,
        }
    }
    Ok(())
}

fn scalar_dim(out: &mut Emit<'_>, name: &str, v: &Value) -> Result<(), ExtractError> {
    match v {
        Value::String(s) => out.dim(name, s.as_str()),
        Value::Bool(b) => out.dim(name, *b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => out.dim(name, i),
            None => n.as_f64().map_or(Ok(()), |x| out.dim(name, x)),
        },
        _ => Ok(()),
    }
}

fn detect_table(input: &Input<'_>) -> Option<&'static str> {
    input
        .head()
        .lines()
        .any(|l| table_header(l).is_some())
        .then_some("an lm-eval results table (|Tasks|Version|Filter|…|Metric|…|Value|…|Stderr|)")
}

/// The cells of a table line, trimmed, without the outer pipes.
fn cells(line: &str) -> Option<Vec<&str>> {
    let inner = line.trim().strip_prefix('|')?;
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    Some(inner.split('|').map(str::trim).collect())
}

/// Column positions of an lm-eval table header.
struct Layout {
    task: usize,
    version: Option<usize>,
    filter: Option<usize>,
    shots: Option<usize>,
    metric: usize,
    value: usize,
    stderr: Option<usize>,
    arrow: Option<usize>,
}

fn table_header(line: &str) -> Option<Layout> {
    let cells = cells(line)?;
    let at = |name: &str| cells.iter().position(|c| c.eq_ignore_ascii_case(name));
    let task = at("Tasks")
        .or_else(|| at("Task"))
        .or_else(|| at("Groups"))?;
    let metric = at("Metric")?;
    let value = at("Value")?;
    at("Version")?;
    let arrow = (metric + 1..value).find(|&i| cells.get(i).is_some_and(|c| c.is_empty()));
    Some(Layout {
        task,
        version: at("Version"),
        filter: at("Filter"),
        shots: at("n-shot"),
        metric,
        value,
        stderr: at("Stderr"),
        arrow,
    })
}

fn number(cell: &str) -> Option<f64> {
    // The last number: `np.float64(0.1146)` is 0.1146, not 64.
    let m = NUMBER.as_ref()?.find_iter(cell).last()?;
    m.as_str().parse().ok()
}

/// One task × filter of a printed table, with its version and n-shot as
/// written.
struct TableRow {
    task: String,
    filter: String,
    version: String,
    shots: String,
    metrics: Vec<(String, f64, Option<Direction>)>,
}

fn read_table(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let mut preamble: Vec<(String, String)> = Vec::new();
    let mut layout: Option<Layout> = None;
    let mut rows: Vec<TableRow> = Vec::new();
    // v0.4.0 prints a task's alias as a row of its own (Metric `alias`).
    let mut aliases: Vec<(String, String)> = Vec::new();
    // Rows of the table being read (a Groups table repeats task rows).
    let mut table_start = 0;
    let (mut task, mut version) = (String::new(), String::new());
    for line in input.text.lines() {
        if let Some(c) = super::captures(&PREAMBLE, line)
            && (c[3].contains("batch_size") || c[3].contains("num_fewshot"))
        {
            preamble = settings(&c[1], &c[2], &c[3]);
            continue;
        }
        if let Some(l) = table_header(line) {
            layout = Some(l);
            table_start = rows.len();
            continue;
        }
        let (Some(l), Some(cells)) = (&layout, cells(line)) else {
            layout = None;
            continue;
        };
        let cell = |i: Option<usize>| i.and_then(|i| cells.get(i)).copied().unwrap_or("");
        if cells
            .iter()
            .all(|c| c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')))
        {
            continue;
        }
        if !cell(Some(l.task)).is_empty() {
            task = cell(Some(l.task)).to_owned();
            version = cell(l.version).to_owned();
        }
        let metric = cell(Some(l.metric));
        let filter = cell(l.filter).to_owned();
        let value = cell(Some(l.value));
        let index = rows[table_start..]
            .iter()
            .position(|r| r.task == task && r.filter == filter)
            .map(|i| i + table_start);
        // A Groups table repeats rows of the Tasks table above it.
        let repeated = rows[..table_start]
            .iter()
            .any(|r| r.task == task && r.filter == filter);
        if repeated || metric.is_empty() {
            continue;
        }
        if metric == "alias" {
            aliases.push((task.clone(), value.to_owned()));
            continue;
        }
        let row = match index {
            Some(i) => &mut rows[i],
            None => {
                rows.push(TableRow {
                    task: task.clone(),
                    filter: filter.clone(),
                    version: version.clone(),
                    shots: cell(l.shots).to_owned(),
                    metrics: Vec::new(),
                });
                let last = rows.len() - 1;
                &mut rows[last]
            }
        };
        let direction = match cell(l.arrow) {
            "↑" => Some(Direction::HigherIsBetter),
            "↓" => Some(Direction::LowerIsBetter),
            _ => None,
        };
        if let Some(x) = number(value) {
            row.metrics.push((metric.to_owned(), x, direction));
        }
        if let Some(x) = number(cell(l.stderr)) {
            row.metrics.push((format!("{metric}_stderr"), x, None));
        }
    }
    for row in rows.iter().filter(|r| !r.metrics.is_empty()) {
        out.dim("task", row.task.as_str())?;
        text_dim(out, "Filter", &row.filter)?;
        text_dim(out, "Version", &row.version)?;
        text_dim(out, "n-shot", &row.shots)?;
        if let Some((_, a)) = aliases.iter().find(|(t, _)| *t == row.task) {
            out.dim("alias", a.as_str())?;
        }
        for (k, v) in &preamble {
            text_dim(out, k, v)?;
        }
        for (metric, x, direction) in &row.metrics {
            match direction {
                Some(d) => out.metric_dir(metric, *x, None, *d)?,
                None => out.metric(metric, *x, None)?,
            }
        }
        out.end_record();
    }
    Ok(())
}

/// A cell as written: a whole number as one, anything else as text; empty
/// or `N/A` is no value.
fn text_dim(out: &mut Emit<'_>, name: &str, cell: &str) -> Result<(), ExtractError> {
    if cell.is_empty() || cell.eq_ignore_ascii_case("N/A") {
        return Ok(());
    }
    match cell.parse::<i64>() {
        Ok(n) => out.dim(name, n),
        Err(_) => match cell.parse::<f64>() {
            Ok(x) => out.dim(name, x),
            Err(_) => out.dim(name, cell),
        },
    }
}

/// `hf (pretrained=…), gen_kwargs: (None), limit: 10.0, batch_size: 4` as
/// (`model`, `hf`), (`model_args`, `pretrained=…`), (`gen_kwargs`, `None`)…
fn settings(model: &str, args: &str, rest: &str) -> Vec<(String, String)> {
    let mut found = vec![
        ("model".to_owned(), model.to_owned()),
        ("model_args".to_owned(), args.to_owned()),
    ];
    let mut depth = 0i32;
    let mut start = 0;
    let mut parts = Vec::new();
    for (i, ch) in rest.char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&rest[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&rest[start..]);
    for part in parts {
        if let Some((k, v)) = part.split_once(':') {
            let v = v.trim();
            let v = v
                .strip_prefix('(')
                .and_then(|x| x.strip_suffix(')'))
                .unwrap_or(v);
            found.push((k.trim().to_owned(), v.to_owned()));
        }
    }
    found
}

#[cfg(test)]
pub(super) fn grammars_compile() -> bool {
    NUMBER.as_ref().is_some() && PREAMBLE.as_ref().is_some()
}
