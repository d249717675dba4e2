//! One event of every variant of each case's events, for the tests of their
//! stored form.

use chrono::{Duration, NaiveDate};

use super::fixtures::*;
use crate::attachment::AttachmentRef;
use crate::catalogue::Procedure;
use crate::change_request::{ChangeRequestEvent, DeletionReason, MatterChanges};
use crate::examination::paper::PaperRecord;
use crate::examination::{CaseStatus, ExaminationEvent, Outcome, Proposal};
use crate::payment::{Checkout, PaymentEvent};
use crate::registration::{Channel, RegistrationEvent};
use crate::registry::{InquiryAnswer, InquiryOutcome};
use crate::sanction::{SanctionDetails, SanctionEvent, SanctionKind};

fn paper() -> Option<PaperRecord> {
    Some(PaperRecord {
        received_on: today(),
        recorded_by: "ex-1".into(),
    })
}

fn payments() -> Vec<PaymentEvent> {
    vec![
        PaymentEvent::CheckoutOpened {
            checkout: Checkout {
                session_id: "cs_1".into(),
                url: "https://pay.example/cs_1".into(),
                expires_at: Some(due()),
            },
            at: at(),
        },
        PaymentEvent::CheckoutExpired {
            session_id: "cs_1".into(),
            at: at(),
        },
        PaymentEvent::PaymentMismatchFlagged {
            session_id: "cs_2".into(),
            amount: 100,
            currency: "usd".into(),
            at: at(),
        },
        PaymentEvent::RefundRequested {
            amount: 12320,
            payment_reference: "pi_1".into(),
            at: at(),
        },
        PaymentEvent::RefundIssued {
            refund_id: "re_1".into(),
            amount: 12320,
            at: at(),
        },
    ]
}

/// Every examination event (with and without its optional parts).
pub(crate) fn examination_events() -> Vec<ExaminationEvent> {
    let mut events = vec![
        ExaminationEvent::FeeAssessed {
            fee: REGISTRATION_FEE,
        },
        settled(REGISTRATION_FEE),
        ExaminationEvent::PaymentSettled {
            payment_reference: "paper-1".into(),
            amount: 12320,
            at: at(),
            paper: paper(),
        },
        ExaminationEvent::PaymentDeclined { at: at() },
        ExaminationEvent::RegistryInquiryAnswered {
            answer: InquiryAnswer {
                outcome: InquiryOutcome::Mismatch,
                differences: vec!["address".into()],
            },
            at: at(),
        },
        assigned(&examiner()),
        ExaminationEvent::InformationRequested {
            reason_code: "MISSING_DOCUMENT".into(),
            message: "写しを送ってください".into(),
            by: "ex-1".into(),
            at: at(),
        },
        ExaminationEvent::ApplicantResponded {
            message: "送りました".into(),
            attachments: vec![AttachmentRef {
                id: id(7),
                sha256: "ab".repeat(32),
                content_type: "application/pdf".into(),
                size: 1024,
            }],
            at: at(),
            paper: None,
        },
        ExaminationEvent::ApplicantResponded {
            message: String::new(),
            attachments: vec![],
            at: at(),
            paper: paper(),
        },
        ExaminationEvent::DecisionProposed {
            proposal: Proposal {
                outcome: Outcome::Reject,
                reason_code: Some("NOT_ELIGIBLE".into()),
                note: "要件を満たさない".into(),
                by: "ex-1".into(),
            },
            at: at(),
        },
        approved(&examiner(), &senior(), Outcome::Approve),
        ExaminationEvent::ProposalReturned {
            proposed_by: "ex-1".into(),
            reason: "再確認".into(),
            by: "sr-1".into(),
            at: at(),
        },
        ExaminationEvent::ApplicationRejected {
            reason_code: "NOT_ELIGIBLE".into(),
            at: at(),
        },
        ExaminationEvent::ApplicationWithdrawn {
            at: at(),
            paper: None,
        },
        ExaminationEvent::ApplicationWithdrawn {
            at: at(),
            paper: paper(),
        },
        ExaminationEvent::FlagRaised {
            flag: "DUPLICATE_MY_NUMBER".into(),
            related_cases: vec![id(8)],
            at: at(),
        },
        ExaminationEvent::FlagCleared {
            flag: "DUPLICATE_MY_NUMBER".into(),
            reason: "別人".into(),
            by: "ex-1".into(),
            at: at(),
        },
    ];
    events.extend(payments().into_iter().map(ExaminationEvent::Payment));
    events
}

