//! The notification subscription: decides which events the applicant must
//! hear of, renders the notice, records it in the inbox view and enqueues its
//! mail job, all in the subscription's batch transaction. A replay renders
//! the same notices again; the job's unique key keeps it from mailing twice.

use std::sync::Arc;

use async_trait::async_trait;
use domain::catalogue::Catalogue;
use domain::language::Language;
use projections::subscription::{Projection, StoredEvent};
use projections::ProjectionError;
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use super::inbox::{write, NewNotice};
use super::recipient::{
    data, filed_against, text, Book, Recipient, CHANGE_REQUEST, REGISTRATION, TRACKED,
};
use super::templates::NoticeValues;
use super::{NoticeKind, Templates};

/// Attempts of a mail job before it is dead: with the doubling backoff
/// (capped at an hour) a relay may be down for about five hours. A refusal
/// (5xx) gives up after [`super::job::REFUSED_ATTEMPTS`].
pub const MAIL_ATTEMPTS: i32 = 16;

/// Turns events into notices.
pub struct NotificationProducer {
    templates: Arc<Templates>,
    catalogue: Arc<Catalogue>,
    public_url: String,
    /// The right-hand side of every Message-ID: the public URL's host.
    host: String,
}

impl NotificationProducer {
    /// A producer linking to `public_url`.
    pub fn new(templates: Arc<Templates>, catalogue: Arc<Catalogue>, public_url: &str) -> Self {
        let host = url::Url::parse(public_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| "localhost".to_owned());
        Self {
            templates,
            catalogue,
            public_url: public_url.trim_end_matches('/').to_owned(),
            host,
        }
    }

    /// The public URL's host: Message-IDs end with it and the SMTP client greets with it.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The stable Message-ID of the notice of one event.
    pub fn message_id(&self, case_id: Uuid, sequence: i64) -> String {
        format!("<{case_id}.{sequence}@{}>", self.host)
    }
}

/// Yen with thousands separators: 12320 -> "12,320".
fn yen(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if amount < 0 {
        out.insert(0, '-');
    }
    out
}

/// An amount given either as a number or as `{ "amount": n }`.
fn amount(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| v["amount"].as_i64())
}

/// The events [`NotificationProducer::notice`] may answer with a notice;
/// for the others the recipient is not even read.
const NOTICE_EVENTS: &[&str] = &[
    "ApplicationSubmitted",
    "ChangeRequested",
    "CheckoutOpened",
    "RegistryInquiryAnswered",
    "InformationRequested",
    "Registered",
    "ApplicationRejected",
    "ChangeFailed",
    "ApplicationWithdrawn",
    "ChangeApplied",
    "CertificateIssued",
    "RefundIssued",
];

impl NotificationProducer {
    /// The notice an event calls for, with its event-specific values (only
    /// for [`NOTICE_EVENTS`]).
    fn notice(
        &self,
        event: &StoredEvent,
        d: &Value,
        r: &Recipient,
    ) -> Option<(NoticeKind, NoticeValues)> {
        let mut v = NoticeValues::default();
        let kind = match event.event_type.as_str() {
            "ApplicationSubmitted" | "ChangeRequested" => NoticeKind::Received,
            // The fee is known from FeeAssessed; the request goes out with the
            // link, once the gateway has opened the checkout. A checkout that
            // expired unpaid is followed by a new one: a new request, new link.
            "CheckoutOpened" if r.fee_total > 0 => {
                v.fee = yen(r.fee_total);
                v.checkout_url = text(&d["checkout"]["url"]);
                NoticeKind::PaymentRequested
            }
            "RegistryInquiryAnswered" => {
                if d["answer"]["outcome"] != "DOMICILE_UNRESOLVED" {
                    return None;
                }
                v.reason_code = "DOMICILE_UNRESOLVED".into();
                NoticeKind::ActionRequired
            }
            "InformationRequested" => {
                v.reason_code = text(&d["reason_code"]);
                v.message = text(&d["message"]);
                NoticeKind::ActionRequired
            }
            "Registered" => {
                v.registration_number = text(&d["registration_number"]);
                NoticeKind::Registered
            }
            "ApplicationRejected" | "ChangeFailed" => {
                v.reason_code = text(&d["reason_code"]);
                NoticeKind::Rejected
            }
            "ApplicationWithdrawn" => NoticeKind::Withdrawn,
            "ChangeApplied" => NoticeKind::ChangeApplied,
            "CertificateIssued" => {
                v.certificate_url = ["url", "verification_url", "certificate_url"]
                    .iter()
                    .find_map(|k| d[*k].as_str())
                    .unwrap_or_default()
                    .to_owned();
                NoticeKind::CertificateReady
            }
            "RefundIssued" => {
                v.refund = amount(&d["amount"]).map(yen).unwrap_or_default();
                NoticeKind::RefundIssued
            }
            _ => return None,
        };
        let language = r.language;
        let status_path = if event.aggregate_type == CHANGE_REQUEST {
            "change-requests"
        } else {
            "registrations"
        };
        v.status_url = format!(
            "{}/v1/{status_path}/{}",
            self.public_url, event.aggregate_id
        );
        if v.checkout_url.is_empty() {
            v.checkout_url = v.status_url.clone();
        }
        if v.certificate_url.is_empty() {
            v.certificate_url = v.status_url.clone();
        }
        if v.registration_number.is_empty() {
            v.registration_number = r.registration_number.clone().unwrap_or_default();
        }
        v.case_id = event.aggregate_id.clone();
        v.family_name = r.family_name.clone();
        v.given_name = r.given_name.clone();
        v.name = format!("{} {}", r.family_name, r.given_name)
            .trim()
            .to_owned();
        v.death = r.death;
        v.procedure = r.procedure.clone();
        v.procedure_label = self.templates.procedure_label(language, &r.procedure);
        v.reason_label = self.templates.reason_label(language, &v.reason_code);
        v.qualification = self
            .catalogue
            .qualification(&r.qualification_code)
            .map(|q| match language {
                Language::Ja => q.name_ja.clone(),
                Language::En => q.name_en.clone(),
            })
            .unwrap_or_else(|| r.qualification_code.clone());
        Some((kind, v))
    }
}

