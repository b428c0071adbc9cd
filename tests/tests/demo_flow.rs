//! The demo's flow end to end: the four service binaries as processes against
//! one PostgreSQL, and `wfm demo` playing finished nightly benchmark jobs at
//! them as GitHub would (result files into the collector's folder, signed
//! `workflow_job` deliveries to the api). Then the same burst through two api
//! replicas and two collectors with one collector killed mid-burst, and with
//! PostgreSQL restarted mid-burst: every job is collected exactly once.

use std::time::{Duration, Instant};

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl as _};
use wfm_e2e::{Results, binary, start};
use wfm_testing::{PrivatePostgres, ServiceProcess, TestDb, http_get};

const SECRET: &str = "e2e-demo-secret";
/// 8 ranks in gemm-per-rank.md + 31 sizes in matmul-performance.csv.
const RECORDS_PER_RUN: i64 = 39;

/// Starts `bin` with the settings the demo needs: the webhook secret for the
/// api, the results folder for the collector; a short lease and retry delay,
/// so a run whose collector died (or lost its database) mid-run is collected
/// again within seconds, not the production 60 s + 30 s.
async fn service(bin: &str, database_url: &str, results: &Results) -> (ServiceProcess, String) {
    start(
        bin,
        &[
            ("DATABASE_URL", database_url),
            ("WFM_WEBHOOK_SECRETS", SECRET),
            ("WFM_MOUNTED_ROOT", results.path()),
            ("WFM_COLLECTOR_LEASE", "3s"),
            ("WFM_COLLECTOR_REAP_INTERVAL", "1s"),
            ("WFM_COLLECTOR_RETRY_BASE", "1s"),
        ],
    )
    .await
}

/// `wfm demo` against `apis`, started (not awaited).
fn demo(apis: &[&str], results: &Results, jobs: u32) -> ServiceProcess {
    let jobs = jobs.to_string();
    let mut args = vec!["demo", "--results", results.path(), "--secret", SECRET];
    args.extend(["--jobs", &jobs, "--timeout", "150s"]);
    for api in apis {
        args.extend(["--api", api]);
    }
    ServiceProcess::spawn(&binary("wfm"), &args, &[])
}

#[derive(QueryableByName, Debug)]
struct RunRow {
    #[diesel(sql_type = Text)]
    workload_uid: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = BigInt)]
    records: i64,
}

async fn runs(conn: &mut AsyncPgConnection) -> Vec<RunRow> {
    diesel::sql_query(
        "SELECT r.workload_uid, r.status, \
            (SELECT count(*) FROM github_workflow_metrics m WHERE m.run_id = r.id) AS records \
         FROM github_workflow_runs r ORDER BY r.workload_uid",
    )
    .load(conn)
    .await
    .expect("runs")
}

async fn completed(conn: &mut AsyncPgConnection) -> usize {
    runs(conn)
        .await
        .iter()
        .filter(|r| r.status == "completed")
        .count()
}

