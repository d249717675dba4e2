//! Lag samples per subscription: seconds from an event's append to the
//! commit of the batch that applied it.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// Lag samples (seconds from append to the batch's commit) per subscription,
/// for the benchmark and metrics.
#[derive(Debug, Default)]
pub struct LagRecorder {
    samples: Mutex<BTreeMap<&'static str, Vec<f64>>>,
}

impl LagRecorder {
    pub(super) fn record(&self, name: &'static str, lags: impl Iterator<Item = f64>) {
        let mut s = self.samples.lock().unwrap_or_else(|p| p.into_inner());
        let v = s.entry(name).or_default();
        v.extend(lags.take(1_000_000usize.saturating_sub(v.len())));
    }

    /// Takes the samples recorded so far, of every subscription.
    pub fn drain(&self) -> Vec<f64> {
        self.drain_by_subscription()
            .into_values()
            .flatten()
            .collect()
    }

    /// Takes the samples recorded so far, by subscription name.
    pub fn drain_by_subscription(&self) -> BTreeMap<&'static str, Vec<f64>> {
        std::mem::take(&mut *self.samples.lock().unwrap_or_else(|p| p.into_inner()))
    }
}
