//! The collector's settings, from the environment.

use std::path::PathBuf;
use std::time::Duration;

use wfm_db::queue::Backoff;
use wfm_env::{Env, EnvError};
use wfm_extract::llm::LlmConfig;
use wfm_github::app::AppCredentials;
use wfm_github::rest::Credentials;
use wfm_kube::pod::PodSettings;
use wfm_reader::ArtifactLimits;

/// Settings of wfm-collector (besides the common `WFM_*` of every service).
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `WFM_COLLECTOR_CONCURRENCY` | 4 | runs processed at once |
/// | `WFM_COLLECTOR_LEASE` | 60s | a claim's lease, renewed every third of it |
/// | `WFM_COLLECTOR_POLL_INTERVAL` | 30s | claim attempts without a NOTIFY |
/// | `WFM_COLLECTOR_REAP_INTERVAL` | 15s | how often expired leases are reaped |
/// | `WFM_COLLECTOR_RETRY_BASE` / `_CAP` | 30s / 1h | backoff of transient failures |
/// | `WFM_COLLECTOR_SHUTDOWN_GRACE` | 20s | in-flight runs get this long, then are released |
/// | `WFM_COLLECTOR_RUN_TIMEOUT` | 30m | one run's processing; longer is a transient failure |
/// | `WFM_MOUNTED_ROOT` | unset | where result volumes are mounted (the `mounted` reader) |
/// | `WFM_MAX_FILE_BYTES` | 5242880 | larger files fail, the run's others are stored |
/// | `WFM_MAX_FILES_PER_RUN` | 200 | files beyond this are not read (noted on the run) |
/// | `WFM_READ_TIMEOUT` | 60s | one file read; a timeout retries the run |
/// | `WFM_INSERT_BATCH_ROWS` | 5000 | metric rows per insert statement |
/// | `WFM_GITHUB_API_URL` | `https://api.github.com` | GitHub's REST API (the `github-artifacts` reader); GitHub Enterprise: `https://<host>/api/v3` |
/// | `WFM_GITHUB_TOKEN` | unset | a token for it with `actions:read` (a personal access token) |
/// | `WFM_GITHUB_APP_ID`, `WFM_GITHUB_APP_INSTALLATION_ID`, `WFM_GITHUB_APP_PRIVATE_KEY` (PEM) or `…_PRIVATE_KEY_FILE` | unset | act as a GitHub App installation instead: installation tokens are minted and renewed as needed |
/// | `WFM_GITHUB_TIMEOUT` | 60s | one REST call or artifact download |
/// | `WFM_GITHUB_ARTIFACT_MAX_BYTES` | 104857600 | one artifact's zip as downloaded; larger artifacts are skipped (noted on the run) |
/// | `WFM_GITHUB_ARTIFACT_MAX_ENTRIES` | 10000 | entries in one zip; more fails the run |
/// | `WFM_GITHUB_ARTIFACT_MAX_UNCOMPRESSED` | 1073741824 | one zip's entries uncompressed; more (a zip bomb) fails the run |
/// | `WFM_LLM_*` | unset | LLM extraction, see wfm-extract |
/// | `KUBECONFIG` | in-cluster | the Kubernetes API for the `temp-pod` and `node-exporter` readers, as kubectl finds it |
/// | `WFM_TEMP_POD_IMAGE` | `busybox:1.37` | the reader pod's image (needs `sh`, `find`, `stat`, `head`) |
/// | `WFM_TEMP_POD_RUN_AS_USER` | 65534 | the reader pod's user and group (non-root; must be able to read the result files) |
/// | `WFM_TEMP_POD_TTL` | 10m | a reader pod ends itself after this and the reaper deletes it |
/// | `WFM_TEMP_POD_START_TIMEOUT` | 2m | waiting for the reader pod to run; longer retries the run |
/// | `WFM_TEMP_POD_CPU_LIMIT` / `_MEMORY_LIMIT` | 100m / 64Mi | the reader pod's limits |
/// | `WFM_TEMP_POD_TOLERATIONS` | `[]` | JSON list of tolerations (to land where the runners' PVCs can attach) |
/// | `WFM_TEMP_POD_NODE_SELECTOR` | `{}` | JSON object of node labels |
/// | `WFM_TEMP_POD_REAP_INTERVAL` | 5m | how often expired reader pods are deleted |
/// | `WFM_CHANGES_*`, `WFM_NOTIFY_*`, `WFM_CONSOLE_URL` | see wfm-change-tracking | benchmark change detection after each store; notifications of the changes filed (webhook, Slack, GitHub commit status) |
/// | `WFM_REPO_HEALTH_*`, `WFM_DATADOG_*` | see wfm-repo-health | the periodic repository health collector (every 15 minutes per watched repository) and where it pushes |
/// | `WFM_NODE_EXPORTER_URL` | `http://{host_ip}:8989` | the `node-exporter` reader's agent, `{host_ip}`/`{node_name}` of the reader pod's node filled in |
#[derive(Debug, Clone)]
pub struct CollectorConfig {
    pub concurrency: usize,
    pub lease: Duration,
    pub poll_interval: Duration,
    pub reap_interval: Duration,
    pub backoff: Backoff,
    pub shutdown_grace: Duration,
    pub run_timeout: Duration,
    pub mounted_root: Option<PathBuf>,
    pub max_file_bytes: u64,
    pub max_files: usize,
    pub read_timeout: Duration,
    pub insert_batch: usize,
    /// Runs of at most this many records refresh their rollups in the
    /// transaction that stores them; larger ones right after it commits.
    pub inline_rollup_records: usize,
    pub llm: Option<LlmConfig>,
    pub github: GithubSettings,
    pub temp_pod: TempPodSettings,
    /// Change detection on the series each stored run touched.
    pub changes: wfm_change_tracking::Settings,
    /// Where filed changes are announced.
    pub notify: wfm_change_tracking::notify::NotifySettings,
    /// The periodic repository health collector.
    pub repo_health: wfm_repo_health::collect::Settings,
    /// Fetching completed jobs' logs.
    pub job_logs: wfm_runner_obs::logs::Settings,
}

