//! Interactive pressure: how many HTTP requests are in flight, so that
//! background work (subscriptions, job workers) yields to the people waiting
//! for an answer. At a burst the background falls behind for a while and
//! catches up after it. Under load that does not end, a task that waited
//! works as long as it waited before it yields again ([`Share`]), so steady
//! traffic slows the background to half its pace instead of to one batch or
//! one claim a second. A task that stays behind for [`MAX_BEHIND`] stops
//! yielding until it has caught up, so no steady load leaves it further
//! behind than that.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The longest background work waits for the pressure to drop before it
/// goes on anyway: bounds the lag a burst can cause per batch. Under steady
/// traffic a subscription's lag is about one wait plus one batch, so the
/// wait stays well under the second its lag p99 must keep to.
pub const MAX_YIELD: Duration = Duration::from_millis(250);

/// How long background work may stay behind and still yield: past it, the
/// task works on without yielding until it has caught up. So a short burst
/// still has the machine to itself, and steady traffic that leaves the
/// background too little of it (half, see [`Share`]) cannot make its lag
/// and job waits grow without bound (issue 25: with yielding alone, jobs
/// waited 6 s at 337 submits/s; without it, 600/s held).
pub const MAX_BEHIND: Duration = Duration::from_millis(500);

/// How often a yielding task looks at the gauge again.
const RECHECK: Duration = Duration::from_millis(10);

/// The in-flight gauge, shared by the HTTP server and the background tasks.
#[derive(Debug, Clone, Default)]
pub struct Pressure {
    in_flight: Arc<AtomicUsize>,
    /// In-flight requests from which background work yields; 0 never yields.
    yield_at: usize,
}

/// Counts one request while it lives.
#[derive(Debug)]
pub struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Pressure {
    /// A gauge whose background work yields from `yield_at` requests in flight.
    pub fn new(yield_at: usize) -> Self {
        Self {
            in_flight: Arc::default(),
            yield_at,
        }
    }

    /// Counts a request until the guard is dropped.
    pub fn enter(&self) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self.in_flight.clone())
    }

    /// Requests in flight now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }

    /// Whether background work should wait now.
    pub fn high(&self) -> bool {
        self.yield_at > 0 && self.in_flight() >= self.yield_at
    }

    /// Waits while the pressure is high, at most `max`; true if it waited.
    pub async fn yield_while_high(&self, max: Duration) -> bool {
        let started = tokio::time::Instant::now();
        let mut waited = false;
        while self.high() && started.elapsed() < max {
            waited = true;
            tokio::time::sleep(RECHECK).await;
        }
        waited
    }
}

/// One background task's turns under pressure: it yields while the pressure
/// is high (at most [`MAX_YIELD`] at a time), and after a wait it works for
/// as long as it waited before it yields again; once it has been behind for
/// [`MAX_BEHIND`] it does not yield until it has caught up.
#[derive(Debug, Clone)]
pub struct Share {
    pressure: Pressure,
    /// Until when the task works without looking at the pressure.
    working_until: tokio::time::Instant,
    /// Since when the task has had work waiting, if it has.
    behind_since: Option<tokio::time::Instant>,
}

impl Share {
    /// The turns of a task under `pressure`.
    pub fn new(pressure: Pressure) -> Self {
        Self {
            pressure,
            working_until: tokio::time::Instant::now(),
            behind_since: None,
        }
    }

    /// Notes whether the task has work waiting (its last batch or claim was
    /// full) or has caught up.
    pub fn behind(&mut self, behind: bool) {
        if !behind {
            self.behind_since = None;
        } else if self.behind_since.is_none() {
            self.behind_since = Some(tokio::time::Instant::now());
        }
    }

    /// Notes how long the work the task just took had waited (zero: it has
    /// caught up): the job worker's measure of being behind.
    pub fn behind_by(&mut self, waited: Duration) {
        // Past the bound, how far past does not matter (and an old job's
        // wait may reach back before the clock's start).
        let now = tokio::time::Instant::now();
        self.behind_since =
            (!waited.is_zero()).then(|| now.checked_sub(waited.min(MAX_BEHIND)).unwrap_or(now));
    }

