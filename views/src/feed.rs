//! The public event feed: the facts of a registration a supervising ministry
//! may follow (`GET /v1/events`, and the webhooks that carry the same items),
//! derived from the events in commit order.
//!
//! A feed item names the registration (id, qualification, registration
//! number) and carries only non-personal data: no name, date of birth,
//! address, domicile, My Number or certificate token. A ministry that needs a
//! holder's particulars reads the registration itself, where that read is
//! scoped and recorded.

use chrono::{DateTime, Utc};
use domain::certificate::revokes_certificates;
use domain::change_request::MatterChanges;
use domain::examination::ExaminationEvent;
use domain::registration::RegistrationEvent;
use serde::Serialize;
use serde_json::{json, Value};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use eventstore::ProjectionError;

mod write;
pub use write::append;

/// Every type a feed item can have, in UPPER_SNAKE.
pub const EVENT_TYPES: [&str; 17] = [
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
    "REGISTRATION_SUSPENDED",
    "SUSPENSION_LIFTED",
    "REGISTRATION_REVOKED",
    "REGISTRATION_RENEWED",
    "REGISTRATION_EXPIRED",
    "ENDORSEMENT_ADDED",
    "ENDORSEMENT_REMOVED",
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
            | RegistrationEvent::RegistrationSuspended { .. }
            | RegistrationEvent::SuspensionLifted { .. }
            | RegistrationEvent::RegistrationRevoked { .. }
            | RegistrationEvent::RegistrationRenewed { .. }
            | RegistrationEvent::RegistrationExpired { .. }
            | RegistrationEvent::EndorsementAdded { .. }
            | RegistrationEvent::EndorsementRemoved { .. }
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
            valid_until,
            ..
        } => {
            known.registration_number = Some(registration_number.clone());
            items.push((
                "REGISTERED",
                json!({"registered_on": registered_on, "valid_until": valid_until}),
            ));
        }
        RegistrationEvent::RegistrationRenewed {
            request_id,
            previous_valid_until,
            valid_until,
            ..
        } => items.push((
            "REGISTRATION_RENEWED",
            json!({
                "change_request_id": request_id,
                "previous_valid_until": previous_valid_until,
                "valid_until": valid_until,
            }),
        )),
        RegistrationEvent::RegistrationExpired { valid_until, .. } => {
            items.push(("REGISTRATION_EXPIRED", json!({"valid_until": valid_until})))
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
        RegistrationEvent::RegistrationSuspended {
            sanction_id,
            from,
            until,
            ..
        } => items.push((
            "REGISTRATION_SUSPENDED",
            json!({"sanction_id": sanction_id, "from": from, "until": until}),
        )),
        RegistrationEvent::SuspensionLifted { sanction_id, .. } => {
            items.push(("SUSPENSION_LIFTED", json!({"sanction_id": sanction_id})))
        }
        RegistrationEvent::RegistrationRevoked {
            sanction_id,
            on,
            barred_until,
            ..
        } => {
            items.push((
                "REGISTRATION_REVOKED",
                json!({"sanction_id": sanction_id, "on": on, "barred_until": barred_until}),
            ));
            revoked(known, "REGISTRATION_REVOKED", &mut items);
        }
        RegistrationEvent::EndorsementAdded {
            request_id,
            code,
            name_ja,
            name_en,
            ..
        }
        | RegistrationEvent::EndorsementRemoved {
            request_id,
            code,
            name_ja,
            name_en,
            ..
        } => {
            let added = matches!(e, RegistrationEvent::EndorsementAdded { .. });
            items.push((
                if added {
                    "ENDORSEMENT_ADDED"
                } else {
                    "ENDORSEMENT_REMOVED"
                },
                json!({"change_request_id": request_id, "code": code, "name_ja": name_ja, "name_en": name_en}),
            ));
            revoked(known, "ENDORSEMENTS_CHANGED", &mut items);
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

/// Empties the feed before a rebuild (which gives every item its old id and position).
pub async fn reset(conn: &mut PgConnection) -> Result<(), ProjectionError> {
    sqlx::query!("TRUNCATE feed_events, feed_registrations")
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
    // The transaction id goes in and comes out as text (sqlx has no xid8).
    let rows = sqlx::query!(
        r#"SELECT transaction_id::text AS "txid!", global_position, ordinal, id, event_type,
                occurred_at, qualification_code, registration_id, registration_number, data
         FROM feed_events
         WHERE (transaction_id, global_position, ordinal) > ($1::text::xid8, $2, $3)
           AND ($4::text[] IS NULL OR qualification_code = ANY($4))
         ORDER BY transaction_id, global_position, ordinal
         LIMIT $5"#,
        start.transaction_id.to_string(),
        start.global_position,
        start.ordinal,
        qualifications,
        limit,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| FeedEvent {
            id: r.id,
            event_type: r.event_type,
            occurred_at: r.occurred_at,
            qualification_code: r.qualification_code,
            registration_id: r.registration_id,
            registration_number: r.registration_number,
            data: r.data,
            position: FeedPosition {
                transaction_id: r.txid.parse().unwrap_or_default(),
                global_position: r.global_position,
                ordinal: r.ordinal,
            },
        })
        .collect())
}
