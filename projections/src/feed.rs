//! The public event feed: the facts of a registration a supervising ministry
//! may follow (`GET /v1/events`, and the webhooks that carry the same items),
//! derived from the events in commit order.
//!
//! A feed item names the registration (id, qualification, registration
//! number) and carries only non-personal data: no name, date of birth,
//! address, domicile, My Number or certificate token. A ministry that needs a
//! holder's particulars reads the registration itself, where that read is
//! scoped and recorded.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::certificate::revokes_certificates;
use domain::change_request::MatterChanges;
use domain::examination::ExaminationEvent;
use domain::registration::RegistrationEvent;
use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use crate::status::registration_event;
use crate::subscription::StoredEvent;
use crate::ProjectionError;

/// Every type a feed item can have, in UPPER_SNAKE.
pub const EVENT_TYPES: [&str; 10] = [
    "APPLICATION_SUBMITTED",
    "APPLICATION_REJECTED",
    "APPLICATION_WITHDRAWN",
    "REGISTERED",
    "REGISTRATION_IMPORTED",
    "CHANGE_REQUEST_FILED",
    "REGISTERED_MATTERS_CHANGED",
    "REGISTRATION_DELETED",
    "CERTIFICATE_ISSUED",
    "CERTIFICATE_REVOKED",
];

/// Where an item sits in the feed: its source event's commit-order position
/// and its ordinal among the items that event yielded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedPosition {
    /// The source event's transaction id (xid8, as text).
    pub transaction_id: u64,
    pub global_position: i64,
    pub ordinal: i16,
}

/// One public event.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FeedEvent {
    /// Stable: derived from the source event, the same after a rebuild.
    pub id: Uuid,
    #[serde(rename = "type")]
    pub event_type: String,
    /// When the office recorded the fact.
    pub occurred_at: DateTime<Utc>,
    pub qualification_code: String,
    pub registration_id: Uuid,
    /// Once registered (or imported).
    pub registration_number: Option<String>,
    /// The type's few non-personal facts.
    pub data: Value,
    #[serde(skip)]
    pub position: FeedPosition,
}

/// What the feed remembers of a registration between its events.
struct Known {
    qualification_code: String,
    registration_number: Option<String>,
    certificate_id: Option<Uuid>,
}

/// Appends the feed items a batch of events yields, in the caller's
/// transaction (the subscription's batch), and returns them in feed order.
/// What the feed knows of each registration is kept for the batch and
/// written once at its end, with the items: two statements a batch.
pub async fn append(
    conn: &mut PgConnection,
    events: &[StoredEvent],
) -> Result<Vec<FeedEvent>, ProjectionError> {
    let mut batch = Batch::default();
    for event in events {
        batch.add(conn, event).await?;
    }
    store_known(conn, &batch.known, &batch.changed).await?;
    insert(conn, &batch.items).await?;
    Ok(batch.items)
}

/// The feed's writes of one batch, before they are written.
#[derive(Default)]
struct Batch {
    known: HashMap<Uuid, Known>,
    /// Registrations whose `Known` changed, in the order they first did.
    changed: Vec<Uuid>,
    items: Vec<FeedEvent>,
}

impl Batch {
    async fn add(
        &mut self,
        conn: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        let Some((registration_id, e)) = registration_event(event)? else {
            return Ok(());
        };
        if !is_public(&e) {
            // Most events (payments, inquiries, assignments) touch nothing here.
            return Ok(());
        }
        let first = match &e {
            RegistrationEvent::ApplicationSubmitted {
                qualification_code, ..
            } => Some(Known {
                qualification_code: qualification_code.clone(),
                registration_number: None,
                certificate_id: None,
            }),
            RegistrationEvent::RegistrationImported {
                qualification_code,
                registration_number,
                ..
            } => Some(Known {
                qualification_code: qualification_code.clone(),
                registration_number: Some(registration_number.clone()),
                certificate_id: None,
            }),
            _ => None,
        };
        let opened = first.is_some();
        let mut known = match first {
            Some(k) => k,
            None => match self.known.remove(&registration_id) {
                Some(k) => k,
                None => match load(conn, registration_id).await? {
                    Some(k) => k,
                    // Nothing public happened to it yet (cannot be: every
                    // registration starts with one of the two events above).
                    None => return Ok(()),
                },
            },
        };
        let before = (known.registration_number.clone(), known.certificate_id);
        let items = public_items(&e, &mut known);
        if (opened || before != (known.registration_number.clone(), known.certificate_id))
            && !self.changed.contains(&registration_id)
        {
            self.changed.push(registration_id);
        }
        for (ordinal, (event_type, data)) in items.into_iter().enumerate() {
            self.items.push(FeedEvent {
                id: item_id(event, ordinal),
                event_type: event_type.to_owned(),
                occurred_at: event.recorded_at,
                qualification_code: known.qualification_code.clone(),
                registration_id,
                registration_number: known.registration_number.clone(),
                data,
                position: FeedPosition {
                    transaction_id: event.transaction_id.parse().unwrap_or_default(),
                    global_position: event.global_position,
                    ordinal: ordinal as i16,
                },
            });
        }
        self.known.insert(registration_id, known);
        Ok(())
    }
}