    /// Waits for this task's turn; returns at once during its working time
    /// and once the task has been behind for [`MAX_BEHIND`].
    pub async fn turn(&mut self) {
        let now = tokio::time::Instant::now();
        if now < self.working_until {
            return;
        }
        if self
            .behind_since
            .is_some_and(|since| now.duration_since(since) >= MAX_BEHIND)
        {
            return;
        }
        if self.pressure.yield_while_high(MAX_YIELD).await {
            let waited = now.elapsed();
            self.working_until = tokio::time::Instant::now() + waited;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn background_waits_while_requests_are_many_and_no_longer_than_the_floor() {
        let p = Pressure::new(2);
        assert!(!p.yield_while_high(MAX_YIELD).await, "idle: no wait");
        let a = p.enter();
        assert!(!p.high(), "one request is below the mark");
        let b = p.enter();
        assert!(p.high());
        let started = tokio::time::Instant::now();
        assert!(p.yield_while_high(MAX_YIELD).await);
        let waited = started.elapsed();
        assert!(
            waited >= MAX_YIELD && waited < MAX_YIELD + RECHECK * 2,
            "{waited:?}"
        );
        drop(b);
        assert!(!p.high(), "a finished request is no longer counted");
        drop(a);
        assert_eq!(p.in_flight(), 0);
        assert!(!Pressure::new(0).high(), "0 never yields");
    }

    #[tokio::test(start_paused = true)]
    async fn background_goes_on_as_soon_as_the_pressure_drops() {
        let p = Pressure::new(1);
        let guard = p.enter();
        let released = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            drop(guard);
        });
        let started = tokio::time::Instant::now();
        assert!(p.yield_while_high(MAX_YIELD).await);
        assert!(started.elapsed() < Duration::from_millis(200));
        released.await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn under_steady_pressure_a_task_works_as_long_as_it_waited() {
        let p = Pressure::new(1);
        let _steady = p.enter();
        let mut share = Share::new(p);
        let started = tokio::time::Instant::now();
        share.turn().await;
        assert_eq!(started.elapsed(), MAX_YIELD, "the first turn waits");
        // Its working time: no waiting, however often it asks.
        let step = Duration::from_millis(9);
        let steps = (MAX_YIELD.as_millis() / step.as_millis()) as u32;
        for _ in 0..steps {
            tokio::time::sleep(step).await;
            let asked = tokio::time::Instant::now();
            share.turn().await;
            assert_eq!(asked.elapsed(), Duration::ZERO);
        }
        tokio::time::sleep(step * 2).await;
        let asked = tokio::time::Instant::now();
        share.turn().await;
        assert_eq!(asked.elapsed(), MAX_YIELD, "then it yields again");
    }

    #[tokio::test(start_paused = true)]
    async fn a_task_behind_for_long_stops_yielding_until_it_has_caught_up() {
        let p = Pressure::new(1);
        let _steady = p.enter();
        let mut share = Share::new(p);
        share.behind(true);
        let asked = tokio::time::Instant::now();
        share.turn().await;
        assert_eq!(asked.elapsed(), MAX_YIELD, "behind for a moment: it yields");
        tokio::time::sleep(MAX_BEHIND).await;
        share.behind(true);
        let asked = tokio::time::Instant::now();
        share.turn().await;
        assert_eq!(
            asked.elapsed(),
            Duration::ZERO,
            "behind too long: it works on"
        );
        share.behind(false);
        share.behind(true);
        let asked = tokio::time::Instant::now();
        share.turn().await;
        assert_eq!(asked.elapsed(), MAX_YIELD, "caught up: it yields again");
        share.behind_by(MAX_BEHIND);
        let asked = tokio::time::Instant::now();
        share.turn().await;
        assert_eq!(asked.elapsed(), Duration::ZERO, "its work waited too long");
        tokio::time::sleep(MAX_YIELD * 2).await; // past its working time
        share.behind_by(MAX_BEHIND / 2);
        let asked = tokio::time::Instant::now();
        share.turn().await;
        assert_eq!(asked.elapsed(), MAX_YIELD, "its work waited a little");
    }
}
