//! Two sides of a config compared series by series: two runs, two commits
//! (every run of each), or two branches (the newest runs of each). Per
//! series and metric: each side's values (every record), the change of the
//! medians in percent, a rank test's p-value when both sides hold at least
//! [`MIN_TESTED`] values, and a verdict that says what the change means.

use std::collections::BTreeMap;
use std::str::FromStr;

use diesel::sql_types::{Array, BigInt, Jsonb, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use utoipa::ToSchema;
use wfm_changes::Better;

use crate::evaluate::better_of;

/// Fewer values than this on a side: no p-value (the test could not reach
/// significance), the verdict rests on the threshold alone.
pub const MIN_TESTED: usize = 3;

/// One side of a comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Side {
    /// `run:ID` (or a bare id): one collected run.
    Run(i64),
    /// `commit:SHA` (7 to 64 hex digits, a prefix is enough): every
    /// completed run of the commit.
    Commit(String),
    /// `branch:NAME`: the newest completed runs of the branch.
    Branch(String),
}

/// A side that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not run:ID, commit:SHA or branch:NAME")]
pub struct BadSide(pub String);

impl FromStr for Side {
    type Err = BadSide;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadSide(s.to_owned());
        let (kind, value) = s.split_once(':').unwrap_or(("run", s));
        match kind {
            "run" => value
                .parse()
                .ok()
                .filter(|&id: &i64| id > 0)
                .map(Side::Run)
                .ok_or_else(bad),
            "commit" => {
                let ok =
                    (7..=64).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_hexdigit());
                ok.then(|| Side::Commit(value.to_ascii_lowercase()))
                    .ok_or_else(bad)
            }
            "branch" => {
                let ok = !value.is_empty() && value.len() <= 255 && !value.contains('\0');
                ok.then(|| Side::Branch(value.to_owned())).ok_or_else(bad)
            }
            _ => Err(bad()),
        }
    }
}

impl std::fmt::Display for Side {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Side::Run(id) => write!(f, "run:{id}"),
            Side::Commit(sha) => write!(f, "commit:{sha}"),
            Side::Branch(name) => write!(f, "branch:{name}"),
        }
    }
}

/// How a comparison judges.
#[derive(Debug, Clone, Copy)]
pub struct CompareOptions {
    /// Runs of a branch side: its newest this many.
    pub branch_runs: i64,
    /// A change of the medians below this many percent is `unchanged`.
    pub threshold_percent: f64,
    /// A tested change with a larger p-value is `unchanged`.
    pub alpha: f64,
}

impl Default for CompareOptions {
    fn default() -> Self {
        Self {
            branch_runs: 5,
            threshold_percent: 5.0,
            alpha: 0.05,
        }
    }
}

/// What a compared series did, given which way is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Regression,
    Improvement,
    /// Moved, and the metric has no known better direction.
    Changed,
    /// Below the threshold, or not significant.
    Unchanged,
    /// Only one side has values.
    Missing,
}

/// A side's values of one series and metric.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Stats {
    pub n: usize,
    pub median: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

impl Stats {
    fn of(values: &[f64]) -> Self {
        Self {
            n: values.len(),
            median: wfm_changes::median(values),
            min: values.iter().copied().reduce(f64::min),
            max: values.iter().copied().reduce(f64::max),
        }
    }
}

/// One series and metric compared.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Row {
    #[schema(value_type = Object)]
    pub dimensions: serde_json::Value,
    pub metric: String,
    pub base: Stats,
    pub head: Stats,
    /// `(head - base) / |base|` of the medians, in percent.
    pub delta_percent: Option<f64>,
    /// The two-sided rank test, when both sides hold at least 3 values.
    pub p_value: Option<f64>,
    /// Which way is better for the metric: `higher`, `lower` or `unknown`.
    pub better: String,
    pub verdict: Verdict,
}

/// What a side resolved to.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SideRuns {
    pub side: String,
    pub run_ids: Vec<i64>,
    pub commits: Vec<String>,
}

/// A comparison.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Comparison {
    pub base: SideRuns,
    pub head: SideRuns,
    /// Regressions first, then by the size of the change.
    pub rows: Vec<Row>,
    pub regressions: usize,
    pub improvements: usize,
}

#[derive(diesel::QueryableByName)]
struct RunRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Nullable<Text>)]
    head_sha: Option<String>,
}

