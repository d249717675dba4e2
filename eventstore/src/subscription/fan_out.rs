//! One read of the stream per process, handed to every subscription in
//! memory: the subscriptions of a process read the same events, so one task
//! reads each new range once and keeps the latest of them in a window.
//!
//! A subscription still locks its own checkpoint in its own transaction,
//! applies and moves it, so crashes, ordering and several processes work as
//! before; only the read is shared. The window holds every event after its
//! start below the guard of its last read (see the parent module), in commit
//! order, and events below the guard never change: the events after any
//! position inside it are therefore exactly what a read of its own would
//! return, or a prefix of it. A subscription whose checkpoint is not in the
//! window (behind it, rebuilding, or moved on by another process) reads on
//! its own, as without a fan-out, and rejoins once it reaches the window.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::watch;

use super::read::{head, read_after, Position};
use super::{StoredEvent, MIN_BATCH_GAP};
use crate::ProjectionError;

/// Events kept in memory by default: a subscription this far behind the
/// newest reads on its own until it catches up.
const WINDOW: usize = 20_000;

/// Events per read of the shared reader.
const READ_LIMIT: i64 = 2_000;

/// The shared read of one process's subscriptions.
#[derive(Clone)]
pub struct FanOut {
    inner: Arc<Inner>,
}

struct Inner {
    pool: PgPool,
    window: Mutex<Window>,
    capacity: usize,
    /// Moves after each read that found events; subscriptions wait on it.
    read: watch::Sender<u64>,
    /// Events handed out from memory (for tests and figures).
    served: AtomicU64,
}

/// Every event after `start`, below the guard of the last read, oldest first.
struct Window {
    start: Position,
    events: VecDeque<StoredEvent>,
}

impl Window {
    /// Where the next read starts.
    fn end(&self) -> Position {
        match self.events.back() {
            Some(e) => (e.transaction_id.clone(), e.global_position),
            None => self.start.clone(),
        }
    }

    /// Up to `limit` events after `at`, if `at` is the window's start or
    /// one of its events.
    fn after(&self, at: &Position, limit: usize) -> Option<Vec<StoredEvent>> {
        let from = if *at == self.start {
            0
        } else {
            // In commit order: (transaction id as a number, position).
            let key = (at.0.parse::<u64>().ok()?, at.1);
            let i = self
                .events
                .binary_search_by_key(&key, |e| {
                    (
                        e.transaction_id.parse::<u64>().unwrap_or(u64::MAX),
                        e.global_position,
                    )
                })
                .ok()?;
            i + 1
        };
        Some(self.events.iter().skip(from).take(limit).cloned().collect())
    }
}

impl FanOut {
    /// A fan-out starting at the newest readable event: subscriptions behind
    /// it catch up on their own first.
    pub async fn start(pool: PgPool) -> Result<Self, ProjectionError> {
        Self::with_capacity(pool, WINDOW).await
    }

    /// As [`FanOut::start`], keeping at most `capacity` events in memory.
    pub async fn with_capacity(pool: PgPool, capacity: usize) -> Result<Self, ProjectionError> {
        let start = head(&mut *pool.acquire().await?).await?;
        Ok(Self {
            inner: Arc::new(Inner {
                pool,
                window: Mutex::new(Window {
                    start,
                    events: VecDeque::new(),
                }),
                capacity: capacity.max(1),
                read: watch::channel(0).0,
                served: AtomicU64::new(0),
            }),
        })
    }

    /// A counter that moves when new events are in memory: what the
    /// subscriptions fed by this fan-out wait on.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.inner.read.subscribe()
    }

    /// Events handed to subscriptions from memory so far.
    pub fn served(&self) -> u64 {
        self.inner.served.load(Ordering::Relaxed)
    }

    /// Up to `limit` events after `at` from memory; None when `at` is not in
    /// the window (the caller reads them itself).
    pub(super) fn after(&self, at: &Position, limit: i64) -> Option<Vec<StoredEvent>> {
        let events = self
            .window()
            .after(at, usize::try_from(limit).unwrap_or(0))?;
        self.inner
            .served
            .fetch_add(events.len() as u64, Ordering::Relaxed);
        Some(events)
    }

    fn window(&self) -> std::sync::MutexGuard<'_, Window> {
        self.inner.window.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reads the events after the window once, keeps them (dropping the
    /// oldest beyond the capacity) and wakes the subscriptions; returns how
    /// many it read.
    pub async fn read_once(&self) -> Result<usize, ProjectionError> {
        let end = self.window().end();
        let mut conn = self.inner.pool.acquire().await?;
        let events = read_after(&mut conn, &end, READ_LIMIT).await?;
        drop(conn);
        let n = events.len();
        if n == 0 {
            return Ok(0);
        }
        {
            let mut window = self.window();
            // Only one reader moves the window, so it still ends at `end`.
            window.events.extend(events);
            while window.events.len() > self.inner.capacity {
                if let Some(e) = window.events.pop_front() {
                    window.start = (e.transaction_id, e.global_position);
                }
            }
        }
        self.inner.read.send_modify(|v| *v = v.wrapping_add(1));
        Ok(n)
    }

    /// Reads on every append (`wake`) until `shutdown` turns true.
    pub async fn run(self, mut wake: watch::Receiver<u64>, mut shutdown: watch::Receiver<bool>) {
        let poll = Duration::from_millis(500);
        let mut backoff = Duration::from_millis(100);
        loop {
            if *shutdown.borrow() {
                return;
            }
            let started = tokio::time::Instant::now();
            let pause = match self.read_once().await {
                Ok(n) if n as i64 >= READ_LIMIT => continue,
                Ok(_) => {
                    backoff = Duration::from_millis(100);
                    poll
                }
                Err(e) => {
                    tracing::error!(error = %e, "the shared read failed; retrying");
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                    backoff
                }
            };
            tokio::select! {
                _ = wake.changed() => {}
                _ = tokio::time::sleep(pause) => {}
                _ = shutdown.changed() => {}
            }
            // As a subscription's batches: many commits gathered in one read.
            tokio::time::sleep_until(started + MIN_BATCH_GAP).await;
        }
    }
}
