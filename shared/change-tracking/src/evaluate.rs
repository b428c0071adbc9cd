//! One series examined: its points, `wfm_changes::detect` per metric, and
//! the result matched against the changes filed before. A detected step
//! within `min_segment` points of a filed one is that change (its numbers
//! and place are refreshed, its triage kept); any other is filed, with the
//! notifications it owes. A filed change the detector no longer sees stays:
//! someone may have been told about it, and its triage is theirs.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Jsonb, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use wfm_changes::{Better, ChangePoint, Direction, Options, detect};
use wfm_db::ChangeDirection;
use wfm_db::schema::github_workflow_metric_changes as changes;
use wfm_env::{Env, EnvError};

use crate::points::{self, Point, SeriesRef};

/// How changes are found and who hears of them.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Points (runs) of a series examined: the newest this many.
    pub lookback: usize,
    pub options: Options,
    /// Notification targets a newly filed change is owed to (their names).
    pub notify_targets: Vec<String>,
    /// A change whose first point after the step is older than this is filed
    /// without notifications: a backfill of last year must not page anyone.
    pub notify_max_age: chrono::Duration,
    /// Notify improvements too, not only regressions and changes of
    /// unknown direction.
    pub notify_improvements: bool,
}

impl Settings {
    /// | variable | default | meaning |
    /// |---|---|---|
    /// | `WFM_CHANGES_LOOKBACK` | 200 | runs of a series examined, newest first (20–5000) |
    /// | `WFM_CHANGES_MIN_SEGMENT` | 5 | runs a step must hold before it is filed |
    /// | `WFM_CHANGES_MAX_P` | 0.0001 | largest p-value of the rank test filed |
    /// | `WFM_CHANGES_MIN_SIGMA` | 1.5 | smallest step filed, in units of the series' noise |
    /// | `WFM_NOTIFY_MAX_AGE` | 7d | older steps are filed without notifications |
    /// | `WFM_NOTIFY_IMPROVEMENTS` | false | notify improvements too |
    pub fn from_env(env: &Env, notify_targets: Vec<String>) -> Result<Self, EnvError> {
        let defaults = Options::default();
        let lookback: usize = env.var_or("WFM_CHANGES_LOOKBACK", 200)?;
        if !(20..=5000).contains(&lookback) {
            return Err(EnvError::invalid(
                "WFM_CHANGES_LOOKBACK",
                lookback,
                "must be 20 to 5000",
            ));
        }
        let min_segment: usize = env.var_or("WFM_CHANGES_MIN_SEGMENT", defaults.min_segment)?;
        if !(2..=lookback / 4).contains(&min_segment) {
            return Err(EnvError::invalid(
                "WFM_CHANGES_MIN_SEGMENT",
                min_segment,
                "must be at least 2 and at most a quarter of WFM_CHANGES_LOOKBACK",
            ));
        }
        let max_p: f64 = env.var_or("WFM_CHANGES_MAX_P", defaults.max_p)?;
        if !(max_p > 0.0 && max_p < 1.0) {
            return Err(EnvError::invalid(
                "WFM_CHANGES_MAX_P",
                max_p,
                "must be between 0 and 1",
            ));
        }
        let min_magnitude: f64 = env.var_or("WFM_CHANGES_MIN_SIGMA", defaults.min_magnitude)?;
        if !(min_magnitude.is_finite() && min_magnitude >= 0.0) {
            return Err(EnvError::invalid(
                "WFM_CHANGES_MIN_SIGMA",
                min_magnitude,
                "must be 0 or more",
            ));
        }
        let max_age = env.duration_or(
            "WFM_NOTIFY_MAX_AGE",
            std::time::Duration::from_secs(7 * 86_400),
        )?;
        Ok(Self {
            lookback,
            options: Options {
                min_segment,
                max_p,
                min_magnitude,
                ..defaults
            },
            notify_targets,
            notify_max_age: chrono::Duration::from_std(max_age)
                .map_err(|e| EnvError::invalid("WFM_NOTIFY_MAX_AGE", format!("{max_age:?}"), e))?,
            notify_improvements: env.bool_or("WFM_NOTIFY_IMPROVEMENTS", false)?,
        })
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            lookback: 200,
            options: Options::default(),
            notify_targets: Vec::new(),
            notify_max_age: chrono::Duration::days(7),
            notify_improvements: false,
        }
    }
}

