//! The commands every case type takes, and who may see and act on a case.

use chrono::{DateTime, Utc};

use super::paper::PaperCommand;
use super::Outcome;
use crate::attachment::AttachmentRef;
use crate::payment::PaymentCommand;
use crate::registry::InquiryAnswer;
use crate::{Actor, DomainError, Role};

/// The commands every case type takes, decided by [`Examination::decide`].
#[derive(Debug, Clone)]
pub enum ExaminationCommand {
    /// The gateway reports the fee paid.
    SettlePayment {
        payment_reference: String,
        amount: i64,
        at: DateTime<Utc>,
    },
    /// The gateway reports the payment declined.
    DeclinePayment { at: DateTime<Utc> },
    /// A checkout, mismatch or refund report from the payment workers.
    Payment(PaymentCommand),
    /// The registers answered the inquiry.
    RecordInquiry {
        answer: InquiryAnswer,
        at: DateTime<Utc>,
    },
    /// Claim or reassign the case.
    Assign {
        examiner: String,
        actor: Actor,
        at: DateTime<Utc>,
    },
    /// Ask the applicant for information.
    RequestInformation {
        reason_code: String,
        message: String,
        actor: Actor,
        at: DateTime<Utc>,
    },
    /// The applicant answers.
    Respond {
        message: String,
        attachments: Vec<AttachmentRef>,
        actor: Actor,
        at: DateTime<Utc>,
    },
    /// Propose a decision.
    ProposeDecision {
        outcome: Outcome,
        reason_code: Option<String>,
        note: String,
        actor: Actor,
        at: DateTime<Utc>,
    },
    /// A senior examiner confirms the proposal.
    ApproveDecision { actor: Actor, at: DateTime<Utc> },
    /// A senior examiner sends the proposal back to its proposer, saying why.
    ReturnProposal {
        reason: String,
        actor: Actor,
        at: DateTime<Utc>,
    },
    /// The applicant withdraws.
    Withdraw { actor: Actor, at: DateTime<Utc> },
    /// The assigned examiner records what a paper applicant sent by post.
    Paper(PaperCommand),
    /// The assigned examiner clears a flag that stops approval, saying why.
    ClearFlag {
        flag: String,
        reason: String,
        actor: Actor,
        at: DateTime<Utc>,
    },
}

impl ExaminationCommand {
    /// The person acting, when a person acts (gateways and registers do not).
    pub fn actor(&self) -> Option<&Actor> {
        use ExaminationCommand as C;
        match self {
            C::Assign { actor, .. }
            | C::RequestInformation { actor, .. }
            | C::Respond { actor, .. }
            | C::ProposeDecision { actor, .. }
            | C::ApproveDecision { actor, .. }
            | C::ReturnProposal { actor, .. }
            | C::Withdraw { actor, .. }
            | C::ClearFlag { actor, .. } => Some(actor),
            C::Paper(paper) => Some(paper.actor()),
            C::SettlePayment { .. }
            | C::DeclinePayment { .. }
            | C::RecordInquiry { .. }
            | C::Payment(_) => None,
        }
    }
}

/// Hides a case from applicants other than its owner: for them it does not exist.
pub fn check_visible(owner: Option<&str>, actor: &Actor) -> Result<(), DomainError> {
    if actor.role == Role::Applicant && owner != Some(actor.id.as_str()) {
        return Err(DomainError::NotFound);
    }
    Ok(())
}

/// Only the owning applicant may respond or withdraw.
pub fn require_owner(owner: Option<&str>, actor: &Actor) -> Result<(), DomainError> {
    if actor.role == Role::Applicant && owner == Some(actor.id.as_str()) {
        Ok(())
    } else {
        Err(DomainError::WrongRole)
    }
}
