//! What a notification says: the change with its config and repository,
//! as generic JSON, as a Slack message, and as a GitHub commit status.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::{Value, json};
use wfm_db::ChangeDirection;
use wfm_github::rest::CommitStatus;

use crate::Change;
use crate::changes;

/// A change with what a message about it needs.
#[derive(Debug, Clone)]
pub struct ChangeContext {
    pub change: Change,
    pub config_name: String,
    /// `owner/repo`: the config's repository, else the one the run's runner
    /// reported.
    pub repository: Option<String>,
}

impl ChangeContext {
    pub fn repository(&self) -> Option<(&str, &str)> {
        self.repository.as_deref()?.split_once('/')
    }

    /// `model=llama, batch=8`, or `all records` when the series has no dimensions.
    fn series_label(&self) -> String {
        match &self.change.dimensions {
            Value::Object(map) if !map.is_empty() => map
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) => format!("{k}={s}"),
                    other => format!("{k}={other}"),
                })
                .collect::<Vec<_>>()
                .join(", "),
            _ => "all records".to_owned(),
        }
    }

    /// `latency_ms +20.0% (10 → 12) for model=a on main`
    fn summary(&self) -> String {
        let c = &self.change;
        let pct = c
            .change_percent
            .map_or_else(String::new, |p| format!(" {p:+.1}%"));
        let branch = if c.branch.is_empty() {
            String::new()
        } else {
            format!(" on {}", c.branch)
        };
        format!(
            "{}{pct} ({} → {}) for {}{branch}",
            c.metric,
            number(c.before_value),
            number(c.after_value),
            self.series_label()
        )
    }

    fn kind(&self) -> &'static str {
        match self.change.direction {
            ChangeDirection::Regression => "Regression",
            ChangeDirection::Improvement => "Improvement",
            ChangeDirection::Unknown => "Change",
        }
    }
}

fn number(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.4}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_owned()
    }
}

/// The console's page of change `id`, when the console's address is known.
pub fn console_link(console: Option<&str>, id: i64) -> Option<String> {
    console.map(|base| format!("{base}/changes/{id}"))
}

#[derive(diesel::QueryableByName)]
struct Extra {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Nullable<Text>)]
    repository: Option<String>,
}

/// The change `id` with its config's name and repository; `None` when gone.
pub(super) async fn context(
    conn: &mut AsyncPgConnection,
    id: i64,
) -> diesel::QueryResult<Option<ChangeContext>> {
    let change = match changes::get(conn, id, None).await {
        Ok(change) => change,
        Err(crate::TrackingError::NoSuchChange(_)) => return Ok(None),
        Err(crate::TrackingError::Database(e)) => return Err(e),
    };
    let extra: Option<Extra> = diesel::sql_query(
        "SELECT c.name, coalesce(c.github_owner || '/' || c.github_repo, \
             (SELECT w.github_repository FROM github_workflow_runs r \
              JOIN gpu_workloads w ON w.uid = r.workload_uid WHERE r.id = $2 \
              ORDER BY w.id LIMIT 1)) AS repository \
         FROM github_workflow_configs c WHERE c.id = $1",
    )
    .bind::<BigInt, _>(change.config_id)
    .bind::<BigInt, _>(change.after_run_id)
    .get_result(conn)
    .await
    .optional()?;
    Ok(extra.map(|e| ChangeContext {
        change,
        config_name: e.name,
        repository: e.repository,
    }))
}

/// The generic webhook's body.
pub(super) fn webhook_body(delivery: i64, context: &ChangeContext, console: Option<&str>) -> Value {
    json!({
        "event": "benchmark_change",
        "delivery": delivery,
        "summary": format!("{} in {}: {}", context.kind(), context.config_name, context.summary()),
        "config": {"id": context.change.config_id, "name": context.config_name},
        "repository": context.repository,
        "change": context.change,
        "link": console_link(console, context.change.id),
    })
}