/// Every job has exactly one run, `completed`, with exactly its records, and
/// no record belongs to anything else.
async fn assert_each_job_collected_once(conn: &mut AsyncPgConnection, jobs: usize) {
    let rows = runs(conn).await;
    let mut uids: Vec<&str> = rows.iter().map(|r| r.workload_uid.as_str()).collect();
    uids.dedup();
    assert_eq!((rows.len(), uids.len()), (jobs, jobs), "one run per job");
    let wrong: Vec<&RunRow> = rows
        .iter()
        .filter(|r| r.status != "completed" || r.records != RECORDS_PER_RUN)
        .collect();
    assert!(
        wrong.is_empty(),
        "runs not completed with their {RECORDS_PER_RUN} records: {wrong:?}"
    );
    assert_eq!(
        counts(conn, "SELECT count(*) AS n FROM github_workflow_metrics").await,
        [jobs as i64 * RECORDS_PER_RUN],
        "no stray records"
    );
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The `n` column of every row `sql` answers.
async fn counts(conn: &mut AsyncPgConnection, sql: &str) -> Vec<i64> {
    let rows: Vec<Count> = diesel::sql_query(sql)
        .load(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.into_iter().map(|c| c.n).collect()
}

/// Waits until at least `n` runs are completed; panics after `timeout`.
async fn until_completed(conn: &mut AsyncPgConnection, n: usize, demo: &ServiceProcess) -> usize {
    let started = Instant::now();
    loop {
        let done = completed(conn).await;
        if done >= n {
            return done;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{done} of {n} runs completed in 60 s; demo printed:\n{}",
            demo.output()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn assert_demo_succeeds(demo: &mut ServiceProcess) -> String {
    let status = demo.wait_exit(Duration::from_secs(180));
    let output = demo.output();
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(0),
        "wfm demo:\n{output}"
    );
    output
}

#[tokio::test]
async fn the_demo_plays_a_burst_through_the_four_services() {
    let db = TestDb::new().await;
    let results = Results::new("flow");
    let mut services = Vec::new();
    for bin in ["wfm-api", "wfm-collector", "wfm-scanner", "wfm-backfill"] {
        services.push(service(bin, db.url(), &results).await);
    }
    let api = services[0].1.clone();

    let mut played = demo(&[&api], &results, 14);
    let output = assert_demo_succeeds(&mut played);

    // what the user sees: the runs, the schema, the trend of each rank
    assert!(output.contains("created config"), "{output}");
    assert!(output.contains("42 accepted"), "{output}");
    assert!(output.contains("  completed   14\n"), "{output}");
    assert!(
        output.contains("  dimensions  Rank (int), Hostname (string), M (int), N (int), K (int)"),
        "{output}"
    );
    assert!(output.contains("TFLOPS (float"), "{output}");
    let trend: Vec<&str> = output
        .lines()
        .skip_while(|l| !l.starts_with("==> TFLOPS by Rank"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect();
    assert_eq!(trend.len(), 1 + 8, "a header and a row per rank:\n{output}");
    assert!(trend[0].trim_start().starts_with("Rank"), "{output}");
    assert_eq!(
        trend[0].split_whitespace().count(),
        1 + 7 + 2,
        "seven nights:\n{output}"
    );
    // the slow night of the week shows as a ~9 % dip in every rank's row
    for row in &trend[1..] {
        let values: Vec<f64> = row
            .split_whitespace()
            .skip(1)
            .take(7)
            .map(|v| v.parse().expect("a number"))
            .collect();
        let (low, high) = values
            .iter()
            .fold((f64::MAX, f64::MIN), |(l, h), v| (l.min(*v), h.max(*v)));
        assert!(low / high < 0.93 && low / high > 0.85, "{row}");
    }

    let mut conn = db.connect().await;
    assert_each_job_collected_once(&mut conn, 14).await;

    // played again: the same nights are duplicates, nothing is collected twice
    let mut again = demo(&[&api], &results, 14);
    let output = assert_demo_succeeds(&mut again);
    assert!(output.contains("reusing config"), "{output}");
    assert!(output.contains("42 duplicate"), "{output}");
    assert_each_job_collected_once(&mut conn, 14).await;
    for (process, base) in &mut services {
        process
            .wait_for_status(&format!("{base}/readyz"), 200, Duration::from_secs(5))
            .await;
    }
}

#[tokio::test]
async fn two_apis_and_two_collectors_with_a_collector_killed_mid_burst() {
    const JOBS: u32 = 150;
    let db = TestDb::new().await;
    let results = Results::new("replicas");
    let (_api_a, a) = service("wfm-api", db.url(), &results).await;
    let (_api_b, b) = service("wfm-api", db.url(), &results).await;
    let (mut collector_a, _) = service("wfm-collector", db.url(), &results).await;
    let (_collector_b, _) = service("wfm-collector", db.url(), &results).await;

    let mut played = demo(&[&a, &b], &results, JOBS);
    let mut conn = db.connect().await;
    let before_kill = until_completed(&mut conn, 10, &played).await;
    collector_a.signal(libc::SIGKILL);
    let _ = collector_a.wait_exit(Duration::from_secs(5));
    assert!(
        before_kill < JOBS as usize,
        "the burst was over before the kill ({before_kill} completed)"
    );
    let (_restarted, _) = service("wfm-collector", db.url(), &results).await;

    let output = assert_demo_succeeds(&mut played);
    eprintln!(
        "DEBUG {output}\nA:{}\nB:{}\nR:{}",
        _api_a.output(),
        _collector_b.output(),
        _restarted.output()
    );
    assert!(
        output.contains(&format!("  completed   {JOBS}\n")),
        "{output}"
    );
    assert_each_job_collected_once(&mut conn, JOBS as usize).await;
    // both replicas took deliveries; each was stored once and applied
    let (by_a, by_b) = (accepted(&a).await, accepted(&b).await);
    assert!(by_a > 0 && by_b > 0, "a took {by_a}, b took {by_b}");
    assert_eq!(by_a + by_b, i64::from(JOBS) * 3);
    assert_eq!(
        counts(
            &mut conn,
            "SELECT count(*) AS n FROM github_webhook_deliveries GROUP BY processed_at IS NOT NULL"
        )
        .await,
        [i64::from(JOBS) * 3],
        "every delivery stored once and applied"
    );
}

/// `wfm_webhook_receipts_total{outcome="accepted"}` of one api process.
async fn accepted(api: &str) -> i64 {
    let (_, text) = http_get(&format!("{api}/metrics")).await.expect("/metrics");
    text.lines()
        .find_map(|l| l.strip_prefix("wfm_webhook_receipts_total{outcome=\"accepted\"} "))
        .map_or(0, |v| v.trim().parse().expect("a count"))
}

#[tokio::test]
async fn postgres_restarted_mid_burst_loses_and_duplicates_nothing() {
    const JOBS: u32 = 150;
    let mut pg = PrivatePostgres::start();
    let url = pg.url();
    wfm_db::migrate::run_pending(&wfm_db::DbConfig::new(&url, "wfm-e2e"))
        .await
        .expect("migrations");
    let results = Results::new("pg-restart");
    let mut services = Vec::new();
    for bin in ["wfm-api", "wfm-collector", "wfm-scanner", "wfm-backfill"] {
        services.push(service(bin, &url, &results).await);
    }
    let api = services[0].1.clone();

    let mut played = demo(&[&api], &results, JOBS);
    let mut conn = AsyncPgConnection::establish(&url).await.expect("connects");
    let before = until_completed(&mut conn, 10, &played).await;
    drop(conn);
    pg.stop();
    tokio::time::sleep(Duration::from_secs(2)).await;
    pg.start_again();
    assert!(
        before < JOBS as usize,
        "the burst was over before the restart ({before} completed)"
    );

    let output = assert_demo_succeeds(&mut played);
    assert!(
        output.contains(&format!("  completed   {JOBS}\n")),
        "{output}"
    );
    let mut conn = AsyncPgConnection::establish(&url)
        .await
        .expect("connects again");
    assert_each_job_collected_once(&mut conn, JOBS as usize).await;
    // deliveries refused during the outage were stored on redelivery, as JSON
    assert_eq!(
        counts(
            &mut conn,
            "SELECT count(*) AS n FROM github_webhook_deliveries WHERE jsonb_typeof(payload) = 'object'"
        )
        .await,
        [i64::from(JOBS) * 3]
    );
    // every service reconnected on its own
    for (process, base) in &mut services {
        process
            .wait_for_status(&format!("{base}/readyz"), 200, Duration::from_secs(10))
            .await;
    }
}

#[tokio::test]
async fn the_demo_fails_when_runs_do_not_complete() {
    let db = TestDb::new().await;
    let results = Results::new("elsewhere");
    let (_api, api) = service("wfm-api", db.url(), &results).await;
    // the collector reads another folder: the jobs' files are not there
    let elsewhere = Results::new("empty");
    let (_collector, _) = service("wfm-collector", db.url(), &elsewhere).await;
    let mut played = demo(&[&api], &results, 2);
    let status = played.wait_exit(Duration::from_secs(60));
    let output = played.output();
    assert_eq!(status.and_then(|s| s.code()), Some(1), "{output}");
    assert!(output.contains("2 of 2 runs did not complete"), "{output}");
    assert!(!output.contains("==> done"), "{output}");
}
