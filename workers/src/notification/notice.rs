//! What each event tells the applicant: the kind of notice and the values
//! its template is filled with.

use domain::change_request::ChangeRequestEvent;
use domain::examination::ExaminationEvent;
use domain::language::Language;
use domain::payment::PaymentEvent;
use domain::registration::RegistrationEvent;
use domain::registry::InquiryOutcome;
use domain::sanction::SanctionEvent;
use domain::CaseEvent;
use uuid::Uuid;

use super::producer::NotificationProducer;
use super::recipient::Recipient;
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

/// The notice an event calls for and the values only it knows; None for
/// an event the applicant is not told of. Every event of every case is named
/// here, so a new event is a compiler error until someone decides.
fn what_to_tell(e: &CaseEvent, r: &Recipient) -> Option<(NoticeKind, NoticeValues)> {
    let mut v = NoticeValues::default();
    let kind = match e {
        CaseEvent::Registration(e) => match e {
            RegistrationEvent::ApplicationSubmitted { .. } => NoticeKind::Received,
            RegistrationEvent::Registered {
                registration_number,
                ..
            } => {
                v.registration_number = registration_number.clone();
                NoticeKind::Registered
            }
            RegistrationEvent::CertificateIssued {
                verification_url, ..
            } => {
                v.certificate_url = verification_url.clone();
                NoticeKind::CertificateReady
            }
            RegistrationEvent::HolderLinked { .. } => NoticeKind::HolderLinked,
            // The office's reasons may speak of the other person: not sent.
            RegistrationEvent::LinkDisputeResolved { unlinked, .. } => {
                v.unlinked = *unlinked;
                NoticeKind::LinkDisputeResolved
            }
            RegistrationEvent::Examination(x) => return examination_notice(x, r),
            // The disputer is not the holder; the office answers them.
            RegistrationEvent::RegistrationImported { .. }
            | RegistrationEvent::HolderLinkDisputed { .. }
            | RegistrationEvent::ChangeRequestFiled { .. }
            | RegistrationEvent::RegisteredMattersChanged { .. }
            | RegistrationEvent::CertificateReissueRequested { .. }
            | RegistrationEvent::RegistrationDeleted { .. }
            | RegistrationEvent::ChangeRequestClosed { .. } => return None,
            RegistrationEvent::SuspensionLifted { .. } => NoticeKind::SuspensionLifted,
            // Told by the sanction case itself (SanctionApplied).
            RegistrationEvent::RegistrationSuspended { .. }
            | RegistrationEvent::RegistrationRevoked { .. } => return None,
        },
        CaseEvent::ChangeRequest(e) => match e {
            ChangeRequestEvent::ChangeRequested { .. } => NoticeKind::Received,
            ChangeRequestEvent::ChangeApplied { .. } => NoticeKind::ChangeApplied,
            ChangeRequestEvent::ChangeFailed { reason_code, .. } => {
                v.reason_code = reason_code.clone();
                NoticeKind::Rejected
            }
            ChangeRequestEvent::Examination(x) => return examination_notice(x, r),
        },
        // The holder hears that the office opened the case, its questions,
        // and the sanction once in force; not the office's inner steps.
        CaseEvent::Sanction(e) => match e {
            SanctionEvent::SanctionOpened { .. } => NoticeKind::SanctionOpened,
            SanctionEvent::SanctionApplied { .. } => NoticeKind::SanctionInForce,
            SanctionEvent::Examination(x @ ExaminationEvent::InformationRequested { .. }) => {
                return examination_notice(x, r)
            }
            SanctionEvent::SanctionFailed { .. } | SanctionEvent::Examination(_) => return None,
        },
    };
    Some((kind, v))
}

