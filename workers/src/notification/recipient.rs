//! Who hears of a case: the addressee, language and name, recorded from the
//! case's first event (a change request inherits from its registration) and
//! kept current as the holder changes. Part of the notification view.
//!
//! A batch reads the recipients it needs with one statement, follows its
//! events in memory, and writes what changed with one statement.

use std::collections::HashMap;

use domain::language::Language;
use projections::subscription::StoredEvent;
use projections::ProjectionError;
use serde_json::Value;
use sqlx::{PgConnection, Row};
use uuid::Uuid;

pub(super) const REGISTRATION: &str = "QualificationRegistration";
pub(super) const CHANGE_REQUEST: &str = "ChangeRequest";

/// The events that start a case or change who hears of it.
pub(super) const TRACKED: [&str; 7] = [
    "ApplicationSubmitted",
    "RegistrationImported",
    "HolderLinked",
    "Registered",
    "RegisteredMattersChanged",
    "FeeAssessed",
    "ChangeRequested",
];

/// Who hears of a case, kept per case from its first event.
#[derive(Debug, Clone, Default)]
pub(super) struct Recipient {
    pub(super) qualification_code: String,
    pub(super) procedure: String,
    pub(super) email: Option<String>,
    pub(super) language: Language,
    pub(super) owner: Option<String>,
    pub(super) family_name: String,
    pub(super) given_name: String,
    pub(super) death: bool,
    pub(super) registration_number: Option<String>,
    pub(super) fee_total: i64,
}

/// The event's own fields: events are stored as `{"Type": {...}}`, shared
/// ones wrapped once more (`{"Group": {"Type": {...}}}`).
pub(super) fn data(event: &StoredEvent) -> Value {
    let mut v: Value = event.decode().unwrap_or(Value::Null);
    for _ in 0..3 {
        if let Some(inner) = v.get_mut(event.event_type.as_str()) {
            return inner.take();
        }
        match v.as_object_mut() {
            Some(o) if o.len() == 1 => {
                v = o.values_mut().next().map(Value::take).unwrap_or_default()
            }
            _ => break,
        }
    }
    Value::Null
}

pub(super) fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

/// The registration a change request is filed against (read before the
/// batch, as its holder is whom the request's notices go to by default).
pub(super) fn filed_against(event: &StoredEvent, d: &Value) -> Option<Uuid> {
    (event.event_type == "ChangeRequested")
        .then(|| Uuid::parse_str(d["registration_id"].as_str()?).ok())
        .flatten()
}

struct Entry {
    case_type: &'static str,
    recipient: Recipient,
    changed: bool,
}

/// The recipients of one batch's cases, as the batch's events leave them.
#[derive(Default)]
pub(super) struct Book {
    entries: HashMap<Uuid, Entry>,
}

impl Book {
    /// Reads the recipients of `ids` (those recorded so far) in one statement.
    pub(super) async fn load(
        conn: &mut PgConnection,
        ids: &[Uuid],
    ) -> Result<Self, ProjectionError> {
        let rows = sqlx::query(
            "SELECT case_id, case_type, qualification_code, procedure, email, language, owner,
                    family_name, given_name, death, registration_number, fee_total
             FROM notification_recipients WHERE case_id = ANY($1)",
        )
        .bind(ids)
        .fetch_all(conn)
        .await?;
        let entries = rows
            .into_iter()
            .map(|r| {
                let case_type = if r.get::<&str, _>("case_type") == CHANGE_REQUEST {
                    CHANGE_REQUEST
                } else {
                    REGISTRATION
                };
                let recipient = Recipient {
                    qualification_code: r.get("qualification_code"),
                    procedure: r.get("procedure"),
                    email: r.get("email"),
                    language: Language::parse(r.get("language")).unwrap_or_default(),
                    owner: r.get("owner"),
                    family_name: r.get("family_name"),
                    given_name: r.get("given_name"),
                    death: r.get("death"),
                    registration_number: r.get("registration_number"),
                    fee_total: r.get("fee_total"),
                };
                let entry = Entry {
                    case_type,
                    recipient,
                    changed: false,
                };
                (r.get("case_id"), entry)
            })
            .collect();
        Ok(Self { entries })
    }

    /// Who hears of case `id`, if it is known.
    pub(super) fn get(&self, id: Uuid) -> Option<&Recipient> {
        self.entries.get(&id).map(|e| &e.recipient)
    }

    /// Records a case's first recipient; one recorded before (a replay) stays.
    fn start(&mut self, id: Uuid, case_type: &'static str, recipient: Recipient) {
        self.entries.entry(id).or_insert(Entry {
            case_type,
            recipient,
            changed: true,
        });
    }

    /// Changes the recipient of a known case; an unknown case has none.
    fn change(&mut self, id: Uuid, f: impl FnOnce(&mut Recipient)) {
        if let Some(e) = self.entries.get_mut(&id) {
            f(&mut e.recipient);
            e.changed = true;
        }
    }

