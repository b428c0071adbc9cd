//! What detection costs a stored run (scripts/bench-changes, part 2): a
//! config with `RUNS` nightly runs of `SERIES` series × 3 metrics (a step
//! in a tenth of the series), then the newest run examined again and again
//! as a store would queue it: the time per run, per series, and what the
//! store itself pays (one queue row). Needs DATABASE_URL (a migrated schema
//! per run is made and dropped).

use std::time::Instant;

use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;
use wfm_change_tracking::{Settings, queue};

#[derive(diesel::QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

fn var(name: &str, default: i64) -> i64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let runs = var("WFM_BENCH_RUNS", 200);
    let series = var("WFM_BENCH_SERIES", 100);
    let rounds = var("WFM_BENCH_ROUNDS", 15) as usize;
    let db = wfm_testing::TestDb::new().await;
    let mut conn = db.connect().await;
    let config = wfm_testing::repo_config(&mut conn, serde_json::json!(["*.csv"]))
        .await
        .id;
    diesel::sql_query(
        "INSERT INTO github_workflow_runs (config_id, workload_uid, head_sha, head_branch, status) \
         SELECT $1, 'w' || r, md5(r::text), 'main', 'completed' FROM generate_series(1, $2) AS r",
    )
    .bind::<BigInt, _>(config)
    .bind::<BigInt, _>(runs)
    .execute(&mut conn)
    .await
    .expect("runs");
    // one record per run and series; every tenth series' latency steps 1.5 ms
    // (11–15 %) three quarters of the way;
    // the same noise every time
    diesel::sql_query("SELECT setseed(0.42)")
        .execute(&mut conn)
        .await
        .expect("seed");
    diesel::sql_query(
        "INSERT INTO github_workflow_metrics (config_id, run_id, \"timestamp\", source_file, dimensions, metrics) \
         SELECT $1, r.id, now() - make_interval(hours => ($2 - n)::int), 'r.csv', \
             jsonb_build_object('case', s, 'batch', s % 8), \
             jsonb_build_object( \
                 'latency_ms', 10 + s % 5 + random() * 0.2 + CASE WHEN s % 10 = 0 AND n > $2 * 3 / 4 THEN 1.5 ELSE 0 END, \
                 'tokens_per_s', 1000 + random() * 10, 'memory_gb', 20 + random() * 0.1) \
         FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM github_workflow_runs WHERE config_id = $1) r \
         CROSS JOIN generate_series(1, $3) AS s",
    )
    .bind::<BigInt, _>(config)
    .bind::<BigInt, _>(runs)
    .bind::<BigInt, _>(series)
    .execute(&mut conn)
    .await
    .expect("records");
    diesel::sql_query("ANALYZE")
        .execute(&mut conn)
        .await
        .expect("analyze");
    let newest = diesel::sql_query("SELECT max(id) AS id FROM github_workflow_runs")
        .get_result::<Id>(&mut conn)
        .await
        .expect("newest")
        .id;
    let settings = Settings::default();
    let mut queue_us = Vec::new();
    let mut examine_ms = Vec::new();
    let mut filed = 0;
    for round in 0..=rounds {
        let t = Instant::now();
        queue::queue_run(&mut conn, config, newest)
            .await
            .expect("queue");
        let queued = t.elapsed();
        let t = Instant::now();
        let v = queue::examine(&mut conn, &settings, Some(newest), 10)
            .await
            .expect("examine");
        let took = t.elapsed();
        if round == 0 {
            filed = v.filed;
            continue; // the first look files; the rest refresh, as later runs do
        }
        queue_us.push(queued.as_secs_f64() * 1e6);
        examine_ms.push(took.as_secs_f64() * 1e3);
    }
    let p = |v: &mut Vec<f64>, q: f64| {
        v.sort_by(f64::total_cmp);
        v[((v.len() - 1) as f64 * q).round() as usize]
    };
    // where the time goes: reading the points, and the detector alone
    #[derive(diesel::QueryableByName)]
    struct Key {
        #[diesel(sql_type = BigInt)]
        series_key: i64,
    }
    let keys: Vec<Key> = diesel::sql_query(
        "SELECT DISTINCT series_key FROM github_workflow_metrics WHERE run_id = $1",
    )
    .bind::<BigInt, _>(newest)
    .load(&mut conn)
    .await
    .expect("keys");
    let t = Instant::now();
    let mut loaded = Vec::new();
    for k in &keys {
        let s = wfm_change_tracking::points::SeriesRef {
            config_id: config,
            series_key: k.series_key,
            branch: "main".into(),
        };
        loaded.push(
            wfm_change_tracking::points::load(&mut conn, &s, settings.lookback)
                .await
                .expect("points"),
        );
    }
    let load_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    for points in &loaded {
        for metric in ["latency_ms", "tokens_per_s", "memory_gb"] {
            let values: Vec<f64> = points.iter().map(|p| p.values[metric]).collect();
            std::hint::black_box(wfm_changes::detect(
                &values,
                wfm_changes::Better::Unknown,
                &settings.options,
            ));
        }
    }
    let detect_ms = t.elapsed().as_secs_f64() * 1e3;
    let (p50, p95) = (p(&mut examine_ms, 0.5), p(&mut examine_ms, 0.95));
    println!("{runs} runs of history, {series} series × 3 metrics touched by the stored run");
    println!(
        "first look filed {filed} changes ({} series step in latency; any more are false alarms of the uniform noise)",
        series / 10
    );
    println!(
        "examine the run: p50 {p50:.1} ms, p95 {p95:.1} ms ({:.2} ms per series, {:.3} ms per series × metric)",
        p50 / series as f64,
        p50 / (3 * series) as f64
    );
    println!(
        "of which: reading the points {load_ms:.1} ms, the detector {detect_ms:.1} ms (one pass over the {} series)",
        keys.len()
    );
    println!(
        "what the store pays (one queue row): p50 {:.0} µs",
        p(&mut queue_us, 0.5)
    );
}
