//! Filed changes: listed with filters, read one by one, triaged.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use utoipa::ToSchema;
use wfm_db::schema::{
    github_workflow_configs as configs, github_workflow_metric_changes as changes,
};
use wfm_db::{ChangeDirection, ChangeStatus};

use crate::TrackingError;

/// A row of `github_workflow_metric_changes`: one step in one metric of one
/// series (config, dimensions, branch).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = changes, check_for_backend(diesel::pg::Pg))]
pub struct Change {
    pub id: i64,
    pub config_id: i64,
    /// The series' key (a 64-bit hash of its dimensions, per config), as a
    /// decimal string: JavaScript's numbers would round it.
    #[serde(serialize_with = "as_decimal")]
    #[schema(value_type = String)]
    pub series_key: i64,
    #[schema(value_type = Object)]
    pub dimensions: serde_json::Value,
    pub metric: String,
    /// The runs' branch; empty when they had none.
    pub branch: String,
    /// When the first point after the step was recorded.
    pub at: DateTime<Utc>,
    /// The last run before the step and the first after it.
    pub before_run_id: i64,
    pub after_run_id: i64,
    pub before_commit: Option<String>,
    pub after_commit: Option<String>,
    /// Medians of the runs each side (within the detector's windows).
    pub before_value: f64,
    pub after_value: f64,
    /// `(after - before) / |before|` in percent; none when `before` is 0.
    pub change_percent: Option<f64>,
    /// The step in units of the series' noise; none when it has no noise.
    pub magnitude_sigma: Option<f64>,
    /// The rank test's two-sided p-value.
    pub p_value: f64,
    pub direction: ChangeDirection,
    pub status: ChangeStatus,
    pub note: Option<String>,
    pub triaged_by: Option<String>,
    pub triaged_at: Option<DateTime<Utc>>,
    pub detected_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A 64-bit key as a decimal string.
pub(crate) fn as_decimal<S: serde::Serializer>(key: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(key)
}

/// Which changes a list holds; every filter is optional.
#[derive(Debug, Clone, Default)]
pub struct ChangeFilter {
    /// Only changes of configs of this cluster.
    pub cluster: Option<String>,
    pub config_id: Option<i64>,
    pub status: Option<ChangeStatus>,
    pub direction: Option<ChangeDirection>,
    pub metric: Option<String>,
    pub branch: Option<String>,
    /// Only changes of at least this many percent either way.
    pub min_change_percent: Option<f64>,
    /// Only steps whose first point after is in this range (inclusive).
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

impl ChangeFilter {
    fn query(&self) -> changes::BoxedQuery<'_, diesel::pg::Pg> {
        let mut query = changes::table.into_boxed();
        if let Some(cluster) = &self.cluster {
            let in_cluster = configs::table
                .filter(configs::cluster_name.eq(cluster))
                .select(configs::id);
            query = query.filter(changes::config_id.eq_any(in_cluster));
        }
        if let Some(id) = self.config_id {
            query = query.filter(changes::config_id.eq(id));
        }
        if let Some(status) = self.status {
            query = query.filter(changes::status.eq(status));
        }
        if let Some(direction) = self.direction {
            query = query.filter(changes::direction.eq(direction));
        }
        if let Some(metric) = &self.metric {
            query = query.filter(changes::metric.eq(metric));
        }
        if let Some(branch) = &self.branch {
            query = query.filter(changes::branch.eq(branch));
        }
        if let Some(min) = self.min_change_percent {
            query = query.filter(
                changes::change_percent
                    .ge(min.abs())
                    .or(changes::change_percent.le(-min.abs())),
            );
        }
        if let Some(since) = self.since {
            query = query.filter(changes::at.ge(since));
        }
        if let Some(until) = self.until {
            query = query.filter(changes::at.le(until));
        }
        query
    }
}

/// A page of changes, newest step first, and how many match in all.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &ChangeFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Change>, i64), TrackingError> {
    let total: i64 = filter.query().count().get_result(conn).await?;
    let page = filter
        .query()
        .order((changes::at.desc(), changes::id.desc()))
        .offset(offset)
        .limit(limit)
        .select(Change::as_select())
        .load(conn)
        .await?;
    Ok((page, total))
}

/// One change, when it exists (and belongs to `cluster`, when given).
pub async fn get(
    conn: &mut AsyncPgConnection,
    id: i64,
    cluster: Option<&str>,
) -> Result<Change, TrackingError> {
    let filter = ChangeFilter {
        cluster: cluster.map(str::to_owned),
        ..ChangeFilter::default()
    };
    filter
        .query()
        .filter(changes::id.eq(id))
        .select(Change::as_select())
        .first(conn)
        .await
        .optional()?
        .ok_or(TrackingError::NoSuchChange(id))
}

/// A triage decision.
#[derive(Debug, Clone)]
pub struct Triage {
    pub status: ChangeStatus,
    /// Replaces the note; `None` keeps it.
    pub note: Option<String>,
    /// Who decided, as the request says (none: not said).
    pub by: Option<String>,
}

/// Records `triage` on change `id` (of `cluster`, when given).
pub async fn triage(
    conn: &mut AsyncPgConnection,
    id: i64,
    cluster: Option<&str>,
    triage: &Triage,
) -> Result<Change, TrackingError> {
    // checks the cluster; the update itself is one statement, so two
    // triages at once never lose a note
    get(conn, id, cluster).await?;
    #[derive(AsChangeset)]
    #[diesel(table_name = changes)]
    struct Decision<'a> {
        status: ChangeStatus,
        /// `None` leaves the note as it is
        note: Option<&'a str>,
    }
    let decision = Decision {
        status: triage.status,
        note: triage.note.as_deref(),
    };
    diesel::update(changes::table.filter(changes::id.eq(id)))
        .set((
            decision,
            changes::triaged_by.eq(&triage.by),
            changes::triaged_at.eq(diesel::dsl::now),
            changes::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Change::as_returning())
        .get_result(conn)
        .await
        .optional()?
        .ok_or(TrackingError::NoSuchChange(id))
}
