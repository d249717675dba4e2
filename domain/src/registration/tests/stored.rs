//! The events' stored form: events are never edited, so every variant must
//! keep reading from, and writing to, the JSON in `stored.jsonl` (written by
//! the derived code that stored the examination's events through an
//! untagged variant; `UPDATE_STORED=1` writes it again, for a new event).

use std::time::Instant;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::samples::{
    change_request_events, examination_events, registration_events, sanction_events,
};
use crate::change_request::ChangeRequestEvent;
use crate::examination::ExaminationEvent;
use crate::registration::RegistrationEvent;
use crate::sanction::SanctionEvent;

const STORED: &str = include_str!("stored.jsonl");

/// Each sample's line: its case kind, a space, its JSON.
fn lines() -> Vec<String> {
    fn tagged<E: Serialize>(kind: &'static str, events: Vec<E>) -> Vec<String> {
        events
            .into_iter()
            .map(|e| format!("{kind} {}", serde_json::to_string(&e).unwrap()))
            .collect()
    }
    [
        tagged("registration", registration_events()),
        tagged("change_request", change_request_events()),
        tagged("sanction", sanction_events()),
    ]
    .concat()
}

fn stored(kind: &str) -> Vec<&'static str> {
    STORED
        .lines()
        .filter_map(|l| l.split_once(' '))
        .filter(|(k, _)| *k == kind)
        .map(|(_, json)| json)
        .collect()
}

fn reads_back<E: DeserializeOwned + PartialEq + std::fmt::Debug>(kind: &str, events: Vec<E>) {
    let stored = stored(kind);
    assert_eq!(
        stored.len(),
        events.len(),
        "{kind}: one stored line per sample"
    );
    for (json, event) in stored.into_iter().zip(events) {
        let read: E = serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"));
        assert_eq!(read, event, "{json}");
        // Through a JSON tree too (owned keys and strings).
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(serde_json::from_value::<E>(value).unwrap(), event);
    }
}

#[test]
fn every_event_is_written_as_stored() {
    let written = lines().join("\n") + "\n";
    if std::env::var_os("UPDATE_STORED").is_some() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src/registration/tests/stored.jsonl"
        );
        std::fs::write(path, &written).unwrap();
        return;
    }
    for (written, stored) in written.lines().zip(STORED.lines()) {
        assert_eq!(written, stored);
    }
    assert_eq!(written.lines().count(), STORED.lines().count());
}

#[test]
fn every_stored_event_reads_back() {
    reads_back("registration", registration_events());
    reads_back("change_request", change_request_events());
    reads_back("sanction", sanction_events());
}

#[test]
fn the_examination_events_are_stored_flat() {
    for e in examination_events() {
        let flat = serde_json::to_value(&e).unwrap();
        assert_eq!(
            serde_json::to_value(RegistrationEvent::Examination(e.clone())).unwrap(),
            flat
        );
        assert_eq!(
            serde_json::to_value(ChangeRequestEvent::Examination(e.clone())).unwrap(),
            flat
        );
        assert_eq!(
            serde_json::to_value(SanctionEvent::Examination(e)).unwrap(),
            flat
        );
    }
}

#[test]
fn what_is_not_one_event_is_refused() {
    for json in [
        r#"{}"#,
        r#"{"Unknown": {"at": "2026-04-01T03:00:00Z"}}"#,
        r#"{"PaymentDeclined": {"at": "2026-04-01T03:00:00Z"}, "ChangeApplied": {}}"#,
        r#"{"ChangeApplied": {"at": "2026-04-01T03:00:00Z"}}"#,
        r#""PaymentDeclined""#,
    ] {
        assert!(
            serde_json::from_str::<RegistrationEvent>(json).is_err(),
            "{json}"
        );
    }
    let foreign = r#"{"ApplicationSubmitted": {"at": "2026-04-01T03:00:00Z"}}"#;
    assert!(serde_json::from_str::<SanctionEvent>(foreign).is_err());
}

/// The decode cost per event, as a rebuild pays it:
/// `cargo test --release --workspace -p domain -- --ignored decode_cost --nocapture`.
#[test]
#[ignore]
fn decode_cost() {
    fn per_event<T: DeserializeOwned>(json: &str) -> f64 {
        let rounds = 200_000;
        let started = Instant::now();
        for _ in 0..rounds {
            std::hint::black_box(serde_json::from_str::<T>(std::hint::black_box(json)).unwrap());
        }
        started.elapsed().as_secs_f64() * 1e6 / rounds as f64
    }
    let registration = stored("registration");
    let submitted = registration[0];
    let fee = registration
        .iter()
        .find(|j| j.starts_with(r#"{"FeeAssessed""#))
        .unwrap();
    for (name, json) in [("ApplicationSubmitted", submitted), ("FeeAssessed", fee)] {
        println!(
            "{name}: {:.3} µs as RegistrationEvent, {:.3} µs as a JSON tree",
            per_event::<RegistrationEvent>(json),
            per_event::<serde_json::Value>(json),
        );
    }
    println!(
        "FeeAssessed: {:.3} µs as ExaminationEvent",
        per_event::<ExaminationEvent>(fee)
    );
}
