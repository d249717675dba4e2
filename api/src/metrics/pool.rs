//! The database pool's figures: its size (connections idle, in use, the
//! most it opens) and how long a new acquire waits for a connection.
//!
//! sqlx 0.8 tells a pool's size and idle connections but not how many tasks
//! wait for one, and queries take their connections inside sqlx, out of our
//! sight. So a probe acquires a connection every second, as any query does,
//! and the wait gauge is how long that took; while a probe waits, how long
//! it has waited so far. Connections are handed out in arrival order, so the
//! probe waits as long as every task that queued with it: near zero when
//! connections are free, growing with the queue when they are not.

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use sqlx::PgPool;

/// How often the probe acquires a connection.
const PROBE_EVERY: Duration = Duration::from_secs(1);

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: &'static str,
}

/// What the probe last saw.
#[derive(Debug, Default)]
struct Probed {
    /// The wait of the last probe that got a connection (or gave up).
    last: Duration,
    /// When the probe in flight started waiting.
    waiting_since: Option<Instant>,
}

/// Times an acquire from the pool every second.
#[derive(Debug, Default)]
pub struct AcquireProbe {
    probed: Mutex<Probed>,
}

impl AcquireProbe {
    /// How long a new acquire waits now: the probe in flight's wait so far,
    /// or the last one's when that was longer.
    pub fn wait(&self) -> Duration {
        let probed = self.probed.lock().unwrap_or_else(|e| e.into_inner());
        match probed.waiting_since {
            Some(since) => probed.last.max(since.elapsed()),
            None => probed.last,
        }
    }

    /// Probes `pool` every second until it is closed.
    pub async fn run(self: Arc<Self>, pool: PgPool) {
        let mut tick = tokio::time::interval(PROBE_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if pool.is_closed() {
                return;
            }
            let started = Instant::now();
            self.set(|p| p.waiting_since = Some(started));
            // A timeout (the database down, or no connection freed in time)
            // is a wait of the whole acquire timeout, as a query sees it.
            let acquired = pool.acquire().await;
            let waited = started.elapsed();
            drop(acquired);
            self.set(|p| {
                p.last = waited;
                p.waiting_since = None;
            });
        }
    }

    fn set(&self, change: impl FnOnce(&mut Probed)) {
        change(&mut self.probed.lock().unwrap_or_else(|e| e.into_inner()));
    }
}

/// The pool's gauges.
pub(super) struct PoolGauges {
    connections: Family<StateLabels, Gauge>,
    max: Gauge,
    wait: Gauge<f64, AtomicU64>,
    probe: Arc<AcquireProbe>,
}

impl PoolGauges {
    /// The gauges, registered in `registry`.
    pub(super) fn register(registry: &mut Registry) -> Self {
        let connections = Family::default();
        registry.register(
            "db_pool_connections",
            "Connections of this process's pool: idle or in use",
            connections.clone(),
        );
        let max = Gauge::default();
        registry.register(
            "db_pool_max_connections",
            "The most connections this process's pool opens",
            max.clone(),
        );
        let wait = Gauge::default();
        registry.register(
            "db_pool_acquire_wait_seconds",
            "How long a new acquire waits for a connection of this process's pool, \
             as a probe acquiring one every second measures it (while it waits, its wait so far)",
            wait.clone(),
        );
        Self {
            connections,
            max,
            wait,
            probe: Arc::default(),
        }
    }

    /// The probe to run beside the pool (see [`AcquireProbe::run`]).
    pub(super) fn probe(&self) -> Arc<AcquireProbe> {
        self.probe.clone()
    }

    /// Reads the pool's figures now.
    pub(super) fn read(&self, pool: &PgPool) {
        let size = i64::from(pool.size());
        let idle = i64::try_from(pool.num_idle()).unwrap_or(i64::MAX);
        self.connections
            .get_or_create(&StateLabels { state: "idle" })
            .set(idle);
        self.connections
            .get_or_create(&StateLabels { state: "used" })
            .set(size - idle);
        self.max
            .set(i64::from(pool.options().get_max_connections()));
        self.wait.set(self.probe.wait().as_secs_f64());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_probe_in_flight_reports_its_wait_so_far() {
        let probe = AcquireProbe::default();
        assert_eq!(probe.wait(), Duration::ZERO);
        probe.set(|p| p.last = Duration::from_millis(3));
        assert_eq!(probe.wait(), Duration::from_millis(3));
        probe.set(|p| p.waiting_since = Instant::now().checked_sub(Duration::from_secs(2)));
        assert!(probe.wait() >= Duration::from_secs(2));
    }
}
