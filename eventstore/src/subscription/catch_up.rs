//! Catching up (rebuilds, the CLI, tests): the next batch is read on a
//! connection of its own while the current one is applied, so the stream's
//! read and the view's writes overlap instead of taking turns.
//!
//! A batch read ahead is used only if the checkpoint, once locked, is still
//! where that read started; otherwise (another runner went on meanwhile) the
//! batch is read again in its transaction, as [`Subscription::run_once`]
//! does. Events below the guard never change, so reading them before the
//! transaction that applies them reads the same events.

use std::time::Duration;

use tokio::task::JoinHandle;

use super::read::{lock_checkpoint, read_after, Position};
use super::{BatchOutcome, StoredEvent, Subscription};
use crate::ProjectionError;

/// Events read ahead of their batch: those after `from`.
struct Ahead {
    from: Position,
    events: Vec<StoredEvent>,
}

type Reading = JoinHandle<Result<Ahead, ProjectionError>>;

impl Subscription {
    /// Applies batches until the stream is caught up (used by the CLI and tests).
    /// Events of transactions still held back by an older open transaction
    /// are waited for, not skipped.
    pub async fn catch_up(&self) -> Result<usize, ProjectionError> {
        self.ensure_checkpoint().await?;
        let mut total = 0;
        let mut reading: Option<Reading> = None;
        loop {
            let waited = std::time::Instant::now();
            let ahead = match reading.take() {
                Some(read) => Some(
                    read.await
                        .map_err(|e| ProjectionError::Handler(Box::new(e)))??,
                ),
                None => None,
            };
            tracing::debug!(
                subscription = self.name(),
                ms = waited.elapsed().as_secs_f64() * 1e3,
                "waited for the read ahead"
            );
            match self.run_ahead(ahead, &mut reading).await? {
                BatchOutcome::Applied(0) if !self.behind().await? => return Ok(total),
                // A full batch: more are waiting (and being read), go straight on.
                BatchOutcome::Applied(n) if n as i64 >= self.batch_size => {
                    total += n;
                    continue;
                }
                BatchOutcome::Applied(n) => total += n,
                BatchOutcome::Locked => {}
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// One batch: the checkpoint locked, the events read ahead if they start
    /// there (else read now), the next batch's read started when this one is
    /// full, then this one applied.
    async fn run_ahead(
        &self,
        ahead: Option<Ahead>,
        reading: &mut Option<Reading>,
    ) -> Result<BatchOutcome, ProjectionError> {
        let mut tx = self.pool.begin().await?;
        let Some(at) = lock_checkpoint(&mut tx, self.name()).await? else {
            return Ok(BatchOutcome::Locked);
        };
        let started = std::time::Instant::now();
        let events = match ahead {
            Some(a) if a.from == at => a.events,
            _ => read_after(&mut tx, &at, self.batch_size).await?,
        };
        tracing::debug!(
            subscription = self.name(),
            ms = started.elapsed().as_secs_f64() * 1e3,
            "locked and read (when not read ahead)"
        );
        if let Some(last) = events
            .last()
            .filter(|_| events.len() as i64 >= self.batch_size)
        {
            let from: Position = (last.transaction_id.clone(), last.global_position);
            let (pool, limit) = (self.pool.clone(), self.batch_size);
            *reading = Some(tokio::spawn(async move {
                let mut conn = pool.acquire().await?;
                let events = read_after(&mut conn, &from, limit).await?;
                Ok(Ahead { from, events })
            }));
        }
        self.apply_and_advance(tx, events).await
    }
}