    /// Records the recipient changes of an event (its fields `d`) of case `id`.
    pub(super) fn track(
        &mut self,
        id: Uuid,
        event: &StoredEvent,
        d: &Value,
    ) -> Result<(), ProjectionError> {
        match event.event_type.as_str() {
            "ApplicationSubmitted" | "RegistrationImported" => {
                let a = if event.event_type == "ApplicationSubmitted" {
                    &d["applicant"]
                } else {
                    &d["holder"]
                };
                let language =
                    serde_json::from_value(a["preferred_language"].clone()).unwrap_or_default();
                let r = Recipient {
                    qualification_code: text(&d["qualification_code"]),
                    procedure: "NEW_REGISTRATION".into(),
                    email: Some(text(&a["email"])).filter(|e| !e.is_empty()),
                    language,
                    owner: d["owner"].as_str().map(str::to_owned),
                    family_name: text(&a["family_name"]),
                    given_name: text(&a["given_name"]),
                    death: false,
                    registration_number: d["registration_number"].as_str().map(str::to_owned),
                    fee_total: 0,
                };
                self.start(id, REGISTRATION, r);
            }
            "HolderLinked" => self.change(id, |r| r.owner = Some(text(&d["owner"]))),
            "Registered" => self.change(id, |r| {
                r.registration_number = Some(text(&d["registration_number"]))
            }),
            "RegisteredMattersChanged" => {
                // Only the named parts change.
                let c = &d["changes"];
                self.change(id, |r| {
                    if let Some(f) = c["family_name"].as_str() {
                        r.family_name = f.to_owned();
                    }
                    if let Some(g) = c["given_name"].as_str() {
                        r.given_name = g.to_owned();
                    }
                })
            }
            "FeeAssessed" => {
                let fee = &d["fee"];
                let total = fee["licence_tax"].as_i64().unwrap_or(0)
                    + fee["handling_fee"].as_i64().unwrap_or(0);
                self.change(id, |r| r.fee_total = total)
            }
            "ChangeRequested" => {
                let registration_id = filed_against(event, d)
                    .ok_or_else(|| ProjectionError::AggregateId(text(&d["registration_id"])))?;
                let holder = self.get(registration_id).cloned().unwrap_or_default();
                self.start(id, CHANGE_REQUEST, requested(d, holder));
            }
            _ => {}
        }
        Ok(())
    }

    /// Writes the recipients the batch started or changed, in one statement.
    pub(super) async fn save(self, conn: &mut PgConnection) -> Result<(), ProjectionError> {
        let changed: Vec<(Uuid, Entry)> = self
            .entries
            .into_iter()
            .filter(|(_, e)| e.changed)
            .collect();
        if changed.is_empty() {
            return Ok(());
        }
        let col =
            |f: fn(&Entry) -> Option<String>| changed.iter().map(|(_, e)| f(e)).collect::<Vec<_>>();
        sqlx::query(
            "INSERT INTO notification_recipients AS n
               (case_id, case_type, qualification_code, procedure, email, language, owner,
                family_name, given_name, death, registration_number, fee_total)
             SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],
                                  $6::text[], $7::text[], $8::text[], $9::text[], $10::bool[],
                                  $11::text[], $12::bigint[])
             ON CONFLICT (case_id) DO UPDATE
               SET email = EXCLUDED.email, language = EXCLUDED.language, owner = EXCLUDED.owner,
                   family_name = EXCLUDED.family_name, given_name = EXCLUDED.given_name,
                   registration_number = EXCLUDED.registration_number,
                   fee_total = EXCLUDED.fee_total",
        )
        .bind(changed.iter().map(|(id, _)| *id).collect::<Vec<_>>())
        .bind(col(|e| Some(e.case_type.to_owned())))
        .bind(col(|e| Some(e.recipient.qualification_code.clone())))
        .bind(col(|e| Some(e.recipient.procedure.clone())))
        .bind(col(|e| e.recipient.email.clone()))
        .bind(col(|e| Some(e.recipient.language.as_str().to_owned())))
        .bind(col(|e| e.recipient.owner.clone()))
        .bind(col(|e| Some(e.recipient.family_name.clone())))
        .bind(col(|e| Some(e.recipient.given_name.clone())))
        .bind(
            changed
                .iter()
                .map(|(_, e)| e.recipient.death)
                .collect::<Vec<_>>(),
        )
        .bind(col(|e| e.recipient.registration_number.clone()))
        .bind(
            changed
                .iter()
                .map(|(_, e)| e.recipient.fee_total)
                .collect::<Vec<_>>(),
        )
        .execute(conn)
        .await?;
        Ok(())
    }
}

/// The recipient of a change request: the holder's, unless the request names
/// its own address and language (or is a notice of death).
fn requested(d: &Value, holder: Recipient) -> Recipient {
    let details = &d["details"];
    let death = details["deletion_reason"] == "DEATH";
    let online = details["channel"] == "ONLINE";
    Recipient {
        qualification_code: text(&d["qualification_code"]),
        procedure: text(&details["kind"]),
        // The deceased is never written to: only the notifier's own address.
        email: details["email"].as_str().map(str::to_owned).or(if death {
            None
        } else {
            holder.email.clone()
        }),
        language: serde_json::from_value(details["preferred_language"].clone())
            .unwrap_or(holder.language),
        owner: if online {
            details["filed_by"].as_str().map(str::to_owned)
        } else if death {
            None
        } else {
            holder.owner.clone()
        },
        family_name: if death {
            String::new()
        } else {
            holder.family_name
        },
        given_name: if death {
            String::new()
        } else {
            holder.given_name
        },
        death,
        registration_number: holder.registration_number,
        fee_total: 0,
    }
}
