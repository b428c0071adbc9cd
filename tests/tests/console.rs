//! The web console in a real browser: wfm-api serving the built console
//! (`services/web/dist`) and a collector, after a `wfm demo` burst; then
//! Playwright (`services/web/tests/*.spec.ts`) drives Debian's Chromium
//! through every page. `scripts/test` builds the console and installs
//! Chromium before the cargo tests.
//!
//! Screenshots go to `WFM_CONSOLE_SCREENSHOTS` (default
//! `target/console-screenshots`); `WFM_CONSOLE_SCREENSHOTS=docs/img` renews
//! the README's.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Jsonb, Text, Timestamptz};
use diesel_async::RunQueryDsl as _;
use wfm_e2e::{Results, binary, repo, start};
use wfm_testing::arc_fixtures::{
    SET_NAMESPACE, apply_runner_sets, insert_set_config, watch_events,
};
use wfm_testing::fake_kube::FakeKube;
use wfm_testing::{ServiceProcess, TestDb};

const SECRET: &str = "e2e-console-secret";

#[derive(QueryableByName)]
struct Number {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn count(conn: &mut diesel_async::AsyncPgConnection, sql: &str) -> i64 {
    let rows: Vec<Number> = diesel::sql_query(sql).load(conn).await.expect(sql);
    rows[0].n
}

#[tokio::test]
async fn every_page_works_in_chromium() {
    let web = repo::path("services/web");
    let playwright = web.join("node_modules/@playwright/test/cli.js");
    assert!(
        web.join("dist/index.html").exists() && playwright.exists(),
        "the console is not built: run scripts/test (or `npm ci && npm run build` in services/web)"
    );
    let chromium = std::env::var("WFM_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        std::path::Path::new(&chromium).exists(),
        "no Chromium at {chromium}: run scripts/test (it installs Debian's chromium) or set WFM_CHROMIUM"
    );

    let db = TestDb::new().await;
    let results = Results::new("console");
    let dist = web.join("dist");
    let dist = dist.to_str().expect("utf-8 path");
    let env = [
        ("DATABASE_URL", db.url()),
        ("WFM_WEBHOOK_SECRETS", SECRET),
        ("WFM_MOUNTED_ROOT", results.path()),
        ("WFM_CONSOLE_DIR", dist),
    ];
    let (_api, api) = start("wfm-api", &env).await;
    // repository health is seeded below: this collector does not reach GitHub
    let mut collector_env = env.to_vec();
    collector_env.push(("WFM_REPO_HEALTH_ENABLED", "false"));
    let (_collector, _) = start("wfm-collector", &collector_env).await;
    // the same database behind tokens, for the token tests
    let mut tokened = env.to_vec();
    tokened.extend([
        ("WFM_API_READ_TOKENS", "reader-token"),
        ("WFM_API_ADMIN_TOKENS", "admin-token"),
        ("WFM_WEBHOOK_PROCESSOR", "false"),
    ]);
    let (_tokened, tokened) = start("wfm-api", &tokened).await;

    let mut demo = ServiceProcess::spawn(
        &binary("wfm"),
        &[
            "demo",
            "--api",
            &api,
            "--results",
            results.path(),
            "--secret",
            SECRET,
            "--jobs",
            "14",
            "--timeout",
            "150s",
        ],
        &[],
    );
    let status = demo.wait_exit(Duration::from_secs(180));
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(0),
        "wfm demo:\n{}",
        demo.output()
    );

    // a failed run for the retry test: the demo's runs all complete
    let mut conn = db.connect().await;
    let failed: Vec<Number> = diesel::sql_query(
        "UPDATE github_workflow_runs SET status = 'failed', \
             error_message = 'console test: the results volume was gone' \
         WHERE id = (SELECT max(id) FROM github_workflow_runs) RETURNING id AS n",
    )
    .load(&mut conn)
    .await
    .expect("a failed run");
    let failed = failed[0].n.to_string();