/// What an examination did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Verdicts {
    pub runs: usize,
    pub series: usize,
    pub filed: usize,
    pub updated: usize,
}

impl std::ops::AddAssign for Verdicts {
    fn add_assign(&mut self, other: Self) {
        self.runs += other.runs;
        self.series += other.series;
        self.filed += other.filed;
        self.updated += other.updated;
    }
}

/// Examines `series` (whose dimensions are `dimensions`, JSON text) under
/// `better` per metric; the caller holds the series' advisory lock.
pub async fn series(
    conn: &mut AsyncPgConnection,
    settings: &Settings,
    series: &SeriesRef,
    dimensions: &serde_json::Value,
    better: &BTreeMap<String, Better>,
    now: DateTime<Utc>,
) -> diesel::QueryResult<Verdicts> {
    let points = points::load(conn, series, settings.lookback).await?;
    let mut verdicts = Verdicts {
        series: 1,
        ..Verdicts::default()
    };
    let mut metrics: Vec<&String> = points.iter().flat_map(|p| p.values.keys()).collect();
    metrics.sort_unstable();
    metrics.dedup();
    for metric in metrics {
        let values: Vec<f64> = points
            .iter()
            .map(|p| p.values.get(metric).copied().unwrap_or(f64::NAN))
            .collect();
        let how = better.get(metric).copied().unwrap_or(Better::Unknown);
        let found = detect(&values, how, &settings.options);
        let filed = filed(conn, series, metric).await?;
        let steps: Vec<Step<'_>> = found
            .iter()
            .filter_map(|change| Step::of(&points, &values, change))
            .collect();
        let same = matches(&steps, &filed, &points, settings.options.min_segment);
        for (step, filed_one) in steps.iter().zip(same) {
            let found = Found::of(step);
            match filed_one.map(|i| &filed[i]) {
                Some(f) => verdicts.updated += refresh(conn, f, &found).await?,
                None => {
                    if let Some(id) = file(conn, series, metric, dimensions, &found).await? {
                        verdicts.filed += 1;
                        if owes_notice(settings, step, now) {
                            owe(conn, id, &settings.notify_targets).await?;
                        }
                    }
                }
            }
        }
    }
    Ok(verdicts)
}

/// Which filed change (an index into `filed`) each step is: the pairs of a
/// step and a filed change of the same direction within `within` points,
/// nearest first, each used once. A step with none is new.
fn matches(
    steps: &[Step<'_>],
    filed: &[Filed],
    points: &[Point],
    within: usize,
) -> Vec<Option<usize>> {
    let position: BTreeMap<i64, usize> = points
        .iter()
        .enumerate()
        .map(|(i, p)| (p.run_id, i))
        .collect();
    let mut pairs: Vec<(usize, usize, usize)> = Vec::new();
    for (s, step) in steps.iter().enumerate() {
        let direction = Found::of(step).direction;
        for (f, one) in filed.iter().enumerate() {
            if one.direction != direction {
                continue;
            }
            if let Some(&p) = position.get(&one.after_run_id) {
                let d = p.abs_diff(step.change.index);
                if d <= within {
                    pairs.push((d, s, f));
                }
            }
        }
    }
    pairs.sort_unstable();
    let mut of_step = vec![None; steps.len()];
    let mut used = vec![false; filed.len()];
    for (_, s, f) in pairs {
        if of_step[s].is_none() && !used[f] {
            of_step[s] = Some(f);
            used[f] = true;
        }
    }
    of_step
}

fn owes_notice(settings: &Settings, step: &Step<'_>, now: DateTime<Utc>) -> bool {
    let wanted = match step.change.direction {
        Direction::Improvement => settings.notify_improvements,
        Direction::Regression | Direction::Unknown => true,
    };
    wanted && now - step.after.at <= settings.notify_max_age
}

/// A detected change with the runs each side of it.
struct Step<'a> {
    change: &'a ChangePoint,
    before: &'a Point,
    after: &'a Point,
}

impl<'a> Step<'a> {
    fn of(points: &'a [Point], values: &[f64], change: &'a ChangePoint) -> Option<Self> {
        let after = points.get(change.index)?;
        let before = (0..change.index)
            .rev()
            .find(|&i| values[i].is_finite())
            .map(|i| &points[i])?;
        Some(Self {
            change,
            before,
            after,
        })
    }
}

