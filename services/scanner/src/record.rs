//! Writes what the scanner saw to `gpu_workloads`, and files the runs of a
//! finished job in the same transaction.
//!
//! Every write is idempotent, so scanner replicas (each watching the same
//! objects) and the periodic scan can all record and enqueue freely: a row
//! is keyed by `(cluster_name, uid)`, a run by `(config_id, workload_uid)`.
//! A row's status never moves back from `completed`/`failed`, and the job
//! context and times first recorded are kept (webhooks may have added more).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Jsonb, Nullable, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use wfm_db::models::Config;
use wfm_db::runners::{Enqueue, Selection};
use wfm_db::schema::{github_workflow_configs as configs, gpu_workloads as workloads};
use wfm_db::{WorkloadKind, WorkloadStatus};

use crate::lifecycle::Observed;

/// A recorded row, as far as enqueueing needs it.
#[derive(Debug, Clone, QueryableByName)]
pub struct Recorded {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub uid: String,
    #[diesel(sql_type = Text)]
    pub kind: WorkloadKind,
    #[diesel(sql_type = Text)]
    pub namespace: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub runner_set_name: Option<String>,
    #[diesel(sql_type = Text)]
    pub status: WorkloadStatus,
    /// Whether the row has a job (a run id, job GUID or workflow ref).
    #[diesel(sql_type = Bool)]
    pub has_job: bool,
}

impl Recorded {
    /// A runner with a job that this write completed: its runs are filed now.
    /// (A later event on a completed runner files nothing: a config created
    /// after the job ended gets it from a backfill, not from a stray event.)
    /// `previous`: the status before this write (`None`: a new row, or one a relist ended).
    fn newly_completed_job(&self, previous: Option<WorkloadStatus>) -> bool {
        self.kind == WorkloadKind::EphemeralRunner
            && self.status == WorkloadStatus::Completed
            && previous != Some(WorkloadStatus::Completed)
            && self.has_job
    }
}

const RETURNING: &str = "id, uid, kind, namespace, runner_set_name, status,
    (github_run_id IS NOT NULL OR github_job_guid IS NOT NULL OR github_workflow_ref IS NOT NULL) AS has_job";

/// Records `observed` and, when that finishes a job, enqueues its runs.
/// Returns the row and the number of runs filed.
pub async fn observe(
    conn: &mut AsyncPgConnection,
    cluster: &str,
    observed: &Observed,
    now: DateTime<Utc>,
) -> QueryResult<(Recorded, usize)> {
    conn.transaction::<_, diesel::result::Error, _>(async |conn| {
        let (row, previous) = upsert(conn, cluster, observed, now).await?;
        let filed = if row.newly_completed_job(previous) {
            enqueue_runs(conn, cluster, &row).await?
        } else {
            0
        };
        Ok((row, filed))
    })
    .await
}

async fn upsert(
    conn: &mut AsyncPgConnection,
    cluster: &str,
    o: &Observed,
    now: DateTime<Utc>,
) -> QueryResult<(Recorded, Option<WorkloadStatus>)> {
    let job = o.job.clone().unwrap_or_default();
    // A runner starts when its job does (first seen with one, or at its end
    // when that came first); a set when it is created.
    let started_at = match o.kind {
        WorkloadKind::EphemeralRunner => o.job.as_ref().map(|_| match o.finished {
            Some(f) if f.at < now => f.at,
            _ => now,
        }),
        _ => o.created_at,
    };
    // The row as it was, locked until the transaction ends: whether this
    // event is the one that completes it is then certain, even with replicas.
    let previous: Option<WorkloadStatus> = workloads::table
        .filter(workloads::cluster_name.eq(cluster))
        .filter(workloads::uid.eq(&o.uid))
        .select(workloads::status)
        .for_update()
        .first(conn)
        .await
        .optional()?;
    let sql = format!(
        "INSERT INTO gpu_workloads AS w (
            kind, uid, name, namespace, cluster_name, parent_kind, parent_name, parent_uid,
            runner_set_name, labels, annotations, spec, status, phase,
            github_repository, github_workflow_ref, github_head_branch, github_run_id,
            github_job_guid, github_job_name, github_runner_id,
            created_at, started_at, completed_at, completed_at_approximate)
         SELECT $1, $2, left($3, 255), left($4, 255), $5, left($6, 64), left($7, 255), left($8, 255),
                left($9, 255), $10, $11, $12, $13, left($14, 64), left($15, 255), left($16, 1024),
                left($17, 255), $18, left($19, 64), left($20, 255), $21, coalesce($22, now()), $23, $24, $25
         ON CONFLICT (cluster_name, uid) DO UPDATE SET
            name = excluded.name,
            namespace = excluded.namespace,
            parent_kind = coalesce(excluded.parent_kind, w.parent_kind),
            parent_name = coalesce(excluded.parent_name, w.parent_name),
            parent_uid = coalesce(excluded.parent_uid, w.parent_uid),
            runner_set_name = coalesce(excluded.runner_set_name, w.runner_set_name),
            labels = excluded.labels,
            annotations = excluded.annotations,
            spec = coalesce(excluded.spec, w.spec),
            status = CASE WHEN w.status IN ('completed', 'failed') THEN w.status ELSE excluded.status END,
            phase = excluded.phase,
            github_repository = coalesce(w.github_repository, excluded.github_repository),
            github_workflow_ref = coalesce(w.github_workflow_ref, excluded.github_workflow_ref),
            github_head_branch = coalesce(w.github_head_branch, excluded.github_head_branch),
            github_run_id = coalesce(w.github_run_id, excluded.github_run_id),
            github_job_guid = coalesce(w.github_job_guid, excluded.github_job_guid),
            github_job_name = coalesce(w.github_job_name, excluded.github_job_name),
            github_runner_id = coalesce(w.github_runner_id, excluded.github_runner_id),
            started_at = coalesce(w.started_at, excluded.started_at),
            completed_at = CASE WHEN w.status IN ('completed', 'failed') THEN w.completed_at
                                ELSE coalesce(w.completed_at, excluded.completed_at) END,
            completed_at_approximate = CASE WHEN w.completed_at IS NULL
                                            AND w.status NOT IN ('completed', 'failed')
                                            THEN excluded.completed_at_approximate
                                            ELSE w.completed_at_approximate END
         RETURNING {RETURNING}"
    );
    let parent = o.parent.as_ref();
    diesel::sql_query(sql)
        .bind::<Text, _>(o.kind)
        .bind::<Text, _>(&o.uid)
        .bind::<Text, _>(&o.name)
        .bind::<Text, _>(&o.namespace)
        .bind::<Text, _>(cluster)
        .bind::<Nullable<Text>, _>(parent.map(|p| p.kind.as_str()))
        .bind::<Nullable<Text>, _>(parent.map(|p| p.name.as_str()))
        .bind::<Nullable<Text>, _>(parent.map(|p| p.uid.as_str()))
        .bind::<Nullable<Text>, _>(o.runner_set_name.as_deref())
        .bind::<Jsonb, _>(&o.labels)
        .bind::<Jsonb, _>(&o.annotations)
        .bind::<Nullable<Jsonb>, _>(o.spec.as_ref())
        .bind::<Text, _>(o.status)
        .bind::<Nullable<Text>, _>(o.phase.as_deref())
        .bind::<Nullable<Text>, _>(job.repository.as_deref())
        .bind::<Nullable<Text>, _>(job.workflow_ref.as_deref())
        .bind::<Nullable<Text>, _>(job.branch.as_deref())
        .bind::<Nullable<BigInt>, _>(job.run_id)
        .bind::<Nullable<Text>, _>(job.job_guid.as_deref())
        .bind::<Nullable<Text>, _>(job.job_name.as_deref())
        .bind::<Nullable<BigInt>, _>(o.runner_id)
        .bind::<Nullable<Timestamptz>, _>(o.created_at)
        .bind::<Nullable<Timestamptz>, _>(started_at)
        .bind::<Nullable<Timestamptz>, _>(o.finished.map(|f| f.at))
        .bind::<Bool, _>(o.finished.is_some_and(|f| f.approximate))
        .get_result::<Recorded>(conn)
        .await
        .map(|row| (row, previous))
}