    // a regression on a demo series for the triage test: filed as the
    // collector would, between the 6th and 5th newest runs of the series
    let change: Vec<Number> = diesel::sql_query(
        "WITH pick AS ( \
             SELECT m.config_id, m.series_key, m.dimensions, k AS metric, coalesce(r.head_branch, '') AS branch \
             FROM github_workflow_metrics m JOIN github_workflow_runs r ON r.id = m.run_id \
             CROSS JOIN LATERAL jsonb_object_keys(m.metrics) AS k \
             WHERE jsonb_typeof(m.metrics -> k) = 'number' ORDER BY m.id, k LIMIT 1), \
         points AS ( \
             SELECT r.id, r.head_sha, min(m.\"timestamp\") AS at, \
                 percentile_cont(0.5) WITHIN GROUP (ORDER BY (m.metrics ->> p.metric)::float8) AS v, \
                 row_number() OVER (ORDER BY min(m.\"timestamp\") DESC) AS newest \
             FROM pick p JOIN github_workflow_metrics m ON m.config_id = p.config_id AND m.series_key = p.series_key \
             JOIN github_workflow_runs r ON r.id = m.run_id GROUP BY r.id, r.head_sha) \
         INSERT INTO github_workflow_metric_changes (config_id, series_key, dimensions, metric, branch, at, \
             before_run_id, after_run_id, before_commit, after_commit, before_value, after_value, \
             change_percent, magnitude_sigma, p_value, direction) \
         SELECT p.config_id, p.series_key, p.dimensions, p.metric, p.branch, a.at, b.id, a.id, \
             b.head_sha, a.head_sha, b.v, a.v * 0.92, -8.0, 6.5, 0.00002, 'regression' \
         FROM pick p, points a, points b WHERE a.newest = 5 AND b.newest = 6 RETURNING id AS n",
    )
    .load(&mut conn)
    .await
    .expect("a change on a demo series");
    let change = change[0].n.to_string();

    // a watched repository with a week of collections every 6 hours, as
    // the collector records them (the CI numbers from the webhooks)
    let repository: Vec<Number> = diesel::sql_query(
        "WITH repo AS ( \
             INSERT INTO github_repositories (owner, name, enabled) VALUES ('demo-org', 'demo-repo', false) \
             RETURNING id), \
         times AS ( \
             SELECT generate_series(date_trunc('hour', now()) - interval '7 days', \
                 date_trunc('hour', now()) - interval '1 hour', interval '6 hours') AS t), \
         metrics AS ( \
             SELECT * FROM (VALUES ('prs.open', 40.0, 6.0), ('prs.merged_7d', 25.0, 5.0), \
                 ('prs.closed_without_merge_7d', 6.0, 2.0), ('prs.avg_time_to_merge_hours', 30.0, 8.0), \
                 ('branches.active', 120.0, 4.0), ('commits.total_7d', 90.0, 10.0), \
                 ('commits.per_developer_7d', 5.0, 1.0), ('commits.hotfix', 2.0, 1.0), \
                 ('commits.reverts', 1.0, 1.0), ('developers.active_7d', 18.0, 2.0), \
                 ('code.lines_added_7d', 5200.0, 900.0), ('code.lines_deleted_7d', 3100.0, 700.0), \
                 ('code.files_changed_7d', 340.0, 40.0), ('ci.workflow_runs_7d', 900.0, 80.0), \
                 ('ci.failed_workflows_7d', 35.0, 8.0), ('ci.avg_workflow_duration_minutes', 3.1, 0.4), \
                 ('ci.tests_passing_on_main', 1.0, 0.0), ('ci.workflow_duration_minutes.min', 0.4, 0.1), \
                 ('ci.workflow_duration_minutes.p50', 2.5, 0.3), ('ci.workflow_duration_minutes.p75', 3.6, 0.4), \
                 ('ci.workflow_duration_minutes.p90', 5.2, 0.6), ('ci.workflow_duration_minutes.p95', 6.8, 0.8), \
                 ('ci.workflow_duration_minutes.max', 14.0, 2.0)) AS m(metric, base, swing)), \
         stored AS ( \
             INSERT INTO github_repository_health (repository_id, metric, collected_at, value, source) \
             SELECT repo.id, m.metric, times.t, \
                 round((m.base + m.swing * sin(extract(epoch FROM times.t) / 86400.0))::numeric, 2), \
                 CASE WHEN m.metric LIKE 'ci.%' THEN 'webhooks' ELSE 'rest' END \
             FROM repo, times, metrics m RETURNING repository_id) \
         SELECT DISTINCT repository_id AS n FROM stored",
    )
    .load(&mut conn)
    .await
    .expect("a watched repository with its history");
    // (the collection row, which a trigger adds, is seen by the next statement)
    diesel::sql_query(
        "UPDATE github_repository_collections c SET last_collected_at = \
             (SELECT max(collected_at) FROM github_repository_health h WHERE h.repository_id = c.repository_id)",
    )
    .execute(&mut conn)
    .await
    .expect("its last collection");
    let repository = repository[0].n.to_string();

