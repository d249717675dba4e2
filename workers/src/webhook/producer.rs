//! The `public_feed` subscription: appends each event's public items to the
//! feed and, in the same batch transaction, queues a message for every
//! webhook subscription that wants the item. One subscription does both so
//! a message exists exactly when its feed item does.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::catalogue::Catalogue;
use projections::feed::{self, FeedEvent};
use projections::subscription::{Projection, StoredEvent};
use projections::ProjectionError;
use sqlx::PgConnection;
use uuid::Uuid;

use super::store::{message_body, queue_message};

/// Writes the public feed and queues webhook messages.
pub struct PublicFeed {
    catalogue: Arc<Catalogue>,
}

impl PublicFeed {
    /// The feed of the qualifications in `catalogue` (which names their ministries).
    pub fn new(catalogue: Arc<Catalogue>) -> Self {
        Self { catalogue }
    }

    /// Queues `item` for the subscriptions of its qualification's ministries
    /// that want its type and existed when it was recorded (a rebuild sends
    /// nothing to subscriptions created since, and nothing twice).
    async fn fan_out(
        &self,
        conn: &mut PgConnection,
        item: &FeedEvent,
        recorded_at: DateTime<Utc>,
    ) -> Result<(), ProjectionError> {
        let Some(q) = self.catalogue.qualification(&item.qualification_code) else {
            return Ok(());
        };
        let subscriptions: Vec<Uuid> = sqlx::query_scalar(
            "SELECT id FROM webhook_subscriptions
             WHERE ministry = ANY($1) AND $2 = ANY(event_types)
               AND disabled_at IS NULL AND created_at <= $3
             ORDER BY id",
        )
        .bind(&q.ministry_codes)
        .bind(&item.event_type)
        .bind(recorded_at)
        .fetch_all(&mut *conn)
        .await?;
        if subscriptions.is_empty() {
            return Ok(());
        }
        let body = message_body(
            &item.event_type,
            item.occurred_at,
            &serde_json::to_value(item)?,
        );
        for sub in subscriptions {
            queue_message(conn, sub, Some(item.id), &item.event_type, &body).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl Projection for PublicFeed {
    fn name(&self) -> &'static str {
        "public_feed"
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        for item in feed::append(conn, event).await? {
            self.fan_out(conn, &item, event.recorded_at).await?;
        }
        Ok(())
    }

    async fn reset(&self, conn: &mut PgConnection) -> Result<(), ProjectionError> {
        // Messages are keyed by feed item, and item ids are derived from the
        // events, so the replay queues nothing twice.
        feed::reset(conn).await
    }
}
