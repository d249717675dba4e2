//! The workers layer's error.

/// Anything that goes wrong reading or writing the job queue.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("job payload: {0}")]
    Payload(#[from] serde_json::Error),
    #[error("no job {0}")]
    NoSuchJob(i64),
    #[error("job {0} is {1}; only a dead or succeeded job can be run again")]
    NotRetryable(i64, String),
}

/// A command a process manager sent that failed: its batch fails and is retried.
pub(crate) fn command_failed(
    e: eventstore::store::CommandError<domain::DomainError>,
) -> eventstore::ProjectionError {
    eventstore::ProjectionError::Command(e.to_string())
}

impl From<WorkerError> for eventstore::ProjectionError {
    fn from(e: WorkerError) -> Self {
        match e {
            WorkerError::Database(e) => eventstore::ProjectionError::Database(e),
            other => eventstore::ProjectionError::Command(other.to_string()),
        }
    }
}
