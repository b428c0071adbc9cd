//! `wfm demo`: plays a burst of finished nightly benchmark jobs against a
//! running wfm, as GitHub and a runner would — each job's result files written
//! into the collector's mounted results folder, then the job's signed
//! `workflow_job` deliveries posted to the api — waits until wfm has collected
//! every run, and prints the runs by status, the inferred schema and a trend
//! table, all read back through the API.

mod api;
mod files;
mod jobs;
mod report;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use chrono::Utc;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::time::Instant;
use wfm_github::WebhookSecrets;

use api::{Api, ApiError};
use jobs::Job;

/// The config the demo creates (or finds) and reads back.
const CONFIG_NAME: &str = "demo-nightly-gpu-benchmarks";
const FILE_PATTERN: &str = "runs/{run_id}/{job_id}/*";
/// The trend table's metric, grouping and width.
const TREND_METRIC: &str = "TFLOPS";
const TREND_GROUP: &str = "Rank";
const TREND_COLUMNS: usize = 7;

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Base URL of the api; repeat it for replicas (deliveries go to each in turn).
    #[arg(long = "api", default_value = "http://127.0.0.1:8080")]
    apis: Vec<String>,
    /// The collector's `WFM_MOUNTED_ROOT`: each job writes its files under it.
    #[arg(long)]
    results: PathBuf,
    /// A webhook secret the api accepts (one of its `WFM_WEBHOOK_SECRETS`).
    #[arg(long)]
    secret: String,
    /// Nightly jobs to play, one per day, the last one last night.
    #[arg(long, default_value_t = 14, value_parser = clap::value_parser!(u32).range(1..=3650))]
    jobs: u32,
    /// Jobs delivered at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// How long to wait for the deliveries to be stored and the runs collected.
    #[arg(long, default_value = "2m", value_parser = humantime::parse_duration)]
    timeout: Duration,
    /// Bearer token for the API (an admin token, when the api has tokens).
    #[arg(long)]
    token: Option<String>,
}

