//! Embedded, reversible migrations.
//!
//! Run by `wfm migrate`, or by a service at start when `WFM_MIGRATE_ON_START` is
//! set. A session advisory lock (keyed by schema) makes concurrent runners take
//! turns, so several replicas starting at once migrate exactly once.

use diesel::migration::MigrationVersion;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::pool::{DbConfig, connect};

/// Every migration in `db/migrations`, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// How many migrations the binary carries.
pub fn migration_count() -> usize {
    use diesel::migration::MigrationSource;
    MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS).map_or(0, |m| m.len())
}

/// A migration run failed.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("cannot connect to the database: {0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("migration task panicked or was cancelled")]
    Join(#[from] tokio::task::JoinError),
}

/// Applies pending migrations; returns the versions applied (empty when up to date).
pub async fn run_pending(db: &DbConfig) -> Result<Vec<String>, MigrateError> {
    with_harness(db, |conn| {
        conn.run_pending_migrations(MIGRATIONS)
            .map(versions)
            .map_err(|e| MigrateError::Migration(e.to_string()))
    })
    .await
}

/// Reverts every applied migration, newest first; returns the versions reverted.
pub async fn revert_all(db: &DbConfig) -> Result<Vec<String>, MigrateError> {
    with_harness(db, |conn| {
        conn.revert_all_migrations(MIGRATIONS)
            .map(versions)
            .map_err(|e| MigrateError::Migration(e.to_string()))
    })
    .await
}

/// Versions not yet applied.
pub async fn pending(db: &DbConfig) -> Result<Vec<String>, MigrateError> {
    with_harness(db, |conn| {
        conn.pending_migrations(MIGRATIONS)
            .map(|ms| ms.iter().map(|m| m.name().version().to_string()).collect())
            .map_err(|e| MigrateError::Migration(e.to_string()))
    })
    .await
}

fn versions(applied: Vec<MigrationVersion<'_>>) -> Vec<String> {
    applied.iter().map(ToString::to_string).collect()
}

type Wrapper = AsyncConnectionWrapper<AsyncPgConnection>;

/// Runs `f` on a dedicated connection (diesel's harness is synchronous, so it runs
/// on a blocking thread) while holding the schema's migration lock.
async fn with_harness<T, F>(db: &DbConfig, f: F) -> Result<T, MigrateError>
where
    T: Send + 'static,
    F: FnOnce(&mut Wrapper) -> Result<T, MigrateError> + Send + 'static,
{
    let conn = connect(&db.url, db).await?;
    let mut conn = Wrapper::from(conn);
    tokio::task::spawn_blocking(move || {
        // A migration (or the wait for another replica's) may take longer than
        // the statement timeout services use.
        session_statement(&mut conn, "SET statement_timeout = 0")?;
        session_statement(&mut conn, LOCK_SQL)?;
        let result = f(&mut conn);
        // The lock dies with the session anyway; unlock explicitly to be tidy.
        let _ = session_statement(&mut conn, UNLOCK_SQL);
        result
    })
    .await?
}

/// Runs one statement on the migration session (a setting, the lock, the unlock).
fn session_statement(conn: &mut Wrapper, sql: &str) -> Result<(), MigrateError> {
    use diesel::RunQueryDsl;
    diesel::sql_query(sql)
        .execute(conn)
        .map(drop)
        .map_err(|e| MigrateError::Migration(format!("migration session ({sql}): {e}")))
}

const LOCK_SQL: &str = "SELECT pg_advisory_lock(hashtext(current_schema() || '.wfm_migrations'))";
const UNLOCK_SQL: &str =
    "SELECT pg_advisory_unlock(hashtext(current_schema() || '.wfm_migrations'))";