    // a runner set for the runner-set pages: the fixtures' ARC objects
    // through the fake API server, watched by a real wfm-scanner
    insert_set_config(&db).await;
    let kube = FakeKube::start().await;
    apply_runner_sets(&kube);
    let kubeconfig =
        std::env::temp_dir().join(format!("wfm-console-kubeconfig-{}", std::process::id()));
    kube.write_kubeconfig(&kubeconfig);
    let mut scanner_env = env.to_vec();
    scanner_env.extend([
        ("KUBECONFIG", kubeconfig.to_str().expect("utf-8 path")),
        ("WFM_SCANNER_NAMESPACES", SET_NAMESPACE),
        ("WFM_SCANNER_SCAN_INTERVAL", "0s"),
    ]);
    let (scanner, _) = start("wfm-scanner", &scanner_env).await;
    // ready is not yet watching: events sent before its watch starts would
    // be missed (the stream ends with the runner deleted, so a later list
    // finds nothing to collect)
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let watch = format!(
        "GET /apis/actions.github.com/v1alpha1/namespaces/{SET_NAMESPACE}/ephemeralrunners?"
    );
    while !kube
        .requests()
        .iter()
        .any(|r| r.starts_with(&watch) && r.contains("watch=true"))
    {
        assert!(
            std::time::Instant::now() < deadline,
            "wfm-scanner did not watch the runners in 60 s:\n{}",
            scanner.output()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for (kind, object) in watch_events() {
        kube.emit(&kind, object);
    }
    // the whole stream applied: the finished runner's run has ended
    // (skipped: the set's config reads a folder the test never fills)
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let ended = "SELECT count(*) AS n FROM github_workflow_runs r \
         JOIN github_workflow_configs c ON c.id = r.config_id \
         WHERE c.runner_set_name IS NOT NULL AND r.status IN ('completed', 'failed', 'skipped')";
    while count(&mut conn, ended).await == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the scanner's runner was not collected in 60 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // a failed job for the Actions pages: a demo job given steps, a log and
    // its runner's samples
    let actions_job = seed_failed_job(&mut conn).await.to_string();

    let screenshots = std::env::var("WFM_CONSOLE_SCREENSHOTS")
        .map(|dir| {
            let dir = std::path::PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                repo::path("").join(dir)
            }
        })
        .unwrap_or_else(|_| repo::path("target/console-screenshots"));
    let config = web.join("playwright.config.ts");
    let mut run = ServiceProcess::spawn(
        "node",
        &[
            playwright.to_str().expect("utf-8 path"),
            "test",
            "--config",
            config.to_str().expect("utf-8 path"),
        ],
        &[
            ("WFM_CONSOLE_URL", &api),
            ("WFM_CONSOLE_TOKEN_URL", &tokened),
            ("WFM_CHROMIUM", &chromium),
            ("WFM_FAILED_RUN", &failed),
            ("WFM_CHANGE", &change),
            ("WFM_REPOSITORY", &repository),
            ("WFM_ACTIONS_JOB", &actions_job),
            (
                "WFM_CONSOLE_SCREENSHOTS",
                screenshots.to_str().expect("utf-8 path"),
            ),
            ("CI", "1"),
        ],
    );
    let status = run.wait_exit(Duration::from_secs(300));
    let output = run.output();
    println!("{output}");
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(0),
        "the browser tests failed:\n{output}"
    );
    assert!(output.contains(" passed"), "{output}");
}

#[derive(QueryableByName)]
struct DemoJob {
    #[diesel(sql_type = BigInt)]
    github_job_id: i64,
    #[diesel(sql_type = Text)]
    repository: String,
    #[diesel(sql_type = Timestamptz)]
    started_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    completed_at: DateTime<Utc>,
}

