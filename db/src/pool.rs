//! The connection pool every service shares: diesel-async connections in deadpool.
//!
//! Connections are made by [`connect`], which applies wfm's session settings
//! (connect timeout, statement timeout, application name, TCP keepalives) on top of
//! whatever `DATABASE_URL` says, so the same rules hold for pooled connections,
//! the LISTEN connection and migrations.

use std::time::Duration;

use diesel::ConnectionError;
use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use futures_util::FutureExt;
use wfm_env::{Env, EnvError};

/// A pool of Postgres connections.
pub type DbPool = Pool<AsyncPgConnection>;
/// A connection checked out of a [`DbPool`].
pub type PooledConn = Object<AsyncPgConnection>;

/// Database settings; every one has a default except the URL.
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `DATABASE_URL` | required | `postgres://user:pass@host:port/db` (libpq URL or key=value form) |
/// | `WFM_DB_POOL_MAX_SIZE` | `10` | connections a process keeps at most |
/// | `WFM_DB_POOL_WAIT_TIMEOUT` | `5s` | how long a request waits for a free connection |
/// | `WFM_DB_CONNECT_TIMEOUT` | `5s` | TCP connect + startup of a new connection |
/// | `WFM_DB_STATEMENT_TIMEOUT` | `30s` | server-side cap on one statement (`0` = none) |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbConfig {
    pub url: String,
    pub pool_max_size: usize,
    pub pool_wait_timeout: Duration,
    pub connect_timeout: Duration,
    pub statement_timeout: Duration,
    /// Shown in `pg_stat_activity`; the service's name.
    pub application_name: String,
}

impl DbConfig {
    pub const DEFAULT_POOL_MAX_SIZE: usize = 10;
    pub const DEFAULT_POOL_WAIT_TIMEOUT: Duration = Duration::from_secs(5);
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
    pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);

    /// Defaults for everything but the URL.
    pub fn new(url: impl Into<String>, application_name: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            pool_max_size: Self::DEFAULT_POOL_MAX_SIZE,
            pool_wait_timeout: Self::DEFAULT_POOL_WAIT_TIMEOUT,
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
            statement_timeout: Self::DEFAULT_STATEMENT_TIMEOUT,
            application_name: application_name.into(),
        }
    }

    /// Reads the variables in the table above.
    pub fn from_env(env: &Env, application_name: &str) -> Result<Self, EnvError> {
        let url = env.required_var("DATABASE_URL")?;
        url.parse::<tokio_postgres::Config>()
            .map_err(|e| EnvError::invalid("DATABASE_URL", redact(&url), e))?;
        let pool_max_size = env.var_or("WFM_DB_POOL_MAX_SIZE", Self::DEFAULT_POOL_MAX_SIZE)?;
        if pool_max_size == 0 {
            return Err(EnvError::invalid(
                "WFM_DB_POOL_MAX_SIZE",
                0,
                "must be at least 1",
            ));
        }
        Ok(Self {
            url,
            pool_max_size,
            pool_wait_timeout: env
                .duration_or("WFM_DB_POOL_WAIT_TIMEOUT", Self::DEFAULT_POOL_WAIT_TIMEOUT)?,
            connect_timeout: env
                .duration_or("WFM_DB_CONNECT_TIMEOUT", Self::DEFAULT_CONNECT_TIMEOUT)?,
            statement_timeout: env
                .duration_or("WFM_DB_STATEMENT_TIMEOUT", Self::DEFAULT_STATEMENT_TIMEOUT)?,
            application_name: application_name.to_owned(),
        })
    }

    /// Builds the pool. No connection is made until one is needed, so a service
    /// starts (and reports not-ready) while the database is down.
    pub fn build_pool(&self) -> Result<DbPool, PoolBuildError> {
        let settings = self.clone();
        let mut manager_config = ManagerConfig::default();
        manager_config.recycling_method = RecyclingMethod::Verified;
        manager_config.custom_setup = Box::new(move |url| {
            let url = url.to_owned();
            let settings = settings.clone();
            async move { connect(&url, &settings).await }.boxed()
        });
        let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(
            &self.url,
            manager_config,
        );
        Pool::builder(manager)
            .max_size(self.pool_max_size)
            .wait_timeout(Some(self.pool_wait_timeout))
            .create_timeout(Some(self.connect_timeout))
            .recycle_timeout(Some(self.connect_timeout))
            .runtime(deadpool::Runtime::Tokio1)
            .build()
            .map_err(|e| PoolBuildError(e.to_string()))
    }
}