/// How the `temp-pod` and `node-exporter` readers make and reap reader pods.
#[derive(Debug, Clone, PartialEq)]
pub struct TempPodSettings {
    pub pod: PodSettings,
    pub reap_interval: Duration,
    pub node_exporter_url: String,
}

impl TempPodSettings {
    fn from_env(env: &Env) -> Result<Self, EnvError> {
        let defaults = PodSettings::default();
        let run_as_user: i64 = env.var_or("WFM_TEMP_POD_RUN_AS_USER", defaults.run_as_user)?;
        if run_as_user <= 0 {
            return Err(EnvError::invalid(
                "WFM_TEMP_POD_RUN_AS_USER",
                run_as_user,
                "must be a non-root user id (above 0)",
            ));
        }
        Ok(TempPodSettings {
            pod: PodSettings {
                image: env.var("WFM_TEMP_POD_IMAGE").unwrap_or(defaults.image),
                run_as_user,
                ttl: env.duration_or("WFM_TEMP_POD_TTL", defaults.ttl)?,
                start_timeout: env
                    .duration_or("WFM_TEMP_POD_START_TIMEOUT", defaults.start_timeout)?,
                cpu_limit: env
                    .var("WFM_TEMP_POD_CPU_LIMIT")
                    .unwrap_or(defaults.cpu_limit),
                memory_limit: env
                    .var("WFM_TEMP_POD_MEMORY_LIMIT")
                    .unwrap_or(defaults.memory_limit),
                tolerations: json_var(env, "WFM_TEMP_POD_TOLERATIONS")?.unwrap_or_default(),
                node_selector: json_var(env, "WFM_TEMP_POD_NODE_SELECTOR")?.unwrap_or_default(),
            },
            reap_interval: env
                .duration_or("WFM_TEMP_POD_REAP_INTERVAL", Duration::from_secs(300))?,
            node_exporter_url: env
                .var("WFM_NODE_EXPORTER_URL")
                .unwrap_or_else(|| "http://{host_ip}:8989".to_owned()),
        })
    }
}

/// A variable holding JSON, parsed as `T`.
fn json_var<T: serde::de::DeserializeOwned>(env: &Env, name: &str) -> Result<Option<T>, EnvError> {
    env.var(name)
        .filter(|v| !v.trim().is_empty())
        .map(|raw| serde_json::from_str(&raw).map_err(|e| EnvError::invalid(name, &raw, e)))
        .transpose()
}

/// How the `github-artifacts` reader reaches GitHub.
#[derive(Clone)]
pub struct GithubSettings {
    pub api_url: String,
    pub credentials: Credentials,
    pub timeout: Duration,
    pub limits: ArtifactLimits,
}

impl std::fmt::Debug for GithubSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GithubSettings")
            .field("api_url", &self.api_url)
            .field(
                "credentials",
                &match &self.credentials {
                    Credentials::Anonymous => "anonymous".to_owned(),
                    Credentials::Token(_) => "token".to_owned(),
                    Credentials::App(app) => format!("app {}", app.app_id),
                },
            )
            .field("timeout", &self.timeout)
            .field("limits", &self.limits)
            .finish()
    }
}

