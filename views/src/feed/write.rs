//! Writing the feed: a batch's items and what the feed knows of each
//! registration, kept in memory for the batch and written at its end.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use domain::registration::RegistrationEvent;
use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{is_public, public_items, FeedEvent, FeedPosition, Known};
use eventstore::copy::CopyRows;
use eventstore::subscription::StoredEvent;
use eventstore::ProjectionError;

/// Appends the feed items a batch of events yields, in the caller's
/// transaction (the subscription's batch), and returns them in feed order.
/// What the feed knows of each registration is kept for the batch and
/// written once at its end, with the items: two statements a batch.
/// `fresh`: a rebuild's batch (the feed was emptied and each event comes
/// once), whose items and newly opened registrations go in with a `COPY`.
pub async fn append(
    conn: &mut PgConnection,
    events: &[StoredEvent],
    fresh: bool,
) -> Result<Vec<FeedEvent>, ProjectionError> {
    let decoded = crate::batch::decode_each(events, StoredEvent::registration_event)?;
    let mut batch = Batch::default();
    for (event, decoded) in events.iter().zip(decoded) {
        if let Some((registration_id, e)) = decoded {
            batch.add(conn, event, registration_id, e).await?;
        }
    }
    store_known(conn, &batch, fresh).await?;
    if fresh {
        copy_items(conn, &batch.items).await?;
    } else {
        insert(conn, &batch.items).await?;
    }
    Ok(batch.items)
}

/// The feed's writes of one batch, before they are written.
#[derive(Default)]
struct Batch {
    known: HashMap<Uuid, Known>,
    /// Registrations whose `Known` changed, in the order they first did.
    changed: Vec<Uuid>,
    /// Registrations whose first event is in this batch.
    opened: HashSet<Uuid>,
    items: Vec<FeedEvent>,
}

impl Batch {
    async fn add(
        &mut self,
        conn: &mut PgConnection,
        event: &StoredEvent,
        registration_id: Uuid,
        e: RegistrationEvent,
    ) -> Result<(), ProjectionError> {
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
        if opened {
            self.opened.insert(registration_id);
        }
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
    Ok(sqlx::query_as!(
        Known,
        "SELECT qualification_code, registration_number, certificate_id
         FROM feed_registrations WHERE registration_id = $1",
        id,
    )
    .fetch_optional(conn)
    .await?)
}

/// Writes what changed of the registrations the batch touched; in a
/// rebuild's batch (`fresh`), those it opened with a `COPY`.
async fn store_known(
    conn: &mut PgConnection,
    batch: &Batch,
    fresh: bool,
) -> Result<(), ProjectionError> {
    let rows = batch
        .changed
        .iter()
        .filter_map(|id| batch.known.get(id).map(|k| (*id, k)));
    if !fresh {
        return upsert_known(conn, rows.collect()).await;
    }
    let (opened, older): (Vec<_>, Vec<_>) = rows.partition(|(id, _)| batch.opened.contains(id));
    if !opened.is_empty() {
        let mut copy = CopyRows::new();
        for (id, k) in opened {
            copy.row(4)
                .uuid(id)
                .text(&k.qualification_code)
                .opt_text(k.registration_number.as_deref())
                .opt_uuid(k.certificate_id);
        }
        copy.copy_in(
            conn,
            "COPY feed_registrations (registration_id, qualification_code, registration_number,
                                      certificate_id) FROM STDIN (FORMAT binary)",
        )
        .await?;
    }
    upsert_known(conn, older).await
}