/// Whether the event can yield a feed item (the match below, in short).
fn is_public(e: &RegistrationEvent) -> bool {
    matches!(
        e,
        RegistrationEvent::ApplicationSubmitted { .. }
            | RegistrationEvent::RegistrationImported { .. }
            | RegistrationEvent::Registered { .. }
            | RegistrationEvent::ChangeRequestFiled { .. }
            | RegistrationEvent::RegisteredMattersChanged { .. }
            | RegistrationEvent::CertificateReissueRequested { .. }
            | RegistrationEvent::RegistrationDeleted { .. }
            | RegistrationEvent::CertificateIssued { .. }
            | RegistrationEvent::Examination(
                ExaminationEvent::ApplicationRejected { .. }
                    | ExaminationEvent::ApplicationWithdrawn { .. }
            )
    )
}

/// The public items of one event (type and data), updating what is known.
fn public_items(e: &RegistrationEvent, known: &mut Known) -> Vec<(&'static str, Value)> {
    let mut items = Vec::new();
    let revoked = |known: &mut Known, reason: &str, items: &mut Vec<(&'static str, Value)>| {
        if let Some(id) = known.certificate_id.take() {
            items.push((
                "CERTIFICATE_REVOKED",
                json!({"certificate_id": id, "reason": reason}),
            ));
        }
    };
    match e {
        RegistrationEvent::ApplicationSubmitted { channel, .. } => {
            items.push(("APPLICATION_SUBMITTED", json!({"channel": channel})));
        }
        RegistrationEvent::RegistrationImported { registered_on, .. } => {
            items.push((
                "REGISTRATION_IMPORTED",
                json!({"registered_on": registered_on}),
            ));
        }
        RegistrationEvent::Registered {
            registration_number,
            registered_on,
            ..
        } => {
            known.registration_number = Some(registration_number.clone());
            items.push(("REGISTERED", json!({"registered_on": registered_on})));
        }
        RegistrationEvent::ChangeRequestFiled {
            request_id,
            details,
            ..
        } => items.push((
            "CHANGE_REQUEST_FILED",
            json!({"change_request_id": request_id, "kind": details.kind}),
        )),
        RegistrationEvent::RegisteredMattersChanged {
            request_id,
            changes,
            ..
        } => {
            items.push((
                "REGISTERED_MATTERS_CHANGED",
                json!({"change_request_id": request_id, "changed_matters": matter_names(changes)}),
            ));
            if revokes_certificates(e) {
                revoked(known, "MATTERS_CHANGED", &mut items);
            }
        }
        RegistrationEvent::CertificateReissueRequested { .. } => {
            revoked(known, "REISSUE_REQUESTED", &mut items);
        }
        RegistrationEvent::RegistrationDeleted {
            request_id, reason, ..
        } => {
            items.push((
                "REGISTRATION_DELETED",
                json!({"change_request_id": request_id, "reason": reason}),
            ));
            revoked(known, "REGISTRATION_DELETED", &mut items);
        }
        RegistrationEvent::CertificateIssued { certificate_id, .. } => {
            // A new certificate supersedes the one before it.
            revoked(known, "SUPERSEDED", &mut items);
            known.certificate_id = Some(*certificate_id);
            items.push((
                "CERTIFICATE_ISSUED",
                json!({"certificate_id": certificate_id}),
            ));
        }
        RegistrationEvent::Examination(ExaminationEvent::ApplicationRejected {
            reason_code,
            ..
        }) => items.push(("APPLICATION_REJECTED", json!({"reason_code": reason_code}))),
        RegistrationEvent::Examination(ExaminationEvent::ApplicationWithdrawn { .. }) => {
            items.push(("APPLICATION_WITHDRAWN", json!({})))
        }
        _ => {}
    }
    items
}

/// Which registered matters changed, by name (never their new values).
fn matter_names(changes: &MatterChanges) -> Vec<&'static str> {
    [
        ("family_name", changes.family_name.is_some()),
        ("given_name", changes.given_name.is_some()),
        ("family_name_kana", changes.family_name_kana.is_some()),
        ("given_name_kana", changes.given_name_kana.is_some()),
        ("address", changes.address.is_some()),
        ("registered_domicile", changes.registered_domicile.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, changed)| changed.then_some(name))
    .collect()
}

/// A UUID derived from the source event and the ordinal, so a rebuild gives
/// every item the id it had.
fn item_id(event: &StoredEvent, ordinal: usize) -> Uuid {
    let digest = Sha256::digest(format!(
        "{}:{}:{ordinal}",
        event.aggregate_id, event.sequence
    ));
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

async fn load(conn: &mut PgConnection, id: Uuid) -> Result<Option<Known>, ProjectionError> {
    let row = sqlx::query(
        "SELECT qualification_code, registration_number, certificate_id
         FROM feed_registrations WHERE registration_id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| Known {
        qualification_code: r.get("qualification_code"),
        registration_number: r.get("registration_number"),
        certificate_id: r.get("certificate_id"),
    }))
}

