//! Telemetry for every wfm binary: structured logs, optional OTLP traces, and a
//! Prometheus registry served on `/metrics`.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `WFM_LOG_FORMAT` | `human` | `human` (coloured when a terminal) or `json` (one object per line) |
//! | `RUST_LOG` | `info` | log filter, e.g. `info,wfm_db=debug` |
//! | `OTEL_EXPORTER_OTLP_ENDPOINT` | unset | base `http://` URL of an OTLP/HTTP collector (`http://otel:4318`); traces are exported only when set; `https://` is refused (no TLS in this build) |
//! | `OTEL_SERVICE_NAME` | the binary's name | `service.name` of exported spans |

mod cached;
mod metrics;
mod tracing_setup;

pub use cached::Cached;
pub use metrics::Metrics;
pub use tracing_setup::{TelemetryGuard, init};

use wfm_env::{Env, EnvError};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Human,
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = &'static str;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "human" | "text" | "pretty" => Ok(Self::Human),
            "json" => Ok(Self::Json),
            _ => Err("expected human or json"),
        }
    }
}

/// Telemetry settings, read from the variables in the crate docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TelemetryConfig {
    pub service_name: String,
    pub log_format: LogFormat,
    pub log_filter: String,
    pub otlp_endpoint: Option<String>,
}

impl TelemetryConfig {
    pub fn from_env(env: &Env, default_service_name: &str) -> Result<Self, EnvError> {
        let log_filter = env.var("RUST_LOG").unwrap_or_else(|| "info".to_owned());
        tracing_subscriber::EnvFilter::try_new(&log_filter)
            .map_err(|e| EnvError::invalid("RUST_LOG", &log_filter, e))?;
        let otlp_endpoint = env.var("OTEL_EXPORTER_OTLP_ENDPOINT");
        if let Some(endpoint) = &otlp_endpoint {
            // The exporter is built without a TLS stack (it usually talks to a
            // collector agent or sidecar): refuse https now rather than fail every export.
            let reason = if endpoint.starts_with("https://") {
                Some(
                    "https is not supported by this build; use an http:// collector (agent or sidecar)",
                )
            } else if !endpoint.starts_with("http://") {
                Some("expected an http:// URL")
            } else {
                None
            };
            if let Some(reason) = reason {
                return Err(EnvError::invalid(
                    "OTEL_EXPORTER_OTLP_ENDPOINT",
                    endpoint,
                    reason,
                ));
            }
        }
        Ok(Self {
            service_name: env
                .var("OTEL_SERVICE_NAME")
                .unwrap_or_else(|| default_service_name.to_owned()),
            log_format: env.var_or("WFM_LOG_FORMAT", LogFormat::Human)?,
            log_filter,
            otlp_endpoint,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let cfg = TelemetryConfig::from_env(&Env::from_pairs([]), "wfm-api").unwrap();
        assert_eq!(
            cfg,
            TelemetryConfig {
                service_name: "wfm-api".into(),
                log_format: LogFormat::Human,
                log_filter: "info".into(),
                otlp_endpoint: None,
            }
        );
    }

    #[test]
    fn bad_values_name_their_variable() {
        let bad = [
            ("WFM_LOG_FORMAT", "xml"),
            ("RUST_LOG", "info,[[["),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "otel:4318"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://otel:4318"),
        ];
        for (name, value) in bad {
            let err = TelemetryConfig::from_env(&Env::from_pairs([(name, value)]), "x")
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with(&format!("invalid value for {name}:")),
                "{err}"
            );
        }
    }
}
