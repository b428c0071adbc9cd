//! The readiness probe's question: does the database answer?

use std::time::Duration;

use diesel_async::RunQueryDsl;

use crate::pool::DbPool;

/// Why the database is not usable right now.
#[derive(Debug, thiserror::Error)]
pub enum PingError {
    #[error("no database connection: {0}")]
    Pool(String),
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("database did not answer within {0:?}")]
    Timeout(Duration),
}

/// Checks out a connection and runs `SELECT 1`, within `timeout`.
pub async fn ping(pool: &DbPool, timeout: Duration) -> Result<(), PingError> {
    let probe = async {
        let mut conn = pool
            .get()
            .await
            .map_err(|e| PingError::Pool(e.to_string()))?;
        diesel::sql_query("SELECT 1").execute(&mut conn).await?;
        Ok(())
    };
    tokio::time::timeout(timeout, probe)
        .await
        .map_err(|_| PingError::Timeout(timeout))?
}
