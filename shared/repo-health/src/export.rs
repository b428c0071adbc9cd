//! Sending a collection's metrics where teams look: an OpenTelemetry
//! collector (OTLP/HTTP, protobuf, one gauge per metric) and Datadog's
//! series intake (`POST /api/v2/series`, gauges). Names as the spec has them
//! (`github.prs.open`), each point at the collection's time T and tagged
//! with its repository and source. Prometheus scrapes the same values from
//! the api's `/metrics` under [`prometheus_name`].

use std::time::Duration;

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::{
    Gauge, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, metric, number_data_point,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use prost::Message;
use serde_json::json;
use wfm_env::{Env, EnvError};

use crate::Report;
use crate::schedule::Source;

/// Where to push, from the settings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PushSettings {
    /// An OTLP/HTTP base URL (`http://otel-collector:4318`): metrics go to
    /// `<it>/v1/metrics`.
    pub otlp_endpoint: Option<String>,
    /// Datadog's API key; with it, metrics go to `https://api.<site>/api/v2/series`.
    pub datadog_api_key: Option<String>,
    /// `datadoghq.com`, `datadoghq.eu`, `us5.datadoghq.com`…
    pub datadog_site: String,
    /// Overrides the Datadog URL (a proxy, a test's receiver).
    pub datadog_url: Option<String>,
    pub timeout: Duration,
}

impl PushSettings {
    pub fn from_env(env: &Env) -> Result<Self, EnvError> {
        let nonempty = |name: &str| env.var(name).filter(|v| !v.trim().is_empty());
        Ok(Self {
            otlp_endpoint: env.http_url("WFM_REPO_HEALTH_OTLP_ENDPOINT")?,
            datadog_api_key: nonempty("WFM_DATADOG_API_KEY"),
            datadog_site: nonempty("WFM_DATADOG_SITE").unwrap_or_else(|| "datadoghq.com".into()),
            datadog_url: env.http_url("WFM_DATADOG_URL")?,
            timeout: env.duration_or("WFM_REPO_HEALTH_PUSH_TIMEOUT", Duration::from_secs(10))?,
        })
    }

    /// Whether anything is configured.
    pub fn any(&self) -> bool {
        self.otlp_endpoint.is_some() || self.datadog_api_key.is_some()
    }

    fn datadog_series_url(&self) -> String {
        match &self.datadog_url {
            Some(url) => url.clone(),
            None => format!("https://api.{}/api/v2/series", self.datadog_site),
        }
    }
}

/// A push that did not go through.
#[derive(Debug, thiserror::Error)]
#[error("pushing to {target} failed: {message}")]
pub struct PushError {
    /// `otlp` or `datadog`.
    pub target: &'static str,
    pub message: String,
}

/// Sends reports to the configured targets.
#[derive(Debug, Clone)]
pub struct Pusher {
    http: reqwest::Client,
    settings: PushSettings,
}

impl Pusher {
    pub fn new(settings: PushSettings) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .build()?;
        Ok(Self { http, settings })
    }

    pub fn settings(&self) -> &PushSettings {
        &self.settings
    }

    /// Pushes `report` of `repository` (`owner/name`) to every target; the
    /// targets that failed, each with why (one failing does not stop the other).
    /// `complete` false marks every value a lower bound (a list was cut).
    pub async fn push(
        &self,
        repository: &str,
        report: &Report,
        ci: Source,
        complete: bool,
    ) -> Vec<PushError> {
        let mut failed = Vec::new();
        if let Some(endpoint) = &self.settings.otlp_endpoint {
            let body = otlp_request(repository, report, ci, complete).encode_to_vec();
            let sent = self
                .http
                .post(format!("{endpoint}/v1/metrics"))
                .header(reqwest::header::CONTENT_TYPE, "application/x-protobuf")
                .body(body)
                .send()
                .await;
            if let Err(message) = answered(sent).await {
                failed.push(PushError {
                    target: "otlp",
                    message,
                });
            }
        }
        if let Some(key) = &self.settings.datadog_api_key {
            let sent = self
                .http
                .post(self.settings.datadog_series_url())
                .header("DD-API-KEY", key)
                .json(&datadog_series(repository, report, ci, complete))
                .send()
                .await;
            if let Err(message) = answered(sent).await {
                failed.push(PushError {
                    target: "datadog",
                    message,
                });
            }
        }
        failed
    }
}

async fn answered(sent: Result<reqwest::Response, reqwest::Error>) -> Result<(), String> {
    let response = sent.map_err(|e| e.to_string())?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let body = response.text().await.unwrap_or_default();
    Err(format!(
        "{status}: {}",
        body.chars().take(300).collect::<String>()
    ))
}

