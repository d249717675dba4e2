//! Token buckets in memory, by key, for failed authentications by address:
//! each process limits on its own, so N API processes allow N times the rate
//! (enough against guessing, which is the point). The ministry clients'
//! request rate is kept in Postgres instead (`take_rate_quota`), shared by
//! every replica.
//!
//! Buckets cost memory only while they remember something: a bucket that has
//! refilled is the same as none, so full buckets are dropped at least once a
//! minute, and the map never holds more than its cap (an attacker with many
//! addresses meets the cap, not an unbounded map).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How fast a key may call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Requests per second, sustained.
    pub per_second: f64,
    /// Requests allowed at once after a quiet spell.
    pub burst: f64,
}

/// How often full buckets are swept out.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

struct Bucket {
    tokens: f64,
    at: Instant,
}

struct Buckets {
    by_key: HashMap<String, Bucket>,
    swept_at: Instant,
}

/// Buckets by key (a client id, an address).
pub struct RateLimiter {
    limit: RateLimit,
    max_keys: usize,
    buckets: Mutex<Buckets>,
}

impl RateLimiter {
    /// A limiter with one bucket per key, each starting full, at most
    /// `max_keys` of them remembered at once.
    pub fn new(limit: RateLimit, max_keys: usize) -> Self {
        Self {
            limit,
            max_keys: max_keys.max(1),
            buckets: Mutex::new(Buckets {
                by_key: HashMap::new(),
                swept_at: Instant::now(),
            }),
        }
    }

    /// Takes one request from `key`'s bucket, or answers how many whole
    /// seconds until one is available.
    pub fn take(&self, key: &str) -> Result<(), u64> {
        self.take_at(key, Instant::now())
    }

    /// Gives back a request taken from `key`'s bucket (one that turned out
    /// not to count).
    pub fn refund(&self, key: &str) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(bucket) = buckets.by_key.get_mut(key) {
            bucket.tokens = (bucket.tokens + 1.0).min(self.limit.burst);
        }
    }

    /// How many buckets are remembered.
    pub fn len(&self) -> usize {
        let buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        buckets.by_key.len()
    }

    /// Whether no bucket is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn take_at(&self, key: &str, now: Instant) -> Result<(), u64> {
        let RateLimit { per_second, burst } = self.limit;
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let full = !buckets.by_key.contains_key(key) && buckets.by_key.len() >= self.max_keys;
        // A full map is swept at most once a second: a sweep walks every bucket.
        let since = now.saturating_duration_since(buckets.swept_at);
        if since >= SWEEP_EVERY || full && since >= Duration::from_secs(1) {
            self.sweep(&mut buckets, now);
        }
        if !buckets.by_key.contains_key(key) && buckets.by_key.len() >= self.max_keys {
            // Every remembered key is still limited: a new one waits for a
            // sweep rather than growing the map.
            return Err(1);
        }
        let bucket = buckets.by_key.entry(key.to_owned()).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / per_second.max(f64::MIN_POSITIVE);
            Err(wait.ceil().max(1.0) as u64)
        }
    }

    /// Drops the buckets that have refilled since their last use.
    fn sweep(&self, buckets: &mut Buckets, now: Instant) {
        let RateLimit { per_second, burst } = self.limit;
        buckets.by_key.retain(|_, b| {
            let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
            b.tokens + elapsed * per_second < burst
        });
        buckets.swept_at = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_refills_at_the_rate() {
        let limiter = RateLimiter::new(
            RateLimit {
                per_second: 2.0,
                burst: 3.0,
            },
            100,
        );
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.take_at("a", t0), Ok(()));
        }
        assert_eq!(limiter.take_at("a", t0), Err(1));
        // Another key has its own bucket.
        assert_eq!(limiter.take_at("b", t0), Ok(()));
        // Half a second later one request is back.
        let later = t0 + Duration::from_millis(500);
        assert_eq!(limiter.take_at("a", later), Ok(()));
        assert_eq!(limiter.take_at("a", later), Err(1));
        // A refund gives one back.
        limiter.refund("a");
        assert_eq!(limiter.take_at("a", later), Ok(()));
    }

    #[test]
    fn refilled_buckets_are_forgotten_and_the_map_is_bounded() {
        let limiter = RateLimiter::new(
            RateLimit {
                per_second: 1.0,
                burst: 2.0,
            },
            3,
        );
        let t0 = Instant::now();
        for key in ["a", "b", "c"] {
            assert_eq!(limiter.take_at(key, t0), Ok(()));
        }
        // The map is full of buckets still remembering: a new key waits.
        assert_eq!(limiter.take_at("d", t0), Err(1));
        assert_eq!(limiter.len(), 3);
        // Known keys go on as before.
        assert_eq!(limiter.take_at("a", t0), Ok(()));
        assert_eq!(limiter.take_at("a", t0), Err(1));
        // Once refilled they are swept out and the new key gets its bucket.
        let later = t0 + Duration::from_secs(3);
        assert_eq!(limiter.take_at("d", later), Ok(()));
        assert_eq!(limiter.len(), 1);
        // And a minute on, a sweep forgets idle buckets without any pressure.
        let much_later = later + SWEEP_EVERY;
        assert_eq!(limiter.take_at("e", much_later), Ok(()));
        assert_eq!(limiter.len(), 1);
    }
}
