//! Connection pool and schema migration.

use std::time::Duration;

use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

use crate::ProjectionError;

/// Opens a pool; fails with an error (never panics) when the database is down.
pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool, ProjectionError> {
    Ok(PgPoolOptions::new()
        .max_connections(max_connections)
        // A request waits this long for the database before it answers 503.
        .acquire_timeout(Duration::from_secs(5))
        // No ping before every acquire (a round trip per request): a dead
        // connection fails its first statement, which answers 503 and is
        // closed, and the client retries.
        .test_before_acquire(false)
        .connect(url)
        .await?)
}

/// Brings the schema up to date from `migrations/`.
pub async fn migrate(pool: &PgPool) -> Result<(), ProjectionError> {
    sqlx::migrate!("../migrations").run(pool).await?;
    Ok(())
}

/// Whether an error means the database cannot be reached right now (the
/// caller should answer 503 and be retried), not that the request was wrong.
pub fn unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // connection exceptions, shutdowns, too many connections, and a
            // database that does not allow connections at the moment
            code.starts_with("08") || code.starts_with("57P") || code == "53300" || code == "55000"
        }),
        _ => false,
    }
}