/// Every registration event, the examination's included.
pub(crate) fn registration_events() -> Vec<RegistrationEvent> {
    let valid_until = NaiveDate::from_ymd_opt(2031, 3, 31).unwrap();
    let mut events = vec![
        RegistrationEvent::ApplicationSubmitted {
            qualification_code: CARE.into(),
            applicant: Box::new(applicant()),
            my_number_ref: id(1),
            channel: Channel::Online,
            owner: Some(HOLDER.into()),
            entered_by: HOLDER.into(),
            submitted_at: at(),
            due_at: due(),
        },
        RegistrationEvent::Registered {
            qualification_code: CARE.into(),
            registration_number: "0000001".into(),
            registered_on: today(),
            family_name: "山田".into(),
            given_name: "花子".into(),
            valid_until: None,
        },
        RegistrationEvent::Registered {
            qualification_code: MANAGER.into(),
            registration_number: "0000002".into(),
            registered_on: today(),
            family_name: "山田".into(),
            given_name: "花子".into(),
            valid_until: Some(valid_until),
        },
        RegistrationEvent::RegistrationImported {
            qualification_code: CARE.into(),
            registration_number: "0000003".into(),
            registered_on: today(),
            holder: Box::new(applicant()),
            at: at(),
        },
        RegistrationEvent::HolderLinked {
            owner: HOLDER.into(),
            my_number_ref: id(1),
            at: at(),
        },
        RegistrationEvent::HolderLinkDisputed {
            qualification_code: CARE.into(),
            disputed_by: "mallory".into(),
            reason: "私の登録です".into(),
            at: at(),
        },
        RegistrationEvent::LinkDisputeResolved {
            unlinked: true,
            reason: "本人確認済み".into(),
            by: "sr-1".into(),
            at: at(),
        },
        RegistrationEvent::ChangeRequestFiled {
            request_id: id(2),
            details: Box::new(request(Procedure::ChangeName)),
            at: at(),
        },
        RegistrationEvent::RegisteredMattersChanged {
            request_id: id(2),
            changes: MatterChanges {
                family_name: Some("佐藤".into()),
                ..Default::default()
            },
            at: at(),
        },
        RegistrationEvent::CertificateReissueRequested {
            request_id: id(3),
            at: at(),
        },
        RegistrationEvent::RegistrationDeleted {
            request_id: id(4),
            reason: Some(DeletionReason::Death),
            at: at(),
        },
        RegistrationEvent::ChangeRequestClosed {
            request_id: id(2),
            at: at(),
        },
        RegistrationEvent::CertificateIssued {
            certificate_id: id(5),
            status_index: 42,
            kid: "k1".into(),
            issued_at: at(),
            token: "0oQ".into(),
            verification_url: "https://example.jp/verify?c=0oQ".into(),
        },
        RegistrationEvent::RegistrationSuspended {
            sanction_id: id(6),
            from: today(),
            until: today() + Duration::days(30),
            at: at(),
        },
        RegistrationEvent::SuspensionLifted {
            sanction_id: id(6),
            at: at(),
        },
        RegistrationEvent::RegistrationRevoked {
            sanction_id: id(6),
            on: today(),
            barred_until: Some(today() + Duration::days(730)),
            at: at(),
        },
        RegistrationEvent::RegistrationRenewed {
            request_id: id(9),
            previous_valid_until: Some(today()),
            valid_until,
            revived_as: Some(CaseStatus::Registered),
            at: at(),
        },
        RegistrationEvent::RenewalReminded {
            valid_until,
            days_before: 30,
            at: at(),
        },
        RegistrationEvent::RegistrationExpired {
            valid_until,
            at: at(),
        },
        RegistrationEvent::EndorsementAdded {
            request_id: id(10),
            code: "E1".into(),
            name_ja: "認定".into(),
            name_en: "Certified".into(),
            at: at(),
        },
        RegistrationEvent::EndorsementRemoved {
            request_id: id(10),
            code: "E1".into(),
            name_ja: "認定".into(),
            name_en: "Certified".into(),
            at: at(),
        },
    ];
    events.extend(
        examination_events()
            .into_iter()
            .map(RegistrationEvent::Examination),
    );
    events
}

/// Every change request event, the examination's included.
pub(crate) fn change_request_events() -> Vec<ChangeRequestEvent> {
    let mut events = vec![
        ChangeRequestEvent::ChangeRequested {
            registration_id: id(1),
            qualification_code: CARE.into(),
            holder: Some(HOLDER.into()),
            details: Box::new(request(Procedure::ChangeAddress)),
            submitted_at: at(),
            due_at: due(),
        },
        ChangeRequestEvent::ChangeApplied { at: at() },
        ChangeRequestEvent::ChangeFailed {
            reason_code: "REGISTRATION_DELETED".into(),
            at: at(),
        },
    ];
    events.extend(
        examination_events()
            .into_iter()
            .map(ChangeRequestEvent::Examination),
    );
    events
}

/// Every sanction event, the examination's included.
pub(crate) fn sanction_events() -> Vec<SanctionEvent> {
    let mut events = vec![
        SanctionEvent::SanctionOpened {
            registration_id: id(1),
            qualification_code: CARE.into(),
            holder: None,
            details: Box::new(SanctionDetails {
                kind: SanctionKind::Suspension,
                reason: "名称の不正使用".into(),
                legal_basis: "第42条第2項".into(),
                starts_on: today(),
                ends_on: Some(today() + Duration::days(30)),
                opened_by: "ex-1".into(),
            }),
            submitted_at: at(),
            due_at: due(),
        },
        SanctionEvent::SanctionApplied { at: at() },
        SanctionEvent::SanctionFailed {
            reason_code: "NOT_ON_REGISTER".into(),
            at: at(),
        },
    ];
    events.extend(
        examination_events()
            .into_iter()
            .map(SanctionEvent::Examination),
    );
    events
}
