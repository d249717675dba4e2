//! What a subscription reads (an event as stored) and what it drives (a
//! projection: a view, a process manager or a job producer).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::ProjectionError;

/// One event as a subscription sees it.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    pub global_position: i64,
    pub transaction_id: String,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub sequence: i64,
    pub event_type: String,
    /// The payload's JSON text, as stored: each reader decodes it straight
    /// into the type it wants (see [`StoredEvent::decode`]). Shared, so the
    /// copy each subscription of a process gets costs no copy of the text.
    pub payload: std::sync::Arc<str>,
    pub recorded_at: DateTime<Utc>,
}

impl StoredEvent {
    /// The aggregate id as the UUID every aggregate of this system has.
    pub fn aggregate_uuid(&self) -> Result<uuid::Uuid, ProjectionError> {
        uuid::Uuid::parse_str(&self.aggregate_id)
            .map_err(|_| ProjectionError::AggregateId(self.aggregate_id.clone()))
    }

    /// The payload decoded into `T` in one pass (no intermediate JSON tree).
    pub fn decode<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(&self.payload)
    }
}

/// A reader of the stream: writes its rows inside the batch's transaction.
/// Implement [`Projection::apply`], or [`Projection::apply_batch`] for a
/// reader that writes a batch set-based (each defaults to the other).
#[async_trait]
pub trait Projection: Send + Sync {
    /// The checkpoint name; also what `rebuild-projection` takes.
    fn name(&self) -> &'static str;
    /// Applies one event. An error rolls back the whole batch. It must not
    /// append events on `conn` (see the module's documentation); commands go
    /// through a bus, in transactions of their own.
    async fn apply(
        &self,
        conn: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        self.apply_batch(conn, std::slice::from_ref(event)).await
    }
    /// Applies a batch, oldest event first. A projection may write the whole
    /// batch with fewer statements, as long as the rows come out as applying
    /// each event in turn would leave them: under load every round trip
    /// waits for a busy CPU, so statements per event decide the lag.
    async fn apply_batch(
        &self,
        conn: &mut PgConnection,
        events: &[StoredEvent],
    ) -> Result<(), ProjectionError> {
        for event in events {
            self.apply(conn, event).await?;
        }
        Ok(())
    }
    /// Applies a batch of a rebuild ([`Subscription::rebuild`](super::Subscription::rebuild)):
    /// as [`Projection::apply_batch`], but the view was emptied when the
    /// rebuild began and each event is applied once since, so a row that an
    /// event opens is not there yet and can be inserted without the check
    /// for a replay (`ON CONFLICT`), a large part of an insert's cost.
    async fn apply_rebuild_batch(
        &self,
        conn: &mut PgConnection,
        events: &[StoredEvent],
    ) -> Result<(), ProjectionError> {
        self.apply_batch(conn, events).await
    }
    /// Empties the view before a rebuild.
    async fn reset(&self, conn: &mut PgConnection) -> Result<(), ProjectionError>;
    /// The view's tables whose secondary indexes a rebuild drops and builds
    /// again after its last batch (see
    /// [`Subscription::rebuild`](super::Subscription::rebuild)). Only tables
    /// the batches never look up by such an index.
    fn rebuild_tables(&self) -> &'static [&'static str] {
        &[]
    }
    /// Events per batch. Batches do not hold each other back (see the
    /// module's documentation), so even command-issuing ones can be large.
    fn batch_size(&self) -> i64 {
        500
    }
}
