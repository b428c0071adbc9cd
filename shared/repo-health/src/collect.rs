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

/// The lease: at least 30 s, so that renewing it every third of it is not
/// a busy loop and a slow answer does not lose it.
fn lease_of(env: &Env, default: Duration) -> Result<Duration, EnvError> {
    let lease = env.duration_or("WFM_REPO_HEALTH_LEASE", default)?;
    if lease < Duration::from_secs(30) {
        return Err(EnvError::invalid(
            "WFM_REPO_HEALTH_LEASE",
            format!("{}s", lease.as_secs_f64()),
            "must be at least 30s",
        ));
    }
    Ok(lease)
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
            lease: lease_of(env, d.lease)?,
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
    /// GitHub's wait when a rate limit ended the pass: the token is spent
    /// for every repository, so no other is claimed until then.
    pub rate_limited: Option<Duration>,
    /// Collections whose lease ran out while they were collected (another
    /// replica took them): nothing recorded.
    pub lost: usize,
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
/// the 7 days ending when it is collected (or at `at`, a test's clock). A
/// rate limit ends the pass: the token is spent for every repository.
pub async fn collect_due(
    pool: &DbPool,
    client: &GithubClient,
    worker: &str,
    settings: &Settings,
    cache: &mut CommitCache,
    pusher: Option<&Pusher>,
    at: Option<DateTime<Utc>>,
) -> Result<Pass, CollectError> {
    let on = On {
        pool,
        client,
        worker,
        settings,
        at,
    };
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
        for (i, due) in claimed.iter().enumerate() {
            let Some(wait) = collect_one(&on, cache, pusher, due, &mut pass).await? else {
                continue;
            };
            // the rest of the claim waits for the same reset
            let until = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
            for rest in &claimed[i + 1..] {
                schedule::defer(
                    &mut *conn(pool).await?,
                    rest,
                    worker,
                    until,
                    "GitHub rate limit",
                )
                .await?;
            }
            pass.rate_limited = Some(wait);
            return Ok(pass);
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

/// Collects `due`, renewing its lease every third of it meanwhile; GitHub's
/// wait when it was rate-limited.
async fn collect_one(
    on: &On<'_>,
    cache: &mut CommitCache,
    pusher: Option<&Pusher>,
    due: &Due,
    pass: &mut Pass,
) -> Result<Option<Duration>, CollectError> {
    let full = format!("{}/{}", due.owner, due.name);
    let pool = on.pool;
    let measured = tokio::select! {
        measured = measure(on, cache, due) => measured?,
        lost = hold_lease(on, due) => {
            lost?;
            pass.lost += 1;
            tracing::warn!(repository = %full, "lease lost mid-collection: another replica collects it");
            return Ok(None);
        }
    };
    match measured {
        Ok(measured) => {
            let recorded = schedule::record(
                &mut *conn(pool).await?,
                due,
                on.worker,
                &measured.report,
                measured.ci,
                measured.complete,
            )
            .await?;
            if !recorded {
                pass.lost += 1;
                tracing::warn!(repository = %full, "lease lost: another replica collects it");
                return Ok(None);
            }
            pass.collected += 1;
            tracing::info!(repository = %measured.repository, source = measured.ci.as_str(), complete = measured.complete, "collected repository health");
            if let Some(pusher) = pusher {
                let failed = pusher
                    .push(
                        &measured.repository,
                        &measured.report,
                        measured.ci,
                        measured.complete,
                    )
                    .await;
                for failure in failed {
                    pass.push_failures += 1;
                    tracing::warn!(repository = %measured.repository, error = %failure, "push failed");
                }
            }
            Ok(None)
        }
        Err(RestError::RateLimited { retry_after }) => {
            let until = Utc::now() + chrono::Duration::from_std(retry_after).unwrap_or_default();
            let message = format!("GitHub rate limit: deferred to {until}");
            schedule::defer(&mut *conn(pool).await?, due, on.worker, until, &message).await?;
            pass.deferred += 1;
            tracing::warn!(repository = %full, retry_in = retry_after.as_secs(), "rate limited: deferred");
            Ok(Some(retry_after))
        }
        Err(e) => {
            schedule::fail(&mut *conn(pool).await?, due, on.worker, &e.to_string()).await?;
            pass.failed += 1;
            tracing::warn!(repository = %full, error = %e, "collecting repository health failed");
            Ok(None)
        }
    }
}

/// Renews the lease of `due` every third of it; returns once it is lost.
async fn hold_lease(on: &On<'_>, due: &Due) -> Result<(), CollectError> {
    let lease = on.settings.lease;
    loop {
        tokio::time::sleep(lease / 3).await;
        let renewed = match conn(on.pool).await {
            Ok(mut c) => schedule::renew_lease(&mut c, due, on.worker, lease).await,
            Err(e) => {
                tracing::warn!(error = %e, "cannot renew a repository health lease");
                continue;
            }
        };
        match renewed {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(e) => tracing::warn!(error = %e, "cannot renew a repository health lease"),
        }
    }
}

/// One repository measured.
struct Measured {
    /// `owner/name` as GitHub spells it.
    repository: String,
    report: Report,
    /// Which source served the workflow runs.
    ci: Source,
    /// Whether every list was read whole.
    complete: bool,
}

/// The metrics of `due` now. The outer error is the database's.
async fn measure(
    on: &On<'_>,
    cache: &mut CommitCache,
    due: &Due,
) -> Result<Result<Measured, RestError>, CollectError> {
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
        .map(|g| Measured {
            repository: g.repository,
            report: compute(&g.snapshot, at),
            ci: source,
            complete: g.complete,
        }))
}