/// A change as filed: what a later look compares with.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = changes, check_for_backend(diesel::pg::Pg))]
struct Filed {
    id: i64,
    at: DateTime<Utc>,
    before_run_id: i64,
    after_run_id: i64,
    before_value: f64,
    after_value: f64,
    p_value: f64,
    direction: ChangeDirection,
}

async fn filed(
    conn: &mut AsyncPgConnection,
    series: &SeriesRef,
    metric: &str,
) -> diesel::QueryResult<Vec<Filed>> {
    changes::table
        .filter(changes::config_id.eq(series.config_id))
        .filter(changes::series_key.eq(series.series_key))
        .filter(changes::metric.eq(metric))
        .filter(changes::branch.eq(&series.branch))
        .select(Filed::as_select())
        .load(conn)
        .await
}

/// The columns a detection sets: when it is filed, and on every later look
/// that moves them.
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = changes, treat_none_as_null = true)]
struct Found<'a> {
    at: DateTime<Utc>,
    before_run_id: i64,
    after_run_id: i64,
    before_commit: Option<&'a str>,
    after_commit: Option<&'a str>,
    before_value: f64,
    after_value: f64,
    change_percent: Option<f64>,
    magnitude_sigma: Option<f64>,
    p_value: f64,
    direction: ChangeDirection,
}

impl<'a> Found<'a> {
    fn of(step: &Step<'a>) -> Self {
        Self {
            at: step.after.at,
            before_run_id: step.before.run_id,
            after_run_id: step.after.run_id,
            before_commit: step.before.commit.as_deref(),
            after_commit: step.after.commit.as_deref(),
            before_value: step.change.before,
            after_value: step.change.after,
            change_percent: step.change.change_percent,
            magnitude_sigma: Some(step.change.magnitude_sigma).filter(|m| m.is_finite()),
            p_value: step.change.p_value,
            direction: match step.change.direction {
                Direction::Regression => ChangeDirection::Regression,
                Direction::Improvement => ChangeDirection::Improvement,
                Direction::Unknown => ChangeDirection::Unknown,
            },
        }
    }

    /// Whether `filed` already says this.
    fn same_as(&self, filed: &Filed) -> bool {
        (
            self.at,
            self.before_run_id,
            self.after_run_id,
            self.direction,
        ) == (
            filed.at,
            filed.before_run_id,
            filed.after_run_id,
            filed.direction,
        ) && (self.before_value, self.after_value, self.p_value)
            == (filed.before_value, filed.after_value, filed.p_value)
    }
}

/// Files a new change; its id, or `None` when the same step is filed.
async fn file(
    conn: &mut AsyncPgConnection,
    series: &SeriesRef,
    metric: &str,
    dimensions: &serde_json::Value,
    found: &Found<'_>,
) -> diesel::QueryResult<Option<i64>> {
    diesel::insert_into(changes::table)
        .values((
            changes::config_id.eq(series.config_id),
            changes::series_key.eq(series.series_key),
            changes::dimensions.eq(dimensions),
            changes::metric.eq(metric),
            changes::branch.eq(&series.branch),
            found,
        ))
        .on_conflict((
            changes::config_id,
            changes::series_key,
            changes::metric,
            changes::branch,
            changes::after_run_id,
        ))
        .do_nothing()
        .returning(changes::id)
        .get_result(conn)
        .await
        .optional()
}

/// Refreshes a filed change's place and numbers; 1 when anything moved.
async fn refresh(
    conn: &mut AsyncPgConnection,
    filed: &Filed,
    found: &Found<'_>,
) -> diesel::QueryResult<usize> {
    if found.same_as(filed) {
        return Ok(0);
    }
    diesel::update(changes::table.filter(changes::id.eq(filed.id)))
        .set((found, changes::updated_at.eq(diesel::dsl::now)))
        .execute(conn)
        .await
}

/// The notifications a filed change owes, one per target.
async fn owe(
    conn: &mut AsyncPgConnection,
    change: i64,
    targets: &[String],
) -> diesel::QueryResult<usize> {
    if targets.is_empty() {
        return Ok(0);
    }
    diesel::sql_query(
        "INSERT INTO github_workflow_change_notifications (change_id, target) \
         SELECT $1, t FROM unnest($2::text[]) AS t ON CONFLICT DO NOTHING",
    )
    .bind::<BigInt, _>(change)
    .bind::<diesel::sql_types::Array<Text>, _>(targets)
    .execute(conn)
    .await
}

