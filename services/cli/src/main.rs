//! `wfm`: administration of a wfm installation from the command line.
//!
//! ```text
//! wfm migrate              apply pending migrations
//! wfm migrate status       list migrations not yet applied
//! wfm migrate revert-all --yes
//!                          revert every migration (drops all wfm tables and data)
//! wfm extract FILE... [--schema FILE] [--output json|table]
//!                          extract metrics from result files (no database)
//! wfm changes FILE [--output json|table] [--better higher|lower]
//!                          change points of the series in a CSV file (no database)
//! wfm runs reap            return runs whose lease expired to the queue
//! wfm runs requeue --status failed [--config N]
//!                          collect finished runs again
//! wfm probe URL [--timeout 2s]
//!                          GET a health endpoint: exit 0 on 2xx (container health checks)
//! wfm demo --results DIR --secret S [--api URL]... [--jobs 14]
//!                          play finished benchmark jobs against a running wfm
//! ```
//! `migrate` reads `DATABASE_URL` (and the `WFM_DB_*` settings) like the
//! services; `extract` reads the `WFM_LLM_*` settings. A bad value exits 2.

mod changes;
mod demo;
mod extract;
mod probe;
mod report;
mod runs;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use wfm_db::{DbConfig, migrate};
use wfm_env::{EXIT_CONFIG, Env, config_error_exit};

#[derive(Debug, Parser)]
#[command(name = "wfm", version, about = "Administer a wfm installation")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Apply pending database migrations (or see `wfm migrate --help`).
    Migrate {
        #[command(subcommand)]
        action: Option<MigrateAction>,
    },
    /// Extract metrics from result files and print format, schema, records
    /// and warnings; exits 1 when a file cannot be read or parsed.
    Extract(extract::ExtractArgs),
    /// Find the steps in the series of a CSV file (a `value` column; optional
    /// `index`, `timestamp`, `series`) with the detector wfm uses.
    Changes(changes::ChangesArgs),
    /// Compute reports now and print them (a dry run): `wfm report github --repo OWNER/NAME`.
    Report {
        #[command(subcommand)]
        what: report::ReportCommand,
    },
    /// Queue maintenance: reap expired leases, requeue finished runs.
    Runs {
        #[command(subcommand)]
        action: runs::RunsAction,
    },
    /// Metric rollup maintenance: rebuild the hourly rollups.
    Rollups {
        #[command(subcommand)]
        action: runs::RollupsAction,
    },
    /// GET a service's health endpoint; exit 0 on a 2xx answer (for
    /// container health checks in images without curl).
    Probe(probe::ProbeArgs),
    /// Play a burst of finished nightly benchmark jobs against a running wfm
    /// (result files into the collector's folder, signed webhooks to the
    /// api), wait until they are collected, print runs, schema and a trend.
    Demo(demo::DemoArgs),
}

#[derive(Debug, Subcommand)]
enum MigrateAction {
    /// Apply pending migrations (the default).
    Up,
    /// List migrations not yet applied; exits 1 when any are pending.
    Status,
    /// Revert every migration: drops all wfm tables and their data.
    RevertAll {
        /// Confirm that all data may be dropped.
        #[arg(long)]
        yes: bool,
    },
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Extract(args) => extract::run(args),
        Command::Changes(args) => changes::run(args),
        Command::Report { what } => report::run(what),
        Command::Migrate { action } => with_database(async |db| run_migrate(action, db).await),
        Command::Runs { action } => with_database(async |db| runs::run(action, db).await),
        Command::Rollups { action } => with_database(async |db| runs::rollups(action, db).await),
        Command::Probe(args) => probe::run(args),
        Command::Demo(args) => demo::run(args),
    }
}

/// A single-threaded runtime for one command; on failure, the exit code
/// after saying why.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("wfm: cannot start the async runtime: {e}");
            ExitCode::FAILURE
        })
}

/// Runs a database command: configuration from the environment (exit 2 when
/// bad), errors printed (exit 1).
fn with_database(command: impl AsyncFnOnce(&DbConfig) -> anyhow::Result<ExitCode>) -> ExitCode {
    let db = match Env::from_process().and_then(|env| DbConfig::from_env(&env, "wfm-cli")) {
        Ok(db) => db,
        Err(e) => return config_error_exit("wfm", &e),
    };
    let runtime = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    match runtime.block_on(command(&db)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("wfm: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run_migrate(action: Option<MigrateAction>, db: &DbConfig) -> anyhow::Result<ExitCode> {
    match action.unwrap_or(MigrateAction::Up) {
        MigrateAction::Up => {
            let applied = migrate::run_pending(db).await?;
            if applied.is_empty() {
                println!("migrations: up to date");
            } else {
                for version in &applied {
                    println!("applied {version}");
                }
                println!("migrations: {} applied", applied.len());
            }
            Ok(ExitCode::SUCCESS)
        }
        MigrateAction::Status => {
            let pending = migrate::pending(db).await?;
            for version in &pending {
                println!("pending {version}");
            }
            println!("migrations: {} pending", pending.len());
            Ok(if pending.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        MigrateAction::RevertAll { yes } => {
            if !yes {
                eprintln!("wfm: revert-all drops every wfm table; pass --yes to confirm");
                return Ok(ExitCode::from(EXIT_CONFIG));
            }
            let reverted = migrate::revert_all(db).await?;
            println!("migrations: {} reverted", reverted.len());
            Ok(ExitCode::SUCCESS)
        }
    }
}
