//! What went wrong (or slow) in a job, worked out without an LLM: the
//! failed step, the slowest steps, the wait for a runner, saturation in the
//! runner's samples, and the benchmark changes filed on the job's run.
//! Every analysis is stored and marked with how it was made; `llm` asks a
//! model for one.

pub mod llm;

use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Double, Jsonb, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};

use crate::navigation::{JobView, Step};
use crate::resources::JobResources;

/// A wait for a runner longer than this is worth saying.
const LONG_QUEUE_SECONDS: f64 = 300.0;
/// A step taking more than this share of the job dominates it.
const DOMINANT_SHARE: f64 = 0.5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// One thing the analysis found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Finding {
    /// `failed_step`, `failed_job`, `slow_step`, `queue_time`,
    /// `cpu_saturation`, `memory_pressure`, `no_samples`, `benchmark_change`.
    pub kind: String,
    pub severity: Severity,
    pub message: String,
    /// The step it is about (its number), if any.
    #[serde(default)]
    pub step: Option<i64>,
}

/// A benchmark change filed on the job's run.
#[derive(Debug, Clone, PartialEq, diesel::QueryableByName)]
pub struct RunChange {
    #[diesel(sql_type = Text)]
    pub metric: String,
    #[diesel(sql_type = Text)]
    pub direction: String,
    #[diesel(sql_type = Nullable<Double>)]
    pub change_percent: Option<f64>,
}

/// The findings of `job`, most severe first.
pub fn findings(
    job: &JobView,
    resources: Option<&JobResources>,
    changes: &[RunChange],
) -> Vec<Finding> {
    let steps = job.step_list();
    let mut out = Vec::new();
    let failed: Vec<&Step> = steps
        .iter()
        .filter(|s| s.conclusion.as_deref() == Some("failure"))
        .collect();
    for s in &failed {
        out.push(Finding {
            kind: "failed_step".into(),
            severity: Severity::Error,
            message: format!(
                "Step {} “{}” failed{}.",
                s.number,
                s.name,
                s.seconds()
                    .map(|d| format!(" after {}", human(d)))
                    .unwrap_or_default()
            ),
            step: Some(s.number),
        });
    }
    if failed.is_empty() && job.conclusion.as_deref() == Some("failure") {
        out.push(Finding {
            kind: "failed_job".into(),
            severity: Severity::Error,
            message: "The job failed, but no step is marked failed (a runner lost, a timeout, a cancelled dependency?).".into(),
            step: None,
        });
    }
    if let Some(total) = job.duration_seconds.filter(|t| *t > 0.0) {
        let mut timed: Vec<(&Step, f64)> = steps
            .iter()
            .filter_map(|s| Some((s, s.seconds()?)))
            .collect();
        timed.sort_by(|a, b| b.1.total_cmp(&a.1));
        for (s, d) in timed.into_iter().take(3).filter(|(_, d)| *d > 0.0) {
            let share = d / total;
            out.push(Finding {
                kind: "slow_step".into(),
                severity: if share > DOMINANT_SHARE {
                    Severity::Warning
                } else {
                    Severity::Info
                },
                message: format!(
                    "Step {} “{}” took {} ({:.0} % of the job).",
                    s.number,
                    s.name,
                    human(d),
                    share * 100.0
                ),
                step: Some(s.number),
            });
        }
    }
    if let Some(q) = job.queued_seconds.filter(|q| *q > LONG_QUEUE_SECONDS) {
        out.push(Finding {
            kind: "queue_time".into(),
            severity: Severity::Warning,
            message: format!(
                "The job waited {} for a runner{}.",
                human(q),
                job.labels_text()
            ),
            step: None,
        });
    }
    match resources.filter(|r| !r.samples.is_empty()) {
        None => out.push(Finding {
            kind: "no_samples".into(),
            severity: Severity::Info,
            message: "No resource samples of the runner were recorded for this job.".into(),
            step: None,
        }),
        Some(r) => {
            let cpu: Vec<f64> = r.samples.iter().filter_map(|s| s.cpu_percent).collect();
            let busy = cpu.iter().filter(|c| **c >= 90.0).count();
            if !cpu.is_empty() && busy * 2 >= cpu.len() {
                out.push(Finding {
                    kind: "cpu_saturation".into(),
                    severity: Severity::Warning,
                    message: format!("The CPU was at 90 % or more in {busy} of {} samples: the job is CPU-bound on this runner.", cpu.len()),
                    step: None,
                });
            }
            if let Some(f) = r.summary.memory_max_fraction.filter(|f| *f >= 0.9) {
                out.push(Finding {
                    kind: "memory_pressure".into(),
                    severity: Severity::Warning,
                    message: format!("Memory reached {:.0} % of the runner's.", f * 100.0),
                    step: None,
                });
            }
        }
    }
    for c in changes {
        out.push(Finding {
            kind: "benchmark_change".into(),
            severity: if c.direction == "regression" {
                Severity::Warning
            } else {
                Severity::Info
            },
            message: format!(
                "A benchmark {} of {} was filed on this run{}.",
                c.direction,
                c.metric,
                c.change_percent
                    .map(|p| format!(" ({p:+.1} %)"))
                    .unwrap_or_default()
            ),
            step: None,
        });
    }
    out.sort_by_key(|f| std::cmp::Reverse(f.severity as u8));
    out
}

