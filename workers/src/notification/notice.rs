//! What each event tells the applicant: the kind of notice and the values
//! its template is filled with.

use domain::language::Language;
use projections::subscription::StoredEvent;
use serde_json::Value;

use super::producer::NotificationProducer;
use super::recipient::{text, Recipient, CHANGE_REQUEST};
use super::templates::NoticeValues;
use super::NoticeKind;

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
pub(super) const NOTICE_EVENTS: &[&str] = &[
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
    pub(super) fn notice(
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use domain::catalogue::Catalogue;

    use super::super::recipient::{data, REGISTRATION};
    use super::super::Templates;
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
