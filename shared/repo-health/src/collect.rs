//! One pass of the periodic collector: claim the due collections, gather
//! each repository (the workflow runs from wfm's webhooks when they cover
//! the window, else from REST), compute the 23 metrics at T = now, record
//! them, push them. No connection is held while GitHub answers.

use std::time::Duration;

use chrono::{DateTime, Utc};
use wfm_db::DbPool;
use wfm_github::rest::{GithubClient, RestError};

use wfm_env::{Env, EnvError};

use crate::export::{PushSettings, Pusher};
use crate::gather::{CiSource, CommitCache, gather_from, repo_info};
use crate::history::webhook_runs;
use crate::schedule::{self, Due, Source};
use crate::{Report, compute};

/// The periodic collector's settings.
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `WFM_REPO_HEALTH_ENABLED` | true | whether this collector collects repository health |
/// | `WFM_REPO_HEALTH_REPOSITORIES` | unset | `owner/name,…` watched from the start (added when missing; the API adds and removes more) |
/// | `WFM_REPO_HEALTH_INTERVAL` | 15m | the interval of repositories added from the settings |
/// | `WFM_REPO_HEALTH_POLL_INTERVAL` | 30s | how often due collections are looked for |
/// | `WFM_REPO_HEALTH_LEASE` | 10m | a claimed collection is this replica's for so long (then another may take it) |
/// | `WFM_REPO_HEALTH_USE_WEBHOOKS` | true | let the runs wfm's webhooks received serve the `ci.*` metrics when they cover the window |
/// | `WFM_REPO_HEALTH_OTLP_ENDPOINT` | unset | push each collection to this OTLP/HTTP endpoint (`<it>/v1/metrics`) |
/// | `WFM_DATADOG_API_KEY`, `WFM_DATADOG_SITE` | unset, `datadoghq.com` | push each collection to Datadog's series intake |
/// | `WFM_REPO_HEALTH_PUSH_TIMEOUT` | 10s | one push |
#[derive(Debug, Clone)]
pub struct Settings {
    pub enabled: bool,
    pub repositories: Vec<String>,
    pub interval_seconds: i32,
    pub poll_interval: Duration,
    /// How long a claimed collection is this worker's: past it, another
    /// replica may take it (a worker that died mid-collection).
    pub lease: Duration,
    /// Collections claimed at a time.
    pub batch: i64,
    /// Whether the workflow runs wfm's webhooks received may serve the
    /// `ci.*` metrics (when they cover the window).
    pub use_webhooks: bool,
    pub push: PushSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            enabled: true,
            repositories: Vec::new(),
            interval_seconds: crate::store::DEFAULT_INTERVAL_SECONDS,
            poll_interval: Duration::from_secs(30),
            lease: Duration::from_secs(600),
            batch: 1,
            use_webhooks: true,
            push: PushSettings::default(),
        }
    }
}

impl Settings {
    pub fn from_env(env: &Env) -> Result<Self, EnvError> {
        let d = Self::default();
        let interval = env.duration_or(
            "WFM_REPO_HEALTH_INTERVAL",
            Duration::from_secs(d.interval_seconds as u64),
        )?;
        if !(60..=604_800).contains(&interval.as_secs()) {
            return Err(EnvError::invalid(
                "WFM_REPO_HEALTH_INTERVAL",
                format!("{}s", interval.as_secs()),
                "must be 1m to 7d",
            ));
        }
        let repositories = env.list("WFM_REPO_HEALTH_REPOSITORIES");
        for name in &repositories {
            crate::store::parse_name(name)
                .map_err(|e| EnvError::invalid("WFM_REPO_HEALTH_REPOSITORIES", name, e))?;
        }
        Ok(Self {
            enabled: env.bool_or("WFM_REPO_HEALTH_ENABLED", d.enabled)?,
            repositories,
            interval_seconds: interval.as_secs() as i32,
            poll_interval: env.duration_or("WFM_REPO_HEALTH_POLL_INTERVAL", d.poll_interval)?,
            lease: env.duration_or("WFM_REPO_HEALTH_LEASE", d.lease)?,
            batch: d.batch,
            use_webhooks: env.bool_or("WFM_REPO_HEALTH_USE_WEBHOOKS", d.use_webhooks)?,
            push: PushSettings::from_env(env)?,
        })
    }
}

