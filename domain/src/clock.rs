//! The application's clock: the real time plus an offset that only the
//! development test clock moves (production's offset is always zero). Every
//! business date the application takes (a decision's date, the Japanese
//! date, a scheduled effect's due time) comes from here, so that moving the
//! clock moves them all; the offset itself lives in the database (see
//! `adapters::clock`), which every process follows.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::calendar::japan_date;

/// A shared handle on the application's time; clones follow the same offset.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_seconds: Arc<AtomicI64>,
}

impl Clock {
    /// The real clock, not shifted (until a test clock moves it).
    pub fn system() -> Self {
        Self::default()
    }

    /// The application's current instant.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset()
    }

    /// The application's current date in Japan.
    pub fn today(&self) -> NaiveDate {
        japan_date(self.now())
    }

    /// How far the clock runs ahead of the real time.
    pub fn offset(&self) -> Duration {
        Duration::seconds(self.offset_seconds.load(Ordering::Relaxed))
    }

    /// Sets how far the clock runs ahead (as read from the database).
    pub fn set_offset(&self, offset: Duration) {
        self.offset_seconds
            .store(offset.num_seconds(), Ordering::Relaxed);
    }

    /// Whether any clone of this clock is still held besides `self`; a
    /// follower task ends once nobody reads the clock any more.
    pub fn shared(&self) -> bool {
        Arc::strong_count(&self.offset_seconds) > 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_follow_one_offset() {
        let clock = Clock::system();
        let other = clock.clone();
        let before = other.now();
        clock.set_offset(Duration::days(31));
        assert_eq!(other.offset(), Duration::days(31));
        let shifted = other.now() - before;
        assert!(
            shifted >= Duration::days(31) && shifted < Duration::days(31) + Duration::minutes(1)
        );
        assert_eq!(other.today(), japan_date(Utc::now() + Duration::days(31)));
    }
}
