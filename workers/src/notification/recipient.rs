//! Who hears of a case: the addressee, language and name, recorded from the
//! case's first event (a change request inherits from its registration) and
//! kept current as the holder changes. Part of the notification view.

use domain::language::Language;
use projections::subscription::StoredEvent;
use projections::ProjectionError;
use serde_json::Value;
use sqlx::{PgConnection, Row};
use uuid::Uuid;

pub(super) const REGISTRATION: &str = "QualificationRegistration";
pub(super) const CHANGE_REQUEST: &str = "ChangeRequest";

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

/// Records who hears of a case, when the event starts one or changes the
/// addressee; returns the recipient when the event started the case (not on
/// a replay, where the row kept may have changed since).
pub(super) async fn track(
    conn: &mut PgConnection,
    id: Uuid,
    event: &StoredEvent,
) -> Result<Option<Recipient>, ProjectionError> {
    const TRACKED: [&str; 7] = [
        "ApplicationSubmitted",
        "RegistrationImported",
        "HolderLinked",
        "Registered",
        "RegisteredMattersChanged",
        "FeeAssessed",
        "ChangeRequested",
    ];
    if !TRACKED.contains(&event.event_type.as_str()) {
        return Ok(None);
    }
    let d = data(event);
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
            let inserted = save(conn, id, REGISTRATION, &r).await?;
            Ok(inserted.then_some(r))
        }
        "HolderLinked" => {
            sqlx::query("UPDATE notification_recipients SET owner = $2 WHERE case_id = $1")
                .bind(id)
                .bind(text(&d["owner"]))
                .execute(&mut *conn)
                .await?;
            Ok(None)
        }
        "Registered" => {
            sqlx::query(
                "UPDATE notification_recipients SET registration_number = $2 WHERE case_id = $1",
            )
            .bind(id)
            .bind(text(&d["registration_number"]))
            .execute(&mut *conn)
            .await?;
            Ok(None)
        }
        "RegisteredMattersChanged" => {
            let c = &d["changes"];
            // Only the named parts change.
            sqlx::query(
                "UPDATE notification_recipients
                 SET family_name = coalesce($2, family_name), given_name = coalesce($3, given_name)
                 WHERE case_id = $1",
            )
            .bind(id)
            .bind(c["family_name"].as_str())
            .bind(c["given_name"].as_str())
            .execute(&mut *conn)
            .await?;
            Ok(None)
        }
        "FeeAssessed" => {
            let fee = &d["fee"];
            let total = fee["licence_tax"].as_i64().unwrap_or(0)
                + fee["handling_fee"].as_i64().unwrap_or(0);
            sqlx::query("UPDATE notification_recipients SET fee_total = $2 WHERE case_id = $1")
                .bind(id)
                .bind(total)
                .execute(&mut *conn)
                .await?;
            Ok(None)
        }
        "ChangeRequested" => {
            let details = &d["details"];
            let death = details["deletion_reason"] == "DEATH";
            let registration_id = Uuid::parse_str(d["registration_id"].as_str().unwrap_or(""))
                .map_err(|_| ProjectionError::AggregateId(text(&d["registration_id"])))?;
            let holder = load(conn, registration_id).await?.unwrap_or_default();
            let online = details["channel"] == "ONLINE";
            let r = Recipient {
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
            };
            let inserted = save(conn, id, CHANGE_REQUEST, &r).await?;
            Ok(inserted.then_some(r))
        }
        _ => Ok(None),
    }
}

async fn save(
    conn: &mut PgConnection,
    id: Uuid,
    case_type: &str,
    r: &Recipient,
) -> Result<bool, ProjectionError> {
    let done = sqlx::query(
        "INSERT INTO notification_recipients
           (case_id, case_type, qualification_code, procedure, email, language, owner,
            family_name, given_name, death, registration_number)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (case_id) DO NOTHING",
    )
    .bind(id)
    .bind(case_type)
    .bind(&r.qualification_code)
    .bind(&r.procedure)
    .bind(&r.email)
    .bind(r.language.as_str())
    .bind(&r.owner)
    .bind(&r.family_name)
    .bind(&r.given_name)
    .bind(r.death)
    .bind(&r.registration_number)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub(super) async fn load(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<Recipient>, ProjectionError> {
    let row = sqlx::query(
        "SELECT qualification_code, procedure, email, language, owner, family_name, given_name,
                death, registration_number, fee_total
         FROM notification_recipients WHERE case_id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| Recipient {
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
    }))
}