/// An event of a case the producer reads, with its fields decoded once.
struct CaseEvent<'a> {
    event: &'a StoredEvent,
    id: Uuid,
    data: Value,
}

impl NotificationProducer {
    /// Renders the notice an event calls for, to the case's recipient as the
    /// events before it left them.
    fn prepare(&self, book: &Book, e: &CaseEvent) -> Result<Option<NewNotice>, ProjectionError> {
        let event = e.event;
        if !NOTICE_EVENTS.contains(&event.event_type.as_str()) {
            return Ok(None);
        }
        let Some(recipient) = book.get(e.id) else {
            return Ok(None);
        };
        let Some((kind, values)) = self.notice(event, &e.data, recipient) else {
            return Ok(None);
        };
        let rendered = self
            .templates
            .render(kind, recipient.language, &values)
            .map_err(|e| ProjectionError::Command(e.to_string()))?;
        Ok(Some(NewNotice {
            message_id: self.message_id(e.id, event.sequence),
            case_type: event.aggregate_type.clone(),
            case_id: e.id,
            sequence: event.sequence,
            kind: kind.as_str(),
            owner: recipient.owner.clone(),
            email: recipient.email.clone(),
            language: recipient.language.as_str(),
            subject: rendered.subject,
            body: rendered.body,
            created_at: event.recorded_at,
        }))
    }
}

/// The batch's events of cases that may have a recipient or a notice, decoded.
fn case_events(events: &[StoredEvent]) -> Result<Vec<CaseEvent<'_>>, ProjectionError> {
    let mut out = Vec::new();
    for event in events {
        let of_a_case =
            event.aggregate_type == REGISTRATION || event.aggregate_type == CHANGE_REQUEST;
        let t = event.event_type.as_str();
        if of_a_case && (TRACKED.contains(&t) || NOTICE_EVENTS.contains(&t)) {
            out.push(CaseEvent {
                event,
                id: event.aggregate_uuid()?,
                data: data(event),
            });
        }
    }
    Ok(out)
}

