//! The persistence layer's error.

/// Anything that goes wrong reading or writing the database.
#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("event payload: {0}")]
    Decode(#[from] serde_json::Error),
    #[error("event of aggregate {0}: the aggregate id is not a UUID")]
    AggregateId(String),
    #[error("a view or an event names the unknown case kind {0:?}")]
    UnknownCaseKind(String),
    /// A subscription's own step failed (a notice's template, say).
    #[error("{0}")]
    Handler(Box<dyn std::error::Error + Send + Sync>),
    #[error("command: {0}")]
    Command(String),
    #[error("vault: {0}")]
    Vault(String),
    #[error("certificate: {0}")]
    Certificate(String),
    #[error("catalogue: {0}")]
    Catalogue(String),
}