/// A Slack incoming webhook's body: `text` (notifications, fallbacks) and a
/// section block with mrkdwn.
pub(super) fn slack_body(context: &ChangeContext, console: Option<&str>) -> Value {
    let c = &context.change;
    let icon = match c.direction {
        ChangeDirection::Regression => ":rotating_light:",
        ChangeDirection::Improvement => ":rocket:",
        ChangeDirection::Unknown => ":bar_chart:",
    };
    let commit = c
        .after_commit
        .as_deref()
        .map(|sha| format!(" at `{}`", &sha[..sha.len().min(7)]))
        .unwrap_or_default();
    let text = format!(
        "{icon} {} in *{}*: `{}`{commit}",
        context.kind(),
        escape(&context.config_name),
        escape(&context.summary())
    );
    let section = match console_link(console, c.id) {
        Some(link) => format!("{text} <{link}|view>"),
        None => text.clone(),
    };
    json!({
        "text": text,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": section}}],
    })
}

/// Slack's three control characters.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The commit status: `failure` for a regression, `success` otherwise.
pub(super) fn commit_status(context: &ChangeContext, console: Option<&str>) -> CommitStatus {
    let c = &context.change;
    let state = match c.direction {
        ChangeDirection::Regression => "failure",
        ChangeDirection::Improvement | ChangeDirection::Unknown => "success",
    };
    let description: String = format!("{}: {}", context.kind(), context.summary())
        .chars()
        .take(140)
        .collect();
    let context_name: String = format!("wfm/{}/{}", context.config_name, c.metric)
        .chars()
        .take(255)
        .collect();
    CommitStatus {
        state: state.to_owned(),
        target_url: console_link(console, c.id),
        description,
        context: context_name,
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use wfm_db::ChangeStatus;

    use super::*;

    fn context() -> ChangeContext {
        ChangeContext {
            change: Change {
                id: 7,
                config_id: 1,
                series_key: 42,
                dimensions: json!({"model": "llama<3>", "batch": 8}),
                metric: "latency_ms".into(),
                branch: "main".into(),
                at: Utc::now(),
                before_run_id: 10,
                after_run_id: 11,
                before_commit: Some("a".repeat(40)),
                after_commit: Some("b".repeat(40)),
                before_value: 10.0,
                after_value: 12.5,
                change_percent: Some(25.0),
                magnitude_sigma: Some(12.0),
                p_value: 1e-6,
                direction: ChangeDirection::Regression,
                status: ChangeStatus::New,
                note: None,
                triaged_by: None,
                triaged_at: None,
                detected_at: Utc::now(),
                updated_at: Utc::now(),
            },
            config_name: "nightly".into(),
            repository: Some("acme/gpu".into()),
        }
    }

    #[test]
    fn messages_say_what_moved_where() {
        let c = context();
        assert_eq!(c.repository(), Some(("acme", "gpu")));
        let slack = slack_body(&c, Some("https://wfm.example.com"));
        assert_eq!(
            slack["text"],
            ":rotating_light: Regression in *nightly*: `latency_ms +25.0% (10 → 12.5) for batch=8, model=llama&lt;3&gt; on main` at `bbbbbbb`"
        );
        assert!(
            slack["blocks"][0]["text"]["text"]
                .as_str()
                .expect("block")
                .ends_with("<https://wfm.example.com/changes/7|view>")
        );
        let hook = webhook_body(3, &c, None);
        assert_eq!(hook["delivery"], 3);
        assert_eq!(hook["change"]["id"], 7);
        assert_eq!(hook["change"]["direction"], "regression");
        assert!(hook["link"].is_null());
        let status = commit_status(&c, Some("https://wfm.example.com"));
        assert_eq!(status.state, "failure");
        assert_eq!(status.context, "wfm/nightly/latency_ms");
        assert!(status.description.chars().count() <= 140);
        assert_eq!(
            status.target_url.as_deref(),
            Some("https://wfm.example.com/changes/7")
        );
    }
}