/// Which way is better for each metric of a config's active schema (the
/// schema's `direction`; metrics without one are [`Better::Unknown`]).
pub async fn better_of(
    conn: &mut AsyncPgConnection,
    config_id: i64,
) -> diesel::QueryResult<BTreeMap<String, Better>> {
    #[derive(diesel::QueryableByName)]
    struct Fields {
        #[diesel(sql_type = Jsonb)]
        fields: serde_json::Value,
    }
    let rows: Vec<Fields> = diesel::sql_query(
        "SELECT fields FROM github_workflow_metric_schemas WHERE config_id = $1 AND is_active",
    )
    .bind::<BigInt, _>(config_id)
    .load(conn)
    .await?;
    // field by field: one odd field must not cost the others their direction
    let fields = rows.into_iter().next().map(|r| r.fields);
    let fields = fields.as_ref().and_then(|f| f.as_array());
    Ok(fields
        .into_iter()
        .flatten()
        .filter_map(|f| {
            let better = match f.get("direction")?.as_str()? {
                "lower_is_better" => Better::Lower,
                "higher_is_better" => Better::Higher,
                _ => return None,
            };
            Some((f.get("name")?.as_str()?.to_owned(), better))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_from_the_environment() {
        let env = Env::from_pairs([
            ("WFM_CHANGES_LOOKBACK", "300"),
            ("WFM_NOTIFY_MAX_AGE", "2d"),
        ]);
        let s = Settings::from_env(&env, vec!["slack".into()]).expect("valid");
        assert_eq!((s.lookback, s.options.min_segment), (300, 5));
        assert_eq!(s.notify_max_age, chrono::Duration::days(2));
        for (name, value) in [
            ("WFM_CHANGES_LOOKBACK", "5"),
            ("WFM_CHANGES_MIN_SEGMENT", "1"),
            ("WFM_CHANGES_MAX_P", "1.5"),
            ("WFM_CHANGES_MIN_SIGMA", "-1"),
            ("WFM_NOTIFY_IMPROVEMENTS", "maybe"),
        ] {
            let err = Settings::from_env(&Env::from_pairs([(name, value)]), Vec::new())
                .expect_err(name)
                .to_string();
            assert!(err.contains(name), "{err}");
        }
    }

    fn point(run_id: i64) -> Point {
        Point {
            run_id,
            at: DateTime::from_timestamp(run_id * 3600, 0).unwrap_or_default(),
            commit: None,
            values: BTreeMap::new(),
        }
    }

    fn change(index: usize, direction: Direction) -> ChangePoint {
        ChangePoint {
            index,
            before: 1.0,
            after: 2.0,
            change_percent: Some(100.0),
            magnitude_sigma: 5.0,
            p_value: 1e-6,
            direction,
        }
    }

    fn filed_at(id: i64, run_id: i64, direction: ChangeDirection) -> Filed {
        Filed {
            id,
            at: DateTime::from_timestamp(run_id * 3600, 0).unwrap_or_default(),
            before_run_id: run_id - 1,
            after_run_id: run_id,
            before_value: 1.0,
            after_value: 2.0,
            p_value: 1e-6,
            direction,
        }
    }

    #[test]
    fn steps_match_filed_changes_nearest_first_and_of_their_direction() {
        let points: Vec<Point> = (0..30).map(point).collect();
        let values = vec![1.0; 30];
        let found = [
            change(9, Direction::Regression),
            change(14, Direction::Regression),
            change(25, Direction::Improvement),
        ];
        let steps: Vec<Step<'_>> = found
            .iter()
            .filter_map(|c| Step::of(&points, &values, c))
            .collect();
        // filed: a regression at 13 (the step at 14, not the one at 9 that
        // comes first), and a regression at 24 (an improvement is not it)
        let filed = [
            filed_at(1, 13, ChangeDirection::Regression),
            filed_at(2, 24, ChangeDirection::Regression),
        ];
        assert_eq!(
            matches(&steps, &filed, &points, 5),
            vec![None, Some(0), None]
        );
        // within a segment only
        assert_eq!(
            matches(
                &steps[1..2],
                &[filed_at(3, 20, ChangeDirection::Regression)],
                &points,
                5
            ),
            vec![None]
        );
    }
}