/// Makes the newest demo job a failed one for the Actions pages
/// (`services/web/tests/actions.spec.ts`): steps as GitHub reports them, the
/// bench step failed; a log as GitHub writes it (a timestamp inside its
/// step's times on every line, an `##[error]` in the failed step, more than
/// the 256 KiB the console reads at a time); 20 resource samples of its
/// runner while it ran. Returns its id.
async fn seed_failed_job(conn: &mut diesel_async::AsyncPgConnection) -> i64 {
    let jobs: Vec<DemoJob> = diesel::sql_query(
        "SELECT github_job_id, repository::text AS repository, started_at, completed_at \
         FROM github_workflow_jobs WHERE repository = 'wfm-demo/gpu-benchmarks' AND status = 'completed' \
           AND runner_name IS NOT NULL AND started_at IS NOT NULL AND completed_at IS NOT NULL \
         ORDER BY completed_at DESC, github_job_id DESC LIMIT 1",
    )
    .load(conn)
    .await
    .expect("the demo's jobs");
    let job = jobs.into_iter().next().expect("a completed demo job");
    let length = (job.completed_at - job.started_at).num_seconds();
    assert!(
        length > 120,
        "a demo job lasts 10 to 15 minutes: {length} s"
    );

    // (number, name, conclusion, from, to), in seconds after the job started
    let steps = [
        (1, "Set up job", "success", 0, 3),
        (2, "Run actions/checkout@v4", "success", 3, 10),
        (3, "Run make build", "success", 10, 70),
        (4, "Run make bench", "failure", 70, length - 15),
        (5, "Upload results", "skipped", length - 15, length - 15),
        (6, "Complete job", "success", length - 3, length - 1),
    ];
    let at = |ms: i64| job.started_at + chrono::Duration::milliseconds(ms);
    let reported: Vec<serde_json::Value> = steps
        .iter()
        .map(|&(number, name, conclusion, from, to)| {
            serde_json::json!({
                "name": name, "status": "completed", "conclusion": conclusion, "number": number,
                "started_at": at(from * 1000).to_rfc3339_opts(SecondsFormat::Secs, true),
                "completed_at": at(to * 1000).to_rfc3339_opts(SecondsFormat::Secs, true),
            })
        })
        .collect();
    diesel::sql_query(
        "UPDATE github_workflow_jobs SET steps = $1, conclusion = 'failure' WHERE github_job_id = $2",
    )
    .bind::<Jsonb, _>(serde_json::Value::Array(reported))
    .bind::<BigInt, _>(job.github_job_id)
    .execute(conn)
    .await
    .expect("the job's steps");

    // each step's lines spread evenly inside its times, never on an edge
    let mut log = String::from("\u{feff}");
    for &(_, name, _, from, to) in &steps {
        let lines = step_log(name);
        let n = lines.len() as i64;
        for (k, line) in (0_i64..).zip(&lines) {
            let t = at(from * 1000 + (to - from) * 1000 * (2 * k + 1) / (2 * n));
            log.push_str(&format!(
                "{}.{:07}Z {line}\n",
                t.format("%Y-%m-%dT%H:%M:%S"),
                t.timestamp_subsec_nanos() / 100
            ));
        }
    }
    assert!(log.len() > 300 * 1024, "more than one chunk of the viewer");
    wfm_runner_obs::logs::store_text(conn, job.github_job_id, &job.repository, log.as_bytes())
        .await
        .expect("a seeded log");

    let samples = diesel::sql_query(
        "INSERT INTO github_job_resource_samples (repository, github_run_id, run_attempt, runner_name, \
             source, sampled_at, cpu_percent, memory_used_bytes, memory_total_bytes) \
         SELECT repository, github_run_id, run_attempt, runner_name, 'job', \
             started_at + (completed_at - started_at) * ((i + 0.5) / 20.0)::float8, \
             CASE WHEN i < 4 THEN 12.0 + 9 * i ELSE 88.0 + (i % 5) * 2.5 END, \
             (8 + 2 * i)::int8 * 1073741824, 68719476736 \
         FROM github_workflow_jobs, generate_series(0, 19) AS i WHERE github_job_id = $1",
    )
    .bind::<BigInt, _>(job.github_job_id)
    .execute(conn)
    .await
    .expect("the runner's samples");
    assert_eq!(samples, 20);
    job.github_job_id
}

/// What a step of the seeded job writes (GitHub adds the timestamps).
fn step_log(step: &str) -> Vec<String> {
    let text = |lines: &[&str]| lines.iter().map(|l| (*l).to_owned()).collect::<Vec<_>>();
    match step {
        "Set up job" => text(&[
            "Current runner version: '2.321.0'",
            "##[group]Runner Image",
            "Image: mi300x-ubuntu-22.04",
            "##[endgroup]",
            "Prepare workflow directory",
            "Prepare all required actions",
        ]),
        "Run actions/checkout@v4" => text(&[
            "##[group]Run actions/checkout@v4",
            "with:",
            "  fetch-depth: 1",
            "##[endgroup]",
            "Syncing repository: wfm-demo/gpu-benchmarks",
            "[command]/usr/bin/git checkout --progress --force main",
        ]),
        "Run make build" => text(&[
            "##[group]Run make build",
            "make build",
            "##[endgroup]",
            "hipcc -O3 --offload-arch=gfx942 -o gemm gemm.cpp",
            "build: gemm ready",
        ]),
        "Run make bench" => {
            let mut lines = text(&["##[group]Run make bench", "make bench", "##[endgroup]"]);
            lines.extend((0..5000).map(|i| {
                format!(
                    "gemm m=8192 n=8192 k=8192 rank {} iteration {i:04}: {:.2} TFLOPS",
                    i % 8,
                    600.0 + f64::from(i % 17) * 0.75
                )
            }));
            lines.extend(text(&[
                "##[warning]GPU 3 reached 97 °C and was throttled",
                "checksum mismatch on rank 3: expected 0x5f3a9c21, got 0x5f3a9c20",
                "##[error]Process completed with exit code 2.",
            ]));
            lines
        }
        "Complete job" => text(&["Post job cleanup.", "Cleaning up orphan processes"]),
        _ => Vec::new(),
    }
}
