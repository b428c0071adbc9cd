//! One series of one metric as a chart draws it: its points (one per run,
//! as the detector sees them) and the changes filed on it.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Jsonb, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use utoipa::ToSchema;
use wfm_db::schema::github_workflow_metric_changes as changes;

use crate::Change;
use crate::points::{self, SeriesRef};

/// Which series: its key, or its dimensions object.
#[derive(Debug, Clone)]
pub enum SeriesSelector {
    Key(i64),
    Dimensions(serde_json::Value),
}

/// One run's point of the metric.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SeriesPoint {
    pub run_id: i64,
    pub at: DateTime<Utc>,
    pub commit: Option<String>,
    /// The median of the run's records.
    pub value: f64,
}

/// A series with its changes.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SeriesView {
    pub config_id: i64,
    /// As a decimal string (see [`Change::series_key`]).
    #[serde(serialize_with = "crate::changes::as_decimal")]
    #[schema(value_type = String)]
    pub series_key: i64,
    #[schema(value_type = Object)]
    pub dimensions: serde_json::Value,
    pub metric: String,
    /// The runs' branch (`""`: runs without one).
    pub branch: String,
    /// Oldest first.
    pub points: Vec<SeriesPoint>,
    /// The changes filed on this series, metric and branch, oldest first.
    pub changes: Vec<Change>,
}

#[derive(diesel::QueryableByName)]
struct Found {
    #[diesel(sql_type = BigInt)]
    series_key: i64,
    #[diesel(sql_type = Jsonb)]
    dimensions: serde_json::Value,
    #[diesel(sql_type = Nullable<Text>)]
    branch: Option<String>,
}

/// The series `selector` of config `config`, metric `metric`, on `branch`
/// (default: the branch of the series' newest run), its newest `lookback`
/// points; `None` when the config has no such series.
pub async fn view(
    conn: &mut AsyncPgConnection,
    config: i64,
    selector: &SeriesSelector,
    metric: &str,
    branch: Option<&str>,
    lookback: usize,
) -> diesel::QueryResult<Option<SeriesView>> {
    let (key, dims) = match selector {
        SeriesSelector::Key(k) => (Some(*k), None),
        SeriesSelector::Dimensions(d) => (None, Some(d.to_string())),
    };
    // the key Postgres gives these dimensions (the generated column's formula)
    let found: Option<Found> = diesel::sql_query(
        "SELECT m.series_key, m.dimensions, coalesce(r.head_branch, '')::text AS branch \
         FROM github_workflow_metrics m JOIN github_workflow_runs r ON r.id = m.run_id \
         WHERE m.config_id = $1 \
           AND m.series_key = coalesce($2, hashtextextended($3::jsonb::text, $1)) \
         ORDER BY m.\"timestamp\" DESC, m.id DESC LIMIT 1",
    )
    .bind::<BigInt, _>(config)
    .bind::<Nullable<BigInt>, _>(key)
    .bind::<Nullable<Text>, _>(dims)
    .get_result(conn)
    .await
    .optional()?;
    let Some(found) = found else {
        return Ok(None);
    };
    let series = SeriesRef {
        config_id: config,
        series_key: found.series_key,
        branch: branch
            .map(str::to_owned)
            .or(found.branch)
            .unwrap_or_default(),
    };
    let points = points::load(conn, &series, lookback)
        .await?
        .into_iter()
        .filter_map(|p| {
            let value = *p.values.get(metric)?;
            Some(SeriesPoint {
                run_id: p.run_id,
                at: p.at,
                commit: p.commit,
                value,
            })
        })
        .collect();
    let filed = changes::table
        .filter(changes::config_id.eq(config))
        .filter(changes::series_key.eq(series.series_key))
        .filter(changes::metric.eq(metric))
        .filter(changes::branch.eq(&series.branch))
        .order((changes::at.asc(), changes::id.asc()))
        .select(Change::as_select())
        .load(conn)
        .await?;
    Ok(Some(SeriesView {
        config_id: config,
        series_key: series.series_key,
        dimensions: found.dimensions,
        metric: metric.to_owned(),
        branch: series.branch,
        points,
        changes: filed,
    }))
}