/// `github.<metric>`: the spec's names, as Datadog and OTLP carry them.
pub fn export_name(metric: &str) -> String {
    format!("github.{metric}")
}

/// `github_repo_<metric>` with `.` as `_`: the Prometheus gauge's name.
pub fn prometheus_name(metric: &str) -> String {
    format!("github_repo_{}", metric.replace('.', "_"))
}

fn values(report: &Report) -> impl Iterator<Item = (&'static str, f64)> + '_ {
    report
        .values
        .iter()
        .filter_map(|(name, value)| value.map(|v| (*name, v)))
}

fn text(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.to_owned())),
        }),
        ..Default::default()
    }
}

/// The OTLP request of a report: a gauge per metric with one point at T.
pub fn otlp_request(
    repository: &str,
    report: &Report,
    ci: Source,
    complete: bool,
) -> ExportMetricsServiceRequest {
    let nanos = report.at.timestamp_nanos_opt().unwrap_or(0).max(0) as u64;
    let metrics = values(report)
        .map(|(name, value)| Metric {
            name: export_name(name),
            unit: unit_of(name).to_owned(),
            data: Some(metric::Data::Gauge(Gauge {
                data_points: vec![NumberDataPoint {
                    attributes: vec![
                        text("repository", repository),
                        text("source", Source::of(name, ci).as_str()),
                        KeyValue {
                            key: "complete".into(),
                            value: Some(AnyValue {
                                value: Some(any_value::Value::BoolValue(complete)),
                            }),
                            ..Default::default()
                        },
                    ],
                    time_unix_nano: nanos,
                    value: Some(number_data_point::Value::AsDouble(value)),
                    ..Default::default()
                }],
            })),
            ..Default::default()
        })
        .collect();
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(Resource {
                attributes: vec![text("service.name", "wfm")],
                ..Default::default()
            }),
            scope_metrics: vec![ScopeMetrics {
                scope: Some(InstrumentationScope {
                    name: "wfm-repo-health".into(),
                    version: env!("CARGO_PKG_VERSION").into(),
                    ..Default::default()
                }),
                metrics,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

/// UCUM units, as OTLP wants them.
fn unit_of(metric: &str) -> &'static str {
    if metric.ends_with("_hours") {
        "h"
    } else if metric.contains("_minutes") {
        "min"
    } else {
        "1"
    }
}

/// Datadog's `/api/v2/series` body: a gauge (type 3) per metric.
pub fn datadog_series(
    repository: &str,
    report: &Report,
    ci: Source,
    complete: bool,
) -> serde_json::Value {
    let series: Vec<serde_json::Value> = values(report)
        .map(|(name, value)| {
            json!({
                "metric": export_name(name),
                "type": 3,
                "points": [{"timestamp": report.at.timestamp(), "value": value}],
                "tags": [
                    format!("repository:{repository}"),
                    format!("source:{}", Source::of(name, ci).as_str()),
                    format!("complete:{complete}"),
                ],
            })
        })
        .collect();
    json!({ "series": series })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_each_target_spells_them() {
        assert_eq!(export_name("prs.open"), "github.prs.open");
        assert_eq!(
            prometheus_name("ci.workflow_duration_minutes.p95"),
            "github_repo_ci_workflow_duration_minutes_p95"
        );
        assert_eq!(unit_of("prs.avg_time_to_merge_hours"), "h");
        assert_eq!(unit_of("ci.workflow_duration_minutes.p95"), "min");
        assert_eq!(unit_of("prs.open"), "1");
    }

    #[test]
    fn settings_read_and_checked() {
        let env = Env::from_pairs([
            ("WFM_REPO_HEALTH_OTLP_ENDPOINT", "http://otel:4318/"),
            ("WFM_DATADOG_API_KEY", "k"),
            ("WFM_DATADOG_SITE", "datadoghq.eu"),
        ]);
        let s = PushSettings::from_env(&env).expect("valid");
        assert_eq!(s.otlp_endpoint.as_deref(), Some("http://otel:4318"));
        assert_eq!(
            s.datadog_series_url(),
            "https://api.datadoghq.eu/api/v2/series"
        );
        assert!(s.any());
        assert!(
            !PushSettings::from_env(&Env::from_pairs([]))
                .expect("empty")
                .any()
        );
        let bad = PushSettings::from_env(&Env::from_pairs([(
            "WFM_REPO_HEALTH_OTLP_ENDPOINT",
            "otel:4318",
        )]));
        assert!(bad.is_err());
    }
}