#[async_trait]
impl Projection for NotificationProducer {
    fn name(&self) -> &'static str {
        "notifications"
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        self.apply_batch(conn, std::slice::from_ref(event)).await
    }

    /// The batch's recipients are read with one statement and followed in
    /// order, event by event, in memory (a notice reads what the events
    /// before it recorded); the recipients, notices and mail jobs are then
    /// written with one statement each.
    async fn apply_batch(
        &self,
        conn: &mut PgConnection,
        events: &[StoredEvent],
    ) -> Result<(), ProjectionError> {
        let events = case_events(events)?;
        if events.is_empty() {
            return Ok(());
        }
        let mut ids: Vec<Uuid> = events.iter().map(|e| e.id).collect();
        ids.extend(
            events
                .iter()
                .filter_map(|e| filed_against(e.event, &e.data)),
        );
        ids.sort_unstable();
        ids.dedup();
        let mut book = Book::load(conn, &ids).await?;
        let mut notices = Vec::new();
        for e in &events {
            book.track(e.id, e.event, &e.data)?;
            if let Some(notice) = self.prepare(&book, e)? {
                notices.push(notice);
            }
        }
        book.save(conn).await?;
        write(conn, notices).await
    }

    async fn reset(&self, conn: &mut PgConnection) -> Result<(), ProjectionError> {
        // Deliveries stay: a rebuild must not mail anyone again.
        sqlx::query("TRUNCATE notifications, notification_recipients")
            .execute(conn)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn producer() -> NotificationProducer {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../templates/mail");
        NotificationProducer::new(
            Arc::new(Templates::load(&dir).unwrap()),
            Arc::new(Catalogue::default()),
            "https://shikaku.example.jp/",
        )
    }

    fn event(event_type: &str, payload: Value) -> StoredEvent {
        StoredEvent {
            global_position: 9,
            transaction_id: "1".into(),
            aggregate_type: REGISTRATION.into(),
            aggregate_id: "6a0c4f7e-2b1d-4c3e-9f00-000000000001".into(),
            sequence: 9,
            event_type: event_type.into(),
            payload: payload.to_string(),
            recorded_at: chrono::Utc::now(),
        }
    }

    fn holder() -> Recipient {
        Recipient {
            qualification_code: "CARE_WORKER".into(),
            procedure: "NEW_REGISTRATION".into(),
            email: Some("hanako@example.jp".into()),
            family_name: "山田".into(),
            given_name: "花子".into(),
            registration_number: Some("0000001".into()),
            fee_total: 12320,
            ..Default::default()
        }
    }

    #[test]
    fn events_still_to_come_are_recognised_by_their_type_name() {
        let p = producer();
        let refund = event(
            "RefundIssued",
            serde_json::json!({"Payment": {"RefundIssued": {"refund_id": "re_1", "amount": 12320, "at": "2026-11-23T00:00:00Z"}}}),
        );
        let (kind, v) = p.notice(&refund, &data(&refund), &holder()).unwrap();
        assert_eq!(kind, NoticeKind::RefundIssued);
        assert_eq!(v.refund, "12,320");
        let certificate = event(
            "CertificateIssued",
            serde_json::json!({"CertificateIssued": {"verification_url": "https://shikaku.example.jp/verify?c=abc"}}),
        );
        let (kind, v) = p
            .notice(&certificate, &data(&certificate), &holder())
            .unwrap();
        assert_eq!(kind, NoticeKind::CertificateReady);
        assert_eq!(v.certificate_url, "https://shikaku.example.jp/verify?c=abc");
        assert_eq!(v.registration_number, "0000001");
        assert_eq!(
            p.message_id(refund.aggregate_uuid().unwrap(), 9),
            "<6a0c4f7e-2b1d-4c3e-9f00-000000000001.9@shikaku.example.jp>"
        );
        let checkout = event(
            "CheckoutOpened",
            serde_json::json!({"Payment": {"CheckoutOpened": {"checkout": {"session_id": "cs_1", "url": "https://pay.example/cs_1", "expires_at": null}, "at": "2026-11-23T00:00:00Z"}}}),
        );
        let (kind, v) = p.notice(&checkout, &data(&checkout), &holder()).unwrap();
        assert_eq!(kind, NoticeKind::PaymentRequested);
        assert_eq!(v.fee, "12,320");
        assert_eq!(v.checkout_url, "https://pay.example/cs_1");
        let fee = event(
            "FeeAssessed",
            serde_json::json!({"FeeAssessed": {"fee": {"licence_tax": 9000, "handling_fee": 3320}}}),
        );
        assert!(
            p.notice(&fee, &data(&fee), &holder()).is_none(),
            "the request waits for its link"
        );
        let other = event(
            "ExaminerAssigned",
            serde_json::json!({"ExaminerAssigned": {}}),
        );
        assert!(p.notice(&other, &data(&other), &holder()).is_none());
    }

    #[test]
    fn yen_has_thousands_separators() {
        assert_eq!(yen(0), "0");
        assert_eq!(yen(500), "500");
        assert_eq!(yen(1200), "1,200");
        assert_eq!(yen(12320), "12,320");
        assert_eq!(yen(1234567), "1,234,567");
    }
}
