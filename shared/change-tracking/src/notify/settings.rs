//! Where notifications go and how hard wfm tries.

use std::time::Duration;

use wfm_env::{Env, EnvError};
use wfm_github::signature::WebhookSecrets;

/// A generic JSON webhook, signed when it has a secret.
pub const TARGET_WEBHOOK: &str = "webhook";
/// A Slack incoming webhook (or anything that takes Slack's `text`/`blocks`).
pub const TARGET_SLACK: &str = "slack";
/// A GitHub commit status on the first commit after the step.
pub const TARGET_GITHUB_STATUS: &str = "github-status";

/// A generic webhook target.
#[derive(Debug, Clone)]
pub struct WebhookTarget {
    pub url: String,
    /// Signs each body: `X-Wfm-Signature-256: sha256=<hex HMAC-SHA256>`.
    pub secret: Option<WebhookSecrets>,
}

/// | variable | default | meaning |
/// |---|---|---|
/// | `WFM_NOTIFY_WEBHOOK_URL` | unset | POST each change as JSON here |
/// | `WFM_NOTIFY_WEBHOOK_SECRET` | unset | sign those bodies (HMAC-SHA256, `X-Wfm-Signature-256`) |
/// | `WFM_NOTIFY_SLACK_URL` | unset | a Slack incoming webhook (Slack-compatible JSON) |
/// | `WFM_NOTIFY_GITHUB_STATUS` | false | set a commit status on the first commit after a step (the collector's GitHub token or App, `statuses:write`) |
/// | `WFM_CONSOLE_URL` | unset | the console's address, for links in messages |
/// | `WFM_NOTIFY_POLL_INTERVAL` | 5s | how often due deliveries are looked for |
/// | `WFM_NOTIFY_TIMEOUT` | 10s | one delivery attempt |
/// | `WFM_NOTIFY_MAX_ATTEMPTS` | 10 | attempts before a delivery is `failed` |
/// | `WFM_NOTIFY_RETRY_BASE` / `_CAP` | 30s / 1h | backoff between attempts (doubling) |
#[derive(Debug, Clone)]
pub struct NotifySettings {
    pub webhook: Option<WebhookTarget>,
    pub slack_url: Option<String>,
    pub github_status: bool,
    pub console_url: Option<String>,
    pub poll_interval: Duration,
    pub timeout: Duration,
    pub max_attempts: i32,
    pub retry_base: Duration,
    pub retry_cap: Duration,
}

impl Default for NotifySettings {
    fn default() -> Self {
        Self {
            webhook: None,
            slack_url: None,
            github_status: false,
            console_url: None,
            poll_interval: Duration::from_secs(5),
            timeout: Duration::from_secs(10),
            max_attempts: 10,
            retry_base: Duration::from_secs(30),
            retry_cap: Duration::from_secs(3600),
        }
    }
}

impl NotifySettings {
    pub fn from_env(env: &Env) -> Result<Self, EnvError> {
        let defaults = Self::default();
        let max_attempts: i32 = env.var_or("WFM_NOTIFY_MAX_ATTEMPTS", defaults.max_attempts)?;
        if !(1..=100).contains(&max_attempts) {
            return Err(EnvError::invalid(
                "WFM_NOTIFY_MAX_ATTEMPTS",
                max_attempts,
                "must be 1 to 100",
            ));
        }
        let secret = env
            .var("WFM_NOTIFY_WEBHOOK_SECRET")
            .filter(|s| !s.is_empty());
        Ok(Self {
            webhook: env
                .http_url("WFM_NOTIFY_WEBHOOK_URL")?
                .map(|url| WebhookTarget {
                    url,
                    secret: secret.map(|s| WebhookSecrets::new([s])),
                }),
            slack_url: env.http_url("WFM_NOTIFY_SLACK_URL")?,
            github_status: env.bool_or("WFM_NOTIFY_GITHUB_STATUS", false)?,
            console_url: env.http_url("WFM_CONSOLE_URL")?,
            poll_interval: env.duration_or("WFM_NOTIFY_POLL_INTERVAL", defaults.poll_interval)?,
            timeout: env.duration_or("WFM_NOTIFY_TIMEOUT", defaults.timeout)?,
            max_attempts,
            retry_base: env.duration_or("WFM_NOTIFY_RETRY_BASE", defaults.retry_base)?,
            retry_cap: env.duration_or("WFM_NOTIFY_RETRY_CAP", defaults.retry_cap)?,
        })
    }

    /// The targets a change filed now is owed to.
    pub fn targets(&self) -> Vec<String> {
        let mut targets = Vec::new();
        if self.webhook.is_some() {
            targets.push(TARGET_WEBHOOK.to_owned());
        }
        if self.slack_url.is_some() {
            targets.push(TARGET_SLACK.to_owned());
        }
        if self.github_status {
            targets.push(TARGET_GITHUB_STATUS.to_owned());
        }
        targets
    }

    /// The wait after failed attempt `attempt` (1-based): base, doubling, capped.
    pub fn backoff(&self, attempt: i32) -> Duration {
        let doublings = u32::try_from(attempt.saturating_sub(1))
            .unwrap_or(0)
            .min(20);
        self.retry_base
            .saturating_mul(1 << doublings)
            .min(self.retry_cap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_backoff_from_the_environment() {
        let env = Env::from_pairs([
            ("WFM_NOTIFY_WEBHOOK_URL", "https://hooks.example.com/wfm/"),
            (
                "WFM_NOTIFY_SLACK_URL",
                "https://hooks.slack.com/services/T/B/X",
            ),
            ("WFM_NOTIFY_GITHUB_STATUS", "true"),
            ("WFM_NOTIFY_RETRY_BASE", "10s"),
            ("WFM_NOTIFY_RETRY_CAP", "1m"),
        ]);
        let s = NotifySettings::from_env(&env).expect("valid");
        assert_eq!(s.targets(), vec!["webhook", "slack", "github-status"]);
        assert_eq!(
            s.webhook.as_ref().map(|w| w.url.as_str()),
            Some("https://hooks.example.com/wfm")
        );
        let waits: Vec<u64> = (1..=5).map(|a| s.backoff(a).as_secs()).collect();
        assert_eq!(waits, vec![10, 20, 40, 60, 60]);
        assert!(
            NotifySettings::from_env(&Env::from_pairs([]))
                .expect("empty")
                .targets()
                .is_empty()
        );
        for (name, value) in [
            ("WFM_NOTIFY_WEBHOOK_URL", "ftp://x"),
            ("WFM_NOTIFY_SLACK_URL", "not a url"),
            ("WFM_NOTIFY_MAX_ATTEMPTS", "0"),
            ("WFM_NOTIFY_GITHUB_STATUS", "sometimes"),
        ] {
            let err = NotifySettings::from_env(&Env::from_pairs([(name, value)]))
                .expect_err(name)
                .to_string();
            assert!(err.contains(name), "{err}");
        }
    }
}
