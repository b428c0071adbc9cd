//! How long a test waits for its database: a migrated schema per test (what
//! `TestDb` does) against a database per test cloned from a migrated template
//! (`CREATE DATABASE … TEMPLATE`), one after another and all at once.
//!
//! Run with `scripts/bench-testdb` (release build; `DATABASE_URL` or a private server).

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use wfm_db::{DbConfig, migrate};
use wfm_testing::{TestDb, admin_execute, server_url};

const N: u32 = 16;

#[tokio::main]
async fn main() {
    drop(TestDb::new().await); // start the server, warm caches

    let start = Instant::now();
    for _ in 0..N {
        drop(TestDb::new().await);
    }
    let schema_seq = start.elapsed();

    let start = Instant::now();
    let dbs = join_all((0..N).map(|_| TestDb::new())).await;
    let schema_par = start.elapsed();
    drop(dbs);

    let template = "wfm_bench_template";
    admin_execute(&format!("DROP DATABASE IF EXISTS {template}")).await;
    admin_execute(&format!("CREATE DATABASE {template}")).await;
    migrate::run_pending(&DbConfig::new(url_of(template), "wfm-bench"))
        .await
        .expect("migrating the template");

    let start = Instant::now();
    for i in 0..N {
        admin_execute(&format!(
            "CREATE DATABASE wfm_bench_seq_{i} TEMPLATE {template}"
        ))
        .await;
    }
    let db_seq = start.elapsed();

    let start = Instant::now();
    join_all((0..N).map(|i| async move {
        admin_execute(&format!(
            "CREATE DATABASE wfm_bench_par_{i} TEMPLATE {template}"
        ))
        .await;
    }))
    .await;
    let db_par = start.elapsed();

    for i in 0..N {
        admin_execute(&format!("DROP DATABASE wfm_bench_seq_{i}")).await;
        admin_execute(&format!("DROP DATABASE wfm_bench_par_{i}")).await;
    }
    admin_execute(&format!("DROP DATABASE {template}")).await;

    let per = |d: Duration| d.as_secs_f64() * 1000.0 / f64::from(N);
    println!("{N} test databases, ms per test database (wall time / {N}):");
    println!("| approach | one after another | {N} at once |");
    println!("|---|---|---|");
    println!(
        "| schema per test (create + migrate) | {:.1} | {:.1} |",
        per(schema_seq),
        per(schema_par)
    );
    println!(
        "| database per test (CREATE DATABASE … TEMPLATE) | {:.1} | {:.1} |",
        per(db_seq),
        per(db_par)
    );
}

fn url_of(database: &str) -> String {
    let base = server_url();
    let (prefix, _) = base.rsplit_once('/').expect("a URL with a database name");
    format!("{prefix}/{database}")
}
