//! `wfm probe URL`: a health check for containers that have no curl — GET the
//! URL, exit 0 on a 2xx answer, 1 otherwise (saying what came back).

use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct ProbeArgs {
    /// The URL to GET, e.g. http://127.0.0.1:8080/readyz
    url: String,
    /// Give up after this long.
    #[arg(long, default_value = "2s", value_parser = humantime::parse_duration)]
    timeout: Duration,
}

pub fn run(args: ProbeArgs) -> ExitCode {
    let runtime = match crate::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let answer = runtime.block_on(async {
        let client = reqwest::Client::builder().timeout(args.timeout).build()?;
        let response = client.get(&args.url).send().await?;
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        Ok::<_, reqwest::Error>((status, body))
    });
    match answer {
        Ok((status, _)) if status.is_success() => ExitCode::SUCCESS,
        Ok((status, body)) => {
            eprintln!("wfm probe: {} answered {status}: {}", args.url, body.trim());
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("wfm probe: {}: {e}", args.url);
            ExitCode::FAILURE
        }
    }
}
