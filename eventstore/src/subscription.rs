//! Catch-up subscriptions: every reader of the event stream (views, process
//! managers, job producers) keeps a checkpoint row and reads the stream in
//! commit order, one transaction per batch.
//!
//! Ordering is by (transaction_id, global_position) and only events of
//! transactions older than every transaction still running that could append
//! one are read: an event whose transaction commits after a later-started one
//! is therefore never skipped. Batches themselves never append events (a
//! process manager's commands run in transactions of their own), so a batch
//! marks itself (`application_name`) and other batches do not wait for it:
//! otherwise every batch in flight would hold back every subscription.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use sqlx::{PgPool, Postgres, Transaction};
use tokio::sync::watch;
use tracing::Instrument;

use crate::pressure::{Pressure, Share};
use crate::ProjectionError;

mod catch_up;
mod fan_out;
mod lag;
mod projection;
mod read;
mod rebuild;
pub use fan_out::FanOut;
pub use lag::LagRecorder;
pub use projection::{Projection, StoredEvent};
use read::{lock_checkpoint, read_after, read_batch};

/// The Postgres channel processes tell each other of appends on.
pub use crate::wake::EVENTS_CHANNEL;

/// The least time from one batch's start to the next's, unless the first
/// was full. Bounds the batches per second whatever the commit rate, at the
/// cost of at most this much lag. Each batch costs a transaction of its own
/// (lock the checkpoint, apply, move it, commit) whatever it holds: at 20 ms
/// the eleven subscriptions ran about 500 batches a second under a steady
/// 100 cases/s, a third of all the statements the database ran (issue 25's
/// soak, pg_stat_statements); at 100 ms they run at most 110, and the lag
/// stays far below the second the sustained phase allows.
const MIN_BATCH_GAP: Duration = Duration::from_millis(100);

/// Events per batch when a view is rebuilt: nobody waits for a rebuild's
/// first events, so batches are as large as a view's batch writer handles
/// well (fewer reads, checkpoints and commits per event, and more of an
/// aggregate's events folded into one row write instead of an insert and
/// later updates). The next batch is read while one is applied (see
/// `catch_up`).
pub const REBUILD_BATCH: i64 = 25_000;

/// What one call of [`Subscription::run_once`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchOutcome {
    /// Applied this many events and advanced the checkpoint.
    Applied(usize),
    /// Another runner holds the checkpoint.
    Locked,
}

/// Runs one projection against the event stream.
#[derive(Clone)]
pub struct Subscription {
    pool: PgPool,
    projection: Arc<dyn Projection>,
    batch_size: i64,
    lag: Arc<LagRecorder>,
    pressure: Pressure,
    fan_out: Option<FanOut>,
    /// Applies with [`Projection::apply_rebuild_batch`] (see [`Subscription::rebuild`]).
    rebuilding: bool,
}

impl Subscription {
    /// A subscription with the projection's batch size.
    pub fn new(pool: PgPool, projection: Arc<dyn Projection>) -> Self {
        Self {
            pool,
            batch_size: projection.batch_size(),
            projection,
            lag: Arc::default(),
            pressure: Pressure::default(),
            fan_out: None,
            rebuilding: false,
        }
    }

    /// Takes its events from `fan_out`'s shared read when its checkpoint is
    /// in the window (see [`FanOut`]); then wait on [`FanOut::subscribe`].
    pub fn with_fan_out(mut self, fan_out: FanOut) -> Self {
        self.fan_out = Some(fan_out);
        self
    }

    /// Yields to interactive requests while `pressure` is high (see [`Pressure`]).
    pub fn with_pressure(mut self, pressure: Pressure) -> Self {
        self.pressure = pressure;
        self
    }

    /// Shares a lag recorder between subscriptions.
    pub fn with_lag(mut self, lag: Arc<LagRecorder>) -> Self {
        self.lag = lag;
        self
    }