impl JobView {
    fn labels_text(&self) -> String {
        let labels: Vec<&str> = self
            .labels
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        if labels.is_empty() {
            String::new()
        } else {
            format!(" labelled {}", labels.join(", "))
        }
    }
}

/// `95` as "1 min 35 s".
fn human(seconds: f64) -> String {
    let s = seconds.round() as i64;
    match s {
        s if s >= 3600 => format!("{} h {} min", s / 3600, (s % 3600) / 60),
        s if s >= 60 => format!("{} min {} s", s / 60, s % 60),
        s => format!("{s} s"),
    }
}

/// The findings as Markdown: a title and a bullet per finding.
pub fn markdown(job: &JobView, findings: &[Finding]) -> String {
    let mut md = format!(
        "### {} — {}\n\n",
        job.job_name,
        job.conclusion.as_deref().unwrap_or(&job.status)
    );
    for f in findings {
        let mark = match f.severity {
            Severity::Error => "**error**",
            Severity::Warning => "**warning**",
            Severity::Info => "info",
        };
        md.push_str(&format!("- {mark}: {}\n", f.message));
    }
    md
}

/// A stored analysis.
#[derive(Debug, Clone, PartialEq, Serialize, diesel::QueryableByName, utoipa::ToSchema)]
pub struct StoredAnalysis {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = BigInt)]
    pub github_job_id: i64,
    /// `deterministic` (no LLM) or `llm`.
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub model: Option<String>,
    #[diesel(sql_type = Text)]
    pub markdown: String,
    #[diesel(sql_type = Jsonb)]
    #[schema(value_type = Vec<Finding>)]
    pub findings: serde_json::Value,
    /// Why a configured LLM's analysis could not be had (this one was made
    /// without it).
    #[diesel(sql_type = Nullable<Text>)]
    pub fallback_reason: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
}

/// The benchmark changes filed on the run `job` belongs to (wfm's
/// collection runs of the same GitHub run).
pub async fn run_changes(
    conn: &mut AsyncPgConnection,
    job: &JobView,
) -> diesel::QueryResult<Vec<RunChange>> {
    diesel::sql_query(
        "SELECT c.metric::text AS metric, c.direction::text AS direction, c.change_percent \
         FROM github_workflow_metric_changes c \
         JOIN github_workflow_runs r ON r.id = c.after_run_id \
         WHERE r.github_run_id = $1 ORDER BY c.id",
    )
    .bind::<BigInt, _>(job.github_run_id)
    .load(conn)
    .await
}