/// [`what_to_tell`] for the examination events every case shares.
fn examination_notice(e: &ExaminationEvent, r: &Recipient) -> Option<(NoticeKind, NoticeValues)> {
    let mut v = NoticeValues::default();
    let kind = match e {
        // The fee is known from FeeAssessed; the request goes out with the
        // link, once the gateway has opened the checkout. A checkout that
        // expired unpaid is followed by a new one: a new request, new link.
        ExaminationEvent::Payment(PaymentEvent::CheckoutOpened { checkout, .. })
            if r.fee_total > 0 =>
        {
            v.fee = yen(r.fee_total);
            v.checkout_url = checkout.url.clone();
            NoticeKind::PaymentRequested
        }
        ExaminationEvent::Payment(PaymentEvent::RefundIssued { amount, .. }) => {
            v.refund = yen(*amount);
            NoticeKind::RefundIssued
        }
        ExaminationEvent::RegistryInquiryAnswered { answer, .. }
            if answer.outcome == InquiryOutcome::DomicileUnresolved =>
        {
            v.reason_code = "DOMICILE_UNRESOLVED".into();
            NoticeKind::ActionRequired
        }
        ExaminationEvent::InformationRequested {
            reason_code,
            message,
            ..
        } => {
            v.reason_code = reason_code.clone();
            v.message = message.clone();
            NoticeKind::ActionRequired
        }
        ExaminationEvent::ApplicationRejected { reason_code, .. } => {
            v.reason_code = reason_code.clone();
            NoticeKind::Rejected
        }
        ExaminationEvent::ApplicationWithdrawn { .. } => NoticeKind::Withdrawn,
        ExaminationEvent::Payment(
            PaymentEvent::CheckoutOpened { .. }
            | PaymentEvent::CheckoutExpired { .. }
            | PaymentEvent::PaymentMismatchFlagged { .. }
            | PaymentEvent::RefundRequested { .. },
        )
        | ExaminationEvent::RegistryInquiryAnswered { .. }
        | ExaminationEvent::FeeAssessed { .. }
        | ExaminationEvent::PaymentSettled { .. }
        | ExaminationEvent::PaymentDeclined { .. }
        | ExaminationEvent::ExaminerAssigned { .. }
        | ExaminationEvent::ApplicantResponded { .. }
        | ExaminationEvent::DecisionProposed { .. }
        | ExaminationEvent::DecisionApproved { .. }
        | ExaminationEvent::ProposalReturned { .. }
        | ExaminationEvent::FlagRaised { .. }
        | ExaminationEvent::FlagCleared { .. } => return None,
    };
    Some((kind, v))
}

impl NotificationProducer {
    /// The notice an event of case `case_id` calls for, filled in for
    /// recipient `r`.
    pub(super) fn notice(
        &self,
        case_id: Uuid,
        e: &CaseEvent,
        r: &Recipient,
    ) -> Option<(NoticeKind, NoticeValues)> {
        let (kind, mut v) = what_to_tell(e, r)?;
        self.fill(&mut v, case_id, e.kind(), kind, r);
        Some((kind, v))
    }