/// What a pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    pub collected: usize,
    /// Rate-limited: handed back until GitHub's reset, no failure counted.
    pub deferred: usize,
    pub failed: usize,
    /// Pushes that did not go through (the values are recorded regardless).
    pub push_failures: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("no database connection: {0}")]
    Pool(String),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

async fn conn(pool: &DbPool) -> Result<wfm_db::PooledConn, CollectError> {
    pool.get()
        .await
        .map_err(|e| CollectError::Pool(e.to_string()))
}

/// Claims and collects the due repositories until none is due, each over
/// the 7 days ending when it is collected (or at `at`, a test's clock).
pub async fn collect_due(
    pool: &DbPool,
    client: &GithubClient,
    worker: &str,
    settings: &Settings,
    cache: &mut CommitCache,
    pusher: Option<&Pusher>,
    at: Option<DateTime<Utc>>,
) -> Result<Pass, CollectError> {
    let mut pass = Pass::default();
    loop {
        let claimed = schedule::claim_due(
            &mut *conn(pool).await?,
            worker,
            settings.lease,
            settings.batch,
        )
        .await?;
        if claimed.is_empty() {
            return Ok(pass);
        }
        for due in &claimed {
            let on = On {
                pool,
                client,
                worker,
                settings,
                at,
            };
            collect_one(&on, cache, pusher, due, &mut pass).await?;
        }
    }
}

/// What a collection works with.
struct On<'a> {
    pool: &'a DbPool,
    client: &'a GithubClient,
    worker: &'a str,
    settings: &'a Settings,
    at: Option<DateTime<Utc>>,
}

async fn collect_one(
    on: &On<'_>,
    cache: &mut CommitCache,
    pusher: Option<&Pusher>,
    due: &Due,
    pass: &mut Pass,
) -> Result<(), CollectError> {
    let full = format!("{}/{}", due.owner, due.name);
    let pool = on.pool;
    match measure(on, cache, due).await? {
        Ok((report, ci, complete)) => {
            let recorded = schedule::record(
                &mut *conn(pool).await?,
                due,
                on.worker,
                &report,
                ci,
                complete,
            )
            .await?;
            if !recorded {
                tracing::warn!(repository = %full, "lease lost: another replica collects it");
                return Ok(());
            }
            pass.collected += 1;
            tracing::info!(repository = %full, source = ci.as_str(), complete, "collected repository health");
            if let Some(pusher) = pusher {
                for failure in pusher.push(&full, &report, ci).await {
                    pass.push_failures += 1;
                    tracing::warn!(repository = %full, error = %failure, "push failed");
                }
            }
        }
        Err(RestError::RateLimited { retry_after }) => {
            let until = Utc::now() + chrono::Duration::from_std(retry_after).unwrap_or_default();
            let message = format!("GitHub rate limit: deferred to {until}");
            schedule::defer(&mut *conn(pool).await?, due, on.worker, until, &message).await?;
            pass.deferred += 1;
            tracing::warn!(repository = %full, retry_in = retry_after.as_secs(), "rate limited: deferred");
        }
        Err(e) => {
            schedule::fail(&mut *conn(pool).await?, due, on.worker, &e.to_string()).await?;
            pass.failed += 1;
            tracing::warn!(repository = %full, error = %e, "collecting repository health failed");
        }
    }
    Ok(())
}

/// The metrics of `due` now: the report, which source served the runs, and
/// whether every list was read whole. The outer error is the database's.
async fn measure(
    on: &On<'_>,
    cache: &mut CommitCache,
    due: &Due,
) -> Result<Result<(Report, Source, bool), RestError>, CollectError> {
    let (pool, client) = (on.pool, on.client);
    let info = match repo_info(client, &due.owner, &due.name).await {
        Ok(info) => info,
        Err(e) => return Ok(Err(e)),
    };
    let at = on.at.unwrap_or_else(Utc::now);
    let hooked = if on.settings.use_webhooks {
        webhook_runs(
            &mut *conn(pool).await?,
            &info.full_name,
            &info.default_branch,
            at,
        )
        .await?
    } else {
        None
    };
    let (ci, source) = match hooked {
        Some(runs) => (CiSource::Given(runs), Source::Webhooks),
        None => (CiSource::Rest, Source::Rest),
    };
    Ok(gather_from(client, &info, at, cache, ci)
        .await
        .map(|g| (compute(&g.snapshot, at), source, g.complete)))
}