/// The pool could not be configured (not a connection failure: those surface on use).
#[derive(Debug, thiserror::Error)]
#[error("cannot build the database pool: {0}")]
pub struct PoolBuildError(String);

/// Opens one connection with wfm's session settings.
///
/// `url` is normally `settings.url`; the pool passes it back in.
pub async fn connect(url: &str, settings: &DbConfig) -> Result<AsyncPgConnection, ConnectionError> {
    let mut pg: tokio_postgres::Config = url
        .parse()
        .map_err(|e: tokio_postgres::Error| ConnectionError::InvalidConnectionUrl(e.to_string()))?;
    pg.connect_timeout(settings.connect_timeout);
    pg.keepalives_idle(Duration::from_secs(30));
    if pg.get_application_name().is_none() {
        pg.application_name(&settings.application_name);
    }
    // Keep any `options` the URL carries (a test's search_path, say) and add
    // ours. No JIT: wfm's statements run in milliseconds, and the planner's
    // row estimates through SQL functions are high enough to trigger a
    // 25 ms compilation for a 10 ms query.
    let options = format!(
        "{} -c jit=off -c statement_timeout={}",
        pg.get_options().unwrap_or_default(),
        settings.statement_timeout.as_millis()
    );
    pg.options(options.trim());
    let (client, connection) = pg
        .connect(tokio_postgres::NoTls)
        .await
        .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
    AsyncPgConnection::try_from_client_and_connection(client, connection).await
}

/// The URL with its password replaced, for error messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &userinfo[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_when_only_the_url_is_set() {
        let env = Env::from_pairs([("DATABASE_URL", "postgres://u@localhost/wfm")]);
        let cfg = DbConfig::from_env(&env, "wfm-test").unwrap();
        assert_eq!(cfg, DbConfig::new("postgres://u@localhost/wfm", "wfm-test"));
    }

    #[test]
    fn missing_url_is_named() {
        let err = DbConfig::from_env(&Env::from_pairs([]), "x").unwrap_err();
        assert_eq!(err.to_string(), "DATABASE_URL is required but not set");
    }

    #[test]
    fn bad_url_is_named_and_redacted() {
        let env = Env::from_pairs([("DATABASE_URL", "postgres://u:secret@h:notaport/db")]);
        let err = DbConfig::from_env(&env, "x").unwrap_err().to_string();
        assert!(err.starts_with("invalid value for DATABASE_URL:"), "{err}");
        assert!(!err.contains("secret"), "{err}");
    }

    #[test]
    fn zero_pool_size_is_refused() {
        let env = Env::from_pairs([
            ("DATABASE_URL", "postgres://h/db"),
            ("WFM_DB_POOL_MAX_SIZE", "0"),
        ]);
        let err = DbConfig::from_env(&env, "x").unwrap_err().to_string();
        assert!(err.contains("WFM_DB_POOL_MAX_SIZE"), "{err}");
    }

    #[test]
    fn redact_hides_only_the_password() {
        assert_eq!(redact("postgres://a:b@h/db"), "postgres://a:***@h/db");
        assert_eq!(redact("postgres://a@h/db"), "postgres://a@h/db");
        assert_eq!(redact("host=h dbname=x"), "host=h dbname=x");
    }
}
