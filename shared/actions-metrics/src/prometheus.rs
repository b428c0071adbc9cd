//! GitHub's workflow and job metrics on the api's `/metrics`, computed from
//! `github_actions_runs`, `github_workflow_jobs` and the deliveries, and
//! served from a cache for `WFM_GITHUB_METRICS_CACHE`. The `github_` of their
//! names is `WFM_GITHUB_METRICS_PREFIX` (the `wfm_*` names stay):
//!
//! - `github_workflow_run_total{repository,workflow,conclusion}` (completed attempts)
//! - `github_workflow_runs_open{repository,workflow,status}` (gauge: attempts not completed yet)
//! - `github_workflow_run_duration_seconds{repository,workflow,conclusion}` (run start → completion)
//! - `github_job_run_total{repository,workflow,job,runner_label,conclusion}` (completed jobs)
//! - `github_job_runs_open{repository,workflow,job,runner_label,status}` (gauge: jobs not completed yet)
//! - `github_job_run_duration_seconds{repository,workflow,job,runner_label,conclusion}` (start → completion)
//! - `github_job_queue_duration_seconds{repository,workflow,job,runner_label}` (queued → started)
//! - `github_job_cost{repository,workflow,runner_label}` (runner minutes × the label's price)
//! - `wfm_webhook_errors_total{event}` (deliveries kept with an error)
//!
//! Counters count completed rows only, so they never go down as rows move on
//! (except when a value enters or leaves the top-N; allow-lists avoid that).
//! Label values outside each label's allow-list or top-N become `other`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Double, Text};
use diesel_async::RunQueryDsl as _;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric as _, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use wfm_db::DbPool;
use wfm_telemetry::Cached;

/// Why the metrics could not be computed (they keep their last values).
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    #[error("no database connection: {0}")]
    Pool(#[from] diesel_async::pooled_connection::deadpool::PoolError),
    #[error("reading the GitHub tables: {0}")]
    Query(#[from] diesel::result::Error),
}

use crate::{CiConfig, RUNNER_LABEL_SQL};

/// Histogram bounds in seconds: a second to a day.
const BUCKETS: [f64; 15] = [
    1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0, 3600.0, 7200.0, 14400.0,
    28800.0, 86400.0,
];

/// `count(*) FILTER (WHERE <col> <= b)` for every bound, as an int8 array.
fn cumulative(column: &str) -> String {
    let counts: Vec<String> = BUCKETS
        .iter()
        .map(|b| format!("count(*) FILTER (WHERE {column} <= {b})"))
        .collect();
    format!("ARRAY[{}]::int8[]", counts.join(", "))
}

#[derive(QueryableByName)]
struct JobGroup {
    #[diesel(sql_type = Text)]
    repository: String,
    #[diesel(sql_type = Text)]
    workflow: String,
    #[diesel(sql_type = Text)]
    job: String,
    #[diesel(sql_type = Text)]
    runner_label: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Text)]
    conclusion: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = BigInt)]
    d_count: i64,
    #[diesel(sql_type = Double)]
    d_sum: f64,
    #[diesel(sql_type = Array<BigInt>)]
    d_le: Vec<i64>,
    #[diesel(sql_type = BigInt)]
    q_count: i64,
    #[diesel(sql_type = Double)]
    q_sum: f64,
    #[diesel(sql_type = Array<BigInt>)]
    q_le: Vec<i64>,
    #[diesel(sql_type = Double)]
    minutes: f64,
}

#[derive(QueryableByName)]
struct RunGroup {
    #[diesel(sql_type = Text)]
    repository: String,
    #[diesel(sql_type = Text)]
    workflow: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Text)]
    conclusion: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = BigInt)]
    d_count: i64,
    #[diesel(sql_type = Double)]
    d_sum: f64,
    #[diesel(sql_type = Array<BigInt>)]
    d_le: Vec<i64>,
}

#[derive(QueryableByName)]
struct ErrorGroup {
    #[diesel(sql_type = Text)]
    event: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// A histogram: count, sum, and cumulative counts at each of [`BUCKETS`].
#[derive(Debug, Clone, Default)]
struct Histogram {
    count: u64,
    sum: f64,
    le: Vec<u64>,
}

impl Histogram {
    fn add(&mut self, count: i64, sum: f64, le: &[i64]) {
        self.count += u64::try_from(count).unwrap_or(0);
        self.sum += sum;
        self.le.resize(BUCKETS.len(), 0);
        for (mine, theirs) in self.le.iter_mut().zip(le) {
            *mine += u64::try_from(*theirs).unwrap_or(0);
        }
    }

