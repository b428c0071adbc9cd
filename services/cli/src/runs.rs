//! `wfm runs` and `wfm rollups`: queue and rollup maintenance from the command line.

use std::process::ExitCode;
use std::time::Duration;

use clap::Subcommand;
use wfm_db::{DbConfig, RunStatus, queue};

#[derive(Debug, Subcommand)]
pub enum RunsAction {
    /// Return runs whose lease expired (a crashed collector) to the queue now.
    Reap,
    /// Put finished runs back to pending with a fresh retry budget; a
    /// completed run collected again replaces its metrics.
    Requeue {
        /// Which finished runs: failed, skipped or completed.
        #[arg(long, value_parser = finished_status)]
        status: RunStatus,
        /// Only this config's runs.
        #[arg(long)]
        config: Option<i64>,
    },
}

fn finished_status(text: &str) -> Result<RunStatus, String> {
    match text.parse::<RunStatus>() {
        Ok(s @ (RunStatus::Failed | RunStatus::Skipped | RunStatus::Completed)) => Ok(s),
        Ok(other) => Err(format!(
            "{other} runs are not finished; use failed, skipped or completed"
        )),
        Err(e) => Err(e.to_string()),
    }
}

pub async fn run(action: RunsAction, db: &DbConfig) -> anyhow::Result<ExitCode> {
    let mut conn = wfm_db::pool::connect(&db.url, db).await?;
    match action {
        RunsAction::Reap => {
            // The collector's default backoff before a reaped run is tried again.
            let backoff = queue::Backoff {
                base: Duration::from_secs(30),
                cap: Duration::from_secs(3600),
            };
            let n = queue::reap(&mut conn, backoff).await?;
            println!("runs: {n} reaped");
        }
        RunsAction::Requeue { status, config } => {
            let n = queue::requeue(&mut conn, status, config).await?;
            println!("runs: {n} requeued");
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Subcommand)]
pub enum RollupsAction {
    /// Recompute the hourly metric rollups from the stored records (after
    /// records were written or deleted outside the collector).
    Refresh {
        /// Only this config.
        #[arg(long)]
        config: Option<i64>,
    },
}

pub async fn rollups(action: RollupsAction, db: &DbConfig) -> anyhow::Result<ExitCode> {
    let mut conn = wfm_db::pool::connect(&db.url, db).await?;
    match action {
        RollupsAction::Refresh { config } => {
            let n = wfm_db::rollups::rebuild(&mut conn, config).await?;
            println!("rollups: {n} configs refreshed");
        }
    }
    Ok(ExitCode::SUCCESS)
}
