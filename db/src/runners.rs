//! Which recorded runners a config collects: completed EphemeralRunners of its
//! runner set that pass its workflow and branch filters. The api (dry runs,
//! runner lists) and wfm-backfill select with these same rules.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, SmallInt, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::enums::{TriggerSource, WorkloadKind, WorkloadStatus};
use crate::models::Config;
use crate::schema::{github_workflow_runs as runs, gpu_workloads as workloads};

/// What to select.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub config_id: i64,
    pub cluster: String,
    pub namespace: String,
    pub runner_set: String,
    pub workflow_filter: Option<String>,
    pub branch_filter: Option<String>,
    /// Completed at or after.
    pub start: Option<DateTime<Utc>>,
    /// Completed at or before.
    pub end: Option<DateTime<Utc>>,
    /// Only these runners.
    pub uids: Option<Vec<String>>,
}

impl Selection {
    /// The selection of `config`'s runner set; `None` for a repository-bound config.
    pub fn of(config: &Config) -> Option<Self> {
        Some(Self {
            config_id: config.id,
            cluster: config.cluster_name.clone(),
            namespace: config.runner_set_namespace.clone()?,
            runner_set: config.runner_set_name.clone()?,
            workflow_filter: config.workflow_filter.clone(),
            branch_filter: config.branch_filter.clone(),
            ..Self::default()
        })
    }

    /// Completed runners of the set matching the filters and range, unordered
    /// (so it can be counted); backfills page in `(completed_at, uid)` order.
    pub fn completed(&self) -> workloads::BoxedQuery<'static, Pg> {
        let mut query = workloads::table
            .filter(workloads::cluster_name.eq(self.cluster.clone()))
            .filter(workloads::kind.eq(WorkloadKind::EphemeralRunner))
            .filter(workloads::status.eq(WorkloadStatus::Completed))
            .filter(workloads::namespace.eq(self.namespace.clone()))
            .filter(workloads::runner_set_name.eq(self.runner_set.clone()))
            // a runner that never got a job has nothing to collect
            .filter(
                workloads::github_run_id
                    .is_not_null()
                    .or(workloads::github_job_guid.is_not_null())
                    .or(workloads::github_workflow_ref.is_not_null()),
            )
            .into_boxed();
        if let Some(workflow) = &self.workflow_filter {
            // One rule for every config (SQL `wfm_workflow_matches`): the
            // workflow's name, its file's path or the file's name. ARC gives
            // the file as `owner/repo/<path>@<ref>`.
            query = query.filter(workflow_matches(workflow));
        }
        if let Some(branch) = &self.branch_filter {
            query = query.filter(
                workloads::github_head_branch
                    .eq(branch.clone())
                    .or(workloads::github_workflow_ref
                        .like(format!("%@refs/heads/{}", escape_like(branch)))),
            );
        }
        if let Some(start) = self.start {
            query = query.filter(workloads::completed_at.ge(start));
        }
        if let Some(end) = self.end {
            query = query.filter(workloads::completed_at.le(end));
        }
        if let Some(uids) = &self.uids {
            query = query.filter(workloads::uid.eq_any(uids.clone()));
        }
        query
    }

    /// [`Self::completed`] without the runners that already have a run of this config.
    /// (`NOT EXISTS`, an anti-join on the runs' unique key: `NOT IN` would scan
    /// every run of the config once per runner.)
    pub fn not_collected(&self) -> workloads::BoxedQuery<'static, Pg> {
        self.completed()
            .filter(diesel::dsl::not(diesel::dsl::exists(
                runs::table
                    .filter(runs::config_id.eq(self.config_id))
                    .filter(runs::workload_uid.eq(workloads::uid)),
            )))
    }
}

/// How runs are filed by [`Selection::enqueue`].
#[derive(Debug, Clone, Copy)]
pub struct Enqueue {
    pub trigger: TriggerSource,
    /// Smaller is claimed first (real time 0; backfills above).
    pub priority: i16,
    pub backfill_id: Option<i64>,
}

impl Enqueue {
    /// A run of a job that just finished (the scanner's watch and periodic scan).
    pub const REALTIME: Enqueue = Enqueue {
        trigger: TriggerSource::Realtime,
        priority: 0,
        backfill_id: None,
    };
}

impl Selection {
    /// Files a pending run for every runner of [`Self::not_collected`] in one
    /// statement; a run that exists already is left alone (the unique
    /// `(config_id, workload_uid)`), so any number of callers may race.
    /// Returns how many runs were filed.
    pub async fn enqueue(&self, conn: &mut AsyncPgConnection, how: Enqueue) -> QueryResult<usize> {
        let rows = self.not_collected().select((
            self.config_id.into_sql::<BigInt>(),
            workloads::uid,
            workloads::name,
            workloads::namespace,
            workloads::github_run_id,
            workloads::github_run_number,
            workloads::github_job_id,
            workloads::github_head_sha,
            workloads::github_head_branch,
            workloads::started_at,
            workloads::completed_at,
            how.trigger.into_sql::<Text>(),
            how.priority.into_sql::<SmallInt>(),
            how.backfill_id.into_sql::<Nullable<BigInt>>(),
        ));
        diesel::insert_into(runs::table)
            .values(rows)
            .into_columns((
                runs::config_id,
                runs::workload_uid,
                runs::workload_name,
                runs::workload_namespace,
                runs::github_run_id,
                runs::github_run_number,
                runs::github_job_id,
                runs::head_sha,
                runs::head_branch,
                runs::workload_started_at,
                runs::workload_completed_at,
                runs::trigger_source,
                runs::priority,
                runs::backfill_id,
            ))
            .on_conflict((runs::config_id, runs::workload_uid))
            .do_nothing()
            .execute(conn)
            .await
    }
}

/// Runners whose workflow `filter` names: one rule for every config (SQL
/// `wfm_workflow_matches`): the workflow's name, its file's path or the
/// file's name. ARC gives the file as `owner/repo/<path>@<ref>`.
pub fn workflow_matches(
    filter: &str,
) -> Box<dyn BoxableExpression<workloads::table, diesel::pg::Pg, SqlType = diesel::sql_types::Bool>>
{
    Box::new(
        diesel::dsl::sql::<diesel::sql_types::Bool>("wfm_workflow_matches(")
            .bind::<diesel::sql_types::Text, _>(filter.to_owned())
            .sql(
                ", gpu_workloads.github_workflow_name, \
                 substring(gpu_workloads.github_workflow_ref FROM '^[^/]+/[^/]+/([^@]*)@'))",
            ),
    )
}

/// `s` with LIKE's wildcards taken literally.
pub fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
