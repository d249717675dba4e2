//! The command side: load an aggregate from its events, check the caller's
//! expected version, handle the command and append the new events.

use std::collections::HashMap;

use cqrs_es::event_sink::EventSink;
use cqrs_es::persist::PersistedEventStore;
use cqrs_es::{Aggregate, AggregateError, EventStore};
use postgres_es::PostgresEventRepository;
use sqlx::PgPool;

/// Why a command was not carried out.
#[derive(Debug, thiserror::Error)]
pub enum CommandError<E: std::error::Error> {
    #[error(transparent)]
    Domain(E),
    #[error("another command changed the aggregate at the same time")]
    Conflict,
    #[error("version {actual} does not match If-Match {expected}")]
    VersionMismatch { expected: usize, actual: usize },
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("event store: {0}")]
    Store(String),
}

impl<E: std::error::Error> From<AggregateError<E>> for CommandError<E> {
    fn from(e: AggregateError<E>) -> Self {
        match e {
            AggregateError::UserError(e) => CommandError::Domain(e),
            AggregateError::AggregateConflict => CommandError::Conflict,
            AggregateError::DatabaseConnectionError(e) => CommandError::Unavailable(e.to_string()),
            AggregateError::UnexpectedError(e)
                if e.downcast_ref::<sqlx::Error>()
                    .is_some_and(crate::db::unavailable) =>
            {
                CommandError::Unavailable(e.to_string())
            }
            other => CommandError::Store(other.to_string()),
        }
    }
}

/// Executes commands of one aggregate type against the Postgres event store.
pub struct CommandBus<A: Aggregate> {
    store: PersistedEventStore<PostgresEventRepository, A>,
    services: A::Services,
}

impl<A: Aggregate> CommandBus<A> {
    /// A bus over the plain event store (no snapshots: see DESIGN.md).
    pub fn new(pool: PgPool, services: A::Services) -> Self {
        Self {
            store: PersistedEventStore::new_event_store(PostgresEventRepository::new(pool)),
            services,
        }
    }

    /// The aggregate's current state and version (0 when it has no events).
    pub async fn load(&self, id: &str) -> Result<(A, usize), CommandError<A::Error>> {
        let ctx = self.store.load_aggregate(id).await?;
        Ok((ctx.aggregate, ctx.current_sequence))
    }

    /// Handles a command and returns the aggregate's new state and version.
    ///
    /// Without an expected version, a concurrent append (another user, or a
    /// subscription recording a register answer) is retried against the new
    /// state, where the command is validated again. With one, it is the
    /// caller's conflict to resolve.
    pub async fn execute(
        &self,
        id: &str,
        command: A::Command,
        expected_version: Option<usize>,
        metadata: HashMap<String, String>,
    ) -> Result<(A, usize), CommandError<A::Error>>
    where
        A: Clone,
        A::Command: Clone,
    {
        let mut attempts = 0;
        loop {
            let result = self
                .execute_once(id, command.clone(), expected_version, metadata.clone())
                .await;
            match result {
                Err(CommandError::Conflict) if expected_version.is_none() && attempts < 5 => {
                    attempts += 1
                }
                other => return other,
            }
        }
    }

    async fn execute_once(
        &self,
        id: &str,
        command: A::Command,
        expected_version: Option<usize>,
        metadata: HashMap<String, String>,
    ) -> Result<(A, usize), CommandError<A::Error>>
    where
        A: Clone,
    {
        let mut ctx = self.store.load_aggregate(id).await?;
        if let Some(expected) = expected_version {
            if expected != ctx.current_sequence {
                return Err(CommandError::VersionMismatch {
                    expected,
                    actual: ctx.current_sequence,
                });
            }
        }
        let sink = EventSink::default();
        ctx.aggregate
            .handle(command, &self.services, &sink)
            .await
            .map_err(CommandError::Domain)?;
        let events = sink.collect().await;
        let version = ctx.current_sequence + events.len();
        // The sink applied the events already: this is the state after the command.
        let state = ctx.aggregate.clone();
        if !events.is_empty() {
            if let Err(e) = self.store.commit(events, ctx, metadata).await {
                tracing::warn!(aggregate = A::TYPE, id, error = %e, "append refused");
                return Err(e.into());
            }
        }
        Ok((state, version))
    }
}

/// One entry of an aggregate's history.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub sequence: i64,
    pub event_type: String,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    /// The change request behind the event, when there is one.
    pub change_request_id: Option<String>,
}

/// The event types and times of an aggregate, oldest first.
pub async fn history(
    pool: &PgPool,
    aggregate_type: &str,
    aggregate_id: &str,
) -> Result<Vec<HistoryEntry>, crate::ProjectionError> {
    use sqlx::Row;
    let rows = sqlx::query(
        "SELECT sequence, event_type, recorded_at,
                payload::jsonb -> event_type ->> 'request_id' AS change_request_id
         FROM events
         WHERE aggregate_type = $1 AND aggregate_id = $2 ORDER BY sequence",
    )
    .bind(aggregate_type)
    .bind(aggregate_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| HistoryEntry {
            sequence: r.get("sequence"),
            event_type: r.get("event_type"),
            recorded_at: r.get("recorded_at"),
            change_request_id: r.get("change_request_id"),
        })
        .collect())
}