impl CollectorConfig {
    pub fn from_env(env: &Env) -> Result<Self, EnvError> {
        let concurrency: usize = env.var_or("WFM_COLLECTOR_CONCURRENCY", 4)?;
        if concurrency == 0 {
            return Err(EnvError::invalid(
                "WFM_COLLECTOR_CONCURRENCY",
                0,
                "must be at least 1",
            ));
        }
        let lease = env.duration_or("WFM_COLLECTOR_LEASE", Duration::from_secs(60))?;
        if lease < Duration::from_millis(300) {
            return Err(EnvError::invalid(
                "WFM_COLLECTOR_LEASE",
                humanish(lease),
                "must be at least 300ms",
            ));
        }
        let insert_batch: usize = env.var_or("WFM_INSERT_BATCH_ROWS", 5000)?;
        if !(1..=20_000).contains(&insert_batch) {
            return Err(EnvError::invalid(
                "WFM_INSERT_BATCH_ROWS",
                insert_batch,
                "must be 1 to 20000",
            ));
        }
        let notify = wfm_change_tracking::notify::NotifySettings::from_env(env)?;
        let credentials = github_credentials(env)?;
        let mut job_logs = wfm_runner_obs::logs::Settings::from_env(env)?;
        // without a token every log would spend the anonymous limit (60 an
        // hour) and end unavailable: on only when asked for
        if matches!(credentials, Credentials::Anonymous)
            && env.var("WFM_JOB_LOGS_ENABLED").is_none()
        {
            job_logs.enabled = false;
        }
        Ok(CollectorConfig {
            concurrency,
            lease,
            poll_interval: env
                .duration_or("WFM_COLLECTOR_POLL_INTERVAL", Duration::from_secs(30))?,
            reap_interval: env
                .duration_or("WFM_COLLECTOR_REAP_INTERVAL", Duration::from_secs(15))?,
            backoff: Backoff {
                base: env.duration_or("WFM_COLLECTOR_RETRY_BASE", Duration::from_secs(30))?,
                cap: env.duration_or("WFM_COLLECTOR_RETRY_CAP", Duration::from_secs(3600))?,
            },
            shutdown_grace: env
                .duration_or("WFM_COLLECTOR_SHUTDOWN_GRACE", Duration::from_secs(20))?,
            run_timeout: env.duration_or("WFM_COLLECTOR_RUN_TIMEOUT", Duration::from_secs(1800))?,
            mounted_root: env.var("WFM_MOUNTED_ROOT").map(PathBuf::from),
            max_file_bytes: env.var_or("WFM_MAX_FILE_BYTES", wfm_reader::DEFAULT_MAX_FILE_BYTES)?,
            max_files: env.var_or("WFM_MAX_FILES_PER_RUN", wfm_reader::DEFAULT_MAX_FILES)?,
            read_timeout: env.duration_or("WFM_READ_TIMEOUT", Duration::from_secs(60))?,
            insert_batch,
            inline_rollup_records: env.var_or("WFM_ROLLUPS_INLINE_RECORDS", 10_000)?,
            llm: LlmConfig::from_env(env)?,
            temp_pod: TempPodSettings::from_env(env)?,
            changes: wfm_change_tracking::Settings::from_env(env, notify.targets())?,
            notify,
            repo_health: wfm_repo_health::collect::Settings::from_env(env)?,
            job_logs,
            github: GithubSettings {
                api_url: env
                    .var("WFM_GITHUB_API_URL")
                    .unwrap_or_else(|| wfm_github::rest::DEFAULT_API_URL.to_owned()),
                credentials,
                timeout: env.duration_or("WFM_GITHUB_TIMEOUT", Duration::from_secs(60))?,
                limits: ArtifactLimits {
                    max_download_bytes: env.var_or(
                        "WFM_GITHUB_ARTIFACT_MAX_BYTES",
                        ArtifactLimits::default().max_download_bytes,
                    )?,
                    max_entries: env.var_or(
                        "WFM_GITHUB_ARTIFACT_MAX_ENTRIES",
                        ArtifactLimits::default().max_entries,
                    )?,
                    max_uncompressed_bytes: env.var_or(
                        "WFM_GITHUB_ARTIFACT_MAX_UNCOMPRESSED",
                        ArtifactLimits::default().max_uncompressed_bytes,
                    )?,
                },
            },
        })
    }
}

/// A GitHub App when `WFM_GITHUB_APP_ID` is set, else `WFM_GITHUB_TOKEN`, else none.
fn github_credentials(env: &Env) -> Result<Credentials, EnvError> {
    let Some(app_id) = env.var("WFM_GITHUB_APP_ID").filter(|v| !v.is_empty()) else {
        return Ok(env
            .var("WFM_GITHUB_TOKEN")
            .filter(|t| !t.is_empty())
            .map_or(Credentials::Anonymous, Credentials::Token));
    };
    let installation: i64 = env.required_var_parsed("WFM_GITHUB_APP_INSTALLATION_ID")?;
    let pem = match env
        .var("WFM_GITHUB_APP_PRIVATE_KEY")
        .filter(|v| !v.is_empty())
    {
        Some(pem) => pem.into_bytes(),
        None => {
            let path = env.required_var("WFM_GITHUB_APP_PRIVATE_KEY_FILE")?;
            std::fs::read(&path).map_err(|e| {
                EnvError::invalid(
                    "WFM_GITHUB_APP_PRIVATE_KEY_FILE",
                    &path,
                    format!("cannot read it: {e}"),
                )
            })?
        }
    };
    let app = AppCredentials::new(&app_id, installation, &pem)
        .map_err(|e| EnvError::invalid("WFM_GITHUB_APP_PRIVATE_KEY", "<redacted>", e))?;
    Ok(Credentials::App(app))
}

fn humanish(d: Duration) -> String {
    format!("{}ms", d.as_millis())
}
