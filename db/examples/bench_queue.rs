//! Queue throughput: empty-work runs claimed, advanced and completed per
//! second by 1, 2 and 4 workers, each on its own connection, through the
//! real `wfm_db::queue` functions. Run by `scripts/bench-queue`, which puts a
//! plain-SQL pgbench baseline of the same statements next to it.
//!
//! `DATABASE_URL` must point at a scratch database: it is migrated and its
//! runs are deleted.

use std::time::{Duration, Instant};

use diesel_async::RunQueryDsl;
use wfm_db::queue::{self, Completion};
use wfm_db::{DbConfig, RunStatus, migrate};

const RUNS: i64 = 3000;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let url =
        std::env::var("DATABASE_URL").map_err(|_| anyhow::anyhow!("DATABASE_URL is required"))?;
    let db = DbConfig::new(url, "bench-queue");
    migrate::run_pending(&db).await?;
    println!("workers  runs  seconds  runs/s");
    for workers in [1usize, 2, 4] {
        let mut conn = wfm_db::pool::connect(&db.url, &db).await?;
        seed(&mut conn).await?;
        let start = Instant::now();
        let tasks: Vec<_> = (0..workers)
            .map(|w| {
                let db = db.clone();
                tokio::spawn(async move { drain(&db, &format!("bench-{w}")).await })
            })
            .collect();
        let mut done = 0;
        for task in tasks {
            done += task.await??;
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{workers:>7}  {done:>4}  {secs:>7.2}  {:>6.0}",
            done as f64 / secs
        );
    }
    Ok(())
}

/// Empties the queue and files `RUNS` pending runs under one config.
async fn seed(conn: &mut diesel_async::AsyncPgConnection) -> anyhow::Result<()> {
    diesel::sql_query("DELETE FROM github_workflow_configs WHERE name = 'bench-queue'")
        .execute(conn)
        .await?;
    diesel::sql_query(
        "INSERT INTO github_workflow_configs (name, github_owner, github_repo, file_patterns) \
         VALUES ('bench-queue', 'o', 'r', '[\"*\"]')",
    )
    .execute(conn)
    .await?;
    diesel::sql_query(format!(
        "INSERT INTO github_workflow_runs (config_id, workload_uid) \
         SELECT c.id, 'uid-' || n FROM github_workflow_configs c, generate_series(1, {RUNS}) n \
         WHERE c.name = 'bench-queue'"
    ))
    .execute(conn)
    .await?;
    diesel::sql_query("VACUUM ANALYZE github_workflow_runs")
        .execute(conn)
        .await?;
    Ok(())
}

/// One worker: claim one, advance, complete, until the queue is empty.
async fn drain(db: &DbConfig, worker: &str) -> anyhow::Result<usize> {
    let mut conn = wfm_db::pool::connect(&db.url, db).await?;
    let lease = Duration::from_secs(60);
    let mut done = 0;
    loop {
        let Some(run) = queue::claim(&mut conn, worker, 1, lease)
            .await?
            .into_iter()
            .next()
        else {
            return Ok(done);
        };
        queue::advance(
            &mut conn,
            run.id,
            worker,
            RunStatus::Collecting,
            RunStatus::Extracting,
            0,
        )
        .await?;
        queue::complete(&mut conn, run.id, worker, &Completion::default()).await?;
        done += 1;
    }
}