/// The completed runs of config `config` a side names, newest first.
async fn runs_of(
    conn: &mut AsyncPgConnection,
    config: i64,
    side: &Side,
    options: &CompareOptions,
) -> diesel::QueryResult<SideRuns> {
    let (kind, key, limit): (&str, String, i64) = match side {
        Side::Run(id) => ("run", id.to_string(), 1),
        Side::Commit(sha) => ("commit", sha.clone(), 1000),
        Side::Branch(name) => ("branch", name.clone(), options.branch_runs),
    };
    let rows: Vec<RunRow> = diesel::sql_query(
        "SELECT id, head_sha FROM github_workflow_runs \
         WHERE config_id = $1 AND status = 'completed' AND CASE $2 \
             WHEN 'run' THEN id = $3::int8 \
             WHEN 'commit' THEN lower(head_sha) LIKE $3 || '%' \
             ELSE head_branch = $3 END \
         ORDER BY coalesce(workload_completed_at, created_at) DESC, id DESC LIMIT $4",
    )
    .bind::<BigInt, _>(config)
    .bind::<Text, _>(kind)
    .bind::<Text, _>(&key)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?;
    let mut commits: Vec<String> = rows.iter().filter_map(|r| r.head_sha.clone()).collect();
    commits.sort_unstable();
    commits.dedup();
    Ok(SideRuns {
        side: side.to_string(),
        run_ids: rows.iter().map(|r| r.id).collect(),
        commits,
    })
}

#[derive(diesel::QueryableByName)]
struct Record {
    #[diesel(sql_type = Jsonb)]
    dimensions: serde_json::Value,
    #[diesel(sql_type = Jsonb)]
    metrics: serde_json::Value,
}

/// The values per (dimensions, metric) of the records of `runs`.
async fn values_of(
    conn: &mut AsyncPgConnection,
    runs: &[i64],
) -> diesel::QueryResult<BTreeMap<(String, String), Vec<f64>>> {
    let records: Vec<Record> = diesel::sql_query(
        "SELECT dimensions, metrics FROM github_workflow_metrics WHERE run_id = ANY ($1)",
    )
    .bind::<Array<BigInt>, _>(runs)
    .load(conn)
    .await?;
    let mut values: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
    for r in records {
        let dims = r.dimensions.to_string();
        if let serde_json::Value::Object(metrics) = r.metrics {
            for (name, v) in metrics {
                if let Some(v) = v.as_f64().filter(|v| v.is_finite()) {
                    values.entry((dims.clone(), name)).or_default().push(v);
                }
            }
        }
    }
    Ok(values)
}

/// Compares `base` with `head` within config `config`. `None` when a side
/// names no completed run of the config.
pub async fn compare(
    conn: &mut AsyncPgConnection,
    config: i64,
    base: &Side,
    head: &Side,
    options: &CompareOptions,
) -> diesel::QueryResult<Result<Comparison, Side>> {
    let base_runs = runs_of(conn, config, base, options).await?;
    if base_runs.run_ids.is_empty() {
        return Ok(Err(base.clone()));
    }
    let head_runs = runs_of(conn, config, head, options).await?;
    if head_runs.run_ids.is_empty() {
        return Ok(Err(head.clone()));
    }
    let before = values_of(conn, &base_runs.run_ids).await?;
    let after = values_of(conn, &head_runs.run_ids).await?;
    let better = better_of(conn, config).await?;
    let mut keys: Vec<&(String, String)> = before.keys().chain(after.keys()).collect();
    keys.sort_unstable();
    keys.dedup();
    let empty = Vec::new();
    let mut rows: Vec<Row> = keys
        .into_iter()
        .map(|key| {
            let how = better.get(&key.1).copied().unwrap_or(Better::Unknown);
            row(
                key,
                before.get(key).unwrap_or(&empty),
                after.get(key).unwrap_or(&empty),
                how,
                options,
            )
        })
        .collect();
    rows.sort_by(|a, b| {
        let rank = |r: &Row| match r.verdict {
            Verdict::Regression => 0,
            Verdict::Changed => 1,
            Verdict::Improvement => 2,
            Verdict::Unchanged => 3,
            Verdict::Missing => 4,
        };
        let size = |r: &Row| r.delta_percent.map_or(0.0, f64::abs);
        rank(a).cmp(&rank(b)).then(size(b).total_cmp(&size(a)))
    });
    let count = |v: Verdict| rows.iter().filter(|r| r.verdict == v).count();
    Ok(Ok(Comparison {
        regressions: count(Verdict::Regression),
        improvements: count(Verdict::Improvement),
        base: base_runs,
        head: head_runs,
        rows,
    }))
}

