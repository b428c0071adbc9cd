//! Start-up and shutdown of a service process.

use std::future::Future;
use std::process::ExitCode;

use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use anyhow::Context as _;
use tokio_util::sync::CancellationToken;
use wfm_db::{DbPool, migrate};
use wfm_env::{Env, EnvError, config_error_exit};
use wfm_telemetry::Metrics;

use crate::config::{CommonConfig, ServiceInfo};
use crate::ops::OpsState;
use crate::request_span::request_span;
use crate::shutdown::spawn_signal_handler;

/// A started service: its settings, pool, metrics and the shutdown signal.
pub struct Service<C> {
    pub info: ServiceInfo,
    pub common: CommonConfig,
    /// The service's own settings.
    pub config: C,
    pub pool: DbPool,
    pub metrics: Metrics,
    /// Cancelled on SIGTERM/SIGINT: stop taking new work, finish or release what is in flight.
    pub shutdown: CancellationToken,
    ops: OpsState,
}

impl<C: std::fmt::Debug> std::fmt::Debug for Service<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The pool has no Debug; its state is on /metrics.
        f.debug_struct("Service")
            .field("info", &self.info)
            .field("common", &self.common)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Loads config, starts telemetry and the pool, runs `body`, and maps the outcome
/// to an exit code: 0 clean, 1 runtime error, 2 bad configuration.
pub fn run<C, Load, Body, Fut>(info: ServiceInfo, load: Load, body: Body) -> ExitCode
where
    Load: FnOnce(&Env) -> Result<C, EnvError>,
    Body: FnOnce(Service<C>) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let loaded = Env::from_process().and_then(|env| {
        let common = CommonConfig::from_env(&env, &info)?;
        Ok((common, load(&env)?))
    });
    let (common, config) = match loaded {
        Ok(loaded) => loaded,
        Err(e) => return config_error_exit(info.name, &e),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{}: cannot start the async runtime: {e}", info.name);
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async move {
        let _telemetry = wfm_telemetry::init(&common.telemetry)?;
        let result = start(info, common, config, body).await;
        if let Err(e) = &result {
            tracing::error!(
                error = format!("{e:#}"),
                "{} stopped with an error",
                info.name
            );
        }
        result
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}: {e:#}", info.name);
            ExitCode::FAILURE
        }
    }
}

async fn start<C, Body, Fut>(
    info: ServiceInfo,
    common: CommonConfig,
    config: C,
    body: Body,
) -> anyhow::Result<()>
where
    Body: FnOnce(Service<C>) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    tracing::info!(
        service = info.name,
        version = info.version,
        instance = %common.instance_id,
        database = %wfm_db::pool::redact(&common.db.url),
        settings_file = common.settings_file.as_ref().map(|p| p.display().to_string()),
        "starting"
    );
    let pool = common.db.build_pool()?;
    if common.migrate_on_start {
        let applied = migrate::run_pending(&common.db)
            .await
            .context("WFM_MIGRATE_ON_START is set and migrating failed")?;
        tracing::info!(applied = applied.len(), "migrations up to date");
    }
    let shutdown = CancellationToken::new();
    spawn_signal_handler(shutdown.clone()).context("cannot install signal handlers")?;
    let metrics = Metrics::new(info.name, info.version);
    let ops = OpsState::new(
        info.name,
        pool.clone(),
        metrics.clone(),
        common.ready_timeout,
    );
    body(Service {
        info,
        common,
        config,
        pool,
        metrics,
        shutdown,
        ops,
    })
    .await?;
    tracing::info!("stopped");
    Ok(())
}

impl<C> Service<C> {
    /// Runs `hook` before each `/metrics` answer (set it before serving).
    pub fn on_scrape(&mut self, hook: crate::ops::ScrapeHook) {
        self.ops.on_scrape(hook);
    }

    /// Serves the ops routes alone, with one worker: the listener of services whose
    /// work is not HTTP. Returns after shutdown.
    pub async fn serve_ops(&self) -> anyhow::Result<()> {
        self.serve(1, |_| {}).await
    }

    /// Serves the ops routes plus `routes` on `WFM_LISTEN_ADDR` with `workers`
    /// threads, until the shutdown token is cancelled; in-flight requests get
    /// `WFM_SHUTDOWN_TIMEOUT` to finish.
    pub async fn serve<F>(&self, workers: usize, routes: F) -> anyhow::Result<()>
    where
        F: Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
    {
        let ops = self.ops.clone();
        let addr = self.common.listen_addr;
        let server = HttpServer::new(move || {
            let ops = ops.clone();
            App::new()
                .wrap(from_fn(request_span))
                .configure(move |cfg| ops.configure(cfg))
                .configure(routes.clone())
        })
        .workers(workers.max(1))
        .disable_signals()
        .shutdown_timeout(whole_seconds(self.common.shutdown_timeout))
        .bind(addr)
        .with_context(|| format!("cannot listen on {addr} (WFM_LISTEN_ADDR)"))?
        .run();
        let handle = server.handle();
        let token = self.shutdown.clone();
        tokio::spawn(async move {
            token.cancelled().await;
            handle.stop(true).await;
        });
        tracing::info!(%addr, "listening");
        server.await.context("HTTP server failed")
    }
}

/// actix counts its shutdown timeout in whole seconds: round up, so `500ms` is 1 s, not 0.
fn whole_seconds(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis().div_ceil(1000)).unwrap_or(u64::MAX)
}
