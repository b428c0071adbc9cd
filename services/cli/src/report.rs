//! `wfm report github --repo OWNER/NAME`: a repository's health metrics
//! computed now (the spec's testing pattern: a dry run that prints what
//! would be pushed); `--push` also sends them to the configured OTLP
//! endpoint and Datadog. Exit codes: 0 printed (and pushed), 2 a bad
//! argument or setting, 3 GitHub refused or could not be reached (a rate
//! limit says how long to wait), 4 a push did not go through.

use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand, ValueEnum};
use wfm_github::rest::{Credentials, DEFAULT_API_URL, GithubClient, RestError};
use wfm_repo_health::export::{PushSettings, Pusher};
use wfm_repo_health::schedule::Source;
use wfm_repo_health::{CommitCache, METRICS, compute, gather};

/// GitHub refused, limited or could not be reached.
const EXIT_GITHUB: u8 = 3;
/// A push target refused or could not be reached.
const EXIT_PUSH: u8 = 4;

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The 23 repository health metrics of the 7 days ending now, through
    /// GitHub's REST API (WFM_GITHUB_API_URL, WFM_GITHUB_TOKEN).
    Github(GithubArgs),
}

#[derive(Debug, Args)]
pub struct GithubArgs {
    /// The repository, `OWNER/NAME`.
    #[arg(long)]
    pub repo: String,
    #[arg(long, value_enum, default_value_t = Output::Table)]
    pub output: Output,
    /// The end of the 7-day window (RFC 3339); default: now.
    #[arg(long)]
    pub at: Option<DateTime<Utc>>,
    /// Also send them: to WFM_REPO_HEALTH_OTLP_ENDPOINT (OTLP/HTTP) and with
    /// WFM_DATADOG_API_KEY to Datadog (WFM_DATADOG_SITE).
    #[arg(long)]
    pub push: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Output {
    Json,
    Table,
}

pub fn run(command: ReportCommand) -> ExitCode {
    let ReportCommand::Github(args) = command;
    let Some((owner, name)) = wfm_github::split_repository(&args.repo) else {
        eprintln!(
            "wfm report github: --repo must be OWNER/NAME, not {:?}",
            args.repo
        );
        return ExitCode::from(2);
    };
    let base = std::env::var("WFM_GITHUB_API_URL").unwrap_or_else(|_| DEFAULT_API_URL.to_owned());
    let credentials = std::env::var("WFM_GITHUB_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
        .map_or(Credentials::Anonymous, Credentials::Token);
    let client = match GithubClient::new(&base, credentials, std::time::Duration::from_secs(60)) {
        Ok(client) => client,
        Err(e) => {
            eprintln!("wfm report github: {e}");
            return ExitCode::from(EXIT_GITHUB);
        }
    };
    let pusher = match args.push.then(push_settings).transpose() {
        Ok(pusher) => pusher,
        Err(message) => {
            eprintln!("wfm report github: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime = match crate::runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let at = args.at.unwrap_or_else(Utc::now);
    let mut cache = CommitCache::default();
    let gathered = match runtime.block_on(gather(&client, owner, name, at, &mut cache)) {
        Ok(gathered) => gathered,
        Err(RestError::RateLimited { retry_after }) => {
            eprintln!(
                "wfm report github: GitHub's rate limit: try again in {} s",
                retry_after.as_secs()
            );
            return ExitCode::from(EXIT_GITHUB);
        }
        Err(e) => {
            eprintln!("wfm report github: {e}");
            return ExitCode::from(EXIT_GITHUB);
        }
    };
    let report = compute(&gathered.snapshot, at);
    match args.output {
        Output::Json => {
            let body = serde_json::json!({
                "repository": gathered.repository,
                "at": at,
                "complete": gathered.complete,
                "calls": gathered.calls,
                "metrics": report.values,
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&body).unwrap_or_default()
            );
        }
        Output::Table => {
            println!(
                "{} over the 7 days to {} ({} REST calls)",
                gathered.repository,
                at.to_rfc3339(),
                gathered.calls
            );
            for name in METRICS {
                let value = report.get(name).map_or_else(
                    || "–".to_owned(),
                    |v| {
                        format!("{v:.2}")
                            .trim_end_matches('0')
                            .trim_end_matches('.')
                            .to_owned()
                    },
                );
                println!("  github.{name:<38} {value:>10}");
            }
            if !gathered.complete {
                println!(
                    "  (a list had more than {} pages: its counts are lower bounds)",
                    wfm_repo_health::gather::MAX_PAGES
                );
            }
        }
    }
    if let Some(pusher) = pusher {
        // the runs came from REST here: every metric's source is `rest`
        let failed = runtime.block_on(pusher.push(
            &gathered.repository,
            &report,
            Source::Rest,
            gathered.complete,
        ));
        for failure in &failed {
            eprintln!("wfm report github: {failure}");
        }
        if !failed.is_empty() {
            return ExitCode::from(EXIT_PUSH);
        }
        eprintln!("wfm report github: pushed");
    }
    ExitCode::SUCCESS
}

/// The push targets of the settings; an error when there is none.
fn push_settings() -> Result<Pusher, String> {
    let env = wfm_env::Env::from_process().map_err(|e| e.to_string())?;
    let settings = PushSettings::from_env(&env).map_err(|e| e.to_string())?;
    if !settings.any() {
        return Err("--push needs WFM_REPO_HEALTH_OTLP_ENDPOINT or WFM_DATADOG_API_KEY".to_owned());
    }
    Pusher::new(settings).map_err(|e| e.to_string())
}