fn row(
    key: &(String, String),
    base: &[f64],
    head: &[f64],
    better: Better,
    options: &CompareOptions,
) -> Row {
    let (b, h) = (Stats::of(base), Stats::of(head));
    let delta_percent = match (b.median, h.median) {
        (Some(b), Some(h)) if b != 0.0 => Some((h - b) / b.abs() * 100.0),
        _ => None,
    };
    let p_value = (base.len() >= MIN_TESTED && head.len() >= MIN_TESTED)
        .then(|| wfm_changes::mann_whitney(base, head).0);
    let verdict = match (b.median, h.median, delta_percent) {
        (None, _, _) | (_, None, _) => Verdict::Missing,
        (Some(bm), Some(hm), delta) => {
            // a change from 0 is a change of any size
            let moved = delta.map_or(bm != hm, |d| d.abs() >= options.threshold_percent);
            let significant = p_value.is_none_or(|p| p <= options.alpha);
            if !(moved && significant) {
                Verdict::Unchanged
            } else {
                match (better, hm > bm) {
                    (Better::Unknown, _) => Verdict::Changed,
                    (Better::Higher, true) | (Better::Lower, false) => Verdict::Improvement,
                    _ => Verdict::Regression,
                }
            }
        }
    };
    Row {
        dimensions: serde_json::from_str(&key.0).unwrap_or(serde_json::Value::Null),
        metric: key.1.clone(),
        base: b,
        head: h,
        delta_percent,
        p_value,
        better: match better {
            Better::Higher => "higher",
            Better::Lower => "lower",
            Better::Unknown => "unknown",
        }
        .to_owned(),
        verdict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sides_are_read_or_refused_by_name() {
        assert_eq!("12".parse(), Ok(Side::Run(12)));
        assert_eq!("run:12".parse(), Ok(Side::Run(12)));
        assert_eq!("commit:ABCDEF1".parse(), Ok(Side::Commit("abcdef1".into())));
        assert_eq!(
            "branch:release/1.2".parse(),
            Ok(Side::Branch("release/1.2".into()))
        );
        for bad in [
            "run:0",
            "run:-1",
            "commit:abc",
            "commit:xyz1234",
            "branch:",
            "tag:v1",
            "",
        ] {
            assert!(bad.parse::<Side>().is_err(), "{bad}");
        }
    }

    fn judge(base: &[f64], head: &[f64], better: Better) -> Row {
        row(
            &("{}".into(), "m".into()),
            base,
            head,
            better,
            &CompareOptions::default(),
        )
    }

    #[test]
    fn verdicts_worked_out_by_hand() {
        // one value each: 10 → 11 is +10 %, past the 5 % threshold, no test
        let r = judge(&[10.0], &[11.0], Better::Lower);
        assert_eq!(
            (r.delta_percent, r.p_value, r.verdict),
            (Some(10.0), None, Verdict::Regression)
        );
        assert_eq!(
            judge(&[10.0], &[11.0], Better::Higher).verdict,
            Verdict::Improvement
        );
        assert_eq!(
            judge(&[10.0], &[11.0], Better::Unknown).verdict,
            Verdict::Changed
        );
        assert_eq!(
            judge(&[10.0], &[10.4], Better::Lower).verdict,
            Verdict::Unchanged,
            "+4 %"
        );
        // three each, fully apart: U = 0, z = -4.5 / √5.25 = -1.964, p = 0.0495
        let r = judge(&[10.0, 10.1, 9.9], &[12.0, 12.2, 11.9], Better::Lower);
        let p = r.p_value.expect("tested");
        assert!((p - 0.0495).abs() < 1e-3, "{p}");
        assert_eq!(r.verdict, Verdict::Regression);
        assert_eq!(r.head.median, Some(12.0));
        // the medians moved 20 %, but the sides overlap: not significant
        let r = judge(
            &[10.0, 14.0, 9.0, 13.0],
            &[12.0, 8.0, 15.0, 11.0],
            Better::Lower,
        );
        assert!(r.p_value.expect("tested") > 0.05);
        assert_eq!(r.verdict, Verdict::Unchanged);
        assert_eq!(judge(&[], &[1.0], Better::Lower).verdict, Verdict::Missing);
        // from zero: no percent, still a change
        let r = judge(&[0.0], &[2.0], Better::Lower);
        assert_eq!((r.delta_percent, r.verdict), (None, Verdict::Regression));
    }
}
