//! Settings every service reads.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use wfm_db::DbConfig;
use wfm_env::{Env, EnvError};
use wfm_telemetry::TelemetryConfig;

/// What a binary is: its name, version and default port.
#[derive(Debug, Clone, Copy)]
pub struct ServiceInfo {
    pub name: &'static str,
    pub version: &'static str,
    /// Port of the HTTP listener when `WFM_LISTEN_ADDR` is unset.
    pub default_port: u16,
}

/// Settings shared by all services. Besides the database ([`DbConfig`]) and
/// telemetry ([`TelemetryConfig`]) variables:
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `WFM_LISTEN_ADDR` | `0.0.0.0:<port>` (api 8080, collector 9101, scanner 9102, backfill 9103) | HTTP listener: `/healthz`, `/readyz`, `/metrics` (and the api's routes) |
/// | `WFM_MIGRATE_ON_START` | `false` | apply pending migrations before serving |
/// | `WFM_SHUTDOWN_TIMEOUT` | `25s` | grace period for in-flight work after SIGTERM (under Kubernetes' 30 s) |
/// | `WFM_READY_TIMEOUT` | `2s` | how long `/readyz` waits for the database |
/// | `WFM_CLUSTER_NAME` | `default` | the cluster this installation serves |
/// | `WFM_INSTANCE_ID` | `<hostname>-<pid>` | this process's name in queue claims |
/// | `WFM_CONFIG_FILE` | unset | a YAML file of settings (`WFM_LISTEN_ADDR: 0.0.0.0:8080`, lists for comma-separated values); a variable set in the environment wins ([`wfm_env::SettingsFile`]) |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommonConfig {
    pub listen_addr: SocketAddr,
    pub db: DbConfig,
    pub telemetry: TelemetryConfig,
    pub migrate_on_start: bool,
    pub shutdown_timeout: Duration,
    pub ready_timeout: Duration,
    pub cluster_name: String,
    pub instance_id: String,
    /// The settings file read besides the environment (`WFM_CONFIG_FILE`).
    pub settings_file: Option<PathBuf>,
}

impl CommonConfig {
    pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(25);
    pub const DEFAULT_READY_TIMEOUT: Duration = Duration::from_secs(2);

    pub fn from_env(env: &Env, info: &ServiceInfo) -> Result<Self, EnvError> {
        let default_addr = SocketAddr::from((Ipv4Addr::UNSPECIFIED, info.default_port));
        Ok(Self {
            listen_addr: env.var_or("WFM_LISTEN_ADDR", default_addr)?,
            db: DbConfig::from_env(env, info.name)?,
            telemetry: TelemetryConfig::from_env(env, info.name)?,
            migrate_on_start: env.bool_or("WFM_MIGRATE_ON_START", false)?,
            shutdown_timeout: env
                .duration_or("WFM_SHUTDOWN_TIMEOUT", Self::DEFAULT_SHUTDOWN_TIMEOUT)?,
            ready_timeout: env.duration_or("WFM_READY_TIMEOUT", Self::DEFAULT_READY_TIMEOUT)?,
            cluster_name: env
                .var("WFM_CLUSTER_NAME")
                .unwrap_or_else(|| "default".to_owned()),
            instance_id: env
                .var("WFM_INSTANCE_ID")
                .unwrap_or_else(default_instance_id),
            settings_file: env.settings_file().map(|f| f.path().to_owned()),
        })
    }
}

/// `<hostname>-<pid>`: unique per process, readable in `claimed_by`.
fn default_instance_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned());
    format!("{host}-{}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    const INFO: ServiceInfo = ServiceInfo {
        name: "wfm-collector",
        version: "0",
        default_port: 9101,
    };

    #[test]
    fn defaults_use_the_service_port() {
        let env = Env::from_pairs([("DATABASE_URL", "postgres://h/db")]);
        let cfg = CommonConfig::from_env(&env, &INFO).unwrap();
        assert_eq!(cfg.listen_addr, "0.0.0.0:9101".parse().unwrap());
        assert!(!cfg.migrate_on_start);
        assert_eq!(cfg.shutdown_timeout, Duration::from_secs(25));
        assert_eq!(cfg.cluster_name, "default");
        assert!(
            cfg.instance_id
                .ends_with(&format!("-{}", std::process::id()))
        );
    }

    #[test]
    fn bad_listen_addr_is_named() {
        let env = Env::from_pairs([
            ("DATABASE_URL", "postgres://h/db"),
            ("WFM_LISTEN_ADDR", "everywhere"),
        ]);
        let err = CommonConfig::from_env(&env, &INFO).unwrap_err().to_string();
        assert_eq!(
            err,
            "invalid value for WFM_LISTEN_ADDR: \"everywhere\" (invalid socket address syntax)"
        );
    }
}
