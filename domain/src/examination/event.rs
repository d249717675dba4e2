//! The events of the shared examination, fee and payment, and the status
//! each one leads to.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::paper::PaperRecord;
use super::{CaseStatus, Outcome, Proposal};
use crate::attachment::AttachmentRef;
use crate::money::Fee;
use crate::payment::PaymentEvent;
use crate::registry::{InquiryAnswer, InquiryOutcome};

/// Events of the shared examination, fee and payment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ExaminationEvent {
    FeeAssessed {
        fee: Fee,
    },
    PaymentSettled {
        payment_reference: String,
        amount: i64,
        at: DateTime<Utc>,
        /// Set when an examiner recorded a fee paid on paper.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        paper: Option<PaperRecord>,
    },
    PaymentDeclined {
        at: DateTime<Utc>,
    },
    RegistryInquiryAnswered {
        answer: InquiryAnswer,
        at: DateTime<Utc>,
    },
    ExaminerAssigned {
        examiner: String,
        by: String,
        at: DateTime<Utc>,
    },
    InformationRequested {
        reason_code: String,
        message: String,
        by: String,
        at: DateTime<Utc>,
    },
    ApplicantResponded {
        message: String,
        attachments: Vec<AttachmentRef>,
        at: DateTime<Utc>,
        /// Set when an examiner recorded a response that came by post.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        paper: Option<PaperRecord>,
    },
    DecisionProposed {
        proposal: Proposal,
        at: DateTime<Utc>,
    },
    DecisionApproved {
        outcome: Outcome,
        proposed_by: String,
        by: String,
        at: DateTime<Utc>,
    },
    /// A senior examiner sent the proposal back to its proposer, who
    /// examines the case again.
    ProposalReturned {
        proposed_by: String,
        reason: String,
        by: String,
        at: DateTime<Utc>,
    },
    ApplicationRejected {
        reason_code: String,
        at: DateTime<Utc>,
    },
    ApplicationWithdrawn {
        at: DateTime<Utc>,
        /// Set when an examiner recorded a withdrawal received in writing.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        paper: Option<PaperRecord>,
    },
    /// A flag the examiner must clear with a reason before the case can be
    /// approved (see [`super::flag`]); `related_cases` are the cases it concerns.
    FlagRaised {
        flag: String,
        #[serde(default)]
        related_cases: Vec<uuid::Uuid>,
        at: DateTime<Utc>,
    },
    /// The assigned examiner looked into a flag and cleared it, saying why.
    FlagCleared {
        flag: String,
        reason: String,
        by: String,
        at: DateTime<Utc>,
    },
    /// Checkout, mismatch and refund facts (see [`crate::payment`]).
    Payment(PaymentEvent),
}

impl ExaminationEvent {
    /// Whether the case enters examination with this event (paid, or free),
    /// which is when the registers are asked.
    pub fn starts_examination(&self) -> bool {
        match self {
            ExaminationEvent::FeeAssessed { fee } => fee.is_free(),
            ExaminationEvent::PaymentSettled { .. } => true,
            _ => false,
        }
    }

    /// When the case ended without a decision in its favour, if this event ends it.
    pub fn ends_case(&self) -> Option<DateTime<Utc>> {
        match self {
            ExaminationEvent::ApplicationRejected { at, .. }
            | ExaminationEvent::ApplicationWithdrawn { at, .. } => Some(*at),
            _ => None,
        }
    }

    /// The status a case has after this event, when the event changes it.
    pub fn status_after(&self) -> Option<CaseStatus> {
        Some(match self {
            ExaminationEvent::FeeAssessed { fee } if fee.is_free() => CaseStatus::UnderExamination,
            ExaminationEvent::FeeAssessed { .. } => CaseStatus::AwaitingPayment,
            ExaminationEvent::PaymentSettled { .. } => CaseStatus::UnderExamination,
            ExaminationEvent::RegistryInquiryAnswered { answer, .. }
                if answer.outcome == InquiryOutcome::DomicileUnresolved =>
            {
                CaseStatus::ActionRequired
            }
            ExaminationEvent::InformationRequested { .. } => CaseStatus::ActionRequired,
            ExaminationEvent::ApplicantResponded { .. } => CaseStatus::UnderExamination,
            ExaminationEvent::DecisionApproved {
                outcome: Outcome::Approve,
                ..
            } => CaseStatus::Approved,
            ExaminationEvent::ApplicationRejected { .. } => CaseStatus::Rejected,
            ExaminationEvent::ApplicationWithdrawn { .. } => CaseStatus::Withdrawn,
            _ => return None,
        })
    }

    /// The event's type name.
    pub fn event_type(&self) -> &'static str {
        match self {
            ExaminationEvent::FeeAssessed { .. } => "FeeAssessed",
            ExaminationEvent::PaymentSettled { .. } => "PaymentSettled",
            ExaminationEvent::PaymentDeclined { .. } => "PaymentDeclined",
            ExaminationEvent::RegistryInquiryAnswered { .. } => "RegistryInquiryAnswered",
            ExaminationEvent::ExaminerAssigned { .. } => "ExaminerAssigned",
            ExaminationEvent::InformationRequested { .. } => "InformationRequested",
            ExaminationEvent::ApplicantResponded { .. } => "ApplicantResponded",
            ExaminationEvent::DecisionProposed { .. } => "DecisionProposed",
            ExaminationEvent::DecisionApproved { .. } => "DecisionApproved",
            ExaminationEvent::ProposalReturned { .. } => "ProposalReturned",
            ExaminationEvent::ApplicationRejected { .. } => "ApplicationRejected",
            ExaminationEvent::ApplicationWithdrawn { .. } => "ApplicationWithdrawn",
            ExaminationEvent::FlagRaised { .. } => "FlagRaised",
            ExaminationEvent::FlagCleared { .. } => "FlagCleared",
            ExaminationEvent::Payment(p) => p.event_type(),
        }
    }
}