    /// Per-bucket counts, `+Inf` last, as the encoder takes them.
    fn buckets(&self) -> Vec<(f64, u64)> {
        let mut out = Vec::with_capacity(BUCKETS.len() + 1);
        let mut below = 0;
        for (bound, le) in BUCKETS
            .iter()
            .zip(self.le.iter().chain(std::iter::repeat(&0)))
        {
            out.push((*bound, le.saturating_sub(below)));
            below = *le;
        }
        out.push((f64::INFINITY, self.count.saturating_sub(below)));
        out
    }
}

type Labels = Vec<(&'static str, String)>;

/// The values one scrape reports.
#[derive(Debug, Default)]
pub struct Snapshot {
    run_total: BTreeMap<Labels, u64>,
    run_open: BTreeMap<Labels, u64>,
    job_open: BTreeMap<Labels, u64>,
    run_duration: BTreeMap<Labels, Histogram>,
    job_total: BTreeMap<Labels, u64>,
    job_duration: BTreeMap<Labels, Histogram>,
    job_queue: BTreeMap<Labels, Histogram>,
    job_cost: BTreeMap<Labels, f64>,
    webhook_errors: BTreeMap<Labels, u64>,
}

/// Reads the tables into a [`Snapshot`].
async fn compute(pool: &DbPool, config: &CiConfig) -> Result<Snapshot, MetricsError> {
    let mut conn = pool.get().await?;
    let jobs: Vec<JobGroup> = diesel::sql_query(format!(
        "SELECT j.repository, COALESCE(j.workflow_name, '') AS workflow, j.job_name AS job, \
            {RUNNER_LABEL_SQL} AS runner_label, j.status, COALESCE(j.conclusion, '') AS conclusion, \
            count(*) AS n, count(x.d) AS d_count, COALESCE(sum(x.d), 0) AS d_sum, {d_le} AS d_le, \
            count(x.q) AS q_count, COALESCE(sum(x.q), 0) AS q_sum, {q_le} AS q_le, \
            COALESCE(sum(ceil(x.d / 60)), 0)::float8 AS minutes \
         FROM github_workflow_jobs j CROSS JOIN LATERAL (SELECT \
            CASE WHEN j.status = 'completed' AND j.completed_at >= j.started_at \
                 THEN extract(epoch FROM j.completed_at - j.started_at)::float8 END AS d, \
            CASE WHEN j.started_at >= j.job_created_at \
                 THEN extract(epoch FROM j.started_at - j.job_created_at)::float8 END AS q) x \
         GROUP BY 1, 2, 3, 4, 5, 6",
        d_le = cumulative("x.d"),
        q_le = cumulative("x.q"),
    ))
    .load(&mut conn)
    .await?;
    let runs: Vec<RunGroup> = diesel::sql_query(format!(
        "SELECT r.repository, COALESCE(r.workflow_name, '') AS workflow, r.status, \
            COALESCE(r.conclusion, '') AS conclusion, count(*) AS n, count(x.d) AS d_count, \
            COALESCE(sum(x.d), 0) AS d_sum, {d_le} AS d_le \
         FROM github_actions_runs r CROSS JOIN LATERAL (SELECT \
            CASE WHEN r.status = 'completed' AND r.completed_at >= r.run_started_at \
                 THEN extract(epoch FROM r.completed_at - r.run_started_at)::float8 END AS d) x \
         GROUP BY 1, 2, 3, 4",
        d_le = cumulative("x.d"),
    ))
    .load(&mut conn)
    .await?;
    let errors: Vec<ErrorGroup> = diesel::sql_query(
        "SELECT event, count(*) AS n FROM github_webhook_deliveries \
         WHERE error_message IS NOT NULL GROUP BY 1",
    )
    .load(&mut conn)
    .await?;
    Ok(fold(config, &jobs, &runs, &errors))
}

/// The values each label keeps: its allow-list, else its `top` most frequent.
fn kept(
    allow: Option<&HashSet<String>>,
    counts: HashMap<&str, i64>,
    top: usize,
) -> HashSet<String> {
    if let Some(allow) = allow {
        return allow.clone();
    }
    let mut counts: Vec<(&str, i64)> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    counts
        .into_iter()
        .take(top)
        .map(|(v, _)| v.to_owned())
        .collect()
}

fn bounded(value: &str, kept: &HashSet<String>) -> String {
    if kept.contains(value) {
        value.to_owned()
    } else {
        "other".to_owned()
    }
}

fn fold(
    config: &CiConfig,
    jobs: &[JobGroup],
    runs: &[RunGroup],
    errors: &[ErrorGroup],
) -> Snapshot {
    let (mut repos, mut workflows, mut names, mut labels) = (
        HashMap::new(),
        HashMap::new(),
        HashMap::new(),
        HashMap::new(),
    );
    for j in jobs {
        *repos.entry(j.repository.as_str()).or_default() += j.n;
        *workflows.entry(j.workflow.as_str()).or_default() += j.n;
        *names.entry(j.job.as_str()).or_default() += j.n;
        *labels.entry(j.runner_label.as_str()).or_default() += j.n;
    }
    for r in runs {
        *repos.entry(r.repository.as_str()).or_default() += r.n;
        *workflows.entry(r.workflow.as_str()).or_default() += r.n;
    }
    let allow = &config.allow;
    let repos = kept(allow.repositories.as_ref(), repos, config.top);
    let workflows = kept(allow.workflows.as_ref(), workflows, config.top);
    let names = kept(allow.jobs.as_ref(), names, config.top);
    let labels = kept(allow.runner_labels.as_ref(), labels, config.top);

    let mut s = Snapshot::default();
    for r in runs {
        let repository = bounded(&r.repository, &repos);
        let workflow = bounded(&r.workflow, &workflows);
        let n = u64::try_from(r.n).unwrap_or(0);
        let (label, value, into) = if r.status == "completed" {
            ("conclusion", &r.conclusion, &mut s.run_total)
        } else {
            ("status", &r.status, &mut s.run_open)
        };
        let key = vec![
            ("repository", repository.clone()),
            ("workflow", workflow.clone()),
            (label, value.clone()),
        ];
        *into.entry(key).or_default() += n;
        if r.d_count > 0 {
            let key = vec![
                ("repository", repository),
                ("workflow", workflow),
                ("conclusion", r.conclusion.clone()),
            ];
            s.run_duration
                .entry(key)
                .or_default()
                .add(r.d_count, r.d_sum, &r.d_le);
        }
    }
    for j in jobs {
        let repository = bounded(&j.repository, &repos);
        let workflow = bounded(&j.workflow, &workflows);
        let job = bounded(&j.job, &names);
        let runner_label = bounded(&j.runner_label, &labels);
        let base = vec![
            ("repository", repository.clone()),
            ("workflow", workflow.clone()),
            ("job", job),
            ("runner_label", runner_label.clone()),
        ];
        let with = |extra: &[(&'static str, &String)]| {
            let mut key = base.clone();
            key.extend(extra.iter().map(|(k, v)| (*k, (*v).clone())));
            key
        };
        let n = u64::try_from(j.n).unwrap_or(0);
        if j.status == "completed" {
            *s.job_total
                .entry(with(&[("conclusion", &j.conclusion)]))
                .or_default() += n;
        } else {
            *s.job_open
                .entry(with(&[("status", &j.status)]))
                .or_default() += n;
        }
        if j.d_count > 0 {
            s.job_duration
                .entry(with(&[("conclusion", &j.conclusion)]))
                .or_default()
                .add(j.d_count, j.d_sum, &j.d_le);
        }
        if j.q_count > 0 {
            s.job_queue
                .entry(base.clone())
                .or_default()
                .add(j.q_count, j.q_sum, &j.q_le);
        }
        if let Some(price) = config.price(&j.runner_label).filter(|_| j.minutes > 0.0) {
            let key = vec![
                ("repository", repository),
                ("workflow", workflow),
                ("runner_label", runner_label),
            ];
            *s.job_cost.entry(key).or_default() += j.minutes * price;
        }
    }
    for e in errors {
        *s.webhook_errors
            .entry(vec![("event", e.event.clone())])
            .or_default() += u64::try_from(e.n).unwrap_or(0);
    }
    s
}

/// The GitHub metrics of this process's `/metrics`.
pub struct GithubMetrics {
    pool: DbPool,
    config: CiConfig,
    current: Cached<Snapshot>,
}

impl std::fmt::Debug for GithubMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GithubMetrics")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl GithubMetrics {
    pub fn new(pool: DbPool, config: CiConfig) -> Arc<Self> {
        let current = Cached::new(config.cache);
        Arc::new(Self {
            pool,
            config,
            current,
        })
    }

    /// Reads the tables again unless the values are younger than the cache
    /// period; one reader at a time. A failed read keeps the last values.
    pub async fn refresh_if_stale(&self) {
        let read = self
            .current
            .refresh_if_stale(|| compute(&self.pool, &self.config))
            .await;
        if let Err(e) = read {
            tracing::warn!(
                error = format!("{e:#}"),
                "computing the GitHub metrics failed"
            );
        }
    }

    /// Reads the tables now.
    pub async fn refresh(&self) -> Result<(), MetricsError> {
        self.current.set(compute(&self.pool, &self.config).await?);
        Ok(())
    }

    /// A collector for a registry, encoding the latest values.
    pub fn collector(self: &Arc<Self>) -> Box<dyn Collector> {
        Box::new(Exposed(self.clone()))
    }
}

#[derive(Debug)]
struct Exposed(Arc<GithubMetrics>);

impl Collector for Exposed {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let Some(snapshot) = self.0.current.get() else {
            return Ok(());
        };
        let s = &*snapshot;
        let name = |name: &str| self.0.config.metric_name(name);
        counters(
            &mut encoder,
            &name("workflow_run"),
            "Completed workflow run attempts",
            &s.run_total,
        )?;
        gauges(
            &mut encoder,
            &name("workflow_runs_open"),
            "Workflow run attempts not completed yet, by status",
            &s.run_open,
        )?;
        histograms(
            &mut encoder,
            &name("workflow_run_duration_seconds"),
            "Completed workflow runs: run start to completion",
            &s.run_duration,
        )?;
        counters(
            &mut encoder,
            &name("job_run"),
            "Completed jobs",
            &s.job_total,
        )?;
        gauges(
            &mut encoder,
            &name("job_runs_open"),
            "Jobs not completed yet, by status",
            &s.job_open,
        )?;
        histograms(
            &mut encoder,
            &name("job_run_duration_seconds"),
            "Completed jobs: start to completion",
            &s.job_duration,
        )?;
        histograms(
            &mut encoder,
            &name("job_queue_duration_seconds"),
            "Jobs: queued to started",
            &s.job_queue,
        )?;
        let cost_name = name("job_cost");
        let mut cost = encoder.encode_descriptor(
            &cost_name,
            "Runner minutes of completed jobs (each rounded up) times the runner label's price",
            None,
            MetricType::Gauge,
        )?;
        for (labels, value) in &s.job_cost {
            ConstGauge::new(*value).encode(cost.encode_family(labels)?)?;
        }
        counters(
            &mut encoder,
            "wfm_webhook_errors",
            "Webhook deliveries kept with an error (unreadable or not applicable)",
            &s.webhook_errors,
        )
    }
}

fn counters(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    values: &BTreeMap<Labels, u64>,
) -> Result<(), std::fmt::Error> {
    let mut metric = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
    for (labels, value) in values {
        ConstCounter::new(*value).encode(metric.encode_family(labels)?)?;
    }
    Ok(())
}

fn gauges(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    values: &BTreeMap<Labels, u64>,
) -> Result<(), std::fmt::Error> {
    let mut metric = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
    for (labels, value) in values {
        ConstGauge::new(i64::try_from(*value).unwrap_or(i64::MAX))
            .encode(metric.encode_family(labels)?)?;
    }
    Ok(())
}

fn histograms(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    values: &BTreeMap<Labels, Histogram>,
) -> Result<(), std::fmt::Error> {
    let mut metric = encoder.encode_descriptor(name, help, None, MetricType::Histogram)?;
    for (labels, h) in values {
        metric
            .encode_family(labels)?
            .encode_histogram::<NoLabelSet>(h.sum, h.count, &h.buckets(), None)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_per_bucket_with_inf_last() {
        let mut h = Histogram::default();
        let mut le = vec![0_i64; BUCKETS.len()];
        // values 3 s and 45 s and 100,000 s: one ≤5, two ≤60 (and up), the third only in +Inf
        for (i, bound) in BUCKETS.iter().enumerate() {
            le[i] = [3.0, 45.0, 100_000.0]
                .iter()
                .filter(|v| **v <= *bound)
                .count() as i64;
        }
        h.add(3, 100_048.0, &le);
        let buckets = h.buckets();
        assert_eq!(buckets.len(), BUCKETS.len() + 1);
        assert_eq!(buckets[1], (5.0, 1));
        assert_eq!(buckets[4], (60.0, 1));
        assert_eq!(buckets.last(), Some(&(f64::INFINITY, 1)));
        assert_eq!(buckets.iter().map(|b| b.1).sum::<u64>(), 3);
    }

    #[test]
    fn labels_beyond_the_top_become_other() {
        let counts = HashMap::from([("a", 5), ("b", 3), ("c", 1)]);
        let keep = kept(None, counts, 2);
        assert_eq!(bounded("a", &keep), "a");
        assert_eq!(bounded("c", &keep), "other");
        let allow = HashSet::from(["c".to_owned()]);
        let keep = kept(Some(&allow), HashMap::from([("a", 5)]), 2);
        assert_eq!(
            (bounded("a", &keep).as_str(), bounded("c", &keep).as_str()),
            ("other", "c")
        );
    }
}