async fn store_known(
    conn: &mut PgConnection,
    known: &HashMap<Uuid, Known>,
    changed: &[Uuid],
) -> Result<(), ProjectionError> {
    let rows: Vec<(Uuid, &Known)> = changed
        .iter()
        .filter_map(|id| known.get(id).map(|k| (*id, k)))
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO feed_registrations
           (registration_id, qualification_code, registration_number, certificate_id)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[])
         ON CONFLICT (registration_id) DO UPDATE
         SET registration_number = excluded.registration_number,
             certificate_id = excluded.certificate_id",
    )
    .bind(rows.iter().map(|(id, _)| *id).collect::<Vec<_>>())
    .bind(
        rows.iter()
            .map(|(_, k)| k.qualification_code.as_str())
            .collect::<Vec<_>>(),
    )
    .bind(
        rows.iter()
            .map(|(_, k)| k.registration_number.as_deref())
            .collect::<Vec<_>>(),
    )
    .bind(
        rows.iter()
            .map(|(_, k)| k.certificate_id)
            .collect::<Vec<_>>(),
    )
    .execute(conn)
    .await?;
    Ok(())
}

async fn insert(conn: &mut PgConnection, items: &[FeedEvent]) -> Result<(), ProjectionError> {
    if items.is_empty() {
        return Ok(());
    }
    let column = |f: fn(&FeedEvent) -> String| items.iter().map(f).collect::<Vec<_>>();
    sqlx::query(
        "INSERT INTO feed_events
           (transaction_id, global_position, ordinal, id, event_type, occurred_at,
            qualification_code, registration_id, registration_number, data)
         SELECT t::xid8, g, o, i, e, a, q, r, n, d
         FROM unnest($1::text[], $2::bigint[], $3::smallint[], $4::uuid[], $5::text[],
                     $6::timestamptz[], $7::text[], $8::uuid[], $9::text[], $10::jsonb[])
              AS x(t, g, o, i, e, a, q, r, n, d)
         ON CONFLICT DO NOTHING",
    )
    .bind(column(|i| i.position.transaction_id.to_string()))
    .bind(
        items
            .iter()
            .map(|i| i.position.global_position)
            .collect::<Vec<_>>(),
    )
    .bind(items.iter().map(|i| i.position.ordinal).collect::<Vec<_>>())
    .bind(items.iter().map(|i| i.id).collect::<Vec<_>>())
    .bind(column(|i| i.event_type.clone()))
    .bind(items.iter().map(|i| i.occurred_at).collect::<Vec<_>>())
    .bind(column(|i| i.qualification_code.clone()))
    .bind(items.iter().map(|i| i.registration_id).collect::<Vec<_>>())
    .bind(
        items
            .iter()
            .map(|i| i.registration_number.as_deref())
            .collect::<Vec<_>>(),
    )
    .bind(items.iter().map(|i| &i.data).collect::<Vec<_>>())
    .execute(conn)
    .await?;
    Ok(())
}

/// Empties the feed before a rebuild (which gives every item its old id and position).
pub async fn reset(conn: &mut PgConnection) -> Result<(), ProjectionError> {
    sqlx::query("TRUNCATE feed_events, feed_registrations")
        .execute(conn)
        .await?;
    Ok(())
}

/// Up to `limit` items after `after`, in feed order; only of `qualifications`
/// when given. The feed is written in commit order below the oldest open
/// transaction, so what lies before a position never changes: a reader that
/// resumes after the last item it saw misses nothing.
pub async fn page(
    pool: &PgPool,
    after: Option<&FeedPosition>,
    qualifications: Option<&[String]>,
    limit: i64,
) -> Result<Vec<FeedEvent>, ProjectionError> {
    let start = after.cloned().unwrap_or(FeedPosition {
        transaction_id: 0,
        global_position: 0,
        ordinal: -1,
    });
    let rows = sqlx::query(
        "SELECT transaction_id::text AS txid, global_position, ordinal, id, event_type,
                occurred_at, qualification_code, registration_id, registration_number, data
         FROM feed_events
         WHERE (transaction_id, global_position, ordinal) > ($1::text::xid8, $2, $3)
           AND ($4::text[] IS NULL OR qualification_code = ANY($4))
         ORDER BY transaction_id, global_position, ordinal
         LIMIT $5",
    )
    .bind(start.transaction_id.to_string())
    .bind(start.global_position)
    .bind(start.ordinal)
    .bind(qualifications)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| FeedEvent {
            id: r.get("id"),
            event_type: r.get("event_type"),
            occurred_at: r.get("occurred_at"),
            qualification_code: r.get("qualification_code"),
            registration_id: r.get("registration_id"),
            registration_number: r.get("registration_number"),
            data: r.get("data"),
            position: FeedPosition {
                transaction_id: r.get::<String, _>("txid").parse().unwrap_or_default(),
                global_position: r.get("global_position"),
                ordinal: r.get("ordinal"),
            },
        })
        .collect())
}
