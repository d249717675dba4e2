//! The `public_feed` subscription: appends each event's public items to the
//! feed and, in the same batch transaction, queues a message for every
//! webhook subscription that wants the item. One subscription does both so
//! a message exists exactly when its feed item does.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::catalogue::InForce;
use eventstore::subscription::{Projection, StoredEvent};
use eventstore::ProjectionError;
use sqlx::PgConnection;
use uuid::Uuid;
use views::feed::{self, FeedEvent};

use super::store::{message_body, queue_message};

/// Writes the public feed and queues webhook messages.
pub struct PublicFeed {
    catalogue: InForce,
}

impl PublicFeed {
    /// The feed of the qualifications in `catalogue` (which names their ministries).
    pub fn new(catalogue: InForce) -> Self {
        Self { catalogue }
    }

    /// Appends a batch's items to the feed (`fresh`: a rebuild's batch, see
    /// [`feed::append`]) and queues them for the webhook subscriptions.
    async fn write(
        &self,
        conn: &mut PgConnection,
        events: &[StoredEvent],
        fresh: bool,
    ) -> Result<(), ProjectionError> {
        let items = feed::append(conn, events, fresh).await?;
        if items.is_empty() {
            return Ok(());
        }
        let targets = targets(conn).await?;
        for item in &items {
            self.fan_out(conn, &targets, item, item.occurred_at).await?;
        }
        Ok(())
    }

    /// Queues `item` for the subscriptions of its qualification's ministries
    /// that want its type and existed when it was recorded (a rebuild sends
    /// nothing to subscriptions created since, and nothing twice).
    async fn fan_out(
        &self,
        conn: &mut PgConnection,
        targets: &[Target],
        item: &FeedEvent,
        recorded_at: DateTime<Utc>,
    ) -> Result<(), ProjectionError> {
        let Some(q) = self.catalogue.qualification(&item.qualification_code) else {
            return Ok(());
        };
        let wanted: Vec<Uuid> = targets
            .iter()
            .filter(|t| {
                q.ministry_codes.contains(&t.ministry)
                    && t.event_types.contains(&item.event_type)
                    && t.created_at <= recorded_at
            })
            .map(|t| t.id)
            .collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let body = message_body(
            &item.event_type,
            item.occurred_at,
            &serde_json::to_value(item)?,
        );
        for id in wanted {
            queue_message(conn, id, Some(item.id), &item.event_type, &body).await?;
        }
        Ok(())
    }
}

/// A webhook subscription as the fan-out needs it.
#[derive(sqlx::FromRow)]
struct Target {
    id: Uuid,
    ministry: String,
    event_types: Vec<String>,
    created_at: DateTime<Utc>,
}

/// The enabled webhook subscriptions, read once per batch (ordered by id,
/// so messages are queued in a stable order).
async fn targets(conn: &mut PgConnection) -> Result<Vec<Target>, ProjectionError> {
    Ok(sqlx::query_as(
        "SELECT id, ministry, event_types, created_at FROM webhook_subscriptions
         WHERE disabled_at IS NULL ORDER BY id",
    )
    .fetch_all(conn)
    .await?)
}

#[async_trait]
impl Projection for PublicFeed {
    fn name(&self) -> &'static str {
        "public_feed"
    }

    async fn apply_batch(
        &self,
        conn: &mut PgConnection,
        events: &[StoredEvent],
    ) -> Result<(), ProjectionError> {
        self.write(conn, events, false).await
    }

    /// As [`Projection::apply_batch`], the items written with a `COPY`: a
    /// rebuild emptied the feed and applies each event once.
    async fn apply_rebuild_batch(
        &self,
        conn: &mut PgConnection,
        events: &[StoredEvent],
    ) -> Result<(), ProjectionError> {
        self.write(conn, events, true).await
    }

    /// Its batches append feed items by their keys (the feed's per-ministry
    /// index is only read by the API).
    fn rebuild_tables(&self) -> &'static [&'static str] {
        &["feed_events"]
    }

    async fn reset(&self, conn: &mut PgConnection) -> Result<(), ProjectionError> {
        // Messages are keyed by feed item, and item ids are derived from the
        // events, so the replay queues nothing twice.
        feed::reset(conn).await
    }
}