/// Stores an analysis of `job`.
pub async fn store(
    conn: &mut AsyncPgConnection,
    job: i64,
    kind: &str,
    model: Option<&str>,
    markdown: &str,
    findings: &[Finding],
    fallback_reason: Option<&str>,
) -> diesel::QueryResult<StoredAnalysis> {
    diesel::sql_query(format!(
        "INSERT INTO github_job_analyses (github_job_id, kind, model, markdown, findings, fallback_reason) \
         VALUES ($1, $2, left($3, 255), $4, $5, left($6, 2000)) RETURNING {COLUMNS}"
    ))
    .bind::<BigInt, _>(job)
    .bind::<Text, _>(kind)
    .bind::<Nullable<Text>, _>(model)
    .bind::<Text, _>(markdown)
    .bind::<Jsonb, _>(serde_json::to_value(findings).unwrap_or_default())
    .bind::<Nullable<Text>, _>(fallback_reason)
    .get_result(conn)
    .await
}

const COLUMNS: &str = "id, github_job_id, kind::text AS kind, model::text AS model, markdown, \
    findings, fallback_reason, created_at";

/// A job's analyses, newest first.
pub async fn of_job(
    conn: &mut AsyncPgConnection,
    job: i64,
) -> diesel::QueryResult<Vec<StoredAnalysis>> {
    diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM github_job_analyses WHERE github_job_id = $1 ORDER BY id DESC"
    ))
    .bind::<BigInt, _>(job)
    .load(conn)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn job(steps: serde_json::Value, conclusion: &str) -> JobView {
        JobView {
            github_job_id: 1,
            github_run_id: 2,
            run_attempt: 1,
            repository: "o/r".into(),
            workflow_name: Some("CI".into()),
            job_name: "bench".into(),
            head_branch: None,
            head_sha: None,
            status: "completed".into(),
            conclusion: Some(conclusion.into()),
            runner_id: None,
            runner_name: Some("r1".into()),
            runner_group_name: None,
            labels: json!(["self-hosted", "mi300"]),
            html_url: None,
            job_created_at: None,
            started_at: None,
            completed_at: None,
            queued_seconds: Some(30.0),
            duration_seconds: Some(100.0),
            steps,
            log_state: None,
        }
    }

    fn step(n: i64, name: &str, conclusion: &str, from: u32, to: u32) -> serde_json::Value {
        json!({"name": name, "status": "completed", "conclusion": conclusion, "number": n,
               "started_at": format!("2026-12-01T00:00:{from:02}Z"),
               "completed_at": format!("2026-12-01T00:00:{to:02}Z")})
    }

    #[test]
    fn a_dominant_step_a_failure_without_a_step_and_the_runs_changes() {
        let steps = json!([
            step(1, "setup", "success", 0, 5),
            step(2, "bench", "success", 5, 59)
        ]);
        let changes = [RunChange {
            metric: "tflops".into(),
            direction: "regression".into(),
            change_percent: Some(-8.0),
        }];
        let f = findings(&job(steps, "failure"), None, &changes);
        let kinds: Vec<&str> = f.iter().map(|f| f.kind.as_str()).collect();
        assert_eq!(kinds[0], "failed_job", "{kinds:?}");
        // bench took 54 of 100 s: it dominates, a warning
        let bench = f.iter().find(|f| f.step == Some(2)).expect("bench");
        assert_eq!(bench.severity, Severity::Warning);
        assert!(
            bench.message.contains("54 s (54 % of the job)"),
            "{}",
            bench.message
        );
        let change = f
            .iter()
            .find(|f| f.kind == "benchmark_change")
            .expect("change");
        assert!(
            change.message.contains("regression of tflops") && change.message.contains("-8.0 %")
        );
        assert!(kinds.contains(&"no_samples"));
        assert!(!kinds.contains(&"queue_time"), "30 s is no wait");
        // most severe first
        let ranks: Vec<u8> = f.iter().map(|f| f.severity as u8).collect();
        assert!(ranks.windows(2).all(|w| w[0] >= w[1]), "{ranks:?}");
        assert_eq!(human(3725.0), "1 h 2 min");
        assert_eq!(human(95.0), "1 min 35 s");
    }
}