    /// Sets the batch size.
    pub fn with_batch_size(mut self, batch_size: i64) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// The subscription's name.
    pub fn name(&self) -> &'static str {
        self.projection.name()
    }

    /// Makes sure the checkpoint row exists.
    pub async fn ensure_checkpoint(&self) -> Result<(), ProjectionError> {
        sqlx::query!(
            "INSERT INTO subscription_checkpoints (name) VALUES ($1) ON CONFLICT DO NOTHING",
            self.name(),
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Reads and applies one batch in one transaction.
    pub async fn run_once(&self) -> Result<BatchOutcome, ProjectionError> {
        let mut tx = self.pool.begin().await?;
        if let Some(fan_out) = &self.fan_out {
            let Some(at) = lock_checkpoint(&mut tx, self.name()).await? else {
                return Ok(BatchOutcome::Locked);
            };
            let events = match fan_out.after(&at, self.batch_size) {
                Some(events) => events,
                None => read_after(&mut tx, &at, self.batch_size).await?,
            };
            return self.apply_and_advance(tx, events).await;
        }
        let Some(events) = read_batch(&mut tx, self.name(), self.batch_size).await? else {
            return Ok(BatchOutcome::Locked);
        };
        self.apply_and_advance(tx, events).await
    }

    /// Applies a batch in `tx` (which holds the checkpoint), moves the
    /// checkpoint past it and commits.
    async fn apply_and_advance(
        &self,
        tx: Transaction<'static, Postgres>,
        events: Vec<StoredEvent>,
    ) -> Result<BatchOutcome, ProjectionError> {
        let Some(last) = events.last() else {
            return Ok(BatchOutcome::Applied(0));
        };
        // A span per batch with events (polls that find none make no span).
        let span = tracing::info_span!(
            "subscription_batch",
            subscription = self.name(),
            events = events.len()
        );
        self.commit_batch(tx, &events, last)
            .instrument(span)
            .await?;
        let now = Utc::now();
        self.lag.record(
            self.name(),
            events
                .iter()
                .map(|e| (now - e.recorded_at).num_microseconds().unwrap_or(0) as f64 / 1e6),
        );
        Ok(BatchOutcome::Applied(events.len()))
    }

    /// Applies `events` and moves the checkpoint to `last`, committing `tx`.
    async fn commit_batch(
        &self,
        mut tx: sqlx::Transaction<'static, sqlx::Postgres>,
        events: &[StoredEvent],
        last: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        let started = std::time::Instant::now();
        if self.rebuilding {
            self.projection.apply_rebuild_batch(&mut tx, events).await?;
        } else {
            self.projection.apply_batch(&mut tx, events).await?;
        }
        let applied = started.elapsed();
        sqlx::query!(
            "UPDATE subscription_checkpoints
             SET last_transaction_id = $2::text::xid8, last_global_position = $3,
                 events_processed = events_processed + $4, updated_at = now(),
                 last_error = NULL, failing_since = NULL
             WHERE name = $1",
            self.name(),
            &last.transaction_id,
            last.global_position,
            events.len() as i64,
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::debug!(
            subscription = self.name(),
            events = events.len(),
            apply_ms = applied.as_secs_f64() * 1e3,
            commit_ms = (started.elapsed() - applied).as_secs_f64() * 1e3,
            "batch timed"
        );
        Ok(())
    }

    /// Whether committed events lie beyond the checkpoint. The events'
    /// look-up is a subquery of the checkpoint's row, so that its position
    /// is an index condition (as a join, the planner filtered every event:
    /// 0.4 s at the end of a rebuild of half a million).
    async fn behind(&self) -> Result<bool, ProjectionError> {
        Ok(sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT 1 FROM subscription_checkpoints c
                            WHERE c.name = $1
                              AND EXISTS (SELECT 1 FROM events e
                                          WHERE (e.transaction_id, e.global_position)
                                                > (c.last_transaction_id, c.last_global_position))) AS "behind!""#,
            self.name(),
        )
        .fetch_one(&self.pool)
        .await?)
    }

    /// Runs until `shutdown` turns true: wakes on NOTIFY or every poll interval;
    /// a failing batch stops progress, is recorded, and is retried with backoff.
    pub async fn run(self, mut wake: watch::Receiver<u64>, mut shutdown: watch::Receiver<bool>) {
        if let Err(e) = self.ensure_checkpoint().await {
            tracing::error!(subscription = self.name(), error = %e, "cannot create checkpoint");
        }
        // A rebuild that stopped half-way left its view without them.
        if let Err(e) = self.restore_indexes().await {
            tracing::error!(subscription = self.name(), error = %e, "cannot build the view's indexes");
        }
        // A fallback only: commits wake subscriptions directly (see `wake`).
        let poll = Duration::from_millis(500);
        let mut backoff = Duration::from_millis(100);
        let mut share = Share::new(self.pressure.clone());
        loop {
            if *shutdown.borrow() {
                return;
            }
            let started = tokio::time::Instant::now();
            let pause = match self.run_once().await {
                Ok(BatchOutcome::Applied(n)) if n as i64 >= self.batch_size => {
                    // Behind: straight on, unless people wait for answers.
                    share.behind(true);
                    share.turn().await;
                    continue;
                }
                Ok(_) => {
                    share.behind(false);
                    backoff = Duration::from_millis(100);
                    poll
                }
                Err(e) => {
                    tracing::error!(subscription = self.name(), error = %e, "batch failed; retrying");
                    self.record_failure(&e).await;
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                    backoff
                }
            };
            tokio::select! {
                _ = wake.changed() => {}
                _ = tokio::time::sleep(pause) => {}
                _ = shutdown.changed() => {}
            }
            // Every commit wakes every subscription: under load, batches this
            // far apart gather the events of many commits into one
            // transaction instead of running one (mostly empty) batch each.
            tokio::time::sleep_until(started + MIN_BATCH_GAP).await;
            share.turn().await;
        }
    }

    async fn record_failure(&self, error: &ProjectionError) {
        let result = sqlx::query!(
            "UPDATE subscription_checkpoints
             SET last_error = $2, failing_since = coalesce(failing_since, now())
             WHERE name = $1",
            self.name(),
            error.to_string(),
        )
        .execute(&self.pool)
        .await;
        if let Err(e) = result {
            tracing::warn!(subscription = self.name(), error = %e, "cannot record failure");
        }
    }

    /// Empties the view and resets the checkpoint in one transaction; the
    /// caller then catches up. Waits for a running batch to finish.
    pub async fn reset(&self) -> Result<(), ProjectionError> {
        self.reset_with(false).await
    }

    /// [`Subscription::reset`], also dropping the view's secondary indexes
    /// (recorded, to build again) when `set_indexes_aside`.
    async fn reset_with(&self, set_indexes_aside: bool) -> Result<(), ProjectionError> {
        self.ensure_checkpoint().await?;
        let mut tx = self.pool.begin().await?;
        sqlx::query!(
            "SELECT name FROM subscription_checkpoints WHERE name = $1 FOR UPDATE",
            self.name(),
        )
        .fetch_optional(&mut *tx)
        .await?;
        self.projection.reset(&mut tx).await?;
        if set_indexes_aside {
            rebuild::set_indexes_aside(&mut tx, self.projection.rebuild_tables()).await?;
        }
        sqlx::query!(
            "UPDATE subscription_checkpoints
             SET last_transaction_id = '0', last_global_position = 0, events_processed = 0,
                 updated_at = now(), last_error = NULL, failing_since = NULL
             WHERE name = $1",
            self.name(),
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The counter subscriptions wait on: appends in this process, and NOTIFY
/// from others (see [`crate::wake`]). A lost wake-up only delays until the
/// next poll.
pub async fn listen(pool: &PgPool) -> Result<watch::Receiver<u64>, ProjectionError> {
    crate::wake::listen(pool).await
}

/// Names of subscriptions that have been failing for longer than `grace`.
pub async fn stuck(pool: &PgPool, grace: Duration) -> Result<Vec<String>, ProjectionError> {
    Ok(sqlx::query_scalar!(
        "SELECT name FROM subscription_checkpoints
         WHERE failing_since < now() - make_interval(secs => $1) ORDER BY name",
        grace.as_secs_f64(),
    )
    .fetch_all(pool)
    .await?)
}
