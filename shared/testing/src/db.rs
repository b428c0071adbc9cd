//! One fresh, migrated schema per test.
//!
//! A schema needs no `CREATEDB` right, so the same harness works on a managed
//! `DATABASE_URL`. It is not the fastest option here: `scripts/bench-testdb`
//! measured a database cloned from a template about 2.5× quicker to set up than
//! replaying the migrations into a schema (~50 ms against ~130 ms). The
//! schema is chosen through the connection URL (`options=-c search_path=…`), so
//! everything that connects with [`TestDb::url`] — pools, LISTEN connections,
//! service processes — sees only this test's tables.

use wfm_db::{DbConfig, DbPool, migrate};

/// A migrated schema of its own; dropped when the value is dropped
/// (set `WFM_TEST_KEEP_DB=1` to keep it for a post-mortem).
pub struct TestDb {
    schema: String,
    url: String,
    pool: DbPool,
}

impl std::fmt::Debug for TestDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The pool has no Debug; its state is on /metrics.
        f.debug_struct("TestDb")
            .field("schema", &self.schema)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl TestDb {
    /// Creates and migrates a new schema.
    pub async fn new() -> Self {
        let db = Self::empty().await;
        migrate::run_pending(&db.config())
            .await
            .expect("migrating the test schema");
        db
    }

    /// Creates a new schema without migrating it (for migration tests).
    pub async fn empty() -> Self {
        let base = crate::server_url();
        let schema = format!("wfm_test_{:016x}", rand::random::<u64>());
        admin_execute(&format!("CREATE SCHEMA {schema}")).await;
        let url = with_search_path(base, &schema);
        let pool = DbConfig::new(&url, "wfm-test")
            .build_pool()
            .expect("building the test pool");
        Self { schema, url, pool }
    }

    /// The schema's name.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// A `DATABASE_URL` that selects this schema.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Database settings for this schema, with wfm's defaults.
    pub fn config(&self) -> DbConfig {
        DbConfig::new(&self.url, "wfm-test")
    }

    /// A pool on this schema.
    pub fn pool(&self) -> &DbPool {
        &self.pool
    }

    /// A single connection (not pooled) on this schema, e.g. for LISTEN.
    pub async fn connect(&self) -> diesel_async::AsyncPgConnection {
        wfm_db::pool::connect(&self.url, &self.config())
            .await
            .expect("connecting to the test schema")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if std::env::var_os("WFM_TEST_KEEP_DB").is_some() {
            eprintln!("keeping test schema {}", self.schema);
            return;
        }
        // A lock timeout: a connection of the test that still holds a lock in the
        // schema (a test that panicked mid-transaction) cannot let go while this
        // blocks its runtime, and waiting for it would hang the test binary
        // instead of reporting the failure.
        let sql = format!(
            "SET lock_timeout = '10s'; DROP SCHEMA IF EXISTS {} CASCADE",
            self.schema
        );
        // Drop runs inside the test's runtime; do the async work on a thread of its own.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for dropping the test schema");
            rt.block_on(admin_execute(&sql));
        })
        .join();
        if dropped.is_err() {
            eprintln!(
                "could not drop test schema {} (still locked by a connection of the test?); left behind",
                self.schema
            );
        }
    }
}

/// `base` with `options=-c search_path=<schema>` added (percent-encoded).
fn with_search_path(base: &str, schema: &str) -> String {
    let separator = if base.contains('?') { '&' } else { '?' };
    format!("{base}{separator}options=-c%20search_path%3D{schema}")
}

/// Runs `sql` on the test server's own database (not in a test schema): creating
/// and dropping schemas or databases.
pub async fn admin_execute(sql: &str) {
    let url = crate::server_url();
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("connecting to the test server {url}: {e:?}"));
    let driver = tokio::spawn(connection);
    client
        .batch_execute(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
    drop(client);
    let _ = driver.await;
}