    /// Fills in the values every notice of case `case_id` shares.
    pub(super) fn fill(
        &self,
        v: &mut NoticeValues,
        case_id: Uuid,
        case_kind: domain::CaseKind,
        kind: NoticeKind,
        r: &Recipient,
    ) {
        let language = r.language;
        // People follow these links in a browser: the portal's pages, where
        // they sign in, never the API's JSON.
        v.status_url = format!("{}/{}/{case_id}", self.portal_url, case_kind.path());
        if v.checkout_url.is_empty() {
            v.checkout_url = v.status_url.clone();
        }
        if kind == NoticeKind::CertificateReady {
            // The verification URL proves the certificate to others; its
            // holder shows and saves it (PDF, QR code) on the portal.
            v.certificate_url = format!("{}#certificate", v.status_url);
        } else if v.certificate_url.is_empty() {
            v.certificate_url = v.status_url.clone();
        }
        if v.registration_number.is_empty() {
            v.registration_number = r.registration_number.clone().unwrap_or_default();
        }
        v.case_id = case_id.to_string();
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
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::Utc;
    use domain::catalogue::Catalogue;
    use domain::money::Fee;
    use domain::payment::Checkout;

    use super::super::Templates;
    use super::*;

    fn producer() -> NotificationProducer {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../templates/mail");
        NotificationProducer::new(
            Arc::new(Templates::load(&dir).unwrap()),
            domain::catalogue::InForce::new(Catalogue::default()),
            "https://shikaku.example.jp/",
        )
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

    fn exam(e: ExaminationEvent) -> CaseEvent {
        CaseEvent::Registration(RegistrationEvent::Examination(e))
    }

    #[test]
    fn each_event_the_applicant_must_know_of_has_its_notice() {
        let p = producer();
        let id = Uuid::parse_str("6a0c4f7e-2b1d-4c3e-9f00-000000000001").unwrap();
        let refund = exam(ExaminationEvent::Payment(PaymentEvent::RefundIssued {
            refund_id: "re_1".into(),
            amount: 12320,
            at: Utc::now(),
        }));
        let (kind, v) = p.notice(id, &refund, &holder()).unwrap();
        assert_eq!(kind, NoticeKind::RefundIssued);
        assert_eq!(v.refund, "12,320");
        assert_eq!(
            v.status_url,
            "https://shikaku.example.jp/portal/registrations/6a0c4f7e-2b1d-4c3e-9f00-000000000001"
        );
        let certificate = CaseEvent::Registration(RegistrationEvent::CertificateIssued {
            certificate_id: Uuid::nil(),
            status_index: 1,
            kid: "k1".into(),
            issued_at: Utc::now(),
            token: "abc".into(),
            verification_url: "https://shikaku.example.jp/verify?c=abc".into(),
        });
        let (kind, v) = p.notice(id, &certificate, &holder()).unwrap();
        assert_eq!(kind, NoticeKind::CertificateReady);
        assert_eq!(
            v.certificate_url,
            "https://shikaku.example.jp/portal/registrations/6a0c4f7e-2b1d-4c3e-9f00-000000000001#certificate",
            "the holder saves the certificate on the portal"
        );
        let own = producer().with_portal_url("https://myna.example.jp/shikaku/");
        let (_, v) = own.notice(id, &refund, &holder()).unwrap();
        assert_eq!(
            v.status_url,
            "https://myna.example.jp/shikaku/registrations/6a0c4f7e-2b1d-4c3e-9f00-000000000001"
        );
        assert_eq!(v.registration_number, "0000001");
        assert_eq!(
            p.message_id(id, 9),
            "<6a0c4f7e-2b1d-4c3e-9f00-000000000001.9@shikaku.example.jp>"
        );
        let checkout = exam(ExaminationEvent::Payment(PaymentEvent::CheckoutOpened {
            checkout: Checkout {
                session_id: "cs_1".into(),
                url: "https://pay.example/cs_1".into(),
                expires_at: None,
            },
            at: Utc::now(),
        }));
        let (kind, v) = p.notice(id, &checkout, &holder()).unwrap();
        assert_eq!(kind, NoticeKind::PaymentRequested);
        assert_eq!(v.fee, "12,320");
        assert_eq!(v.checkout_url, "https://pay.example/cs_1");
        let free = Recipient {
            fee_total: 0,
            ..holder()
        };
        assert!(p.notice(id, &checkout, &free).is_none(), "nothing to pay");
        let fee = exam(ExaminationEvent::FeeAssessed {
            fee: Fee {
                licence_tax: 9000,
                handling_fee: 3320,
            },
        });
        assert!(
            p.notice(id, &fee, &holder()).is_none(),
            "the request waits for its link"
        );
        let linked = CaseEvent::Registration(RegistrationEvent::HolderLinked {
            owner: "tanaka".into(),
            my_number_ref: Uuid::nil(),
            at: Utc::now(),
        });
        let (kind, v) = p.notice(id, &linked, &holder()).unwrap();
        assert_eq!(kind, NoticeKind::HolderLinked, "a link is told");
        assert_eq!(v.registration_number, "0000001");
        let disputed = CaseEvent::Registration(RegistrationEvent::HolderLinkDisputed {
            qualification_code: "CARE_WORKER".into(),
            disputed_by: "someone".into(),
            reason: "not me".into(),
            at: Utc::now(),
        });
        assert!(p.notice(id, &disputed, &holder()).is_none());
        let undone = CaseEvent::Registration(RegistrationEvent::LinkDisputeResolved {
            unlinked: true,
            reason: "the linker is not the holder".into(),
            by: "senior".into(),
            at: Utc::now(),
        });
        let (kind, v) = p.notice(id, &undone, &holder()).unwrap();
        assert_eq!(
            kind,
            NoticeKind::LinkDisputeResolved,
            "a resolution is told"
        );
        assert!(v.unlinked);
        assert!(
            !v.message.contains("linker"),
            "the office's reasons stay inside"
        );
        let applied =
            CaseEvent::ChangeRequest(ChangeRequestEvent::ChangeApplied { at: Utc::now() });
        let (kind, v) = p.notice(id, &applied, &holder()).unwrap();
        assert_eq!(kind, NoticeKind::ChangeApplied);
        assert!(v.status_url.contains("/portal/change-requests/"));
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