/// Marks the live rows of `kind` that a relist did not return as ended (the
/// scanner missed their deletion), with an approximate time, and enqueues
/// the runs of the runners among them that had a job. Rows first seen after
/// `listed_since` are left alone: another replica may have recorded an
/// object created after this relist's snapshot. Returns (rows ended, runs filed).
pub async fn vanish(
    conn: &mut AsyncPgConnection,
    cluster: &str,
    kind: WorkloadKind,
    namespaces: Option<&[String]>,
    listed: &[String],
    listed_since: DateTime<Utc>,
) -> QueryResult<(usize, usize)> {
    conn.transaction::<_, diesel::result::Error, _>(async |conn| {
        let sql = format!(
            "UPDATE gpu_workloads SET status = 'completed',
                    completed_at = coalesce(completed_at, now()),
                    completed_at_approximate = (completed_at IS NULL)
                 WHERE cluster_name = $1 AND kind = $2 AND status IN ('pending', 'running')
                   AND first_seen_at < $3 AND uid <> ALL($4)
                   AND ($5::text[] IS NULL OR namespace = ANY($5))
                 RETURNING {RETURNING}"
        );
        let rows: Vec<Recorded> = diesel::sql_query(sql)
            .bind::<Text, _>(cluster)
            .bind::<Text, _>(kind)
            .bind::<Timestamptz, _>(listed_since)
            .bind::<Array<Text>, _>(listed)
            .bind::<Nullable<Array<Text>>, _>(namespaces)
            .load(conn)
            .await?;
        let mut filed = 0;
        for row in rows.iter().filter(|r| r.newly_completed_job(None)) {
            filed += enqueue_runs(conn, cluster, row).await?;
        }
        Ok((rows.len(), filed))
    })
    .await
}

/// Files a realtime run of `runner` for every enabled config bound to its
/// runner set whose workflow and branch filters it passes.
async fn enqueue_runs(
    conn: &mut AsyncPgConnection,
    cluster: &str,
    runner: &Recorded,
) -> QueryResult<usize> {
    let Some(set) = &runner.runner_set_name else {
        return Ok(0);
    };
    let bound: Vec<Config> = configs::table
        .filter(configs::cluster_name.eq(cluster))
        .filter(configs::enabled.eq(true))
        .filter(configs::runner_set_namespace.eq(&runner.namespace))
        .filter(configs::runner_set_name.eq(set))
        // one order everywhere runs are filed, so concurrent writers never deadlock
        .order(configs::id)
        .select(Config::as_select())
        .load(conn)
        .await?;
    let mut filed = 0;
    for config in &bound {
        let Some(mut selection) = Selection::of(config) else {
            continue;
        };
        selection.uids = Some(vec![runner.uid.clone()]);
        filed += selection.enqueue(conn, Enqueue::REALTIME).await?;
    }
    Ok(filed)
}
