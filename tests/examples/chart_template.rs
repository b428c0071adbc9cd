//! Prints charts/wfm's manifests as `helm template` would, without helm:
//!
//! ```sh
//! cargo run -q -p wfm-e2e --example chart_template -- [RELEASE] [NAMESPACE] [VALUES-JSON]
//! cargo run -q -p wfm-e2e --example chart_template -- prod wfm '{"database":{"existingSecret":"wfm-db"}}'
//! ```
//!
//! The renderer covers the template language the chart uses (see
//! `wfm_e2e::helm`); use `helm template charts/wfm` where helm is installed.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let release = args.first().map_or("wfm", String::as_str);
    let namespace = args.get(1).map_or("default", String::as_str);
    let overrides = match args.get(2).map(|v| serde_json::from_str(v)).transpose() {
        Ok(v) => v.unwrap_or_else(|| serde_json::json!({"database": {"existingSecret": "wfm-db"}})),
        Err(e) => {
            eprintln!("chart_template: VALUES-JSON: {e}");
            return ExitCode::from(2);
        }
    };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../charts/wfm");
    let rendered = wfm_e2e::helm::Chart::load(&dir)
        .and_then(|chart| chart.render(release, namespace, &overrides));
    match rendered {
        Ok(files) => {
            for file in files {
                if !file.text.trim().is_empty() {
                    println!(
                        "---\n# Source: {}\n{}",
                        file.template,
                        file.text.trim_start_matches("---").trim()
                    );
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("chart_template: {e}");
            ExitCode::FAILURE
        }
    }
}
