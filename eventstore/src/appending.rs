//! The transaction commands append to. Committing it is the only way to make
//! its events visible, and that same step wakes the subscriptions, so no
//! caller can commit events that nothing then reads.

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};

use cqrs_es::Aggregate;

use sqlx::{PgConnection, PgPool};

use crate::append::Tx;

/// A transaction that commands append events to, and callers may add their
/// own writes to (the vault, an idempotency answer) so that everything commits
/// together or not at all. Dropping it rolls back.
#[must_use = "the appended events are rolled back unless committed"]
pub struct Appending {
    tx: Tx,
    /// Whether a command appended events, so that commit has news to tell.
    appended: bool,
}

impl Appending {
    /// Begins a transaction on `pool`.
    pub async fn begin(pool: &PgPool) -> Result<Self, sqlx::Error> {
        Ok(Self {
            tx: pool.begin().await?,
            appended: false,
        })
    }

    /// Commits, and wakes the subscriptions when a command appended events.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await?;
        if self.appended {
            crate::wake::appended();
        }
        Ok(())
    }

    /// Appends the events a new aggregate `id` begins with, for a caller that
    /// ran the aggregate's handler itself (the register import).
    pub async fn append_new<A: Aggregate>(
        &mut self,
        id: &str,
        events: &[A::Event],
        metadata: &HashMap<String, String>,
    ) -> Result<(), sqlx::Error> {
        crate::append::append::<A>(&mut self.tx, id, 0, events, metadata).await?;
        self.appended = true;
        Ok(())
    }

    pub(crate) fn into_inner(self) -> (Tx, bool) {
        (self.tx, self.appended)
    }

    pub(crate) fn from_inner(tx: Tx, appended: bool) -> Self {
        Self { tx, appended }
    }
}

impl Deref for Appending {
    type Target = PgConnection;

    fn deref(&self) -> &PgConnection {
        &self.tx
    }
}

impl DerefMut for Appending {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.tx
    }
}
