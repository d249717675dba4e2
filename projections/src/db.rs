//! Connection pool and schema migration.

use std::time::Duration;

use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

use crate::ProjectionError;

/// Opens a pool; fails with an error (never panics) when the database is down.
pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool, ProjectionError> {
    Ok(PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .connect(url)
        .await?)
}

/// Brings the schema up to date from `migrations/`.
pub async fn migrate(pool: &PgPool) -> Result<(), ProjectionError> {
    sqlx::migrate!("../migrations").run(pool).await?;
    Ok(())
}
