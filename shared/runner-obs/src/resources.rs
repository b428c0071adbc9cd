//! Runner resource samples: posted from a workflow job (the spec's
//! contract) and stored per (run, attempt, runner), or read by the scanner
//! from Kubernetes' metrics API and stored per runner pod; read back as a
//! job's series with a summary.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use diesel::sql_types::{Array, BigInt, Double, Integer, Jsonb, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};

use crate::navigation::JobView;

/// Samples in one post at most.
pub const MAX_SAMPLES: usize = 10_000;
/// Extra numbers per sample at most.
pub const MAX_EXTRA: usize = 32;

/// One measurement of the runner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Sample {
    /// When it was measured (RFC 3339).
    pub t: DateTime<Utc>,
    /// CPU busy, percent of all cores (0–100).
    #[serde(default)]
    pub cpu_percent: Option<f64>,
    #[serde(default)]
    pub memory_used_bytes: Option<i64>,
    #[serde(default)]
    pub memory_total_bytes: Option<i64>,
    /// Other numbers by name (`disk_used_bytes`, `gpu0_util_percent`…).
    #[serde(default)]
    pub extra: BTreeMap<String, f64>,
}

/// What a job posts: who it is, and its samples.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SampleBatch {
    /// `owner/name` (`$GITHUB_REPOSITORY`).
    pub repository: String,
    /// `$GITHUB_RUN_ID`.
    pub run_id: i64,
    /// `$GITHUB_RUN_ATTEMPT`; default 1.
    #[serde(default)]
    pub run_attempt: Option<i32>,
    /// `$RUNNER_NAME`.
    pub runner_name: String,
    pub samples: Vec<Sample>,
}

/// Why a batch is refused (nothing of it is stored).
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum BatchError {
    #[error("invalid {0}")]
    Invalid(String),
}

impl SampleBatch {
    /// Refuses what no sample can be: empty or oversized batches, names
    /// that are not GitHub's, numbers out of range.
    pub fn check(&self) -> Result<(), BatchError> {
        let bad = |what: String| Err(BatchError::Invalid(what));
        if wfm_github::split_repository(&self.repository).is_none() {
            return bad(format!(
                "repository: {:?} is not OWNER/NAME",
                self.repository
            ));
        }
        if self.run_id < 1 || self.run_attempt.is_some_and(|a| a < 1) {
            return bad("run_id / run_attempt: must be positive".into());
        }
        if self.runner_name.trim().is_empty()
            || self.runner_name.chars().count() > 255
            || self.runner_name.contains('\0')
        {
            return bad("runner_name: 1 to 255 characters, no NUL".into());
        }
        if self.samples.is_empty() || self.samples.len() > MAX_SAMPLES {
            return bad(format!("samples: give 1 to {MAX_SAMPLES}"));
        }
        for (i, s) in self.samples.iter().enumerate() {
            if s.cpu_percent
                .is_some_and(|c| !(c.is_finite() && (0.0..=100.0).contains(&c)))
            {
                return bad(format!("samples[{i}].cpu_percent: must be 0 to 100"));
            }
            if s.memory_used_bytes.is_some_and(|m| m < 0)
                || s.memory_total_bytes.is_some_and(|m| m < 0)
            {
                return bad(format!("samples[{i}].memory: must not be negative"));
            }
            if s.extra.len() > MAX_EXTRA {
                return bad(format!("samples[{i}].extra: at most {MAX_EXTRA} numbers"));
            }
            if let Some((k, _)) = s
                .extra
                .iter()
                .find(|(k, v)| !v.is_finite() || k.is_empty() || k.len() > 64 || k.contains('\0'))
            {
                return bad(format!(
                    "samples[{i}].extra[{k:?}]: a name of 1 to 64 characters and a finite number"
                ));
            }
        }
        Ok(())
    }
}

/// Whose samples are stored: a job's (posted with its run), or a runner
/// pod's (read by the scanner; the job is found by runner and time).
#[derive(Debug, Clone, Copy)]
enum Owner<'a> {
    Job(&'a SampleBatch),
    Pod,
}

