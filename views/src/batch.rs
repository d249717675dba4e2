//! Writing a subscription's batch set-based: each row's changes folded in
//! event order, then written with one statement for all rows.

use std::collections::HashMap;

use eventstore::subscription::StoredEvent;
use eventstore::ProjectionError;
use uuid::Uuid;

/// From this many events a batch is decoded on two threads.
const DECODE_ON_TWO_FROM: usize = 4096;

/// `decode` applied to each event, in event order. A large batch (a
/// rebuild's or a catch-up's: thousands of events) is decoded half on a
/// second thread: decoding the payloads is most of what the application
/// does for such a batch, and the batch's writes wait for all of it.
pub(crate) fn decode_each<T: Send>(
    events: &[StoredEvent],
    decode: impl Fn(&StoredEvent) -> Result<T, ProjectionError> + Sync,
) -> Result<Vec<T>, ProjectionError> {
    if events.len() < DECODE_ON_TWO_FROM {
        return events.iter().map(&decode).collect();
    }
    let (first, second) = events.split_at(events.len() / 2);
    std::thread::scope(|scope| {
        let second = scope.spawn(|| second.iter().map(&decode).collect::<Result<Vec<T>, _>>());
        let mut all = first.iter().map(&decode).collect::<Result<Vec<T>, _>>()?;
        match second.join() {
            Ok(rest) => all.extend(rest?),
            Err(panic) => std::panic::resume_unwind(panic),
        }
        Ok(all)
    })
}

/// Accumulated changes per row, in the order the rows first appear.
pub(crate) struct PerRow<T> {
    rows: Vec<(Uuid, T)>,
    at: HashMap<Uuid, usize>,
}

impl<T: Default> PerRow<T> {
    pub(crate) fn new() -> Self {
        Self {
            rows: Vec::new(),
            at: HashMap::new(),
        }
    }

    /// The changes gathered so far for `id` (none yet: the default).
    pub(crate) fn entry(&mut self, id: Uuid) -> &mut T {
        let rows = &mut self.rows;
        let i = *self.at.entry(id).or_insert_with(|| {
            rows.push((id, T::default()));
            rows.len() - 1
        });
        &mut self.rows[i].1
    }

    /// The rows and their changes.
    pub(crate) fn into_rows(self) -> Vec<(Uuid, T)> {
        self.rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(n: i64) -> StoredEvent {
        StoredEvent {
            global_position: n,
            transaction_id: "1".into(),
            aggregate_type: "QualificationRegistration".into(),
            aggregate_id: Uuid::nil().to_string(),
            sequence: n,
            event_type: "Numbered".into(),
            payload: format!("{{\"n\":{n}}}").into(),
            recorded_at: chrono::Utc::now(),
        }
    }

    fn number(e: &StoredEvent) -> Result<i64, ProjectionError> {
        let v: serde_json::Value = e.decode()?;
        Ok(v["n"].as_i64().expect("a number"))
    }

    #[test]
    fn a_large_batch_decoded_on_two_threads_keeps_the_events_order() {
        let events: Vec<StoredEvent> = (0..DECODE_ON_TWO_FROM as i64 * 2 + 1).map(event).collect();
        let decoded = decode_each(&events, number).unwrap();
        assert_eq!(decoded, (0..events.len() as i64).collect::<Vec<_>>());
        let small: Vec<StoredEvent> = (0..3).map(event).collect();
        assert_eq!(decode_each(&small, number).unwrap(), vec![0, 1, 2]);
    }

    #[test]
    fn an_event_that_does_not_decode_fails_the_batch_in_either_half() {
        let n = DECODE_ON_TWO_FROM as i64 * 2;
        for bad in [1, n - 1] {
            let mut events: Vec<StoredEvent> = (0..n).map(event).collect();
            events[bad as usize].payload = "not json".into();
            assert!(matches!(
                decode_each(&events, number),
                Err(ProjectionError::Decode(_))
            ));
        }
    }
}