pub fn run(args: DemoArgs) -> ExitCode {
    let runtime = match crate::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    match runtime.block_on(play(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wfm demo: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn play(args: DemoArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let deadline = started + args.timeout;
    let api = Api::new(args.apis.clone(), args.token.clone())?;
    let config_id = ensure_config(&api).await?;
    let jobs = jobs::nightly(args.jobs, Utc::now());
    for job in &jobs {
        write_files(&args.results, job)?;
    }
    println!(
        "==> {} nightly jobs wrote their result files under {}",
        jobs.len(),
        args.results.display()
    );

    let receipts = deliver_all(&api, &jobs, &args, deadline).await?;
    println!(
        "==> posted {} signed workflow_job deliveries to {} in {:.1} s ({})",
        receipts.values().sum::<usize>(),
        args.apis.join(", "),
        started.elapsed().as_secs_f64(),
        receipts
            .iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    );

    let redelivered = receipts.contains_key("duplicate");
    let runs = wait_collected(&api, config_id, &jobs, deadline, redelivered).await?;
    println!(
        "==> collected in {:.1} s; this burst's runs by status:",
        started.elapsed().as_secs_f64()
    );
    print!("{}", report::runs_by_status(&count_statuses(&runs)));
    let unfinished: Vec<&Value> = runs
        .iter()
        .filter(|r| r["status"] != json!("completed"))
        .collect();
    for run in unfinished.iter().take(3) {
        println!(
            "  run {} {}: {}",
            run["id"],
            run["status"].as_str().unwrap_or("?"),
            run["error_message"].as_str().unwrap_or("")
        );
    }
    if !unfinished.is_empty() {
        bail!(
            "{} of {} runs did not complete (the first reasons are above; the collector's log has the rest)",
            unfinished.len(),
            runs.len()
        );
    }

    let schema = api.get(&format!("/configs/{config_id}/schema")).await?;
    println!("==> the schema wfm inferred from the files:");
    print!("{}", report::schema(&schema));

    let first_night = jobs.first().map(|j| j.queued_at.date_naive());
    let trends = api
        .post(
            &format!("/configs/{config_id}/metrics/trends"),
            &json!({
                "metric": TREND_METRIC,
                "group_by": [TREND_GROUP],
                "interval": "1d",
                "start": first_night.map(|d| format!("{d}T00:00:00Z")),
            }),
        )
        .await?;
    println!(
        "==> {TREND_METRIC} by {TREND_GROUP}, daily average (POST /configs/{config_id}/metrics/trends):"
    );
    print!("{}", report::trend_table(&trends, TREND_COLUMNS));
    println!(
        "==> done in {:.1} s; explore in the console:\n  \
         {base}/explore?config={config_id}&metric={TREND_METRIC}&group={TREND_GROUP}\n\
         or with the API:\n  \
         curl -s '{base}/v1/github-workflow-metrics/configs/{config_id}/runs?limit=5'\n  \
         curl -s '{base}/v1/github-workflow-metrics/configs/{config_id}/metrics/summary'\n  \
         curl -s '{base}/v1/github-workflow-metrics/configs/{config_id}/export?limit=20'\n  \
         curl -s '{base}/v1/github-workflow-metrics/ci-stats'",
        started.elapsed().as_secs_f64(),
        base = api.base(),
    );
    Ok(())
}

/// Creates the demo's repository-bound config, or finds the one an earlier
/// demo created (and enables it).
async fn ensure_config(api: &Api) -> anyhow::Result<i64> {
    let body = json!({
        "name": CONFIG_NAME,
        "description": "wfm demo: nightly GPU benchmarks, files on a mounted folder",
        "github_owner": jobs::OWNER,
        "github_repo": jobs::REPO,
        "workflow_filter": jobs::WORKFLOW,
        "branch_filter": "main",
        "file_patterns": [FILE_PATTERN],
        "reader": "mounted",
    });
    let created = api.post("/configs", &body).await;
    let (id, verb) = match created {
        Ok(config) => (
            config["id"]
                .as_i64()
                .context("no id in the created config")?,
            "created",
        ),
        Err(e)
            if e.downcast_ref::<ApiError>()
                .is_some_and(|e| e.status == StatusCode::CONFLICT) =>
        {
            let config = find_config(api).await?;
            if config["enabled"] == json!(false) {
                api.post(&format!("/configs/{}/enable", config["id"]), &json!({}))
                    .await?;
            }
            (
                config["id"].as_i64().context("no id in the config")?,
                "reusing",
            )
        }
        Err(e) => return Err(e.context("creating the demo config")),
    };
    println!(
        "==> {verb} config {id} {CONFIG_NAME:?}: repository {}/{}, workflow {:?}, mounted reader, files {FILE_PATTERN}",
        jobs::OWNER,
        jobs::REPO,
        jobs::WORKFLOW
    );
    Ok(id)
}

async fn find_config(api: &Api) -> anyhow::Result<Value> {
    for offset in (0..).step_by(100) {
        let page = api
            .get(&format!("/configs?offset={offset}&limit=100"))
            .await?;
        let configs = page["configs"].as_array().cloned().unwrap_or_default();
        if let Some(found) = configs.iter().find(|c| {
            c["github_owner"] == json!(jobs::OWNER) && c["github_repo"] == json!(jobs::REPO)
        }) {
            return Ok(found.clone());
        }
        if configs.len() < 100 {
            break;
        }
    }
    bail!(
        "the api refused the demo config as a duplicate but lists no config bound to {}/{}",
        jobs::OWNER,
        jobs::REPO
    )
}

/// Writes the job's files, each through a temporary name, so the collector
/// never reads half a file.
fn write_files(results: &Path, job: &Job) -> anyhow::Result<()> {
    let dir = results.join(job.dir());
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    for file in files::job_files(job.factor)? {
        let path = dir.join(file.name);
        let partial = dir.join(format!(".{}.partial", file.name));
        std::fs::write(&partial, &file.contents)
            .with_context(|| format!("writing {}", partial.display()))?;
        std::fs::rename(&partial, &path).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// Posts every job's deliveries, `concurrency` jobs at a time, each job's in
/// GitHub's order; counts the receipts by status.
async fn deliver_all(
    api: &Api,
    jobs: &[Job],
    args: &DemoArgs,
    deadline: Instant,
) -> anyhow::Result<BTreeMap<String, usize>> {
    let secrets = Arc::new(WebhookSecrets::new([args.secret.as_str()]));
    let permits = Arc::new(tokio::sync::Semaphore::new(args.concurrency.max(1)));
    let template = jobs::template()?;
    let mut tasks = tokio::task::JoinSet::new();
    for (n, job) in jobs.iter().enumerate() {
        let (api, secrets, permits) = (api.clone(), secrets.clone(), permits.clone());
        let deliveries = jobs::deliveries(&template, job)?;
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await?;
            let mut receipts = Vec::new();
            for delivery in deliveries {
                let signature = secrets.sign(&delivery.body).context("signing")?;
                receipts.push(api.deliver(&delivery, &signature, n, deadline).await?);
            }
            anyhow::Ok(receipts)
        });
    }
    let mut counts = BTreeMap::new();
    while let Some(done) = tasks.join_next().await {
        for receipt in done?? {
            *counts.entry(receipt).or_insert(0) += 1;
        }
    }
    Ok(counts)
}

/// Waits until every job has a run of the config in a final state; returns
/// those runs.
async fn wait_collected(
    api: &Api,
    config_id: i64,
    jobs: &[Job],
    deadline: Instant,
    redelivered: bool,
) -> anyhow::Result<Vec<Value>> {
    let wanted: HashSet<String> = jobs.iter().map(Job::workload_uid).collect();
    let mut burst: Vec<Value> = Vec::new();
    loop {
        let asked = tokio::time::timeout_at(deadline, runs_of(api, config_id)).await;
        let problem = match asked {
            Ok(Ok(runs)) => {
                // one run per job (a page boundary moving under inserts may repeat one)
                let mut seen = HashSet::new();
                burst = runs
                    .into_iter()
                    .filter(|r| {
                        r["workload_uid"]
                            .as_str()
                            .is_some_and(|u| wanted.contains(u) && seen.insert(u.to_owned()))
                    })
                    .collect();
                None
            }
            // the api may be restarting: ask again until the deadline
            Ok(Err(e)) => Some(format!("{e:#}")),
            Err(_) => Some("no answer before the deadline".to_owned()),
        };
        let finished = burst
            .iter()
            .filter(|r| {
                matches!(
                    r["status"].as_str(),
                    Some("completed" | "failed" | "skipped")
                )
            })
            .filter_map(|r| r["workload_uid"].as_str())
            .collect::<HashSet<_>>()
            .len();
        if problem.is_none() && finished == wanted.len() {
            return Ok(burst);
        }
        if Instant::now() > deadline {
            let seen = format!("{:?}", count_statuses(&burst));
            bail!(
                "{} of {} runs not collected in time (last seen: {seen}{}){}",
                wanted.len() - finished,
                wanted.len(),
                problem.map_or(String::new(), |p| format!("; then: {p}")),
                if redelivered && burst.len() < wanted.len() {
                    "; some deliveries were answered `duplicate` (stored before): a job whose \
                     run was deleted since is not filed again"
                } else {
                    ""
                }
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn count_statuses(runs: &[Value]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for run in runs {
        *counts
            .entry(run["status"].as_str().unwrap_or("?").to_owned())
            .or_insert(0) += 1;
    }
    counts
}

/// Every run of the config (pages of 100).
async fn runs_of(api: &Api, config_id: i64) -> anyhow::Result<Vec<Value>> {
    let mut all = Vec::new();
    for offset in (0..).step_by(100) {
        let page = api
            .get(&format!(
                "/configs/{config_id}/runs?offset={offset}&limit=100"
            ))
            .await?;
        let runs = page["runs"].as_array().cloned().unwrap_or_default();
        let last = runs.len() < 100;
        all.extend(runs);
        if last {
            break;
        }
    }
    Ok(all)
}