/// Stores `samples` (with their runners) of `owner`; how many were new.
async fn insert(
    conn: &mut AsyncPgConnection,
    owner: Owner<'_>,
    samples: &[(&str, &Sample)],
) -> diesel::QueryResult<usize> {
    if samples.is_empty() {
        return Ok(0);
    }
    let (repository, run, attempt, source) = match owner {
        Owner::Job(b) => (
            Some(b.repository.as_str()),
            Some(b.run_id),
            b.run_attempt.unwrap_or(1),
            "job",
        ),
        Owner::Pod => (None, None, 1, "kubernetes"),
    };
    let s: Vec<&Sample> = samples.iter().map(|(_, s)| *s).collect();
    diesel::sql_query(
        "INSERT INTO github_job_resource_samples (repository, github_run_id, run_attempt, runner_name, \
            source, sampled_at, cpu_percent, memory_used_bytes, memory_total_bytes, extra) \
         SELECT $1, $2, $3, left(u.runner, 255), $4, u.t, u.cpu, u.used, u.total, u.extra::jsonb \
         FROM unnest($5::text[], $6::timestamptz[], $7::float8[], $8::int8[], $9::int8[], $10::text[]) \
            AS u(runner, t, cpu, used, total, extra) \
         ON CONFLICT ON CONSTRAINT github_job_resource_samples_key DO NOTHING",
    )
    .bind::<Nullable<Text>, _>(repository)
    .bind::<Nullable<BigInt>, _>(run)
    .bind::<Integer, _>(attempt)
    .bind::<Text, _>(source)
    .bind::<Array<Text>, _>(samples.iter().map(|(r, _)| *r).collect::<Vec<_>>())
    .bind::<Array<Timestamptz>, _>(s.iter().map(|x| x.t).collect::<Vec<_>>())
    .bind::<Array<Nullable<Double>>, _>(s.iter().map(|x| x.cpu_percent).collect::<Vec<_>>())
    .bind::<Array<Nullable<BigInt>>, _>(s.iter().map(|x| x.memory_used_bytes).collect::<Vec<_>>())
    .bind::<Array<Nullable<BigInt>>, _>(s.iter().map(|x| x.memory_total_bytes).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(
        s.iter()
            .map(|x| serde_json::to_string(&x.extra).unwrap_or_else(|_| "{}".into()))
            .collect::<Vec<_>>(),
    )
    .execute(conn)
    .await
}

/// Stores a checked batch a job posted; the samples stored (one already
/// there is not stored again).
pub async fn store(
    conn: &mut AsyncPgConnection,
    batch: &SampleBatch,
) -> diesel::QueryResult<usize> {
    let samples: Vec<(&str, &Sample)> = batch
        .samples
        .iter()
        .map(|s| (batch.runner_name.as_str(), s))
        .collect();
    insert(conn, Owner::Job(batch), &samples).await
}

/// Stores samples the scanner read of runner pods, `(runner name,
/// sample)`; how many were new.
pub async fn store_kubernetes(
    conn: &mut AsyncPgConnection,
    samples: &[(String, Sample)],
) -> diesel::QueryResult<usize> {
    let samples: Vec<(&str, &Sample)> = samples.iter().map(|(r, s)| (r.as_str(), s)).collect();
    insert(conn, Owner::Pod, &samples).await
}

/// Deletes runner pods' samples taken more than `retention` ago, at most
/// `batch` of them (idle runners' samples belong to no job, and a job's
/// are kept as long as the retention); how many.
pub async fn expire_kubernetes(
    conn: &mut AsyncPgConnection,
    retention: std::time::Duration,
    batch: i64,
) -> diesel::QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM github_job_resource_samples WHERE id IN (SELECT id FROM github_job_resource_samples \
             WHERE source = 'kubernetes' AND sampled_at < now() - make_interval(secs => $1) \
             ORDER BY sampled_at LIMIT $2)",
    )
    .bind::<Double, _>(retention.as_secs_f64())
    .bind::<BigInt, _>(batch)
    .execute(conn)
    .await
}