async fn upsert_known(
    conn: &mut PgConnection,
    rows: Vec<(Uuid, &Known)>,
) -> Result<(), ProjectionError> {
    if rows.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = rows.iter().map(|(id, _)| *id).collect();
    let codes: Vec<&str> = rows
        .iter()
        .map(|(_, k)| k.qualification_code.as_str())
        .collect();
    let numbers: Vec<Option<&str>> = rows
        .iter()
        .map(|(_, k)| k.registration_number.as_deref())
        .collect();
    let certificates: Vec<Option<Uuid>> = rows.iter().map(|(_, k)| k.certificate_id).collect();
    // The `as` casts name the array types the macro cannot infer (borrowed
    // and NULL elements); the statement itself is checked.
    sqlx::query!(
        "INSERT INTO feed_registrations
           (registration_id, qualification_code, registration_number, certificate_id)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[])
         ON CONFLICT (registration_id) DO UPDATE
         SET registration_number = excluded.registration_number,
             certificate_id = excluded.certificate_id",
        &ids,
        &codes as &[&str],
        &numbers as &[Option<&str>],
        &certificates as &[Option<Uuid>],
    )
    .execute(conn)
    .await?;
    Ok(())
}

async fn insert(conn: &mut PgConnection, items: &[FeedEvent]) -> Result<(), ProjectionError> {
    if items.is_empty() {
        return Ok(());
    }
    let transactions: Vec<String> = items
        .iter()
        .map(|i| i.position.transaction_id.to_string())
        .collect();
    let positions: Vec<i64> = items.iter().map(|i| i.position.global_position).collect();
    let ordinals: Vec<i16> = items.iter().map(|i| i.position.ordinal).collect();
    let ids: Vec<Uuid> = items.iter().map(|i| i.id).collect();
    let types: Vec<&str> = items.iter().map(|i| i.event_type.as_str()).collect();
    let occurred: Vec<DateTime<Utc>> = items.iter().map(|i| i.occurred_at).collect();
    let codes: Vec<&str> = items
        .iter()
        .map(|i| i.qualification_code.as_str())
        .collect();
    let registrations: Vec<Uuid> = items.iter().map(|i| i.registration_id).collect();
    let numbers: Vec<Option<&str>> = items
        .iter()
        .map(|i| i.registration_number.as_deref())
        .collect();
    let data: Vec<&serde_json::Value> = items.iter().map(|i| &i.data).collect();
    // The transaction ids go in as text (sqlx has no xid8); the `as` casts
    // name the array types the macro cannot infer (borrowed and NULL elements).
    sqlx::query!(
        "INSERT INTO feed_events
           (transaction_id, global_position, ordinal, id, event_type, occurred_at,
            qualification_code, registration_id, registration_number, data)
         SELECT t::xid8, g, o, i, e, a, q, r, n, d
         FROM unnest($1::text[], $2::bigint[], $3::smallint[], $4::uuid[], $5::text[],
                     $6::timestamptz[], $7::text[], $8::uuid[], $9::text[], $10::jsonb[])
              AS x(t, g, o, i, e, a, q, r, n, d)
         ON CONFLICT DO NOTHING",
        &transactions,
        &positions,
        &ordinals,
        &ids,
        &types as &[&str],
        &occurred,
        &codes as &[&str],
        &registrations,
        &numbers as &[Option<&str>],
        &data as &[&serde_json::Value],
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Inserts a rebuild's items (see [`eventstore::copy`]): each event comes
/// once into an emptied feed, so nothing can conflict.
async fn copy_items(conn: &mut PgConnection, items: &[FeedEvent]) -> Result<(), ProjectionError> {
    if items.is_empty() {
        return Ok(());
    }
    let mut copy = CopyRows::new();
    for i in items {
        copy.row(10)
            .xid8(i.position.transaction_id)
            .int8(i.position.global_position)
            .int2(i.position.ordinal)
            .uuid(i.id)
            .text(&i.event_type)
            .timestamptz(i.occurred_at)
            .text(&i.qualification_code)
            .uuid(i.registration_id)
            .opt_text(i.registration_number.as_deref())
            .jsonb(&i.data);
    }
    copy.copy_in(
        conn,
        "COPY feed_events (transaction_id, global_position, ordinal, id, event_type, occurred_at,
                           qualification_code, registration_id, registration_number, data)
         FROM STDIN (FORMAT binary)",
    )
    .await?;
    Ok(())
}
