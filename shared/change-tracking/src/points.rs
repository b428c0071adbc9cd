//! A series' points: one per run, the median of the run's records in the
//! series, newest `lookback` runs of one branch, oldest first.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Jsonb, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// Which records form a series: a config's records with one dimensions
/// object (its `series_key`) from runs of one branch (`""`: no branch).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SeriesRef {
    pub config_id: i64,
    pub series_key: i64,
    pub branch: String,
}

/// One run's point.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub run_id: i64,
    /// The earliest record of the run in the series.
    pub at: DateTime<Utc>,
    pub commit: Option<String>,
    /// The median per metric of the run's records (numbers only).
    pub values: BTreeMap<String, f64>,
}

#[derive(diesel::QueryableByName)]
struct RecordRow {
    #[diesel(sql_type = BigInt)]
    run_id: i64,
    #[diesel(sql_type = Timestamptz)]
    at: DateTime<Utc>,
    #[diesel(sql_type = Jsonb)]
    metrics: serde_json::Value,
    #[diesel(sql_type = Nullable<Text>)]
    commit: Option<String>,
}

/// Records read per point asked for, first and at most: a run usually holds
/// one record of a series, sometimes several (repeated measurements, several
/// files); a read that comes back full with too few runs asks for more.
const RECORDS_PER_POINT: [i64; 2] = [2, 16];

/// The newest `lookback` points of `series`, oldest first.
pub async fn load(
    conn: &mut AsyncPgConnection,
    series: &SeriesRef,
    lookback: usize,
) -> diesel::QueryResult<Vec<Point>> {
    let wanted = i64::try_from(lookback).unwrap_or(i64::MAX / 16);
    let mut points = Vec::new();
    for per_point in RECORDS_PER_POINT {
        let limit = wanted.saturating_mul(per_point);
        let mut rows = records(conn, series, limit).await?;
        let full = i64::try_from(rows.len()).unwrap_or(i64::MAX) >= limit;
        if full && let Some(oldest) = rows.last().map(|r| r.run_id) {
            // the limit may have cut the oldest run's records short
            rows.retain(|r| r.run_id != oldest);
        }
        points = points_of(rows, lookback);
        if points.len() >= lookback || !full {
            break;
        }
    }
    Ok(points)
}

/// The newest `limit` records of `series`: the (series_key, timestamp)
/// index gives them newest first; the branch and commit are the run's.
async fn records(
    conn: &mut AsyncPgConnection,
    series: &SeriesRef,
    limit: i64,
) -> diesel::QueryResult<Vec<RecordRow>> {
    diesel::sql_query(
        "SELECT m.run_id, m.\"timestamp\" AS at, m.metrics, r.head_sha AS commit \
         FROM github_workflow_metrics m JOIN github_workflow_runs r ON r.id = m.run_id \
         WHERE m.series_key = $1 AND m.config_id = $2 AND coalesce(r.head_branch, '') = $3 \
         ORDER BY m.\"timestamp\" DESC, m.id DESC LIMIT $4",
    )
    .bind::<BigInt, _>(series.series_key)
    .bind::<BigInt, _>(series.config_id)
    .bind::<Text, _>(&series.branch)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
}

fn points_of(rows: Vec<RecordRow>, lookback: usize) -> Vec<Point> {
    struct Acc {
        at: DateTime<Utc>,
        commit: Option<String>,
        values: BTreeMap<String, Vec<f64>>,
    }
    let mut runs: BTreeMap<i64, Acc> = BTreeMap::new();
    for row in rows {
        let acc = runs.entry(row.run_id).or_insert_with(|| Acc {
            at: row.at,
            commit: row.commit.clone(),
            values: BTreeMap::new(),
        });
        acc.at = acc.at.min(row.at);
        if let serde_json::Value::Object(metrics) = row.metrics {
            for (name, value) in metrics {
                if let Some(v) = value.as_f64().filter(|v| v.is_finite()) {
                    acc.values.entry(name).or_default().push(v);
                }
            }
        }
    }
    let mut points: Vec<Point> = runs
        .into_iter()
        .map(|(run_id, acc)| Point {
            run_id,
            at: acc.at,
            commit: acc.commit,
            values: acc
                .values
                .into_iter()
                .filter_map(|(k, v)| wfm_changes::median(&v).map(|m| (k, m)))
                .collect(),
        })
        .collect();
    points.sort_by_key(|p| (p.at, p.run_id));
    let skip = points.len().saturating_sub(lookback);
    points.drain(..skip);
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(run_id: i64, minute: u32, metrics: serde_json::Value) -> RecordRow {
        RecordRow {
            run_id,
            at: DateTime::from_timestamp(i64::from(minute) * 60, 0).expect("time"),
            metrics,
            commit: Some(format!("c{run_id}")),
        }
    }

    #[test]
    fn one_point_per_run_the_median_of_its_records_oldest_first() {
        let rows = vec![
            row(7, 30, serde_json::json!({"ms": 3.0, "label": "x"})),
            row(7, 31, serde_json::json!({"ms": 5.0})),
            row(7, 32, serde_json::json!({"ms": 4.0, "ops": 10})),
            row(3, 10, serde_json::json!({"ms": 1.0})),
            row(9, 50, serde_json::json!({"ms": 2.0})),
        ];
        let points = points_of(rows, 2);
        assert_eq!(
            points.iter().map(|p| p.run_id).collect::<Vec<_>>(),
            vec![7, 9],
            "the newest two runs, oldest first"
        );
        assert_eq!(points[0].values["ms"], 4.0);
        assert_eq!(points[0].values["ops"], 10.0);
        assert!(!points[0].values.contains_key("label"));
        assert_eq!(points[0].at.timestamp(), 30 * 60);
    }
}