/// A job's samples and what they add up to.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct JobResources {
    pub github_job_id: i64,
    pub summary: ResourceSummary,
    /// Oldest first.
    pub samples: Vec<StoredSample>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, utoipa::ToSchema)]
pub struct ResourceSummary {
    pub samples: usize,
    pub cpu_mean_percent: Option<f64>,
    pub cpu_max_percent: Option<f64>,
    pub memory_max_used_bytes: Option<i64>,
    /// The largest used ÷ total.
    pub memory_max_fraction: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, diesel::QueryableByName, utoipa::ToSchema)]
pub struct StoredSample {
    #[diesel(sql_type = Timestamptz)]
    pub t: DateTime<Utc>,
    /// `job` or `kubernetes`.
    #[diesel(sql_type = Text)]
    pub source: String,
    #[diesel(sql_type = Nullable<Double>)]
    pub cpu_percent: Option<f64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub memory_used_bytes: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub memory_total_bytes: Option<i64>,
    #[diesel(sql_type = Jsonb)]
    #[schema(value_type = Object)]
    pub extra: serde_json::Value,
}

/// The samples of `job`: those it posted (of its repository, run attempt
/// and runner, taken while it ran with a minute's slack either side: a
/// self-hosted runner runs jobs of one attempt one after another), and
/// those the scanner read of its runner's pod while it ran (an ARC runner
/// runs one job).
pub async fn of_job(
    conn: &mut AsyncPgConnection,
    job: &JobView,
) -> diesel::QueryResult<JobResources> {
    let (Some(runner), Some(from)) = (
        job.runner_name.as_deref(),
        job.started_at.or(job.job_created_at),
    ) else {
        return Ok(JobResources {
            github_job_id: job.github_job_id,
            summary: ResourceSummary::default(),
            samples: Vec::new(),
        });
    };
    let to = job.completed_at.unwrap_or_else(chrono::Utc::now);
    // two selects, each served by its index (the unique key; the runner's)
    let samples: Vec<StoredSample> = diesel::sql_query(
        "SELECT sampled_at AS t, source::text AS source, cpu_percent, memory_used_bytes, \
            memory_total_bytes, extra FROM github_job_resource_samples \
         WHERE github_run_id = $1 AND run_attempt = $2 AND runner_name = $3 AND source = 'job' \
           AND lower(repository) = lower($4) \
           AND sampled_at BETWEEN $5 - interval '1 minute' AND $6 + interval '1 minute' \
         UNION ALL \
         SELECT sampled_at, source::text, cpu_percent, memory_used_bytes, memory_total_bytes, extra \
         FROM github_job_resource_samples \
         WHERE runner_name = $3 AND source = 'kubernetes' AND sampled_at BETWEEN $5 AND $6 \
         ORDER BY t, source",
    )
    .bind::<BigInt, _>(job.github_run_id)
    .bind::<Integer, _>(job.run_attempt)
    .bind::<Text, _>(runner)
    .bind::<Text, _>(&job.repository)
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .load(conn)
    .await?;
    Ok(JobResources {
        github_job_id: job.github_job_id,
        summary: summarize(&samples),
        samples,
    })
}

/// Mean and peaks of `samples`.
pub fn summarize(samples: &[StoredSample]) -> ResourceSummary {
    let cpu: Vec<f64> = samples.iter().filter_map(|s| s.cpu_percent).collect();
    let fractions =
        samples
            .iter()
            .filter_map(|s| match (s.memory_used_bytes, s.memory_total_bytes) {
                (Some(u), Some(t)) if t > 0 => Some(u as f64 / t as f64),
                _ => None,
            });
    ResourceSummary {
        samples: samples.len(),
        cpu_mean_percent: (!cpu.is_empty()).then(|| cpu.iter().sum::<f64>() / cpu.len() as f64),
        cpu_max_percent: cpu.iter().copied().reduce(f64::max),
        memory_max_used_bytes: samples.iter().filter_map(|s| s.memory_used_bytes).max(),
        memory_max_fraction: fractions.reduce(f64::max),
    }
}
